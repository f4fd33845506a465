//! The public map follows the register: when the manifest maps the
//! partners' register (`[register]`) and a reviewer publishes a submission,
//! the baseline is republished with the register's services, and every
//! read-only request (areas, services, squares, tiles, OGC, exports,
//! prints, meta) is answered from then on by the new baseline's own
//! [`AppState`] ([`AppState::republished`]: new reports and caches, ETags of
//! the new generation, so no tile or document of the old services is ever
//! served again). Scenario views are rebuilt on the new baseline.
//!
//! Writes (login, the register and submissions, scenarios) stay with the
//! server's first state: they read and write files, not the engine.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;

use super::app::{api_routes, AppState};
use super::errors::ServeError;
use crate::load::Diagnostics;

/// The current republished baseline, if the register changed since start.
#[derive(Default)]
pub struct LiveBaseline {
    /// Read by every forwarded request (briefly); written once per publication.
    current: RwLock<Option<Current>>,
    /// Held while a republication is built, so they run one at a time
    /// without keeping readers waiting.
    building: Mutex<()>,
    generation: AtomicU64,
}

#[derive(Clone)]
struct Current {
    state: Arc<AppState>,
    router: Router,
}

impl LiveBaseline {
    /// The republished baseline's state and router (`None`: the first one holds).
    pub fn current(&self) -> Option<(Arc<AppState>, Router)> {
        self.current.read().ok()?.as_ref().map(|c| (c.state.clone(), c.router.clone()))
    }

    /// Publications mapped since start.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }
}

/// Whether `state`'s baseline maps the register (so it changes on publication).
pub fn maps_register(state: &AppState) -> bool {
    state.engine.manifest.register.is_some()
}

/// After the register changed: read its services, assign them to the areas
/// and make them the baseline of every later request. Returns the new
/// generation and the services mapped, or `None` when the map does not read
/// the register (the manifest names service files). CPU-heavy: call it off
/// the async threads.
pub fn republish(state: &AppState) -> Result<Option<(u64, usize)>, ServeError> {
    if !maps_register(state) {
        return Ok(None);
    }
    let Some(path) = state.auth.register.as_ref() else { return Ok(None) };
    // One republication at a time, each from the register as it is now;
    // requests keep the previous baseline until the new one is in place.
    let _building = state.live.building.lock().map_err(|_| ServeError::Internal("live baseline lock poisoned".into()))?;
    let register = crate::register::Register::open_read_only(path).map_err(|e| ServeError::Internal(format!("cannot read the register {}: {e}", path.display())))?;
    let base = state.live.current().map(|(s, _)| s);
    let base: &AppState = base.as_deref().unwrap_or(state);
    let mut diags = Diagnostics::default();
    let services = register
        .engine_services(&base.engine.manifest, &base.engine.categories, &mut diags)
        .map_err(|e| ServeError::Internal(format!("cannot read the register's services: {e}")))?;
    for p in &diags.problems {
        tracing::warn!("register {}: {}: {}", p.file, p.location, p.message);
    }
    let n = services.len();
    let generation = state.live.generation.fetch_add(1, Ordering::SeqCst) + 1;
    let engine = Arc::new(base.engine.with_services(services));
    let next = Arc::new(base.republished(engine, generation)?);
    if let Some(s) = &next.scenarios {
        s.forget_all();
    }
    let router = api_routes(next.clone());
    *state.live.current.write().map_err(|_| ServeError::Internal("live baseline lock poisoned".into()))? = Some(Current { router, state: next });
    tracing::info!("register generation {generation}: the map now shows the register's {n} services");
    Ok(Some((generation, n)))
}

/// Whether a request to `path` is answered by the republished baseline:
/// every read-only route of [`api_routes`] (not the scenario API, logins,
/// users or the register, which the first state serves).
pub fn follows_register(path: &str) -> bool {
    let under = |prefix: &str| path == prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/'));
    let api = path.starts_with("/api/") && !["/api/scenarios", "/api/login", "/api/logout", "/api/me", "/api/users", "/api/register"].into_iter().any(under);
    api || path.starts_with("/tiles/") || path == "/ogc" || path.starts_with("/ogc/")
}

#[cfg(test)]
mod tests {
    use super::follows_register;

    #[test]
    fn reads_follow_the_register_and_writes_stay() {
        for p in ["/api/meta", "/api/areas/ward.geojson", "/api/grid.geojson", "/api/services.geojson", "/tiles/ward/8/1/2.mvt", "/ogc/collections", "/api/export/ward.csv"] {
            assert!(follows_register(p), "{p}");
        }
        for p in ["/api/scenarios", "/api/scenarios/a", "/api/login", "/api/me", "/api/users", "/api/users/ada", "/api/register/submissions/1/publish", "/", "/index.html"] {
            assert!(!follows_register(p), "{p}");
        }
    }
}
