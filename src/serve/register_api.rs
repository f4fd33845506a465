//! The service register over HTTP, by role and organisation:
//!
//! - `GET /api/register/services[?org=ID]`: the register's rows. A partner
//!   sees its own organisation's rows only (`org` may be left out or be its
//!   own; another is 403); reviewers and admins see every row, or one
//!   organisation's with `org`. Viewers get 403, strangers 401.
//! - `PUT /api/register/services/{id}` with a JSON object of the fields to
//!   change (`name`, `category`, `subcategory`, `tier`, `capacity`,
//!   `status`, `opening_hours`, `contact`, and for reviewers and admins
//!   `partner`): 200 and the row. A partner may change only its own
//!   organisation's rows and cannot hand them to another. Every change is
//!   one transaction with its `changes` audit row naming the caller.
//!   Needs `--allow-edits` and the server's own origin.
//!
//! The register is the manifest's `[register] file` (or `--register`).
//! The running map keeps the services it started with; a restart reads the
//! changed register.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::routing::{get, put};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::app::{path_param, with_type, AppState, JSON};
use super::caller::Caller;
use super::edit_guard::authorize_write;
use super::errors::ServeError;
use super::login::json_body;
use super::parameters;
use super::query::Params;
use crate::register::{Register, RegisterError, RegisteredService};

/// The register routes (same-origin only: no CORS).
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/register/services", get(list))
        .route("/api/register/services/{id}", put(update))
        .route_layer(middleware::from_fn_with_state(state.clone(), parameters::enforce))
        .with_state(state)
}

fn register_path(state: &AppState) -> Result<std::path::PathBuf, ServeError> {
    state.auth.register.clone().ok_or_else(|| ServeError::NotFound {
        path: "/api/register (this server has no register: name one under [register] file in dataset.toml, or start it with --register FILE)".into(),
    })
}

fn register_error(e: RegisterError) -> ServeError {
    match e {
        RegisterError::UnknownService { id } => ServeError::UnknownFeature { collection: "register services".into(), id },
        RegisterError::Invalid(m) => ServeError::bad("body", m),
        other => ServeError::Internal(other.to_string()),
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ServeError> + Send + 'static) -> Result<T, ServeError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ServeError::Internal(format!("register task failed: {e}")))?
}

/// The organisation whose rows `caller` may list for `asked` (None: every one).
pub fn visible_org(caller: &Caller, asked: Option<&str>) -> Result<Option<String>, ServeError> {
    if caller.role.sees_every_org() {
        return Ok(asked.map(str::to_string));
    }
    match (&caller.org, asked) {
        (Some(own), None) => Ok(Some(own.clone())),
        (Some(own), Some(a)) if a == own => Ok(Some(own.clone())),
        (Some(own), Some(a)) => {
            Err(ServeError::Forbidden { message: format!("{} sees its own organisation's services ({own}) only, not `{a}`", caller.who()) })
        }
        (None, _) => Err(ServeError::Forbidden {
            message: format!("the register is for partners, reviewers and admins; {} is a {}", caller.who(), caller.role),
        }),
    }
}

/// `GET /api/register/services[?org=ID]`.
pub async fn list(State(state): State<Arc<AppState>>, caller: Caller, RawQuery(raw): RawQuery) -> Result<Response, ServeError> {
    let c = caller.known("the register")?;
    let params = Params::parse(raw.as_deref())?;
    let org = visible_org(c, params.get("org")?)?;
    let path = register_path(&state)?;
    let rows = blocking(move || {
        let r = Register::open_read_only(&path).map_err(register_error)?;
        let all = r.services().map_err(register_error)?;
        Ok(all.into_iter().filter(|s| org.as_ref().is_none_or(|o| s.partner.as_deref() == Some(o.as_str()))).collect::<Vec<_>>())
    })
    .await?;
    let mut res = with_type(JSON, json!({ "services": rows, "count": rows.len() }).to_string());
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The fields a `PUT` may change (absent: kept; `null`: cleared, for the optional ones).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ServiceChange {
    name: Option<String>,
    category: Option<String>,
    #[serde(default, with = "nullable")]
    subcategory: Option<Option<String>>,
    tier: Option<String>,
    #[serde(default, with = "nullable")]
    capacity: Option<Option<f64>>,
    #[serde(default, with = "nullable")]
    status: Option<Option<String>>,
    #[serde(default, with = "nullable")]
    opening_hours: Option<Option<String>>,
    #[serde(default, with = "nullable")]
    contact: Option<Option<String>>,
    #[serde(default, with = "nullable")]
    partner: Option<Option<String>>,
}

/// `Option<Option<T>>` from JSON: absent (None), `null` (Some(None)) or a value.
mod nullable {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

fn apply(engine: &crate::Engine, caller: &Caller, s: &mut RegisteredService, c: ServiceChange) -> Result<(), ServeError> {
    if let Some(name) = c.name {
        if name.trim().is_empty() {
            return Err(ServeError::bad("name", "a service needs a name"));
        }
        s.name = name.trim().to_string();
    }
    if let Some(cat) = c.category {
        let Some(spec) = engine.manifest.categories.get(&cat) else {
            let known: Vec<&str> = engine.manifest.categories.keys().map(String::as_str).collect();
            return Err(ServeError::bad("category", format!("`{cat}` is not a category of the dataset; categories: {}", known.join(", "))));
        };
        if c.tier.is_none() {
            s.tier = spec.tier.clone();
        }
        s.category = cat;
    }
    if let Some(tier) = c.tier {
        if !engine.manifest.tiers.contains_key(&tier) {
            let known: Vec<&str> = engine.manifest.tiers.keys().map(String::as_str).collect();
            return Err(ServeError::bad("tier", format!("`{tier}` is not a tier of the dataset; tiers: {}", known.join(", "))));
        }
        s.tier = tier;
    }
    if let Some(cap) = c.capacity {
        if cap.is_some_and(|v| !(v.is_finite() && v >= 0.0)) {
            return Err(ServeError::bad("capacity", "a capacity is a number of at least 0, or null"));
        }
        s.capacity = cap;
    }
    let text = |v: Option<String>| v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if let Some(v) = c.subcategory {
        s.subcategory = text(v);
    }
    if let Some(v) = c.status {
        s.status = text(v);
    }
    if let Some(v) = c.opening_hours {
        s.opening_hours = text(v);
    }
    if let Some(v) = c.contact {
        s.contact = text(v);
    }
    if let Some(p) = c.partner {
        let p = text(p);
        if !caller.role.sees_every_org() && p != s.partner {
            return Err(ServeError::Forbidden {
                message: format!("{} cannot hand a service to another organisation; a reviewer or admin can", caller.who()),
            });
        }
        s.partner = p;
    }
    Ok(())
}

/// `PUT /api/register/services/{id}`.
pub async fn update(
    State(state): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServeError> {
    let id = path_param(id)?;
    let caller = authorize_write(&state, &headers, "register services can be changed", |c| c.role.sees_every_org() || c.org.is_some())?;
    let change: ServiceChange = json_body(&state, body, "service change").await?;
    let path = register_path(&state)?;
    let st = state.clone();
    let row = blocking(move || {
        let mut r = Register::open(&path).map_err(register_error)?;
        let mut s = r.service(&id).map_err(register_error)?.ok_or_else(|| register_error(RegisterError::UnknownService { id: id.clone() }))?;
        if !caller.role.sees_every_org() && s.partner.as_deref() != caller.org.as_deref() {
            return Err(ServeError::Forbidden {
                message: format!(
                    "service `{id}` belongs to {}; {} may change its own organisation's services only",
                    s.partner.as_deref().unwrap_or("no organisation"),
                    caller.who()
                ),
            });
        }
        apply(&st.engine, &caller, &mut s, change)?;
        r.update_service(&s, &caller.who(), Some(&format!("PUT /api/register/services/{id}"))).map_err(register_error)?;
        let row = r.service(&id).map_err(register_error)?.ok_or_else(|| ServeError::Internal(format!("service `{id}` vanished after its update")))?;
        drop(r);
        // The map follows the register when the manifest maps it; the change is committed either way.
        if let Err(e) = super::live::republish(&st) {
            tracing::warn!("register service {id}: the map was not updated: {e}");
        }
        Ok(row)
    })
    .await?;
    let mut res = with_type(JSON, serde_json::to_string(&row).map_err(|e| ServeError::Internal(e.to_string()))?);
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
