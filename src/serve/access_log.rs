//! The access log: server errors always (warn), other requests one in
//! [`super::config::ServeConfig::access_log_sample`] at info (none by
//! default), every request at debug (`RUST_LOG=needmap::access=debug`).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::app::AppState;

/// Middleware: log the request once answered.
pub async fn log(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let n = state.requests.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    // The path only: query strings can be long and are not needed to find a fault.
    let path = req.uri().path().to_string();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1e3;
    let sample = state.config.access_log_sample;
    if status >= 500 {
        tracing::warn!(target: "needmap::access", %method, %path, status, ms);
    } else if sample > 0 && n % sample == 0 {
        tracing::info!(target: "needmap::access", %method, %path, status, ms);
    } else {
        tracing::debug!(target: "needmap::access", %method, %path, status, ms);
    }
    res
}
