//! The map server behind `needmap serve`: a GeoJSON/CSV API, vector tiles
//! with TileJSON, OGC API Features and the static web app, on axum.
//!
//! One file per concern: [`app`] (state, router, middleware), [`meta`],
//! [`areas`], [`services`], [`report`], [`tiles`], [`ogc`], [`static_files`],
//! [`errors`]. The encoders ([`geojson`], [`tiles::mvt`], [`tiles::tilejson`])
//! are pure functions, tested on their own. The [`crate::Engine`] is shared
//! read-only as `Arc<Engine>`.

pub mod app;
pub mod areas;
pub mod cache;
pub mod columns;
pub mod downloads;
pub mod encoding;
pub mod errors;
pub mod geojson;
pub mod meta;
pub mod ogc;
pub mod query;
pub mod report;
pub mod services;
pub mod static_files;
pub mod tiles;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use app::{router, AppState};
pub use errors::ServeError;

use crate::Engine;

/// Build the application for an engine; `web_dir` holds the front end.
pub fn build(engine: Arc<Engine>, web_dir: PathBuf, host: &str) -> Result<axum::Router, ServeError> {
    let state = AppState::new(engine, web_dir, host.to_string())?;
    Ok(router(Arc::new(state)))
}

/// Serve `app` on `listener` until `shutdown` resolves, then finish the
/// requests in flight.
pub async fn run(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
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
    tracing::info!("shutting down: finishing requests in flight");
}
