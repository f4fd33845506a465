//! `needmap scenario new|show|list|apply|compare`, and `--scenario` for
//! every command that reads services.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use needmap::gaps::{Catchment, GapContext, GapQuery, Method, Mode, Thresholds, Travel};
use needmap::report::{Cell, Format, Report};
use needmap::scenario::{id_from_name, Applied, Comparison, Scenario, ScenarioStore};

use super::DataArgs;

/// `--scenario` and `--scenarios` for commands that read services.
#[derive(Args, Clone, Default)]
pub struct ScenarioArgs {
    /// Run on a what-if scenario: a scenario .json file, or the id of one in the scenarios folder.
    #[arg(long, value_name = "ID|FILE")]
    pub scenario: Option<String>,
    /// Scenarios folder (default: <data dir>/scenarios).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
}

impl ScenarioArgs {
    /// The store named by `--scenarios`, else the dataset's default folder.
    pub fn store(&self, engine: &needmap::Engine) -> anyhow::Result<ScenarioStore> {
        let dir = self.scenarios.clone().unwrap_or_else(|| ScenarioStore::default_dir(&engine.data_dir));
        Ok(ScenarioStore::open(&dir)?)
    }

    /// Read a scenario given as a file path or as an id in the store.
    pub fn read(&self, engine: &needmap::Engine, name: &str) -> anyhow::Result<Scenario> {
        let path = Path::new(name);
        let looks_like_file = name.ends_with(".json") || name.contains('/') || name.contains('\\');
        if looks_like_file || (path.is_file() && !needmap::scenario::valid_id(name)) {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read scenario file {name}"))?;
            return Ok(Scenario::from_json(&text, name)?);
        }
        Ok(self.store(engine)?.get(name)?)
    }

    /// The engine to work on: the baseline, or the scenario's when
    /// `--scenario` is given (its warnings go to standard error).
    pub fn engine(&self, base: needmap::Engine) -> anyhow::Result<(needmap::Engine, Option<Scenario>)> {
        let Some(name) = &self.scenario else { return Ok((base, None)) };
        let scenario = self.read(&base, name)?;
        let applied = scenario.apply(&base)?;
        report_applied(&scenario, &applied);
        Ok((applied.engine, Some(scenario)))
    }
}

fn report_applied(scenario: &Scenario, applied: &Applied) {
    eprintln!("scenario `{}` ({}), version {}: {} edit(s)", scenario.id, scenario.name, scenario.version, scenario.edits.len());
    for w in &applied.warnings {
        eprintln!("warning: {w}");
    }
}

#[derive(Subcommand)]
pub enum ScenarioCommand {
    /// Save a new, empty scenario (edit its JSON file, or use the web app).
    #[command(after_help = "Examples:\n  needmap scenario new \"Extra family hub in Bowling\"\n  needmap scenario new \"Close two libraries\" --id close-libraries --author \"J Smith\"")]
    New(NewArgs),
    /// Print a saved scenario's JSON.
    #[command(after_help = "Examples:\n  needmap scenario show hub-in-bowling")]
    Show(OneArgs),
    /// List the saved scenarios.
    #[command(after_help = "Examples:\n  needmap scenario list\n  needmap scenario list --scenarios /shared/scenarios")]
    List(ListArgs),
    /// Check and apply a scenario: warnings, the changed services, provision; -o writes its service points as CSV.
    #[command(after_help = "Examples:\n  needmap scenario apply hub-in-bowling\n  needmap scenario apply my-scenario.json --level ward\n  needmap scenario apply hub-in-bowling -o scenario-services.csv\n\nSites of sensitive categories are never written or located.")]
    Apply(ApplyArgs),
    /// Baseline against scenario per area (nearest time, access, coverage, unmet need, gap class and rank), with the summary in words.
    #[command(after_help = "Examples:\n  needmap scenario compare hub-in-bowling --category family_hub --level ward\n  needmap scenario compare hub-in-bowling --category family_hub --method nearest --level ward --format table\n  needmap scenario compare plan.json --category library --level lsoa --format json > compare.json\n\nStatus per area: improved when unmet need falls, worse when it rises; when unmet need is\nunchanged, by access (higher is better); else unchanged.")]
    Compare(CompareArgs),
}

#[derive(Args)]
pub struct NewArgs {
    /// Title of the scenario.
    pub name: String,
    /// Id (file name); default made from the name.
    #[arg(long)]
    pub id: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub author: Option<String>,
    #[command(flatten)]
    pub folder: FolderArgs,
}

#[derive(Args)]
pub struct OneArgs {
    /// Scenario id, or a scenario .json file.
    pub scenario: String,
    #[command(flatten)]
    pub folder: FolderArgs,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub folder: FolderArgs,
}

/// Where scenarios are kept.
#[derive(Args)]
pub struct FolderArgs {
    /// Scenarios folder (default: <data dir>/scenarios).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}

impl FolderArgs {
    fn args(&self, scenario: Option<&str>) -> ScenarioArgs {
        ScenarioArgs { scenario: scenario.map(String::from), scenarios: self.scenarios.clone() }
    }

    /// The scenarios folder without loading the dataset.
    fn store(&self) -> anyhow::Result<ScenarioStore> {
        let dir = match &self.scenarios {
            Some(d) => d.clone(),
            None => ScenarioStore::default_dir(&needmap::dataset::locate(self.data.data.as_deref())?.data_dir),
        };
        Ok(ScenarioStore::open(&dir)?)
    }
}

#[derive(Args)]
pub struct ApplyArgs {
    /// Scenario id, or a scenario .json file.
    pub scenario: String,
    /// Level of the provision counts printed.
    #[arg(long, default_value = "ward")]
    pub level: String,
    /// Write the scenario's service points (non-sensitive) as CSV.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing output file.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub folder: FolderArgs,
}

#[derive(Args)]
pub struct CompareArgs {
    /// Scenario id, or a scenario .json file.
    pub scenario: String,
    /// Service category (ids from dataset.toml).
    #[arg(long)]
    pub category: String,
    /// Access measure.
    #[arg(long, value_enum, default_value = "2sfca")]
    pub method: Method,
    /// Output level.
    #[arg(long, default_value = "ward")]
    pub level: String,
    /// Need indicator (default: the manifest's for the category).
    #[arg(long)]
    pub indicator: Option<String>,
    /// Floating catchment as a distance in km.
    #[arg(long, default_value_t = 2.0, conflicts_with = "catchment_min")]
    pub catchment_km: f64,
    /// Floating catchment as a travel time in minutes instead.
    #[arg(long)]
    pub catchment_min: Option<f64>,
    /// Walking or driving times.
    #[arg(long, value_enum, default_value = "walk")]
    pub travel: Travel,
    /// Coverage thresholds.
    #[arg(long, default_value = "800m,1.6km,10min,20min")]
    pub thresholds: String,
    /// Nearest method: minutes beyond which people in need lack access.
    #[arg(long, value_name = "MINUTES")]
    pub unmet_min: Option<f64>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    #[command(flatten)]
    pub folder: FolderArgs,
}

pub fn run(command: &ScenarioCommand) -> anyhow::Result<ExitCode> {
    match command {
        ScenarioCommand::New(a) => new(a),
        ScenarioCommand::Show(a) => {
            let s = match a.scenario.ends_with(".json") {
                true => {
                    let text = std::fs::read_to_string(&a.scenario).with_context(|| format!("cannot read {}", a.scenario))?;
                    Scenario::from_json(&text, &a.scenario)?
                }
                false => a.folder.store()?.get(&a.scenario)?,
            };
            println!("{}", s.to_json());
            Ok(ExitCode::SUCCESS)
        }
        ScenarioCommand::List(a) => list(a),
        ScenarioCommand::Apply(a) => apply(a),
        ScenarioCommand::Compare(a) => compare(a),
    }
}

fn new(a: &NewArgs) -> anyhow::Result<ExitCode> {
    let store = a.folder.store()?;
    let id = a.id.clone().unwrap_or_else(|| id_from_name(&a.name));
    let mut s = Scenario::new(&id, &a.name);
    s.description = a.description.clone();
    s.author = a.author.clone();
    let saved = store.create(s)?;
    eprintln!("saved scenario `{}` (version {}) as {}", saved.id, saved.version, store.path_of(&saved.id)?.display());
    println!("{}", saved.id);
    Ok(ExitCode::SUCCESS)
}

fn list(a: &ListArgs) -> anyhow::Result<ExitCode> {
    let store = a.folder.store()?;
    let (scenarios, problems) = store.list_with_problems()?;
    let report = Report {
        columns: ["id", "name", "version", "edits", "updated", "author"].map(String::from).to_vec(),
        rows: scenarios
            .iter()
            .map(|s| {
                vec![
                    Cell::Text(Some(s.id.clone())),
                    Cell::Text(Some(s.name.clone())),
                    Cell::Count(s.version),
                    Cell::Count(s.edits.len() as u64),
                    Cell::Text(s.updated.clone()),
                    Cell::Text(s.author.clone()),
                ]
            })
            .collect(),
    };
    report.write(Format::Table, &mut std::io::stdout().lock())?;
    eprintln!("{} scenario(s) in {}", scenarios.len(), store.dir().display());
    for p in &problems {
        eprintln!("error: {p}");
    }
    Ok(if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn apply(a: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let base = a.folder.data.load()?;
    let args = a.folder.args(Some(&a.scenario));
    let scenario = args.read(&base, &a.scenario)?;
    let applied = scenario.apply(&base)?;
    report_applied(&scenario, &applied);
    let level = base.level_index(&a.level).with_context(|| format!("--level {}: no such level", a.level))?;
    let changes = Report {
        columns: ["edit", "op", "id", "name", "category", "old_lon", "old_lat", "new_lon", "new_lat", "old_capacity", "new_capacity"]
            .map(String::from)
            .to_vec(),
        rows: applied
            .changed
            .iter()
            .map(|c| {
                let pt = |p: Option<[f64; 2]>, i: usize| Cell::Number(p.map(|p| p[i]));
                vec![
                    Cell::Count(c.edit as u64),
                    Cell::Text(Some(c.op.into())),
                    Cell::Text(Some(c.id.clone())),
                    Cell::Text(Some(c.name.clone())),
                    Cell::Text(Some(c.category.clone())),
                    pt(c.old, 0),
                    pt(c.old, 1),
                    pt(c.new, 0),
                    pt(c.new, 1),
                    Cell::Number(c.old_capacity),
                    Cell::Number(c.new_capacity),
                ]
            })
            .collect(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    changes.write(Format::Table, &mut out)?;
    let (b, s) = (&base.provision[level], &applied.engine.provision[level]);
    let total = |p: &needmap::analyse::Provision| p.total.iter().map(|&v| v as u64).sum::<u64>();
    use std::io::Write;
    writeln!(
        out,
        "services: {} in the baseline, {} in the scenario; counted in a {}: {} -> {}; outside every {}: {} -> {}",
        base.services.len(),
        applied.engine.services.len(),
        base.levels[level].id,
        total(b),
        total(s),
        base.levels[level].id,
        base.outside[level],
        applied.engine.outside[level]
    )?;
    let changed_areas = (0..base.levels[level].len()).filter(|&i| b.total[i] != s.total[i]).count();
    writeln!(out, "{changed_areas} {} area(s) have a different service count", base.levels[level].id)?;
    if let Some(path) = &a.output {
        let mut request = needmap::export::ExportRequest::new(&a.level);
        request.layer = needmap::export::Layer::Services;
        let written = needmap::export::write_files(&applied.engine, &request, needmap::export::Format::Csv, path, a.force)
            .with_context(|| format!("writing {} failed; nothing was written", path.display()))?;
        eprintln!(
            "wrote {} service point(s) to {} ({} sensitive site(s) withheld)",
            written.rows,
            path.display(),
            written.sensitive_withheld
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The gap query of `scenario compare`.
fn compare_query(a: &CompareArgs) -> anyhow::Result<GapQuery> {
    Ok(GapQuery {
        level: a.level.clone(),
        category: Some(a.category.clone()),
        indicator: a.indicator.clone(),
        method: a.method,
        catchment: match a.catchment_min {
            Some(m) => Catchment::Minutes(m),
            None => Catchment::Km(a.catchment_km),
        },
        mode: Mode::Estimated,
        travel: a.travel,
        thresholds: Thresholds::parse(&a.thresholds)?,
        unmet_minutes: a.unmet_min,
        ..GapQuery::default()
    })
}

fn compare(a: &CompareArgs) -> anyhow::Result<ExitCode> {
    let query = compare_query(a)?;
    let base = a.folder.data.load()?;
    let scenario = a.folder.args(None).read(&base, &a.scenario)?;
    let applied = scenario.apply(&base)?;
    report_applied(&scenario, &applied);
    let ctx = GapContext::new(&base, false)?;
    let comparison = needmap::scenario::compare(&base, &applied.engine, &ctx, &query)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    use std::io::Write;
    match a.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &comparison)?;
            writeln!(out)?;
        }
        f => {
            comparison_report(&comparison).write(f, &mut out)?;
            if f == Format::Table {
                writeln!(out)?;
                for s in &comparison.summary.sentences {
                    writeln!(out, "{s}")?;
                }
            } else {
                for s in &comparison.summary.sentences {
                    eprintln!("{s}");
                }
            }
        }
    }
    for n in &comparison.summary.notes {
        eprintln!("note: {n}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The per-area rows as a table (baseline, scenario, change per measure).
pub fn comparison_report(c: &Comparison) -> Report {
    let mut columns: Vec<String> = ["code", "name", "status", "population"].map(String::from).to_vec();
    let triple = |name: &str| [format!("{name}_baseline"), format!("{name}_scenario"), format!("{name}_change")];
    columns.extend(triple("nearest_min"));
    columns.extend(triple("access"));
    let thresholds: Vec<String> = c.rows.first().map(|r| r.coverage.iter().map(|t| t.threshold.clone()).collect()).unwrap_or_default();
    for t in &thresholds {
        columns.extend(triple(&format!("coverage_{t}")));
    }
    columns.extend(triple("unmet_need"));
    columns.extend(["gap_class_baseline", "gap_class_scenario", "gap_rank_baseline", "gap_rank_scenario"].map(String::from));
    let d = |row: &mut Vec<Cell>, v: &needmap::scenario::Delta| {
        row.extend([Cell::Number(v.baseline), Cell::Number(v.scenario), Cell::Number(v.change)]);
    };
    let rank = |r: Option<u32>| r.map(|r| Cell::Count(r as u64)).unwrap_or(Cell::Text(None));
    let rows = c
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                Cell::Text(Some(r.code.clone())),
                Cell::Text(Some(r.name.clone())),
                Cell::Text(Some(r.status.as_str().into())),
                Cell::Number(Some(r.population)),
            ];
            d(&mut row, &r.nearest_min);
            d(&mut row, &r.access);
            for t in &r.coverage {
                d(&mut row, &t.share);
            }
            d(&mut row, &r.unmet_need);
            row.extend([
                Cell::Text(Some(r.gap_class[0].clone())),
                Cell::Text(Some(r.gap_class[1].clone())),
                rank(r.gap_rank[0]),
                rank(r.gap_rank[1]),
            ]);
            row
        })
        .collect();
    Report { columns, rows }
}
