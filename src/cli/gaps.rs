//! `needmap gaps`: nearest service, coverage, floating-catchment access,
//! people in need and unmet need per area, ranked by unmet need.

use std::process::ExitCode;

use clap::Args;
use needmap::gaps::{self, Catchment, GapQuery, Method, Mode, OriginPoints, Thresholds, Travel};
use needmap::report::Format;

use super::DataArgs;

#[derive(Args)]
pub struct GapsArgs {
    /// Output level: oa, lsoa, msoa, ward, constituency, locality.
    #[arg(long, default_value = "ward")]
    pub level: String,
    /// Origin level for parent levels (default: the finest level inside --level; lsoa and oa are their own origins),
    /// or `postcode`: every postcode unit of the manifest's [postcodes] file, each with an equal share of its LSOA's population.
    #[arg(long, value_name = "LEVEL|postcode")]
    pub origins: Option<String>,
    /// Service category (ids from dataset.toml, e.g. gp, library, family_hub).
    #[arg(long)]
    pub category: Option<String>,
    /// Tier of need (0, 1, 2, 3, acute); with --category, both must match.
    #[arg(long)]
    pub tier: Option<String>,
    /// Need indicator: a count, % rate, share, score or national decile published at --level or finer
    /// (default: the manifest's child_need_indicator for children's services, else need_indicator).
    #[arg(long)]
    pub indicator: Option<String>,
    /// Nearest method: minutes beyond which people in need lack access (default 20 walking, 15 driving).
    #[arg(long, value_name = "MINUTES")]
    pub unmet_min: Option<f64>,
    /// Access measure used for the gap index.
    #[arg(long, value_enum, default_value = "2sfca")]
    pub method: Method,
    /// Floating catchment as a distance in km (inclusive).
    #[arg(long, default_value_t = 2.0, conflicts_with = "catchment_min")]
    pub catchment_km: f64,
    /// Floating catchment as a travel time in minutes instead.
    #[arg(long)]
    pub catchment_min: Option<f64>,
    /// E2SFCA Gaussian width, in the catchment's unit (default half the catchment).
    #[arg(long)]
    pub sigma: Option<f64>,
    /// Straight-line estimates, or routing on the manifest's OpenStreetMap network.
    #[arg(long, value_enum, default_value = "estimated")]
    pub mode: Mode,
    /// Walking or driving times.
    #[arg(long, value_enum, default_value = "walk")]
    pub travel: Travel,
    /// Coverage thresholds.
    #[arg(long, default_value = "800m,1.6km,10min,20min")]
    pub thresholds: String,
    /// The k of the k-th nearest service column.
    #[arg(long, default_value_t = 3)]
    pub k: usize,
    /// Network mode: farthest a point may be from a usable road, metres.
    #[arg(long, default_value_t = 500.0)]
    pub max_snap_m: f64,
    /// Also measure access to services of `sensitive` categories (refuges, ...).
    /// For internal analysis only: distances to sensitive sites locate them, so never publish the output.
    #[arg(long)]
    pub include_sensitive: bool,
    /// Summarise on squares of this size (250, 500 or 1000 metres) of the British National Grid instead of
    /// --level: access from every postcode unit (where people live); squares with fewer residents or postcode
    /// units than `[disclosure] grid_min_population` / `grid_min_postcodes` are withheld and counted.
    #[arg(long, value_name = "METRES", conflicts_with = "origins", value_parser = ["250", "500", "1000"])]
    pub squares: Option<String>,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    #[command(flatten)]
    pub scenario: super::scenario::ScenarioArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

/// The `--origins` value for postcode origins.
pub const POSTCODE_ORIGINS: &str = "postcode";

pub fn run(args: &GapsArgs) -> anyhow::Result<ExitCode> {
    let postcode_origins = args.origins.as_deref() == Some(POSTCODE_ORIGINS);
    let query = GapQuery {
        level: args.level.clone(),
        origins: args.origins.clone().filter(|_| !postcode_origins),
        origin_points: if postcode_origins { OriginPoints::Postcodes } else { OriginPoints::Areas },
        category: args.category.clone(),
        tier: args.tier.clone(),
        indicator: args.indicator.clone(),
        method: args.method,
        catchment: match args.catchment_min {
            Some(m) => Catchment::Minutes(m),
            None => Catchment::Km(args.catchment_km),
        },
        sigma: args.sigma,
        mode: args.mode,
        travel: args.travel,
        thresholds: Thresholds::parse(&args.thresholds)?,
        k: args.k,
        max_snap_m: args.max_snap_m,
        unmet_minutes: args.unmet_min,
        include_sensitive: args.include_sensitive,
        reference_access: None,
    };
    let (engine, _) = args.scenario.engine(args.data.load()?)?;
    if let Some(size_m) = &args.squares {
        return squares(&engine, &query, size_m.parse()?, args.format);
    }
    let table = gaps::compute(&engine, &query)?;
    if args.include_sensitive {
        eprintln!("warning: --include-sensitive: these figures may locate sensitive sites; for internal analysis only, never publish them");
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &table.to_json())?;
            use std::io::Write;
            writeln!(out)?;
        }
        f => table.to_report().write(f, &mut out)?,
    }
    let gaps_n = table.rows.iter().filter(|r| r.gap_class.is_gap()).count();
    eprintln!(
        "{} {} rows; mode={}, travel={}, origins={} at {} points; {} service(s); {} area(s) high-need/low-access",
        table.rows.len(),
        table.query.level,
        table.query.mode.as_str(),
        table.query.travel.as_str(),
        table.origin_level,
        table.rep_kind,
        table.services,
        gaps_n
    );
    let labels = &table.threshold_labels;
    let cov: Vec<String> = labels
        .iter()
        .zip(&table.district.coverage)
        .zip(&table.district.coverage_children)
        .map(|((l, p), c)| {
            let pct = |v: &Option<f64>| v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "-".into());
            format!("{l}: {} (children {})", pct(p), pct(c))
        })
        .collect();
    eprintln!("district coverage of `{}` population: {}", table.population_id, cov.join("; "));
    if let (Some(need), Some(unmet)) = (table.district.in_need, table.district.unmet_need) {
        eprintln!(
            "district: {need:.0} people in need (`{}`), {unmet:.0} of them lack access (unmet need)",
            table.query.indicator.as_deref().unwrap_or("")
        );
    }
    for note in &table.notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `needmap gaps --squares METRES`: the squares of where people live.
fn squares(engine: &needmap::Engine, query: &GapQuery, size_m: u32, format: Format) -> anyhow::Result<ExitCode> {
    let d = &engine.manifest.disclosure;
    let rule = gaps::GridRule { size_m, min_population: d.grid_min_population, min_postcodes: d.grid_min_postcodes };
    let ctx = gaps::GapContext::new(engine, query.mode == Mode::Network)?;
    let grid = gaps::compute_grid(engine, &ctx, query, &rule)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => {
            let mut doc = grid.table.to_json();
            doc["grid"] = serde_json::to_value(&grid.summary)?;
            doc["rows"] = grid.to_report().to_json();
            serde_json::to_writer_pretty(&mut out, &doc)?;
            use std::io::Write;
            writeln!(out)?;
        }
        f => grid.to_report().write(f, &mut out)?,
    }
    let s = &grid.summary;
    eprintln!(
        "{} of {} squares of {size_m} m shown; {} withheld ({:.0} residents) by the rule of at least {} residents and {} postcode units",
        s.published,
        s.squares,
        s.withheld,
        s.withheld_residents,
        needmap::load::number_text(rule.min_population),
        rule.min_postcodes
    );
    for note in &grid.table.notes {
        eprintln!("note: {note}");
    }
    Ok(ExitCode::SUCCESS)
}
