//! The map server behind `needmap serve`: a GeoJSON/CSV API, vector tiles
//! with TileJSON, OGC API Features and the static web app, on axum.
//!
//! One file per concern: [`app`] (state, router), [`meta`], [`areas`],
//! [`services`], [`search`] (with [`fuzzy`] matching), [`report`], [`tiles`], [`ogc`], [`static_files`],
//! [`errors`]; the hardening layers [`connections`] (timeouts, connection
//! limit, graceful shutdown), [`edge`] (request sizes, trusted proxies),
//! [`parameters`] (accepted query parameters per route), [`busy`] (work
//! limit for exports and prints), [`error_bodies`], [`security`] (headers,
//! CSP) and [`access_log`], configured by [`config`]. Scenarios (issue 10):
//! [`view`] (per-scenario state and the `scenario=ID` dispatch),
//! [`scenarios`] (the CRUD and compare API) and [`edit_guard`] (who may write). People and permissions (issue 12): [`caller`] (who a request
//! comes from: session cookie, API token or editor token), [`login`] (login, logout, `/api/me`),
//! [`register_api`] (the register by organisation), [`submissions_api`] (partners' uploads, drafts and review) and [`users_api`] (accounts, admin only). The encoders ([`geojson`], [`tiles::mvt`], [`tiles::tilejson`])
//! are pure functions, tested on their own. The [`crate::Engine`] is shared
//! read-only as `Arc<Engine>`.

pub mod access_log;
pub mod app;
pub mod areas;
pub mod busy;
pub mod cache;
pub mod caller;
pub mod columns;
pub mod config;
pub mod connections;
pub mod downloads;
pub mod edge;
pub mod edit_guard;
pub mod encoding;
pub mod error_bodies;
pub mod errors;
pub mod fuzzy;
pub mod geojson;
pub mod grid;
pub mod live;
pub mod login;
pub mod meta;
pub mod ogc;
pub mod parameters;
pub mod precompressed;
pub mod query;
pub mod register_api;
pub mod submissions_api;
pub mod report;
pub mod scenarios;
pub mod search;
pub mod security;
pub mod services;
pub mod static_files;
pub mod suggest;
pub mod tiles;
pub mod users_api;
pub mod view;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

pub use app::{router, AppState};
pub use config::{AccountSettings, EditSettings, Limits, ServeConfig};
pub use errors::ServeError;

use crate::Engine;

/// Build the application for an engine with the default limits; `web_dir`
/// holds the front end and `public_url` is the root of absolute URLs (a URL,
/// or `host:port` for `http://host:port`).
pub fn build(engine: Arc<Engine>, web_dir: PathBuf, public_url: &str) -> Result<axum::Router, ServeError> {
    build_with(engine, web_dir, ServeConfig::new(public_url)?)
}

/// Build the application for an engine with `config`.
pub fn build_with(engine: Arc<Engine>, web_dir: PathBuf, config: ServeConfig) -> Result<axum::Router, ServeError> {
    let state = AppState::with_config(engine, web_dir, config)?;
    Ok(router(Arc::new(state)))
}

/// Serve `app` on `listener` with the default [`Limits`] until `shutdown`
/// resolves, then finish the requests in flight (see [`connections::serve`]).
pub async fn run(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connections::serve(listener, app, shutdown, Limits::default()).await
}

/// Resolves on Ctrl-C (and SIGTERM on Unix).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested");
}
