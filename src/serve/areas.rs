//! `GET /api/areas/{level}.geojson?indicator=&category=&tier=&method=&travel=&catchment=&geometry=`:
//! every area of a level with the columns of its area table. `geometry=false`
//! sends the same features with `"geometry": null` (RFC 7946 §3.2, an
//! unlocated feature): a client that holds the boundaries already asks only
//! for the new attributes, e.g. after a scenario edit; `fields=services` keeps
//! only `code` and the fields that depend on the services (what a scenario
//! changes: provision counts, selection, access and gap fields).

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::app::{path_param, AppState, GEOJSON};
use super::encoding::{respond, CachedBody};
use super::errors::ServeError;
use super::geojson::{properties, string, FeatureCollection};
use super::query::{AreaQuery, Params};
use crate::report::Report;

/// Append area `a` of `level` as a feature (id = area code).
pub fn push_area(fc: &mut FeatureCollection, state: &AppState, level: usize, table: &Report, a: usize) {
    let code = &state.engine.levels[level].areas[a].code;
    fc.push(&string(code), &state.geometry[level][a], &properties(table, a));
}

/// The whole FeatureCollection of a level (with `geometry: false`, every
/// feature's geometry is `null`; with `services_only`, only the fields that
/// depend on the services, see [`super::columns::services_only`]).
pub fn areas_document(state: &AppState, level: usize, q: &AreaQuery, geometry: bool, services_only: bool) -> Result<String, ServeError> {
    let mut table = state.table(level, q)?;
    if services_only {
        table = Arc::new(super::columns::services_only(&state.engine, &table));
    }
    let mut fc = FeatureCollection::new();
    for a in 0..state.engine.levels[level].len() {
        if geometry {
            push_area(&mut fc, state, level, &table, a);
        } else {
            fc.push(&string(&state.engine.levels[level].areas[a].code), "null", &properties(&table, a));
        }
    }
    let l = &state.engine.levels[level];
    Ok(fc.finish(&[
        ("name", serde_json::Value::String(l.id.clone())),
        ("level", serde_json::json!({ "id": l.id, "label": l.label, "note": l.note })),
        ("attribution", serde_json::Value::String(state.attribution.clone())),
        (
            "selection",
            serde_json::json!({
                "indicators": q.indicators.as_ref().map(|v| v.iter().map(|&i| state.engine.indicators[i].id.clone()).collect::<Vec<_>>()),
                "categories": q.categories,
                "tier": q.tier,
                "method": q.method,
                "gap_fields": super::columns::wants_gaps(&state.engine, q),
                "access": super::columns::access_description(state, level, q)?,
            }),
        ),
    ]))
}

/// `GET /api/areas/{level}.geojson`.
pub async fn areas(
    State(state): State<Arc<AppState>>,
    file: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let file = path_param(file)?;
    let level_id = file
        .strip_suffix(".geojson")
        .ok_or_else(|| ServeError::NotFound { path: format!("/api/areas/{file} (use /api/areas/{{level}}.geojson)") })?;
    let level = state.level(level_id)?;
    let params = Params::parse(raw.as_deref())?;
    let q = AreaQuery::from_params(&state.engine, &params)?;
    // The value was checked by `parameters` (true or false).
    let geometry = params.get("geometry")? != Some("false");
    let services_only = params.get("fields")? == Some("services");
    let key = format!("areas/{level}/{q:?}/{geometry}/{services_only}");
    let body = state.documents.get_or_try_weighted(
        key,
        || areas_document(&state, level, &q, geometry, services_only).map(|d| Arc::new(CachedBody::new(d))),
        |b| 2 * b.raw().len(), // room for its gzip copy
    )?;
    Ok(respond(GEOJSON, &body, &headers))
}
