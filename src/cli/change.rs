//! `needmap change`: need over time (the change between two vintages of an
//! indicator series per area) and, with `--category`, its emerging gaps.

use std::process::ExitCode;

use clap::Args;
use needmap::gaps::{self, GapQuery, Method, Travel};
use needmap::report::{emerging_gaps, need_change, ChangeQuery, Format};

use super::DataArgs;

#[derive(Args)]
pub struct ChangeArgs {
    /// Indicator series (`series` in dataset.toml; default: the manifest's first series).
    #[arg(long)]
    pub series: Option<String>,
    /// Vintage A (the earlier edition), e.g. 2015.
    #[arg(long)]
    pub from: String,
    /// Vintage B (the later edition), e.g. 2025.
    #[arg(long)]
    pub to: String,
    /// Area level: the series' published level or a coarser one (lsoa, msoa, ward, constituency, locality).
    #[arg(long, default_value = "ward")]
    pub level: String,
    /// Service category: adds access_tercile, gap_class and emerging_gap (need rose and access in the lowest tercile).
    #[arg(long)]
    pub category: Option<String>,
    /// Access measure for the emerging gaps (as `needmap gaps`).
    #[arg(long, value_enum, default_value = "2sfca")]
    pub method: Method,
    /// Walking or driving, for the emerging gaps.
    #[arg(long, value_enum, default_value = "walk")]
    pub travel: Travel,
    /// Only the rows of emerging gaps (with --category), need rose most first.
    #[arg(long, requires = "category")]
    pub emerging_only: bool,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    #[command(flatten)]
    pub scenario: super::scenario::ScenarioArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &ChangeArgs) -> anyhow::Result<ExitCode> {
    let (engine, _) = args.scenario.engine(args.data.load()?)?;
    let change = need_change(
        &engine,
        &ChangeQuery { series: args.series.clone(), from: args.from.clone(), to: args.to.clone(), level: args.level.clone() },
    )?;
    let mut report = change.to_report(&engine);
    let mut emerging_rows = None;
    if let Some(category) = &args.category {
        let query = GapQuery {
            level: args.level.clone(),
            category: Some(category.clone()),
            method: args.method,
            travel: args.travel,
            ..GapQuery::default()
        };
        let table = gaps::compute(&engine, &query)?;
        let emerging = emerging_gaps(&change, &table);
        emerging.append_to(&mut report);
        let order = emerging.areas(&change);
        eprintln!(
            "{} emerging gap(s) for `{category}` ({} access, {} travel): need rose {} -> {} and access in the lowest tercile",
            order.len(),
            table.query.method.as_str(),
            table.query.travel.as_str(),
            change.from,
            change.to
        );
        emerging_rows = Some(order);
    }
    if let (true, Some(order)) = (args.emerging_only, &emerging_rows) {
        report.rows = order.iter().map(|&i| report.rows[i].clone()).collect();
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    report.write(args.format, &mut out)?;
    let counts: Vec<String> = change.class_counts().iter().map(|(c, n)| format!("{} {n}", c.words())).collect();
    eprintln!(
        "series {} {} -> {} at {}: {} area(s): {}",
        change.series,
        change.from,
        change.to,
        change.level_id,
        change.areas.len(),
        counts.join(", ")
    );
    for note in &change.notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
