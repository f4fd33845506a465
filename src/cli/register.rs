//! `needmap register init|import|dedupe|changes` (and the submission
//! commands of `submissions.rs`): the partners' service register.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use needmap::dataset::DatasetLocation;
use needmap::load::{Diagnostics, Postcodes};
use needmap::register::{plan_import, seed_services, DedupeRule, Placer, Register, RegisteredService};
use needmap::report::{Cell, Format, Report};

use super::DataArgs;

#[derive(Subcommand)]
pub enum RegisterCommand {
    /// Create the register (a GeoPackage) from the manifest's service files.
    #[command(after_help = "Examples:\n  needmap register init\n  needmap register init --out /tmp/register.gpkg --force\n\nThe file is the manifest's [register] file, else <data dir>/register.gpkg. Name it under\n[register] file = \"register.gpkg\" in dataset.toml and every command reads services from it.")]
    Init(InitArgs),
    /// Add services from a CSV (name, category, and coordinates or a postcode), all or none.
    #[command(after_help = "Examples:\n  needmap register import new-services.csv\n  needmap register import new-services.csv --skip-bad --who \"J Smith\"\n  needmap register import new-services.csv --dry-run\n\nColumns: name, category (required); id, subcategory, tier, capacity, status, postcode, lon/lat or\neasting/northing, opening_hours, contact, partner, source, source_id. A row with only a postcode is\nplaced at the postcode's centroid (located_by = postcode); postcodes not in [postcodes] are listed.")]
    Import(ImportArgs),
    /// Find duplicate services (same or compatible category, near or same postcode, similar names); --apply merges them.
    #[command(after_help = "Examples:\n  needmap register dedupe\n  needmap register dedupe --format csv -o candidates.csv\n  needmap register dedupe --apply --who \"J Smith\"\n\nRule: README \"Service register\"; [register.dedupe] in dataset.toml sets radius_m, min_similarity,\ncompatible categories and extra stop words. Services more than 200 m apart are never merged.")]
    Dedupe(DedupeArgs),
    /// Print the audit log (who changed which service when).
    #[command(after_help = "Examples:\n  needmap register changes\n  needmap register changes --service bd-00012")]
    Changes(ChangesArgs),
    /// Upload a partner's CSV or XLSX as a draft submission: prints the column match and the validation report.
    #[command(after_help = "Examples:\n  needmap register submit services.xlsx --org carers-trust --who \"A Partner\"\n  needmap register submit services.csv --org carers-trust --column postcode=\"Site PC\"\n  needmap register submit book.xlsx --org carers-trust --sheet \"Services 2026\" --dry-run\n\nColumns are matched forgivingly (\"Post Code\", \"PCODE\", \"Service name\", ...); at most 20 MB and 50,000 rows.\nNothing enters the register until a reviewer publishes the draft.")]
    Submit(super::submissions::SubmitArgs),
    /// List the submissions (drafts, submitted, published, rejected).
    Submissions(super::submissions::ListArgs),
    /// Show one submission: column match, every message by row and field, duplicates side by side.
    Submission(super::submissions::ShowArgs),
    /// Replace fields of one row of a draft and validate it again.
    #[command(after_help = "Examples:\n  needmap register fix 3 --row 7 --set postcode=\"BD7 1LG\"\n  needmap register fix 3 --row 9 --set category=pharmacy --set tier=")]
    Fix(super::submissions::FixArgs),
    /// Decide a row: keep (a new service despite duplicates), skip, merge:SERVICE_ID, or clear.
    #[command(after_help = "Examples:\n  needmap register decide 3 --row 12 merge:nhs-b83001\n  needmap register decide 3 --row 13 skip")]
    Decide(super::submissions::DecideArgs),
    /// Send a draft for review (the partner's step).
    Send(super::submissions::SendArgs),
    /// Publish a submission into the register (one transaction; the reviewer is recorded).
    #[command(after_help = "Examples:\n  needmap register publish 3 --who \"J Reviewer\"\n  needmap register publish 3 --who \"J Reviewer\" --exclude-blocking\n\nRows with errors and undecided duplicates block publication: fix or decide them, or\ngive --exclude-blocking to leave them all out (listed in the audit log).")]
    Publish(super::submissions::PublishArgs),
    /// Reject a submission, with a reason.
    Reject(super::submissions::RejectArgs),
    /// Test aid: N writes, each its own transaction, printing `committed <id>` after each commit.
    #[command(hide = true)]
    WriteTest(WriteTestArgs),
}

/// The register file: --register, else the manifest's, else <data>/register.gpkg.
#[derive(Args, Clone)]
pub struct RegisterFileArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The register file (default: the manifest's [register] file, else <data dir>/register.gpkg).
    #[arg(long, value_name = "FILE")]
    pub register: Option<PathBuf>,
}

impl RegisterFileArgs {
    pub(super) fn locate(&self) -> anyhow::Result<(DatasetLocation, PathBuf)> {
        let loc = needmap::dataset::locate(self.data.data.as_deref())?;
        let path = default_file(&loc, self.register.as_deref());
        Ok((loc, path))
    }
}

fn default_file(loc: &DatasetLocation, given: Option<&Path>) -> PathBuf {
    match given {
        Some(p) => p.to_path_buf(),
        None => loc.data_dir.join(loc.manifest.register.as_ref().map(|r| r.file.as_str()).unwrap_or("register.gpkg")),
    }
}

#[derive(Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write it (default: the manifest's [register] file, else <data dir>/register.gpkg).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
    /// Name recorded in the audit log.
    #[arg(long, default_value = "needmap register init")]
    pub who: String,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    /// The CSV of services.
    pub csv: PathBuf,
    /// Import the good rows and list the bad ones (default: nothing is imported when a row is bad).
    #[arg(long)]
    pub skip_bad: bool,
    /// Check and list only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Name recorded in the audit log.
    #[arg(long, default_value = "needmap register import")]
    pub who: String,
}

#[derive(Args)]
pub struct DedupeArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    /// Merge the candidates (each group in one transaction, recorded in the audit log).
    #[arg(long)]
    pub apply: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the candidates here instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Name recorded in the audit log.
    #[arg(long, default_value = "needmap register dedupe")]
    pub who: String,
}

#[derive(Args)]
pub struct ChangesArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    /// Only the changes of this service.
    #[arg(long, value_name = "ID")]
    pub service: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
}

#[derive(Args)]
pub struct WriteTestArgs {
    #[command(flatten)]
    pub file: RegisterFileArgs,
    /// Number of write transactions.
    #[arg(long, default_value_t = 1000)]
    pub writes: usize,
}

pub fn run(command: &RegisterCommand) -> anyhow::Result<ExitCode> {
    match command {
        RegisterCommand::Init(a) => init(a),
        RegisterCommand::Import(a) => import(a),
        RegisterCommand::Dedupe(a) => dedupe(a),
        RegisterCommand::Changes(a) => changes(a),
        RegisterCommand::Submit(a) => super::submissions::submit(a),
        RegisterCommand::Submissions(a) => super::submissions::list(a),
        RegisterCommand::Submission(a) => super::submissions::show(a),
        RegisterCommand::Fix(a) => super::submissions::fix(a),
        RegisterCommand::Decide(a) => super::submissions::decide(a),
        RegisterCommand::Send(a) => super::submissions::send(a),
        RegisterCommand::Publish(a) => super::submissions::publish(a),
        RegisterCommand::Reject(a) => super::submissions::reject(a),
        RegisterCommand::WriteTest(a) => write_test(a),
    }
}

fn print_diagnostics(diags: &Diagnostics) {
    for p in &diags.problems {
        eprintln!("{p}");
    }
}

fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let loc = needmap::dataset::locate(args.data.data.as_deref())?;
    let path = default_file(&loc, args.out.as_deref());
    let mut diags = Diagnostics::default();
    let services = seed_services(&loc, &mut diags)?;
    print_diagnostics(&diags);
    let who = args.who.clone();
    let register = Register::create_with(&path, args.force, |r| r.add_services(&services, &who, Some("seeded from the manifest's service files")))?;
    println!("{}: {} services from {} service file(s)", path.display(), register.count()?, loc.manifest.service_files.len());
    if loc.manifest.register.is_none() {
        println!("to use it, add to {}:\n[register]\nfile = \"{}\"", loc.manifest_path.display(), path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    }
    Ok(ExitCode::SUCCESS)
}

fn import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let (loc, path) = args.file.locate()?;
    let mut register = Register::open(&path)?;
    let postcodes = match &loc.manifest.postcodes {
        Some(spec) => Some(Postcodes::read(&loc.data_dir, spec).with_context(|| "cannot read the [postcodes] lookup")?),
        None => None,
    };
    let placer = Placer::new(postcodes.as_ref()).map_err(anyhow::Error::msg)?;
    let plan = plan_import(&args.csv, &loc.manifest, &placer, &register)?;
    let file = args.csv.display();
    if !plan.ignored_columns.is_empty() {
        eprintln!("{file}: columns ignored (not import columns): {}", plan.ignored_columns.join(", "));
    }
    for p in &plan.problems {
        eprintln!("{file}: {}: {}: {}", p.row, p.field, p.message);
    }
    if !plan.unknown_postcodes.is_empty() {
        let list: Vec<String> = plan.unknown_postcodes.iter().map(|(row, code)| format!("{code} ({row})")).collect();
        eprintln!("{file}: {} postcode(s) not in the lookup, not placed: {}", list.len(), list.join(", "));
    }
    let bad_rows = plan.problems.iter().map(|p| &p.row).collect::<std::collections::BTreeSet<_>>().len();
    println!(
        "{file}: {} row(s): {} ready ({} placed by postcode), {bad_rows} refused",
        plan.rows,
        plan.services.len(),
        plan.by_postcode()
    );
    if bad_rows > 0 && !args.skip_bad {
        println!("nothing imported: fix the rows above, or give --skip-bad to import the {} good row(s)", plan.services.len());
        return Ok(ExitCode::FAILURE);
    }
    if args.dry_run {
        println!("dry run: nothing written");
        return Ok(ExitCode::SUCCESS);
    }
    let note = format!("imported from {}", args.csv.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    register.add_services(&plan.services, &args.who, Some(&note))?;
    println!("{}: {} service(s) added; {} in all", path.display(), plan.services.len(), register.count()?);
    Ok(ExitCode::SUCCESS)
}

fn counts(services: &[RegisteredService]) -> std::collections::BTreeMap<String, usize> {
    let mut out = std::collections::BTreeMap::new();
    for s in services {
        *out.entry(s.category.clone()).or_default() += 1;
    }
    out
}

fn dedupe(args: &DedupeArgs) -> anyhow::Result<ExitCode> {
    let (loc, path) = args.file.locate()?;
    let rule = loc.manifest.register.as_ref().map(|r| DedupeRule::from_spec(&r.dedupe)).unwrap_or_default();
    let mut register = Register::open(&path)?;
    let outcome = register.dedupe(&rule, args.apply, &args.who)?;
    let report = needmap::register::dedupe::candidates_report(&outcome.services, &outcome.candidates, &outcome.groups);
    match &args.out {
        Some(out) => {
            let mut f = std::fs::File::create(out).with_context(|| format!("cannot write {}", out.display()))?;
            report.write(args.format, &mut f)?;
        }
        None => report.write(args.format, &mut std::io::stdout().lock())?,
    }
    let in_groups: usize = outcome.groups.iter().map(|g| g.members.len()).sum();
    eprintln!(
        "{} candidate pair(s); {} group(s) of {} services would become {}{}",
        outcome.candidates.len(),
        outcome.groups.len(),
        in_groups,
        outcome.groups.len(),
        if args.apply { format!("; merged: {} service rows removed", outcome.removed) } else { String::new() }
    );
    let before = counts(&outcome.services);
    let mut after = before.clone();
    for g in &outcome.groups {
        for &i in &g.members {
            if i != g.kept {
                *after.entry(outcome.services[i].category.clone()).or_default() -= 1;
            }
        }
    }
    let mut summary = Report { columns: vec!["category".into(), "services".into(), "after_merging".into()], rows: Vec::new() };
    for (c, n) in &before {
        if after[c] != *n {
            summary.rows.push(vec![Cell::Text(Some(c.clone())), Cell::Count(*n as u64), Cell::Count(after[c] as u64)]);
        }
    }
    if !summary.rows.is_empty() {
        let mut err = std::io::stderr().lock();
        summary.write_table(&mut err)?;
    }
    if !args.apply && !outcome.groups.is_empty() {
        eprintln!("nothing merged: give --apply to merge");
    }
    Ok(ExitCode::SUCCESS)
}

fn changes(args: &ChangesArgs) -> anyhow::Result<ExitCode> {
    let (_, path) = args.file.locate()?;
    let register = Register::open_read_only(&path)?;
    let mut report = Report {
        columns: ["at", "who", "action", "service_id", "note", "before", "after"].map(String::from).to_vec(),
        rows: Vec::new(),
    };
    for c in register.changes()? {
        if args.service.as_ref().is_some_and(|id| c.service_id.as_ref() != Some(id)) {
            continue;
        }
        let json = |v: &Option<serde_json::Value>| Cell::Text(v.as_ref().map(|v| v.to_string()));
        report.rows.push(vec![
            Cell::Text(Some(c.at)),
            Cell::Text(Some(c.who)),
            Cell::Text(Some(c.action)),
            Cell::Text(c.service_id),
            Cell::Text(c.note),
            json(&c.before),
            json(&c.after),
        ]);
    }
    report.write(args.format, &mut std::io::stdout().lock())?;
    Ok(ExitCode::SUCCESS)
}

fn write_test(args: &WriteTestArgs) -> anyhow::Result<ExitCode> {
    let (_, path) = args.file.locate()?;
    let mut register = Register::open(&path)?;
    let template = register.services()?.into_iter().next().context("the register is empty: write-test copies its first service")?;
    let mut out = std::io::stdout().lock();
    for n in 0..args.writes {
        let id = register.next_id("write-test-")?;
        let mut s = template.clone();
        s.id = id.clone();
        s.name = format!("{} (write test {n})", template.name);
        s.source_ids = vec![needmap::register::SourceRecord { id: id.clone(), source: "write-test".into(), source_id: None }];
        s.created.clear();
        s.updated.clear();
        register.add_services(&[s], "write-test", None)?;
        writeln!(out, "committed {id}")?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}
