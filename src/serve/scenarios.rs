//! The scenario API (issue 10):
//!
//! - `GET /api/scenarios`: `{"scenarios": [{id, name, version, edits, updated, author, url}]}`;
//! - `POST /api/scenarios` (a scenario JSON; its `version` is ignored): 201,
//!   `Location`, `ETag: "1"` and the stored scenario;
//! - `GET /api/scenarios/{id}`: the scenario, `ETag: "<version>"`;
//! - `PUT /api/scenarios/{id}` with `If-Match: "<version>"` or the body's
//!   `version` (the version it was based on): 200 and the stored scenario at
//!   version + 1; a stale version is 409 with `current_version`;
//! - `DELETE /api/scenarios/{id}` with `If-Match` or `?version=`: 204;
//! - `GET /api/scenarios/{id}/compare?level=&category=&tier=&method=&indicator=`:
//!   baseline against scenario per area ([`crate::scenario::compare`]).
//!
//! Writes pass [`super::edit_guard::check_write`], are validated by applying
//! the scenario to the baseline (so a stored scenario always applies), and go
//! through the store's file lock (no update is ever lost); afterwards the
//! scenario's views are dropped ([`super::view::Scenarios::forget`]).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tower_http::cors::{Any, CorsLayer};

use super::app::{path_param, with_type, AppState, JSON};
use super::edit_guard::{check_write, is_editor};
use super::errors::ServeError;
use super::parameters;
use super::query::Params;
use super::view::{check_id, Scenarios};
use crate::scenario::{Edit, Scenario, ScenarioError, ScenarioStore};

/// The scenario routes, with the parameter check and CORS for reads only
/// (writes are same-origin: a cross-origin preflight for them is refused).
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/scenarios", get(list).post(create))
        .route("/api/scenarios/{id}", get(read).put(update).delete(remove))
        .route("/api/scenarios/{id}/compare", get(compare))
        .route_layer(middleware::from_fn_with_state(state.clone(), parameters::enforce))
        .route_layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                .expose_headers([header::ETAG, header::LOCATION]),
        )
        .with_state(state)
}

/// Whether requests to `path` may carry a body (a scenario JSON).
pub fn takes_body(path: &str) -> bool {
    path == "/api/scenarios" || path.starts_with("/api/scenarios/")
}

/// The answer to a scenario error: 404, 409 (with `current_version` when
/// stale), 500 for the folder's own failures (details, which name server
/// paths, only in the log), else 400 naming the problem.
pub fn store_error(e: ScenarioError) -> ServeError {
    let message = e.to_string();
    match e {
        ScenarioError::NotFound { id, .. } => ServeError::UnknownScenario { id },
        ScenarioError::Stale { current, .. } => ServeError::Conflict { message, current_version: Some(current) },
        ScenarioError::Exists { .. } => ServeError::Conflict { message, current_version: None },
        ScenarioError::Io { .. } | ScenarioError::Write { .. } | ScenarioError::Unreadable { .. } | ScenarioError::UnreadableFiles { .. } => {
            ServeError::Internal(message)
        }
        ScenarioError::Gap(g) => super::columns::gap_error(g),
        _ => ServeError::BadScenario { message },
    }
}

/// A problem with a scenario, in words that name no folder of the server
/// (files of the data folder are named relative to it).
pub fn scenario_problem(state: &AppState, e: ScenarioError) -> ServeError {
    match store_error(e) {
        ServeError::BadScenario { message } => ServeError::BadScenario { message: without_paths(state, &message) },
        ServeError::Conflict { message, current_version } => ServeError::Conflict { message: without_paths(state, &message), current_version },
        other => other,
    }
}

fn without_paths(state: &AppState, message: &str) -> String {
    let dir = format!("{}{}", state.engine.data_dir.display(), std::path::MAIN_SEPARATOR);
    message.replace(&dir, "")
}

fn scenarios(state: &AppState) -> Result<&Scenarios, ServeError> {
    state.scenarios.as_deref().ok_or_else(|| ServeError::Internal("no scenario folder in a scenario view".into()))
}

/// The store to write to (after [`check_write`], so editing is on and there is one).
fn writable(state: &AppState) -> Result<&ScenarioStore, ServeError> {
    scenarios(state)?.store().ok_or_else(|| ServeError::Internal("editing is on but there is no scenario folder".into()))
}

/// Header counting the edits withheld from a reader who is not an editor.
pub const WITHHELD: &str = "needmap-withheld-edits";

/// `s` without the edits that place or touch a site of a sensitive category
/// (an added sensitive site, or a baseline or added sensitive service moved,
/// closed or re-sized), and how many were withheld: sensitive sites are never
/// located in any output, and a scenario is an output to readers.
pub fn without_sensitive(engine: &crate::Engine, s: &Scenario) -> (Scenario, usize) {
    let sensitive_category = |c: &str| engine.categories.get(c).is_some_and(|c| c.sensitive);
    let sensitive: std::collections::HashSet<&str> =
        engine.services.iter().filter(|x| crate::export::disclosure::is_sensitive(engine, x)).map(|x| x.id.as_str()).collect();
    let mut added: Vec<String> = Vec::new();
    let mut kept = Vec::with_capacity(s.edits.len());
    for (i, e) in s.edits.iter().enumerate() {
        let hidden = match e {
            Edit::Add { id, category, .. } => {
                let hide = sensitive_category(category);
                if hide {
                    added.push(id.clone().unwrap_or_else(|| format!("scenario-{}", i + 1)));
                }
                hide
            }
            Edit::Move { service, .. } | Edit::Close { service } | Edit::Capacity { service, .. } => {
                sensitive.contains(service.as_str()) || added.contains(service)
            }
        };
        if !hidden {
            kept.push(e.clone());
        }
    }
    let withheld = s.edits.len() - kept.len();
    (Scenario { edits: kept, ..s.clone() }, withheld)
}

/// A JSON answer that caches never keep (scenarios change). Readers without
/// the editor token get it [`without_sensitive`].
fn scenario_response(state: &AppState, headers: &HeaderMap, status: StatusCode, s: &Scenario) -> Response {
    let (shown, withheld) = if is_editor(state, headers) { (s.clone(), 0) } else { without_sensitive(&state.engine, s) };
    let mut res = with_type(JSON, shown.to_json());
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(WITHHELD, HeaderValue::from(withheld));
    h.insert(header::VARY, HeaderValue::from_static("authorization, cookie"));
    if let Ok(v) = HeaderValue::from_str(&format!("\"{}\"", s.version)) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The body as a scenario: UTF-8 JSON of the scenario schema (unknown
/// fields and more than [`crate::scenario::MAX_EDITS`] edits refused), valid
/// against the baseline (every edit applies).
fn parse_body(state: &AppState, body: &Bytes) -> Result<Scenario, ServeError> {
    let text = std::str::from_utf8(body).map_err(|e| ServeError::BadScenario { message: format!("the request body is not UTF-8 text: {e}") })?;
    let s = Scenario::from_json(text, "the request body").map_err(store_error)?;
    check_id(&s.id)?;
    s.apply(&state.engine).map_err(|e| scenario_problem(state, e.within("the request body")))?;
    Ok(s)
}

/// Read the body (at most the configured scenario size: 413 beyond it).
async fn read_body(state: &AppState, body: Body) -> Result<Bytes, ServeError> {
    let max = state.config.limits.max_scenario_bytes;
    axum::body::to_bytes(body, max).await.map_err(|_| ServeError::Refused {
        status: 413,
        message: format!("the scenario body is larger than {max} bytes (or was cut off); a scenario may be at most {max} bytes"),
    })
}

/// The version in `If-Match: "<n>"` (also `W/"<n>"` or a bare number).
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ServeError> {
    let Some(v) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = v.to_str().unwrap_or("").trim();
    let bare = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    bare.parse::<u64>().map(Some).map_err(|_| {
        ServeError::bad("If-Match", format!("`{text}` is not a scenario version; send If-Match: \"<version>\" with the version you edited (its ETag)"))
    })
}

/// Run blocking store work (file lock, disk) off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ServeError> + Send + 'static) -> Result<T, ServeError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ServeError::Internal(format!("scenario task failed: {e}")))?
}

/// `GET /api/scenarios`.
pub async fn list(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, ServeError> {
    // The baseline as it is now (republished after a register change).
    let state = state.current();
    let base = state.base_url(&headers);
    let st = state.clone();
    let (all, problems) = blocking(move || match scenarios(&st)?.store() {
        Some(store) => store.list_with_problems().map_err(store_error),
        None => Ok((Vec::new(), Vec::new())),
    })
    .await?;
    // The problems name files on the server: counted here, detailed in the log.
    for p in &problems {
        tracing::warn!("scenario folder: {p}");
    }
    let items: Vec<Value> = all
        .iter()
        .map(|s| {
            json!({
                "id": s.id, "name": s.name, "version": s.version, "edits": s.edits.len(),
                "updated": s.updated, "author": s.author, "url": format!("{base}/api/scenarios/{}", s.id),
            })
        })
        .collect();
    let mut doc = json!({ "scenarios": items });
    if !problems.is_empty() {
        doc["unreadable"] = json!(problems.len());
        doc["note"] = json!(format!("{} scenario file(s) cannot be read; the server log names them", problems.len()));
    }
    let mut res = with_type(JSON, doc.to_string());
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// `GET /api/scenarios/{id}`.
pub async fn read(State(state): State<Arc<AppState>>, id: Result<Path<String>, PathRejection>, headers: HeaderMap) -> Result<Response, ServeError> {
    // The baseline as it is now (republished after a register change).
    let state = state.current();
    let id = path_param(id)?;
    let st = state.clone();
    let s = blocking(move || scenarios(&st)?.get(&id)).await?;
    let tag = format!("\"{}\"", s.version);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == tag));
    if unchanged {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&tag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return Ok(res);
    }
    Ok(scenario_response(&state, &headers, StatusCode::OK, &s))
}

/// `POST /api/scenarios`.
pub async fn create(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Result<Response, ServeError> {
    // The baseline as it is now (republished after a register change).
    let state = state.current();
    check_write(&state, &headers)?;
    let bytes = read_body(&state, body).await?;
    let st = state.clone();
    let stored = blocking(move || {
        let s = parse_body(&st, &bytes)?;
        let id = s.id.clone();
        let stored = writable(&st)?.create(s).map_err(store_error)?;
        scenarios(&st)?.forget(&id);
        Ok(stored)
    })
    .await?;
    let mut res = scenario_response(&state, &headers, StatusCode::CREATED, &stored);
    if let Ok(v) = HeaderValue::from_str(&format!("{}/api/scenarios/{}", state.base_url(&headers), stored.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// `PUT /api/scenarios/{id}`.
pub async fn update(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServeError> {
    // The baseline as it is now (republished after a register change).
    let state = state.current();
    let id = path_param(id)?;
    check_id(&id)?;
    check_write(&state, &headers)?;
    let header_version = if_match(&headers)?;
    let bytes = read_body(&state, body).await?;
    let st = state.clone();
    let stored = blocking(move || {
        let s = parse_body(&st, &bytes)?;
        if s.id != id {
            return Err(ServeError::BadScenario {
                message: format!("the body is scenario `{}` but the URL is /api/scenarios/{id}; ids cannot be changed (create a new scenario instead)", s.id),
            });
        }
        let based_on = match (header_version, s.version) {
            (Some(h), b) if b != 0 && b != h => {
                return Err(ServeError::BadScenario {
                    message: format!("If-Match says version {h} but the body says version {b}; send the version you edited once"),
                })
            }
            (Some(h), _) => h,
            (None, b) if b != 0 => b,
            (None, _) => {
                return Err(ServeError::PreconditionRequired {
                    message: "say which version you edited: If-Match: \"<version>\" or the body's `version`".into(),
                })
            }
        };
        let stored = writable(&st)?.update(&id, based_on, s).map_err(store_error)?;
        scenarios(&st)?.forget(&id);
        Ok(stored)
    })
    .await?;
    Ok(scenario_response(&state, &headers, StatusCode::OK, &stored))
}

/// `DELETE /api/scenarios/{id}`.
pub async fn remove(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    // The baseline as it is now (republished after a register change).
    let state = state.current();
    let id = path_param(id)?;
    check_id(&id)?;
    check_write(&state, &headers)?;
    let query_version = Params::parse(raw.as_deref())?.get("version")?.map(|v| {
        v.parse::<u64>().map_err(|_| ServeError::bad("version", format!("`{v}` is not a scenario version (a whole number)")))
    });
    let based_on = match (if_match(&headers)?, query_version.transpose()?) {
        (Some(h), Some(q)) if h != q => {
            return Err(ServeError::bad("version", format!("If-Match says version {h} but `version` says {q}; send one")))
        }
        (Some(v), _) | (None, Some(v)) => v,
        (None, None) => {
            return Err(ServeError::PreconditionRequired {
                message: "say which version you are deleting: If-Match: \"<version>\" or ?version=<version>".into(),
            })
        }
    };
    let st = state.clone();
    blocking(move || {
        writable(&st)?.delete(&id, based_on).map_err(store_error)?;
        scenarios(&st)?.forget(&id);
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/scenarios/{id}/compare?level=&category=&tier=&method=&indicator=`.
pub async fn compare(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ServeError> {
    // The baseline as it is now (republished after a register change).
    let state = state.current();
    let id = path_param(id)?;
    let params = Params::parse(raw.as_deref())?;
    let level_id = params.get("level")?.ok_or_else(|| {
        let known: Vec<&str> = state.engine.levels.iter().map(|l| l.id.as_str()).collect();
        ServeError::bad("level", format!("give the level to compare: level={}", known.join("|")))
    })?;
    let level = state.level(level_id)?;
    let q = super::query::AreaQuery::from_params(&state.engine, &params)?;
    let gq = super::columns::gap_query(&state.engine, level, &q)?;
    let view = super::view::scenario_view(&state, &id).await?;
    let base = state.clone();
    let body = blocking(move || {
        let c = comparison(&base, &base.engine, &view.state.engine, &gq)?;
        serde_json::to_string(&c).map_err(|e| ServeError::Internal(e.to_string()))
    })
    .await?;
    Ok(with_type(JSON, body))
}

/// Baseline `base` against `scenario` for the gap query `gq` (from the area
/// query by [`super::columns::gap_query`]), with the travel model of `state`:
/// what the compare endpoint answers and the printed map of a scenario
/// summarises. Blocking work (run it off the async threads).
pub fn comparison(
    state: &AppState,
    base: &crate::Engine,
    scenario: &crate::Engine,
    gq: &crate::gaps::GapQuery,
) -> Result<crate::scenario::Comparison, ServeError> {
    crate::scenario::compare(base, scenario, &state.gap_context, gq).map_err(|e| scenario_problem(state, e))
}
