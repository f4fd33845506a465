//! `needmap print`: print-ready maps (PDF, PNG or SVG), one per Area Committee on request.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use needmap::export::{atomic, Disclosure};
use needmap::print::{self, Paper, PrintRequest, Theme};

use super::DataArgs;

/// File left in an `--all-committees` folder while the run is going: if it is
/// still there afterwards, the run was interrupted.
pub const INCOMPLETE_MARKER: &str = "INCOMPLETE-run-interrupted.txt";

/// Output file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PageFormat {
    Pdf,
    Png,
    Svg,
}

#[derive(Args)]
pub struct PrintArgs {
    /// Level of the areas drawn (e.g. ward, lsoa).
    #[arg(long, default_value = "ward")]
    pub level: String,
    /// Need indicator to map (default imd_score).
    #[arg(long, conflicts_with = "gap")]
    pub indicator: Option<String>,
    /// Map coverage gaps for --category instead of an indicator.
    #[arg(long, requires = "category")]
    pub gap: bool,
    /// Map need over time instead: the change class (need rose / no change / need fell) between two vintages FROM:TO of --series.
    #[arg(long, value_name = "FROM:TO", conflicts_with_all = ["gap", "indicator"])]
    pub change: Option<String>,
    /// Series of --change (default: the manifest's first series).
    #[arg(long, requires = "change")]
    pub series: Option<String>,
    /// Service category for --gap (its non-sensitive sites are drawn); with --change, its emerging gaps are outlined.
    #[arg(long)]
    pub category: Option<String>,
    /// Frame one Area Committee (constituency name or code): its wards labelled, the rest greyed.
    #[arg(long, conflicts_with = "all_committees")]
    pub area: Option<String>,
    /// Write one map per Area Committee into the folder given by -o.
    #[arg(long)]
    pub all_committees: bool,
    /// Level whose areas are the Area Committees.
    #[arg(long, default_value = "constituency")]
    pub committee_level: String,
    #[arg(long, value_enum, default_value = "a4")]
    pub paper: Paper,
    #[arg(long)]
    pub landscape: bool,
    /// Output file (or folder with --all-committees).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
    /// File type (default: from the extension of -o, else pdf).
    #[arg(long, value_enum)]
    pub format: Option<PageFormat>,
    /// Resolution of PNG output.
    #[arg(long, default_value_t = 150.0)]
    pub dpi: f32,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub subtitle: Option<String>,
    /// Suppress counts of people below this number.
    #[arg(long, default_value_t = needmap::export::DEFAULT_THRESHOLD, value_name = "N")]
    pub threshold: u32,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub scenario: super::scenario::ScenarioArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

fn format_of(args: &PrintArgs, path: &Path) -> PageFormat {
    args.format.unwrap_or_else(|| match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("png") => PageFormat::Png,
        Some("svg") => PageFormat::Svg,
        _ => PageFormat::Pdf,
    })
}

fn render(engine: &needmap::Engine, request: &PrintRequest, format: PageFormat, dpi: f32) -> anyhow::Result<(Vec<u8>, print::PrintedMap)> {
    let map = print::render_svg(engine, request)?;
    let bytes = match format {
        PageFormat::Pdf => print::pdf_from_svg(&map.svg)?,
        PageFormat::Png => print::png_from_svg(&map.svg, dpi)?,
        PageFormat::Svg => map.svg.clone().into_bytes(),
    };
    Ok((bytes, map))
}

fn save(path: &Path, bytes: &[u8], force: bool, map: &print::PrintedMap) -> anyhow::Result<()> {
    atomic::write_file(path, force, |w| Ok(w.write_all(bytes)?)).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!(
        "wrote {} ({} KB): \"{}\", {} labels, scale 1:{:.0}",
        path.display(),
        bytes.len() / 1024,
        map.title,
        map.labels_placed.len(),
        map.scale_denominator
    );
    if map.labels_dropped > 0 {
        tracing::info!("{} label(s) left out for lack of space", map.labels_dropped);
    }
    Ok(())
}

pub fn run(args: &PrintArgs) -> anyhow::Result<ExitCode> {
    let base = args.data.load()?;
    let scenario = args.scenario.scenario.as_ref().map(|name| args.scenario.read(&base, name)).transpose()?;
    let applied = scenario.as_ref().map(|s| s.apply(&base)).transpose()?;
    for w in applied.iter().flat_map(|a| &a.warnings) {
        eprintln!("warning: {w}");
    }
    let engine = applied.as_ref().map(|a| &a.engine).unwrap_or(&base);
    let theme = if let Some(change) = &args.change {
        let (from, to) = change
            .split_once(':')
            .ok_or_else(|| anyhow::anyhow!("--change `{change}`: give two vintages as FROM:TO, e.g. --change 2015:2025"))?;
        Theme::Change { series: args.series.clone(), from: from.trim().to_string(), to: to.trim().to_string() }
    } else if args.gap {
        let Some(category) = args.category.clone() else {
            bail!("--gap needs --category C");
        };
        Theme::Gap { category }
    } else {
        Theme::Indicator(args.indicator.clone())
    };
    let mut request = PrintRequest::new(&args.level, theme);
    request.committee_level = args.committee_level.clone();
    request.paper = args.paper;
    request.landscape = args.landscape;
    request.title = args.title.clone().or_else(|| scenario.as_ref().map(|s| format!("Scenario: {}", s.name)));
    request.subtitle = args.subtitle.clone();
    request.disclosure = Disclosure {
        threshold: args.threshold,
    };
    if let (Theme::Change { series, from, to }, Some(category)) = (&request.theme, &args.category) {
        // Emerging gaps outlined: need rose and access to the category in the lowest tercile.
        let change = needmap::report::need_change(
            engine,
            &needmap::report::ChangeQuery { series: series.clone(), from: from.clone(), to: to.clone(), level: args.level.clone() },
        )?;
        let query = needmap::gaps::GapQuery { level: args.level.clone(), category: Some(category.clone()), ..Default::default() };
        let gaps = needmap::gaps::compute(engine, &query)?;
        let mut table = needmap::report::area_report(engine, &args.level)?;
        needmap::report::emerging_gaps(&change, &gaps).append_emerging_column(&change, &mut table);
        request.table = Some(table);
        let label = engine.categories.get(category).map_or(category.as_str(), |c| c.label.as_str());
        request.notes.push(format!(
            "Emerging gaps (dashed): need rose {from} to {to} and access to {label} in the lowest third of areas at level `{}` ({} access, {} travel, default catchment).",
            args.level,
            gaps.query.method.as_str(),
            gaps.query.travel.as_str()
        ));
    }
    if args.gap {
        let gaps = super::export::gaps_table(engine, &args.level, args.category.as_deref(), None, None)?;
        request.table = Some(gaps.report);
        request.notes.push(gaps.description);
    }
    if let (Some(s), Some(a), Some(category)) = (&scenario, &applied, &args.category) {
        // The committee summary of the scenario, as a table under the map.
        let query = needmap::gaps::GapQuery { level: args.level.clone(), category: Some(category.clone()), ..Default::default() };
        let ctx = needmap::gaps::GapContext::new(&base, false)?;
        let comparison = needmap::scenario::compare(&base, &a.engine, &ctx, &query)?;
        // The figures go in the table; the notes keep the areas named.
        let printed = needmap::scenario::printed_summary(&base, &s.name, &comparison);
        request.notes.push(format!("Scenario `{}` (version {}) against the baseline, {}:", s.id, s.version, category));
        request.notes.extend(printed.notes);
        request.summary = Some(printed.table);
    }

    if args.all_committees {
        let dir = &args.output;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
        let format = args.format.unwrap_or(PageFormat::Pdf);
        let ext = match format {
            PageFormat::Pdf => "pdf",
            PageFormat::Png => "png",
            PageFormat::Svg => "svg",
        };
        let committees = print::committee_areas(engine, &args.committee_level)?;
        // Check every target first so that nothing is half done.
        let targets: Vec<PathBuf> = committees.iter().map(|(_, name)| dir.join(format!("{}.{ext}", print::slug(name)))).collect();
        let marker = dir.join(INCOMPLETE_MARKER);
        if marker.exists() && !args.force {
            bail!(
                "{} says an earlier run into this folder was interrupted, so its maps may be missing or mixed; run again with --force to redo them all",
                marker.display()
            );
        }
        for t in &targets {
            atomic::check_target(t, args.force)?;
        }
        // The marker stays if this run is interrupted (even by kill -9).
        let started = needmap::export::provenance::now_rfc3339();
        let note = |done: usize| {
            format!(
                "needmap print --all-committees started at {started} and has not finished:\n\
                 {done} of {} maps written. If no needmap run is still going, it was interrupted:\n\
                 run it again with --force to redo every map.\n",
                committees.len()
            )
        };
        atomic::write_file(&marker, true, |w| Ok(w.write_all(note(0).as_bytes())?))
            .with_context(|| format!("cannot write {}", marker.display()))?;
        for (i, ((code, name), target)) in committees.iter().zip(&targets).enumerate() {
            tracing::info!("rendering {name} ({}/{})", i + 1, committees.len());
            let mut r = request.clone();
            r.area = Some(code.clone());
            let (bytes, map) = render(engine, &r, format, args.dpi)?;
            save(target, &bytes, args.force, &map)?;
            atomic::write_file(&marker, true, |w| Ok(w.write_all(note(i + 1).as_bytes())?))
                .with_context(|| format!("cannot write {}", marker.display()))?;
        }
        std::fs::remove_file(&marker).with_context(|| format!("cannot remove {}", marker.display()))?;
        eprintln!("{} maps written to {}", committees.len(), dir.display());
        return Ok(ExitCode::SUCCESS);
    }

    request.area = args.area.clone();
    let format = format_of(args, &args.output);
    tracing::info!("rendering {} map of {} on {}", args.level, args.area.as_deref().unwrap_or("the district"), args.paper.as_str());
    let (bytes, map) = render(engine, &request, format, args.dpi)?;
    save(&args.output, &bytes, args.force, &map)?;
    Ok(ExitCode::SUCCESS)
}
