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
    #[command(flatten)]
    pub scenario: super::scenario::ScenarioArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let (engine, _) = args.scenario.engine(args.data.load()?)?;
    let report = area_report(&engine, &args.level)?;
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
