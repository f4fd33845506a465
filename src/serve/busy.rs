//! A limit on expensive work (exports and printed maps): at most
//! [`super::config::Limits::max_downloads`] at once; beyond it 503 with
//! `Retry-After`, at once, so a queue of renders never builds up.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::errors::ServeError;

/// Seconds a refused client is told to wait.
pub const RETRY_AFTER_S: u64 = 5;

/// Permits for one kind of expensive work.
#[derive(Clone)]
pub struct WorkLimit {
    what: &'static str,
    permits: Arc<Semaphore>,
}

impl WorkLimit {
    pub fn new(what: &'static str, at_once: usize) -> WorkLimit {
        WorkLimit { what, permits: Arc::new(Semaphore::new(at_once.max(1))) }
    }
}

/// Middleware for the routes under the limit.
pub async fn limit(State(limit): State<WorkLimit>, req: Request, next: Next) -> Response {
    match limit.permits.clone().try_acquire_owned() {
        Ok(permit) => {
            let res = next.run(req).await;
            drop(permit);
            res
        }
        Err(_) => ServeError::Busy { what: limit.what.to_string(), retry_after_s: RETRY_AFTER_S }.into_response(),
    }
}
