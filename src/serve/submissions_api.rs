//! Partners' submissions over HTTP (`crate::register::submission`), by role
//! and organisation:
//!
//! - `POST /api/register/submissions?file=NAME[&org=ID][&sheet=S]`: the body
//!   is the uploaded CSV or XLSX itself (at most [`MAX_UPLOAD_BYTES`]); 201
//!   and the draft with its column match and validation report. A partner
//!   uploads for its own organisation (`org` may be left out); a reviewer or
//!   admin names the organisation. Nothing enters the register's services.
//! - `GET /api/register/submissions`: summaries (a partner sees its own
//!   organisation's; reviewers and admins every one: the review queue, with
//!   `status=submitted`); `GET /api/register/submissions/{id}`: the whole
//!   submission (rows, report, duplicates side by side).
//! - `PUT /api/register/submissions/{id}/rows/{row}`: a JSON object of field
//!   id -> text to replace in that row (empty text clears it); 200 and the
//!   submission validated again. `PUT .../rows/{row}/decision` with
//!   `{"decision": "keep" | "skip" | "merge:<service id>" | null}` settles a
//!   duplicate. A partner works on its own organisation's open submissions.
//! - `POST /api/register/submissions/{id}/send`: the partner sends it for
//!   review. `POST .../publish[?exclude_blocking=true]` (reviewer, admin):
//!   its rows become register services in one transaction with audit rows
//!   naming the reviewer; rows with errors or undecided duplicates refuse
//!   publication (409, naming them) unless left out with
//!   `exclude_blocking`. `POST .../reject` with `{"reason": "..."}`.
//!
//! Every write needs `--allow-edits`, the server's own origin and a known
//! caller (see [`super::caller`]). The running map keeps the services it
//! started with; a restart reads the published register.

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::app::{with_type, AppState, JSON};
use super::caller::Caller;
use super::edit_guard::authorize_write;
use super::errors::ServeError;
use super::login::json_body;
use super::parameters;
use super::query::Params;
use crate::register::submission::district::inside_district;
use crate::register::submission::RowState;
use crate::register::upload::{read_upload, Field, UploadError, UploadOptions, MAX_UPLOAD_BYTES};
use crate::register::{Checker, Decision, DedupeRule, Placer, Register, RegisterError, Submission};

/// The submission routes (same-origin only: no CORS).
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/register/submissions", get(list).post(upload))
        .route("/api/register/submissions/{id}", get(show))
        .route("/api/register/submissions/{id}/rows/{row}", put(fix))
        .route("/api/register/submissions/{id}/rows/{row}/decision", put(decide))
        .route("/api/register/submissions/{id}/send", post(send))
        .route("/api/register/submissions/{id}/publish", post(publish))
        .route("/api/register/submissions/{id}/reject", post(reject))
        .route_layer(middleware::from_fn_with_state(state.clone(), parameters::enforce))
        .with_state(state)
}

/// Whether `path` is the upload route, which takes a file as its body.
pub fn takes_upload(path: &str) -> bool {
    path == "/api/register/submissions"
}

/// Whether `path` is a submission route taking a small JSON body.
pub fn takes_json(path: &str) -> bool {
    path.starts_with("/api/register/submissions/")
}

fn register_path(state: &AppState) -> Result<PathBuf, ServeError> {
    state.auth.register.clone().ok_or_else(|| ServeError::NotFound {
        path: "/api/register/submissions (this server has no register: name one under [register] file in dataset.toml, or start it with --register FILE)".into(),
    })
}

fn register_error(e: RegisterError) -> ServeError {
    match e {
        RegisterError::UnknownSubmission { id } => ServeError::UnknownFeature { collection: "submissions".into(), id: id.to_string() },
        RegisterError::UnknownService { id } => ServeError::UnknownFeature { collection: "register services".into(), id },
        e @ RegisterError::UnknownRow { .. } => ServeError::bad("row", e.to_string()),
        e @ (RegisterError::SubmissionClosed { .. } | RegisterError::SubmissionBlocked { .. }) => {
            ServeError::Conflict { message: e.to_string(), current_version: None }
        }
        RegisterError::Invalid(m) => ServeError::bad("body", m),
        other => ServeError::Internal(other.to_string()),
    }
}

fn upload_error(e: UploadError) -> ServeError {
    let status = match e {
        UploadError::TooLarge { .. } | UploadError::TooManyRows { .. } => 413,
        UploadError::WrongType { .. } => 415,
        _ => 400,
    };
    ServeError::Refused { status, message: e.to_string() }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ServeError> + Send + 'static) -> Result<T, ServeError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ServeError::Internal(format!("register task failed: {e}")))?
}

/// Run `f` with the register open for writing and a checker over the
/// register's services now, the manifest's postcodes and the district.
fn with_checker<T>(state: &AppState, f: impl FnOnce(&mut Register, &Checker<'_>) -> Result<T, ServeError>) -> Result<T, ServeError> {
    let engine = &state.engine;
    let postcodes = match engine.postcodes() {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(m)) => return Err(ServeError::Internal(format!("the [postcodes] lookup cannot be read: {m}"))),
    };
    let placer = Placer::new(postcodes).map_err(ServeError::Internal)?;
    let inside = inside_district(engine);
    let mut register = Register::open(&register_path(state)?).map_err(register_error)?;
    let existing = register.services().map_err(register_error)?;
    let rule = engine.manifest.register.as_ref().map(|r| DedupeRule::from_spec(&r.dedupe)).unwrap_or_default();
    let checker = Checker { manifest: &engine.manifest, placer: &placer, existing: &existing, rule: &rule, inside: Some(&inside) };
    f(&mut register, &checker)
}

/// A partner may see and work on its own organisation's submissions only;
/// reviewers and admins on every one.
fn may_see(caller: &Caller, s: &Submission) -> Result<(), ServeError> {
    if caller.role.sees_every_org() || caller.org.as_deref() == Some(s.partner.as_str()) {
        return Ok(());
    }
    Err(ServeError::Forbidden {
        message: match &caller.org {
            Some(own) => format!("submission {} is from {}; {} works on its own organisation's ({own}) only", s.id, s.partner, caller.who()),
            None => format!("submissions are for partners, reviewers and admins; {} is a {}", caller.who(), caller.role),
        },
    })
}

fn answer(status: StatusCode, body: String) -> Response {
    let mut res = with_type(JSON, body);
    *res.status_mut() = status;
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn submission_answer(status: StatusCode, s: &Submission) -> Result<Response, ServeError> {
    Ok(answer(status, serde_json::to_string(s).map_err(|e| ServeError::Internal(e.to_string()))?))
}

fn path_id(id: Result<Path<i64>, PathRejection>) -> Result<i64, ServeError> {
    id.map(|Path(i)| i).map_err(|_| ServeError::bad("id", "a submission id is a whole number, as `GET /api/register/submissions` lists them"))
}

fn path_row(p: Result<Path<(i64, usize)>, PathRejection>) -> Result<(i64, usize), ServeError> {
    p.map(|Path(v)| v).map_err(|_| ServeError::bad("row", "give the submission id and the row number of the report: /api/register/submissions/{id}/rows/{row}"))
}

/// `GET /api/register/submissions[?status=S]`.
async fn list(State(state): State<Arc<AppState>>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Response, ServeError> {
    let c = caller.known("the submissions")?.clone();
    if !(c.role.sees_every_org() || c.org.is_some()) {
        return Err(ServeError::Forbidden { message: format!("submissions are for partners, reviewers and admins; {} is a {}", c.who(), c.role) });
    }
    let params = Params::parse(raw.as_deref())?;
    let status = params.get("status")?.map(str::to_string);
    if let Some(s) = &status {
        if crate::register::SubmissionStatus::parse(s).is_none() {
            return Err(ServeError::bad("status", format!("`{s}` is not a status; give draft, submitted, published or rejected")));
        }
    }
    let path = register_path(&state)?;
    let rows = blocking(move || {
        let r = Register::open_read_only(&path).map_err(register_error)?;
        let all = r.submissions().map_err(register_error)?;
        Ok(all
            .into_iter()
            .filter(|s| may_see(&c, s).is_ok())
            .filter(|s| status.as_deref().is_none_or(|st| s.status.as_str() == st))
            .map(|s| {
                json!({
                    "id": s.id, "partner": s.partner, "file": s.file_name, "status": s.status.as_str(),
                    "rows": s.rows.len(), "ready": s.report.count(RowState::Ready), "errors": s.report.count(RowState::Error),
                    "duplicates": s.report.count(RowState::Duplicate), "summary": s.report.summary(),
                    "submitted_by": s.submitted_by, "reviewed_by": s.reviewed_by, "created": s.created, "updated": s.updated,
                })
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(answer(StatusCode::OK, json!({ "submissions": rows, "count": rows.len() }).to_string()))
}

/// `GET /api/register/submissions/{id}`.
async fn show(State(state): State<Arc<AppState>>, caller: Caller, id: Result<Path<i64>, PathRejection>) -> Result<Response, ServeError> {
    let id = path_id(id)?;
    let c = caller.known("a submission")?.clone();
    let path = register_path(&state)?;
    let s = blocking(move || Register::open_read_only(&path).and_then(|r| r.submission(id)).map_err(register_error)).await?;
    may_see(&c, &s)?;
    submission_answer(StatusCode::OK, &s)
}

/// `POST /api/register/submissions?file=NAME[&org=ID][&sheet=S]`, the file as the body.
async fn upload(State(state): State<Arc<AppState>>, headers: HeaderMap, RawQuery(raw): RawQuery, body: Body) -> Result<Response, ServeError> {
    let caller = authorize_write(&state, &headers, "services can be submitted", |c| c.role.sees_every_org() || c.org.is_some())?;
    let params = Params::parse(raw.as_deref())?;
    let file = params.get("file")?.map(str::trim).filter(|f| !f.is_empty()).unwrap_or("upload").to_string();
    let org = match (caller.role.sees_every_org(), &caller.org, params.get("org")?) {
        (_, Some(own), None) => own.clone(),
        (_, Some(own), Some(asked)) if asked == own => own.clone(),
        (false, Some(own), Some(asked)) => {
            return Err(ServeError::Forbidden { message: format!("{} submits for its own organisation ({own}) only, not `{asked}`", caller.who()) })
        }
        (_, _, Some(asked)) => asked.to_string(),
        (_, None, None) => return Err(ServeError::bad("org", "name the partner organisation the services come from: ?org=ID")),
    };
    let options = UploadOptions { sheet: params.get("sheet")?.map(str::to_string), ..Default::default() };
    let limit = MAX_UPLOAD_BYTES as usize;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| ServeError::Refused {
        status: 413,
        message: format!("{file}: the file is larger than {} MB (or was cut off); split it into smaller files", MAX_UPLOAD_BYTES / 1_000_000),
    })?;
    let st = state.clone();
    let who = caller.who();
    let saved = blocking(move || {
        let upload = read_upload(&bytes, &file, &options).map_err(upload_error)?;
        let mut submission = Submission::from_upload(upload, &org, &who);
        with_checker(&st, |register, checker| {
            register.save_submission(&mut submission, checker).map_err(register_error)?;
            Ok(submission)
        })
    })
    .await?;
    let mut res = submission_answer(StatusCode::CREATED, &saved)?;
    if let Ok(v) = HeaderValue::from_str(&format!("/api/register/submissions/{}", saved.id)) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Load submission `id` for a write by `caller` and check it may touch it.
fn own_submission(register: &Register, caller: &Caller, id: i64) -> Result<Submission, ServeError> {
    let s = register.submission(id).map_err(register_error)?;
    may_see(caller, &s)?;
    Ok(s)
}

/// `PUT /api/register/submissions/{id}/rows/{row}` with `{field: text}`.
async fn fix(State(state): State<Arc<AppState>>, p: Result<Path<(i64, usize)>, PathRejection>, headers: HeaderMap, body: Body) -> Result<Response, ServeError> {
    let (id, row) = path_row(p)?;
    let caller = authorize_write(&state, &headers, "submissions can be fixed", |c| c.role.sees_every_org() || c.org.is_some())?;
    let given: serde_json::Map<String, serde_json::Value> = json_body(&state, body, "row fix").await?;
    let mut set = Vec::new();
    for (k, v) in given {
        let field = Field::parse(&k).ok_or_else(|| {
            ServeError::bad("body", format!("`{k}` is not a field; fields: {}", Field::ALL.iter().map(|f| f.id()).collect::<Vec<_>>().join(", ")))
        })?;
        let text = match v {
            serde_json::Value::String(s) => s,
            serde_json::Value::Null => String::new(),
            serde_json::Value::Number(n) => n.to_string(),
            other => return Err(ServeError::bad("body", format!("`{k}`: give the new text of the cell, not {other}"))),
        };
        set.push((field, text));
    }
    if set.is_empty() {
        return Err(ServeError::bad("body", "give at least one field to replace, e.g. {\"postcode\": \"BD1 1HY\"}"));
    }
    let st = state.clone();
    let s = blocking(move || {
        with_checker(&st, |register, checker| {
            own_submission(register, &caller, id)?;
            register.fix_submission_row(id, row, &set, &caller.who(), checker).map_err(register_error)
        })
    })
    .await?;
    submission_answer(StatusCode::OK, &s)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    decision: Option<String>,
}

/// `PUT /api/register/submissions/{id}/rows/{row}/decision`.
async fn decide(State(state): State<Arc<AppState>>, p: Result<Path<(i64, usize)>, PathRejection>, headers: HeaderMap, body: Body) -> Result<Response, ServeError> {
    let (id, row) = path_row(p)?;
    let caller = authorize_write(&state, &headers, "duplicates can be decided", |c| c.role.sees_every_org() || c.org.is_some())?;
    let given: DecisionBody = json_body(&state, body, "decision").await?;
    let decision = match given.decision.as_deref().map(str::trim) {
        None | Some("clear") => None,
        Some(d) => Some(Decision::parse(d).map_err(|m| ServeError::bad("decision", m))?),
    };
    let st = state.clone();
    let s = blocking(move || {
        with_checker(&st, |register, checker| {
            own_submission(register, &caller, id)?;
            register.decide_submission_row(id, row, decision, &caller.who(), checker).map_err(register_error)
        })
    })
    .await?;
    submission_answer(StatusCode::OK, &s)
}

/// `POST /api/register/submissions/{id}/send`.
async fn send(State(state): State<Arc<AppState>>, id: Result<Path<i64>, PathRejection>, headers: HeaderMap) -> Result<Response, ServeError> {
    let id = path_id(id)?;
    let caller = authorize_write(&state, &headers, "submissions can be sent for review", |c| c.role.sees_every_org() || c.org.is_some())?;
    let path = register_path(&state)?;
    let s = blocking(move || {
        let mut register = Register::open(&path).map_err(register_error)?;
        own_submission(&register, &caller, id)?;
        register.send_submission(id, &caller.who()).map_err(register_error)
    })
    .await?;
    submission_answer(StatusCode::OK, &s)
}

/// `POST /api/register/submissions/{id}/publish[?exclude_blocking=true]`.
async fn publish(
    State(state): State<Arc<AppState>>,
    id: Result<Path<i64>, PathRejection>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ServeError> {
    let id = path_id(id)?;
    let caller = authorize_write(&state, &headers, "submissions are published", |c| c.role.sees_every_org())?;
    let params = Params::parse(raw.as_deref())?;
    let exclude = match params.get("exclude_blocking")? {
        None | Some("false") => false,
        Some("true") => true,
        Some(v) => return Err(ServeError::bad("exclude_blocking", format!("`{v}`: give true or false"))),
    };
    let st = state.clone();
    let (publication, count) = blocking(move || {
        with_checker(&st, |register, checker| {
            let p = register.publish_submission(id, &caller.who(), exclude, checker).map_err(register_error)?;
            let count = register.count().map_err(register_error)?;
            Ok((p, count))
        })
    })
    .await?;
    let rows = |v: &[(usize, String)]| v.iter().map(|(row, service)| json!({ "row": row, "service": service })).collect::<Vec<_>>();
    // The map follows the register when the manifest maps it.
    let st = state.clone();
    let (mapped, note) = match blocking(move || super::live::republish(&st)).await {
        Ok(Some((generation, n))) => (Some(generation), format!("the map now shows the register's {n} services (register generation {generation})")),
        Ok(None) => (None, "the map reads the manifest's service files, not the register: it does not change".to_string()),
        // The publication is committed: say the map did not follow, do not fail the request.
        Err(e) => {
            tracing::warn!("publication {id}: the map was not updated: {e}");
            (None, format!("the publication is saved, but the map could not be updated ({e}); restart the server to map it"))
        }
    };
    let body = json!({
        "submission": id,
        "added": rows(&publication.added),
        "merged": rows(&publication.merged),
        "skipped": publication.skipped,
        "excluded": publication.excluded.iter().map(|(row, s)| json!({ "row": row, "state": s.as_str() })).collect::<Vec<_>>(),
        "register_services": count,
        "map_generation": mapped,
        "note": note,
    });
    Ok(answer(StatusCode::OK, body.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RejectBody {
    reason: String,
}

/// `POST /api/register/submissions/{id}/reject` with `{"reason": "..."}`.
async fn reject(State(state): State<Arc<AppState>>, id: Result<Path<i64>, PathRejection>, headers: HeaderMap, body: Body) -> Result<Response, ServeError> {
    let id = path_id(id)?;
    let caller = authorize_write(&state, &headers, "submissions are rejected", |c| c.role.sees_every_org())?;
    let given: RejectBody = json_body(&state, body, "rejection").await?;
    if given.reason.trim().is_empty() {
        return Err(ServeError::bad("reason", "say why, for the partner: {\"reason\": \"...\"}"));
    }
    let path = register_path(&state)?;
    let s = blocking(move || {
        let mut register = Register::open(&path).map_err(register_error)?;
        register.reject_submission(id, &caller.who(), given.reason.trim()).map_err(register_error)
    })
    .await?;
    submission_answer(StatusCode::OK, &s)
}
