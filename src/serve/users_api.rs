//! Accounts over HTTP, for admins only:
//!
//! - `GET /api/users`: `{"users": [{name, role, org, created}]}` (no hashes);
//! - `POST /api/users` with `{"name", "role", "org", "password"}`: 201 and the account;
//! - `DELETE /api/users/{name}`: 204 (its sessions and tokens go too), 404 when unknown.
//!
//! Writes also need `--allow-edits` and the server's own origin ([`super::edit_guard`]).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::app::{path_param, with_type, AppState, JSON};
use super::caller::Caller;
use super::edit_guard::authorize_write;
use super::errors::ServeError;
use super::login::json_body;
use super::parameters;
use crate::auth::{AccountStore, AuthError, NewAccount, Role};

/// The account routes (same-origin only: no CORS).
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/users", get(list).post(create))
        .route("/api/users/{name}", delete(remove))
        .route_layer(middleware::from_fn_with_state(state.clone(), parameters::enforce))
        .with_state(state)
}

fn store(state: &AppState) -> Result<&AccountStore, ServeError> {
    state.auth.store.as_ref().ok_or_else(|| ServeError::NotFound { path: "/api/users (this server has no accounts file)".into() })
}

/// An account error as an answer: 409 for a taken name, 404 unknown, 400 for a bad field.
pub fn auth_error(e: AuthError) -> ServeError {
    match e {
        AuthError::DuplicateAccount { .. } => ServeError::Conflict { message: e.to_string(), current_version: None },
        AuthError::UnknownAccount { name } => ServeError::NotFound { path: format!("/api/users/{name}") },
        AuthError::Invalid { field, message } => ServeError::bad(field, message),
        AuthError::UnknownRole { .. } => ServeError::bad("role", e.to_string()),
        other => ServeError::Internal(other.to_string()),
    }
}

fn admin_only(c: &Caller) -> bool {
    c.role == Role::Admin
}

/// `GET /api/users` (admin).
pub async fn list(State(state): State<Arc<AppState>>, caller: Caller) -> Result<Response, ServeError> {
    let c = caller.known("the account list")?;
    if !admin_only(c) {
        return Err(ServeError::Forbidden { message: format!("the account list is for admins; {} is not one", c.who()) });
    }
    let users = store(&state)?.list().map_err(auth_error)?;
    let mut res = with_type(JSON, json!({ "users": users }).to_string());
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    name: String,
    role: String,
    #[serde(default)]
    org: Option<String>,
    password: String,
}

/// `POST /api/users` (admin, editing on).
pub async fn create(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Result<Response, ServeError> {
    let who = authorize_write(&state, &headers, "accounts can be made", admin_only)?.who();
    let new: NewUser = json_body(&state, body, "account").await?;
    let role = Role::parse(&new.role).map_err(auth_error)?;
    if let (true, Some(org)) = (role.needs_org(), new.org.as_deref()) {
        crate::auth::organisation::check_partner_org(state.auth.register.as_deref(), org).map_err(auth_error)?;
    }
    let st = state.clone();
    let account = tokio::task::spawn_blocking(move || {
        store(&st)?.add(&NewAccount { name: &new.name, role, org: new.org.as_deref(), password: &new.password }).map_err(auth_error)
    })
    .await
    .map_err(|e| ServeError::Internal(format!("account task failed: {e}")))??;
    tracing::info!(target: "needmap::auth", account = %account.name, role = %account.role, by = %who, "account made");
    let mut res = with_type(JSON, serde_json::to_string(&account).map_err(|e| ServeError::Internal(e.to_string()))?);
    *res.status_mut() = StatusCode::CREATED;
    Ok(res)
}

/// `DELETE /api/users/{name}` (admin, editing on).
pub async fn remove(
    State(state): State<Arc<AppState>>,
    name: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let name = path_param(name)?;
    let who = authorize_write(&state, &headers, "accounts can be removed", admin_only)?.who();
    if !store(&state)?.remove(&name).map_err(auth_error)? {
        return Err(auth_error(AuthError::UnknownAccount { name }));
    }
    tracing::info!(target: "needmap::auth", account = %name, by = %who, "account removed");
    Ok(StatusCode::NO_CONTENT.into_response())
}
