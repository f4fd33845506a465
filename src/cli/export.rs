//! `needmap export`: GeoJSON, CSV or Shapefile with provenance.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use needmap::export::{self, Disclosure, ExportRequest, Format, Layer, OutputCrs};

use super::DataArgs;

#[derive(Args)]
pub struct ExportArgs {
    /// Area level (ids from dataset.toml, e.g. constituency, ward, msoa, lsoa, oa, locality).
    #[arg(long, default_value = "ward")]
    pub level: String,
    /// Keep only this indicator's column (default: every indicator).
    #[arg(long)]
    pub indicator: Option<String>,
    /// Keep only this service category's count (services layer: only its points).
    #[arg(long)]
    pub category: Option<String>,
    /// Keep only this tier's count (services layer: only its points).
    #[arg(long)]
    pub tier: Option<String>,
    /// Export gap scores computed with this access method (nearest, 2sfca, e2sfca).
    #[arg(long)]
    pub method: Option<String>,
    /// Areas (polygons with the area table) or service points.
    #[arg(long, value_enum, default_value = "areas")]
    pub layer: Layer,
    #[arg(long, value_enum)]
    pub format: Format,
    /// Output file (`-` for standard output, GeoJSON and CSV only). CSV also
    /// gets a sidecar PATH.provenance.json (e.g. wards.csv.provenance.json). A
    /// Shapefile is a folder (`-o out/wards` or `out/wards.shp` makes the folder
    /// out/wards with wards.shp, .shx, .dbf, .prj, .cpg, wards.fields.csv and
    /// wards.shp.provenance.json), or one zip of those files when PATH ends in .zip.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: PathBuf,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
    /// Start the CSV with a UTF-8 byte order mark (for Excel on Windows).
    #[arg(long)]
    pub bom: bool,
    /// CRS of Shapefile geometry.
    #[arg(long, value_enum, default_value = "wgs84")]
    pub crs: OutputCrs,
    /// Suppress counts of people below this number (0 turns suppression off).
    #[arg(long, default_value_t = export::DEFAULT_THRESHOLD, value_name = "N")]
    pub threshold: u32,
    #[command(flatten)]
    pub scenario: super::scenario::ScenarioArgs,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let (engine, scenario) = args.scenario.engine(args.data.load()?)?;
    let mut request = ExportRequest::new(&args.level);
    request.layer = args.layer;
    request.indicator = args.indicator.clone();
    request.category = args.category.clone();
    request.tier = args.tier.clone();
    request.method = args.method.clone();
    request.csv_bom = args.bom;
    request.crs = args.crs;
    request.disclosure = Disclosure {
        threshold: args.threshold,
    };
    if let Some(s) = &scenario {
        request.parameters.insert("scenario".into(), serde_json::json!({ "id": s.id, "name": s.name, "version": s.version }));
    }
    if let Some(method) = &args.method {
        let gaps = gaps_table(&engine, &args.level, args.category.as_deref(), args.tier.as_deref(), Some(method))?;
        request.table = Some(gaps.report);
        request.parameters.insert("gap_query".into(), gaps.query);
    }
    if args.output.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let provenance = export::write(&engine, &request, args.format, &mut out)?;
        tracing::info!("{} rows written to standard output", provenance.rows);
        return Ok(ExitCode::SUCCESS);
    }
    let path = args.output.clone();
    tracing::info!("exporting {} {} to {}", args.level, args.format.as_str(), path.display());
    let written = export::write_files(&engine, &request, args.format, &path, args.force)
        .with_context(|| format!("export to {} failed; nothing was written", path.display()))?;
    for f in &written.files {
        let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        tracing::info!("wrote {} ({} bytes)", f.display(), size);
    }
    eprintln!(
        "{} rows; {} value(s) suppressed (counts of people below {}); {} sensitive service(s) withheld",
        written.rows, written.suppressed_cells, args.threshold, written.sensitive_withheld
    );
    Ok(ExitCode::SUCCESS)
}

/// A gap table for `--method` (export) and `--gap` (print), computed with
/// the `needmap gaps` defaults for the level and service filter.
pub struct GapTable {
    pub report: needmap::report::Report,
    /// The gap query, for provenance.
    pub query: serde_json::Value,
    /// One line saying how access was measured, for printed notes.
    pub description: String,
}

pub fn gaps_table(
    engine: &needmap::Engine,
    level: &str,
    category: Option<&str>,
    tier: Option<&str>,
    method: Option<&str>,
) -> anyhow::Result<GapTable> {
    use needmap::gaps::{compute, GapQuery, Method};
    let mut query = GapQuery {
        level: level.to_string(),
        category: category.map(String::from),
        tier: tier.map(String::from),
        ..GapQuery::default()
    };
    if let Some(m) = method {
        query.method = <Method as clap::ValueEnum>::from_str(m, true).map_err(|_| anyhow::anyhow!("--method {m}: expected nearest, 2sfca or e2sfca"))?;
    }
    tracing::info!("computing gap scores for {level} ({})", query.method.as_str());
    let table = compute(engine, &query)?;
    let description = format!(
        "Unmet need = people in need ({}) who lack access, ranked largest first (gap_rank); access by {} with a {} catchment, {} travel ({}). Run `needmap gaps` for the figures.",
        table.query.indicator.as_deref().unwrap_or("no need indicator at this level"),
        query.method.as_str(),
        query.catchment.label(),
        query.travel.as_str(),
        query.mode.as_str()
    );
    Ok(GapTable {
        report: table.to_report(),
        query: serde_json::to_value(&table.query).unwrap_or(serde_json::Value::Null),
        description,
    })
}
