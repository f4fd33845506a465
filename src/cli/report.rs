//! `needmap report`.

use std::process::ExitCode;

use clap::Args;
use needmap::report::{area_report, Format};

use super::DataArgs;

#[derive(Args)]
pub struct ReportArgs {
    /// Area level (ids from dataset.toml, e.g. constituency, ward, msoa, lsoa, oa, locality).
    #[arg(long, default_value = "ward")]
    pub level: String,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Add, for each indicator published at a coarser level (e.g. constituency crime rates),
    /// a column `<level>_<indicator>` (e.g. `constituency_crime_rate`) with the value of the
    /// area each row lies in: the parent's value, never the area's own
    #[arg(long)]
    pub parent_values: bool,
    #[command(flatten)]
    pub scenario: super::scenario::ScenarioArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let (engine, _) = args.scenario.engine(args.data.load()?)?;
    let mut report = area_report(&engine, &args.level)?;
    if args.parent_values {
        let added = needmap::report::add_parent_values(&engine, &args.level, &mut report)?;
        if !added.is_empty() {
            eprintln!("parent values (the value of the area each row lies in, not its own): {}", added.join(", "));
        }
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    report.write(args.format, &mut out)?;
    let skipped = engine.diagnostics.skipped_total();
    eprintln!(
        "{} rows; {} warning(s), {} row(s) skipped while loading (run `needmap check` for details)",
        report.rows.len(),
        engine.diagnostics.warnings(),
        skipped
    );
    Ok(ExitCode::SUCCESS)
}
