//! `GET /api/report/{level}.csv`: the table of `needmap report`.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;

use super::app::{path_param, with_type, AppState};
use super::errors::ServeError;

/// `GET /api/report/{level}.csv`.
pub async fn report_csv(State(state): State<Arc<AppState>>, file: Result<Path<String>, PathRejection>) -> Result<Response, ServeError> {
    let file = path_param(file)?;
    let level_id = file.strip_suffix(".csv").ok_or_else(|| ServeError::NotFound { path: format!("/api/report/{file}") })?;
    let level = state.level(level_id)?;
    let mut out = Vec::new();
    state.reports[level].write_csv(&mut out).map_err(|e| ServeError::Internal(e.to_string()))?;
    let mut res = with_type("text/csv; charset=utf-8", out);
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"needmap-{level_id}.csv\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
