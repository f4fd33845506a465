//! `needmap serve`: the map server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;

use super::DataArgs;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (use 127.0.0.1 to keep it on this machine).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Worker threads answering requests (default: one per CPU core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Folder of the web front end (default: ./web, else the one in the source tree).
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    /// Render tiles up to this zoom into the cache at start-up, in the background.
    #[arg(long, default_value_t = 11, value_name = "ZOOM")]
    pub prerender: u8,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let engine = Arc::new(args.data.load()?);
    let web = args.web.clone().unwrap_or_else(|| {
        let local = PathBuf::from("web");
        if local.is_dir() {
            local
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web")
        }
    });
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        builder.worker_threads(n.max(1));
    }
    let runtime = builder
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}; is another server using it? Try --addr 127.0.0.1:8081", args.addr))?;
        let local = listener.local_addr()?;
        let state = Arc::new(needmap::serve::AppState::new(engine, web.clone(), local.to_string())?);
        let app = needmap::serve::router(state.clone());
        let max_zoom = args.prerender;
        tokio::task::spawn_blocking(move || {
            let t = std::time::Instant::now();
            let n = state.prerender(max_zoom);
            tracing::info!("pre-rendered {n} tiles up to zoom {max_zoom} in {:.1} s", t.elapsed().as_secs_f64());
        });
        if !web.join("index.html").is_file() {
            tracing::warn!("{} has no index.html: `/` shows a plain start page", web.display());
        }
        println!("needmap serving {} at http://{local}/  (OGC API: http://{local}/ogc/, Ctrl-C to stop)", web.display());
        needmap::serve::run(listener, app, needmap::serve::shutdown_signal()).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
