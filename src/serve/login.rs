//! Login, logout and who am I:
//!
//! - `POST /api/login` with JSON `{"name": .., "password": ..}`: 204 and a
//!   session cookie ([`super::caller::session_set_cookie`]), 401 for a wrong
//!   name or password (the same answer and about the same time for a name
//!   that has no account), 429 with `Retry-After` after
//!   [`crate::serve::AccountSettings::login_failures`] failures in the
//!   window from one client address or for one name;
//! - `POST /api/logout`: ends the session (deleted on the server) and clears the cookie: 204;
//! - `GET /api/me`: `{"role", "name", "org", "via"}` (a viewer without login).
//!
//! Credentials travel only in the body and headers, never the URL (these
//! routes take no query parameters); the access log has the path only.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::app::{with_type, AppState, JSON};
use super::caller::{client_address, session_clear_cookie, session_cookie, session_set_cookie, Caller};
use super::edit_guard::check_origin;
use super::errors::ServeError;
use super::parameters;

/// The login routes (same-origin only: no CORS).
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/login", post(login))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me))
        .route_layer(middleware::from_fn_with_state(state.clone(), parameters::enforce))
        .with_state(state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    name: String,
    password: String,
}

/// A JSON body of at most the configured body size (400 naming the problem).
pub async fn json_body<T: serde::de::DeserializeOwned>(state: &AppState, body: Body, what: &str) -> Result<T, ServeError> {
    let max = state.config.limits.max_body_bytes;
    let bytes = axum::body::to_bytes(body, max).await.map_err(|_| ServeError::Refused {
        status: 413,
        message: format!("the {what} body is larger than {max} bytes (or was cut off)"),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ServeError::bad("body", format!("the {what} body is not the JSON expected: {e}")))
}

fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.base_url(headers).starts_with("https://")
}

fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// `POST /api/login`.
pub async fn login(State(state): State<Arc<AppState>>, req: Request) -> Result<Response, ServeError> {
    let (parts, body) = req.into_parts();
    check_origin(&state, &parts.headers, "logging in works", false)?;
    let given: LoginBody = json_body(&state, body, "login").await?;
    let Some(_) = state.auth.store.as_ref() else {
        return Err(ServeError::Unauthorized {
            message: "this server has no accounts: create them with `needmap users add` and start it with --accounts FILE (or the default file)".into(),
        });
    };
    let address = client_address(&parts.extensions, &parts.headers).map_or_else(|| "address:unknown".to_string(), |a| format!("address:{a}"));
    let name_key = format!("name:{}", given.name.to_lowercase());
    let keys = [address.as_str(), name_key.as_str()];
    if let Some(wait) = state.auth.blocked(&keys) {
        return Err(ServeError::TooManyAttempts {
            message: format!(
                "too many failed logins from this address or for this name ({} a minute at most); try again in {} s",
                state.auth.limiter.max_failures(),
                wait.as_secs()
            ),
            retry_after_s: wait.as_secs(),
        });
    }
    let st = state.clone();
    let name = given.name.clone();
    let checked = tokio::task::spawn_blocking(move || {
        let store = st.auth.store.as_ref().ok_or_else(|| ServeError::Internal("no accounts file".into()))?;
        store.check_password(&name, &given.password).map_err(|e| ServeError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ServeError::Internal(format!("login task failed: {e}")))??;
    let Some(account) = checked else {
        state.auth.limiter.failed(&keys, Instant::now());
        tracing::info!(target: "needmap::auth", "failed login for a name of {} characters", given.name.chars().count());
        return Err(ServeError::Unauthorized { message: "wrong name or password".into() });
    };
    state.auth.limiter.forget(&name_key);
    let store = state.auth.store.as_ref().ok_or_else(|| ServeError::Internal("no accounts file".into()))?;
    let id = store
        .start_session(&account.name, crate::auth::store::unix_now(), state.auth.policy)
        .map_err(|e| ServeError::Internal(e.to_string()))?;
    tracing::info!(target: "needmap::auth", account = %account.name, role = %account.role, "login");
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_set_cookie(&id, state.auth.policy, secure(&state, &parts.headers)));
    Ok(no_store(res))
}

/// `POST /api/logout`.
pub async fn logout(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, ServeError> {
    check_origin(&state, &headers, "logging out works", false)?;
    if let (Some(id), Some(store)) = (session_cookie(&headers), state.auth.store.as_ref()) {
        store.end_session(id).map_err(|e| ServeError::Internal(e.to_string()))?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut().insert(header::SET_COOKIE, session_clear_cookie(secure(&state, &headers)));
    Ok(no_store(res))
}

/// `GET /api/me`.
pub async fn me(caller: Caller) -> Response {
    let mut doc = json!({
        "role": caller.role,
        "name": caller.account.as_ref().map(|a| a.name.clone()),
        "org": caller.org,
        "via": caller.via,
    });
    if let Some(why) = &caller.refused {
        doc["note"] = json!(why);
    }
    let mut res = no_store(with_type(JSON, doc.to_string()));
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("cookie, authorization"));
    res
}
