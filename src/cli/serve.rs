//! `needmap serve`: the map server.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::DataArgs;
use needmap::serve::config::{parse_public_url, public_url_for, EditSettings, Limits, ServeConfig};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (use 127.0.0.1 to keep it on this machine).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Root of the absolute URLs the server writes (TileJSON, OGC links), as
    /// users reach it, e.g. https://maps.example.org/needmap (default: the
    /// listening address). The Host header is never used.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// A reverse proxy whose X-Forwarded-Proto/-Host are believed (repeat for
    /// several); from any other peer those headers are ignored.
    #[arg(long = "trusted-proxy", value_name = "IP")]
    pub trusted_proxies: Vec<IpAddr>,
    /// Worker threads answering requests (default: one per CPU core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Folder of the web front end (default: ./web, else the one in the source tree).
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    /// Render tiles up to this zoom into the cache at start-up, in the background.
    #[arg(long, default_value_t = 11, value_name = "ZOOM")]
    pub prerender: u8,
    /// Seconds a client has to send a request's headers.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub header_timeout: f64,
    /// Seconds after which a connection that moves no byte is closed.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub idle_timeout: f64,
    /// Open connections at most (the longest-idle one is closed to make room).
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections: usize,
    /// Seconds shutdown waits for requests in flight.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub shutdown_grace: f64,
    /// Exports and printed maps rendered at once; more get 503 with Retry-After
    /// (default: one per CPU core).
    #[arg(long, value_name = "N")]
    pub max_downloads: Option<usize>,
    /// Memory for each of the three caches (area tables, documents, tiles), in MiB.
    #[arg(long, value_name = "MIB")]
    pub cache_mib: Option<usize>,
    /// Log one request in N at info level (0: only server errors).
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub access_log_sample: u64,
    /// Allow creating, changing and deleting scenarios over HTTP (with the
    /// editor token; the server prints the editor link).
    #[arg(long)]
    pub allow_edits: bool,
    /// File holding the editor token (default: env NEEDMAP_EDIT_TOKEN, else a
    /// random token made at start).
    #[arg(long, value_name = "FILE")]
    pub edit_token_file: Option<PathBuf>,
    /// Folder of the scenario files (default: <data dir>/scenarios).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// The accounts file for logins (`needmap users`; default: the manifest's
    /// [accounts] file, else <data dir>/accounts.sqlite when it exists).
    #[arg(long, value_name = "FILE")]
    pub accounts: Option<PathBuf>,
    /// The register that /api/register reads and writes (default: the manifest's [register] file).
    #[arg(long, value_name = "FILE")]
    pub register: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}

fn seconds(name: &str, v: f64) -> anyhow::Result<Duration> {
    if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
        anyhow::bail!("--{name} {v}: give a number of seconds above 0 and at most 86400");
    }
    Ok(Duration::from_secs_f64(v))
}

impl ServeArgs {
    /// The server configuration for a server listening on `local`.
    fn config(&self, local: SocketAddr) -> anyhow::Result<ServeConfig> {
        let defaults = Limits::default();
        let cache = self.cache_mib.map(|m| m.saturating_mul(1 << 20));
        if self.max_connections == 0 {
            anyhow::bail!("--max-connections must be at least 1");
        }
        let limits = Limits {
            header_read_timeout: seconds("header-timeout", self.header_timeout)?,
            idle_timeout: seconds("idle-timeout", self.idle_timeout)?,
            max_connections: self.max_connections,
            shutdown_grace: seconds("shutdown-grace", self.shutdown_grace)?,
            max_downloads: self.max_downloads.unwrap_or(defaults.max_downloads).max(1),
            table_cache_bytes: cache.unwrap_or(defaults.table_cache_bytes),
            document_cache_bytes: cache.unwrap_or(defaults.document_cache_bytes),
            tile_cache_bytes: cache.unwrap_or(defaults.tile_cache_bytes),
            ..defaults
        };
        let public_url = match &self.public_url {
            Some(u) => parse_public_url(u).map_err(|e| anyhow::anyhow!("--{e}"))?,
            None => public_url_for(local),
        };
        Ok(ServeConfig {
            public_url,
            trusted_proxies: self.trusted_proxies.clone(),
            limits,
            access_log_sample: self.access_log_sample,
            edits: self.edit_settings()?,
            accounts: needmap::serve::AccountSettings {
                file: self.accounts.clone(),
                register: self.register.clone(),
                ..Default::default()
            },
        })
    }

    /// Editing, the editor token and the scenario folder.
    fn edit_settings(&self) -> anyhow::Result<EditSettings> {
        let token = match &self.edit_token_file {
            Some(f) => Some(
                std::fs::read_to_string(f)
                    .with_context(|| format!("--edit-token-file {}: cannot read the editor token", f.display()))?,
            ),
            None => std::env::var("NEEDMAP_EDIT_TOKEN").ok(),
        };
        if token.is_some() && !self.allow_edits {
            tracing::warn!("an editor token is given but editing is off; add --allow-edits to allow scenario edits");
        }
        let token = token.map(|t| needmap::serve::edit_guard::checked_token(&t).map_err(|e| anyhow::anyhow!("{e}"))).transpose()?;
        Ok(EditSettings { allowed: self.allow_edits, token, scenarios_dir: self.scenarios.clone() })
    }
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
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}; is another server using it? Try --addr 127.0.0.1:8081", args.addr))?;
        let local = listener.local_addr()?;
        let config = args.config(local)?;
        let limits = config.limits.clone();
        let public = config.public_url.clone();
        let state = Arc::new(needmap::serve::AppState::with_config(engine, web.clone(), config)?);
        let editor_token = state.edit_token().map(str::to_string);
        let writes = if editor_token.is_some() { "on" } else { "off without --allow-edits" };
        let accounts_line = match (&state.auth.store, editor_token.is_some()) {
            (Some(s), _) => Some(format!("accounts: {} (logins on; writes {writes})", s.path().display())),
            (None, true) => Some("accounts: none (only the editor token can write; `needmap users add` makes the accounts file)".to_string()),
            (None, false) => None,
        };
        let app = needmap::serve::router(state.clone());
        let max_zoom = args.prerender;
        tokio::task::spawn_blocking(move || {
            let t = std::time::Instant::now();
            let n = state.prerender(max_zoom);
            tracing::info!("pre-rendered {n} tiles up to zoom {max_zoom} in {:.1} s", t.elapsed().as_secs_f64());
        });
        if !web.join("index.html").is_file() {
            tracing::warn!("the web folder has no index.html: `/` shows a plain start page");
        }
        println!("needmap serving on {local} at {public}/  (OGC API: {public}/ogc/, Ctrl-C to stop)");
        println!(
            "for HTTPS, put it behind a TLS reverse proxy (e.g. Caddy or nginx) that forwards to {local}, and start with --public-url https://YOUR.HOST --trusted-proxy PROXY_IP (login cookies are then Secure)"
        );
        if let Some(line) = accounts_line {
            println!("{line}");
        }
        if let Some(token) = editor_token {
            println!("scenario editing is on; editor link (keep it private): {}", needmap::serve::edit_guard::editor_link(&public, &token));
        }
        needmap::serve::connections::serve(listener, app, needmap::serve::shutdown_signal(), limits).await?;
        anyhow::Ok(())
    });
    // Do not wait for background work (tile pre-rendering) once the server has stopped.
    runtime.shutdown_timeout(Duration::from_millis(500));
    served?;
    Ok(ExitCode::SUCCESS)
}
