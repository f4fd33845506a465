//! Command-line parsing and dispatch (the only place `anyhow` is used).

mod change;
mod check;
mod export;
mod gaps;
mod print;
mod publish;
mod register;
mod submissions;
mod report;
mod scenario;
mod serve;
mod suggest;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "needmap",
    version,
    about = "Need versus provision for local public services, area by area",
    after_help = "Examples:\n  needmap check\n  needmap report --level ward\n  needmap report --level constituency --format table\n  needmap report --level lsoa --data ../shared/geodata/bradford --format json\n  needmap gaps --level ward --category gp --method 2sfca\n  needmap change --series imd --from 2015 --to 2025 --level ward\n  needmap serve --addr 127.0.0.1:8080"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load the dataset, list what loaded and every problem found.
    #[command(after_help = "Examples:\n  needmap check\n  needmap check --data /path/to/dataset\n\nExit status is non-zero when the dataset cannot be used.")]
    Check(DataArgs),
    /// One row per area: population, indicators, provision.
    #[command(after_help = "Examples:\n  needmap report --level ward\n  needmap report --level constituency --format table\n  needmap report --level locality --format json")]
    Report(report::ReportArgs),
    /// Need over time: the change between two vintages of a series (score, decile, need rose/fell) and emerging gaps.
    #[command(after_help = "Examples:\n  needmap change --series imd --from 2015 --to 2025 --level ward\n  needmap change --from 2019 --to 2025 --level lsoa --format table\n  needmap change --series imd --from 2015 --to 2025 --level ward --category family_hub\n  needmap change --from 2015 --to 2025 --level ward --category family_hub --emerging-only --format table\n\nColumns: code, name, place, population, change_score_from/_to, change_score (B - A of the population-weighted\nmean score), change_decile_from/_to, change_decile (B - A of the national decile; published level only),\nchange_low_share_from/_to, change_low_share (population share in deciles 1-2, over areas with both deciles),\nchange_class (need-rose, no-change, need-fell, no-data), change_rank (1 = need rose most);\nwith --category: access_tercile, gap_class, emerging_gap (1 = need rose and access in the lowest tercile).\nClass: at the published level the decile moved down = need rose; at coarser levels the deciles 1-2 share\nrose by at least 5 percentage points = need rose (fell by as much = need fell).\nRanks of different editions are not compared; deciles are relative to England in each edition.")]
    Change(change::ChangeArgs),
    /// Areas or services as GeoJSON, CSV or Shapefile, with provenance and disclosure control.
    #[command(after_help = "Examples:\n  needmap export --level ward --format geojson -o wards.geojson\n  needmap export --level lsoa --indicator imd_score --format csv --bom -o lsoa_imd.csv\n  needmap export --level ward --format shapefile --crs bng -o wards.shp\n  needmap export --level ward --layer services --category library --format geojson -o libraries.geojson\n  needmap export --level ward --category family_hub --method 2sfca --format csv -o gaps.csv\n\nCSV and Shapefile exports get a sidecar FILE.provenance.json (e.g. wards.csv.provenance.json); GeoJSON carries it in a `needmap` member.\nCounts of people below --threshold (default 10) are suppressed; sensitive services are never exported as points.\nFiles are written atomically; existing files are kept unless --force.")]
    Export(export::ExportArgs),
    /// A print-ready map (PDF, PNG or SVG) for the district or one Area Committee.
    #[command(after_help = "Examples:\n  needmap print --level ward --indicator imd_score --paper a4 -o bradford.pdf\n  needmap print --level ward --area \"Keighley\" --paper a3 --landscape -o keighley.pdf\n  needmap print --level lsoa --indicator income_score_pct --area \"Bradford East\" -o east.pdf\n  needmap print --level ward --all-committees -o committee-maps/\n  needmap print --level ward --gap --category family_hub --area Shipley -o shipley-gaps.pdf\n  needmap print --level ward --indicator imd_score -o preview.png --dpi 100\n  needmap print --level ward --change 2015:2025 --area Keighley -o keighley-change.pdf\n  needmap print --level lsoa --series imd --change 2019:2025 -o lsoa-change.pdf")]
    Print(print::PrintArgs),
    /// Coverage gaps: nearest service, coverage, 2SFCA/E2SFCA access and the need x access gap index.
    #[command(after_help = "Examples:\n  needmap gaps --level ward --category gp\n  needmap gaps --level lsoa --category library --method e2sfca --catchment-km 3 --format table\n  needmap gaps --level lsoa --category family_hub --method nearest --travel walk --unmet-min 20\n  needmap gaps --level constituency --tier 2 --indicator income_score_pct --format json\n  needmap gaps --level ward --category hospital --travel drive --catchment-min 20\n  needmap gaps --level ward --category gp --mode network   (needs [network] osm_pbf in dataset.toml)\n\nColumns: code, name, rep_lon/rep_lat/rep_kind (origin levels) or origin_level/origins, population, need,\nnearest_m, nearest_min, nearest<k>_m, nearest<k>_min, mode, travel, coverage_<threshold>, access_<method>,\nin_need (people in need), unmet_need (people in need who lack access: beyond --unmet-min of the nearest service,\nor the shortfall of access against the district rate for 2sfca/e2sfca), unmet_need_per_1k,\ngap_class (unmet-need tercile/access tercile; high-need/low-access is the gap), gap_rank (1 = most unmet need).")]
    Gaps(gaps::GapsArgs),
    /// Serve the gap map: web app, GeoJSON/CSV API, vector tiles, OGC API Features.
    #[command(after_help = "Examples:\n  needmap serve\n  needmap serve --addr 127.0.0.1:9000\n  needmap serve --data ../shared/geodata/bradford --web web\n\nEndpoints: /api/meta, /api/areas/{level}.geojson, /api/services.geojson,\n/api/search?q=, /api/report/{level}.csv, /tiles/{layer}.json, /tiles/{layer}/{z}/{x}/{y}.mvt, /ogc/\nAccess log: off by default (server errors are always logged); --access-log-sample N logs\none request in N at info, NEEDMAP_LOG=needmap::access=debug logs every request.\nLimits: --header-timeout, --idle-timeout, --max-connections, --shutdown-grace, --max-downloads, --cache-mib.\nBehind a reverse proxy: --public-url https://host/path --trusted-proxy IP.\nAccounts: --accounts FILE (made by `needmap users add`), --register FILE for /api/register;\nwrites need --allow-edits; see README \"Accounts and roles\".")]
    Serve(serve::ServeArgs),
    /// Write a static site of the map (web app, PMTiles, JSON tables) for any static host, no server needed.
    #[command(after_help = "Examples:\n  needmap publish --level ward,lsoa --out site/\n  needmap publish --level ward,lsoa --out site/ --category gp,family_hub\n  needmap publish --level constituency,ward,lsoa --out site/ --max-zoom 14 --web web\n\nThe site holds index.html and the web app, meta.json (as /api/meta, with \"static\": true),\ndata/areas/{level}.geojson (and {level}.category-{c}.geojson with the gap fields of each --category),\ndata/services.geojson and tiles/{layer}.pmtiles (area levels and services; served with HTTP Range).\nServe it from any static host that answers Range requests. What-if editing, printing and exports\nneed `needmap serve`; the published page says so. Sensitive categories are never published.")]
    Publish(publish::PublishArgs),
    /// What-if scenarios: add, move or close sites and compare with the baseline.
    #[command(subcommand, after_help = "Examples:\n  needmap scenario new \"Extra family hub in Bowling\"\n  needmap scenario list\n  needmap scenario apply hub-in-bowling\n  needmap scenario compare hub-in-bowling --category family_hub --level ward\n  needmap gaps --level ward --category family_hub --scenario hub-in-bowling\n\nScenario files are JSON (schema in README \"Scenarios\"), kept in <data dir>/scenarios/ or --scenarios DIR.")]
    Scenario(scenario::ScenarioCommand),
    /// Suggest where N new sites of a category would do the most good (existing sites kept).
    #[command(after_help = "Examples:\n  needmap suggest --category family_hub --add 2\n  needmap suggest --category library --add 5 --candidates services:community_centre,warm_space -o libraries.json\n  needmap suggest --category gp --add 1 --objective pmedian --threshold 1.6km --candidates services:pharmacy\n  needmap suggest --category family_hub --add 3 --need-weight imd_score --candidates grid:500m --threshold 15min\n  needmap suggest --category library --add 2 --travel drive --threshold 10min --scenario hub-in-bowling\n  needmap suggest --category gp --add 2 --candidates sites.csv   (columns lon,lat or easting,northing; optional id,name)\n\nObjectives: coverage maximises the demand within --threshold of some site (maximal covering);\npmedian minimises the total demand-weighted travel to the nearest site (in --threshold's unit).\nDemand: the category's population at the finest level's origins (OAs), or --demand total|children,\nweighted by people in need with --need-weight. Travel: the estimated model of `needmap gaps`.\nSolved by greedy selection then swaps until no swap improves (checked against exact PySAL spopt optima).\nThe JSON (-o) lists the sites with marginal gains, the objective before/after and a `scenario` to save.")]
    Suggest(suggest::SuggestArgs),
    /// The partners' service register (a GeoPackage): create it, import services, find duplicates.
    #[command(subcommand, after_help = "Examples:\n  needmap register init\n  needmap register import new-services.csv\n  needmap register dedupe\n  needmap register dedupe --apply\n  needmap register changes\n\nWith [register] file = \"register.gpkg\" in dataset.toml, every command reads services from the register.")]
    Register(register::RegisterCommand),
    /// The accounts of the map server: add, list, remove, API tokens (roles viewer, partner, reviewer, admin).
    #[command(subcommand, after_help = "Examples:\n  needmap users add alice --role admin --password-file alice.txt\n  printf '%s\\n' \"$PASSWORD\" | needmap users add bob --role partner --org health-trust\n  needmap users list\n  needmap users token alice --label nightly-import\n  needmap users remove bob\n\nThe file is --accounts FILE, else [accounts] file in dataset.toml, else <data dir>/accounts.sqlite.\nSee README \"Accounts and roles\".")]
    Users(users::UsersCommand),
}

/// Where the dataset is.
#[derive(Args, Clone)]
pub struct DataArgs {
    /// Dataset folder (else $NEEDMAP_DATA, geodata/bradford, ../shared/geodata/bradford).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Folder of the built-engine cache (else $NEEDMAP_CACHE_DIR, $XDG_CACHE_HOME/needmap, ~/.cache/needmap).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Build the engine from the data files, neither reading nor writing the engine cache.
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
}

impl DataArgs {
    /// Locate and load the dataset, with progress on stderr.
    pub fn load(&self) -> anyhow::Result<needmap::Engine> {
        Ok(self.load_reporting_cache()?.0)
    }

    /// As [`DataArgs::load`], also saying how the engine cache was used.
    pub fn load_reporting_cache(&self) -> anyhow::Result<(needmap::Engine, needmap::engine::CacheUse)> {
        let location = needmap::dataset::locate(self.data.as_deref())?;
        tracing::info!(
            "dataset: {} (from {}, manifest {})",
            location.data_dir.display(),
            location.origin,
            location.manifest_path.display()
        );
        let cache = needmap::engine::EngineCache::choose(self.cache_dir.as_deref(), self.no_cache);
        Ok(needmap::Engine::load_cached(&location, &cache)?)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("NEEDMAP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("needmap=info")),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Change(args) => change::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Print(args) => print::run(&args),
        Command::Gaps(args) => gaps::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Publish(args) => publish::run(&args),
        Command::Scenario(command) => scenario::run(&command),
        Command::Suggest(args) => suggest::run(&args),
        Command::Register(command) => register::run(&command),
        Command::Users(command) => users::run(&command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
