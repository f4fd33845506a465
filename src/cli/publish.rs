//! `needmap publish`: a static site of the map.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::DataArgs;
use needmap::publish::{publish, PublishOptions};

#[derive(Args)]
pub struct PublishArgs {
    /// Area levels to publish, comma-separated (e.g. ward,lsoa).
    #[arg(long, value_delimiter = ',', required = true, value_name = "LEVELS")]
    pub level: Vec<String>,
    /// Folder of the site (created; must be empty, new, or an earlier site).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,
    /// Service categories whose access and gap fields are published (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CATEGORIES")]
    pub category: Vec<String>,
    /// Highest tile zoom written (default: the server's maximum zoom, 15; the map overzooms beyond).
    #[arg(long, value_name = "ZOOM")]
    pub max_zoom: Option<u8>,
    /// Folder of the web front end (default: ./web, else the one in the source tree).
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &PublishArgs) -> anyhow::Result<ExitCode> {
    let engine = Arc::new(args.data.load()?);
    let web_dir = args.web.clone().unwrap_or_else(|| {
        let local = PathBuf::from("web");
        if local.join("index.html").is_file() {
            local
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web")
        }
    });
    let options = PublishOptions {
        levels: args.level.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        categories: args.category.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        web_dir,
        out: args.out.clone(),
        max_zoom: args.max_zoom,
    };
    publish(engine, &options, |line| eprintln!("publish: {line}"))?;
    eprintln!("published to {} (serve it from a static host that answers HTTP Range requests)", args.out.display());
    Ok(ExitCode::SUCCESS)
}
