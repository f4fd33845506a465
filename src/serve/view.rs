//! What a request sees: the baseline, or one version of a stored scenario.
//!
//! A request with `scenario=ID` (on any `/api/`, `/tiles/` or `/ogc` route
//! except the scenario API itself) is answered by that scenario's own
//! [`AppState`]: the scenario's engine ([`crate::scenario::Scenario::apply`]
//! on the baseline), its area reports and its own caches, with the geometry,
//! the area tile layers and the travel model shared with the baseline. So
//! every cache (documents, tables, tiles) and every ETag is per scenario
//! version by construction, a baseline tile is never served for a scenario,
//! and an edit (a new version) never meets the old version's entries.
//!
//! The views are kept in a small least-recently-used cache keyed by
//! (id, version), bounded by count ([`super::Limits::scenario_views`]) and by
//! bytes (the three cache budgets); each view's caches get an equal share of
//! the budgets. The current version of a scenario is read from its file,
//! re-read only when the file changes (size, time or inode), so an edit made
//! by another process (`needmap scenario`) is seen by the next request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::ServiceExt;

use super::app::{api_routes, AppState};
use super::config::ServeConfig;
use super::edit_guard;
use super::errors::ServeError;
use super::query::Params;
use crate::scenario::{Scenario, ScenarioStore};
use crate::Engine;

/// Which scenario version a state shows (in `/api/meta` and the ETags).
#[derive(Debug, Clone)]
pub struct ScenarioTag {
    pub id: String,
    pub name: String,
    pub version: u64,
    /// Edits in the scenario.
    pub edits: usize,
    /// Warnings from applying it (a site outside every area, ...).
    pub warnings: Vec<String>,
}

impl ScenarioTag {
    /// One line for printed maps and notes.
    pub fn describe(&self) -> String {
        format!("What-if scenario \"{}\" ({}, version {}, {} edits): not the current provision", self.name, self.id, self.version, self.edits)
    }
}

/// One scenario version, ready to answer requests.
pub struct ScenarioView {
    pub state: Arc<AppState>,
    pub router: Router,
}

/// What identifies one version of a scenario file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

impl FileStamp {
    fn of(path: &Path) -> std::io::Result<FileStamp> {
        let m = std::fs::metadata(path)?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        Ok(FileStamp { len: m.len(), modified: m.modified().ok(), inode })
    }
}

struct Entry {
    id: String,
    version: u64,
    view: Arc<ScenarioView>,
    last_used: u64,
}

#[derive(Default)]
struct Views {
    entries: Vec<Entry>,
    clock: u64,
}

/// The scenario folder, the editor token and the scenario views of a server.
pub struct Scenarios {
    store: Option<ScenarioStore>,
    token: Option<String>,
    versions: Mutex<HashMap<String, (FileStamp, u64)>>,
    views: Mutex<Views>,
    /// Held while a view is built, so simultaneous first requests build it once.
    building: Mutex<()>,
    max_views: usize,
    max_bytes: usize,
}

impl Scenarios {
    /// Open the folder of `config` (default `<data dir>/scenarios`). With
    /// editing on, the folder is created and the editor token settled; with
    /// editing off, a missing folder just means no scenarios.
    pub fn open(engine: &Engine, config: &ServeConfig) -> Result<Scenarios, ServeError> {
        let edits = &config.edits;
        let dir = edits.scenarios_dir.clone().unwrap_or_else(|| ScenarioStore::default_dir(&engine.data_dir));
        let opened = || {
            ScenarioStore::open(&dir).map_err(|e| {
                ServeError::bad("scenarios", format!("cannot use the scenario folder {}: {e}; give another with --scenarios DIR", dir.display()))
            })
        };
        let store = if edits.allowed {
            Some(opened()?)
        } else if dir.is_dir() {
            match opened() {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::warn!("{e}; scenarios are not served");
                    None
                }
            }
        } else {
            None
        };
        let token = if edits.allowed { Some(edit_guard::token_or_random(edits.token.as_deref())?) } else { None };
        let limits = &config.limits;
        Ok(Scenarios {
            store,
            token,
            versions: Mutex::new(HashMap::new()),
            views: Mutex::new(Views::default()),
            building: Mutex::new(()),
            max_views: limits.scenario_views.max(1),
            max_bytes: limits.table_cache_bytes.saturating_add(limits.document_cache_bytes).saturating_add(limits.tile_cache_bytes),
        })
    }

    /// The store, when there is a scenario folder.
    pub fn store(&self) -> Option<&ScenarioStore> {
        self.store.as_ref()
    }

    /// The editor token, when editing is on.
    pub fn edit_token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Scenario views held now.
    pub fn views_held(&self) -> usize {
        self.views.lock().map(|v| v.entries.len()).unwrap_or(0)
    }

    /// The stored scenario `id` (404 when there is none).
    pub fn get(&self, id: &str) -> Result<Scenario, ServeError> {
        check_id(id)?;
        let store = self.store.as_ref().ok_or_else(|| ServeError::UnknownScenario { id: id.to_string() })?;
        store.get(id).map_err(super::scenarios::store_error)
    }

    /// The current version of scenario `id`, from its file (re-read only when
    /// the file changed).
    pub fn current_version(&self, id: &str) -> Result<u64, ServeError> {
        check_id(id)?;
        let Some(store) = &self.store else { return Err(ServeError::UnknownScenario { id: id.to_string() }) };
        let path = store.path_of(id).map_err(super::scenarios::store_error)?;
        let stamp = match FileStamp::of(&path) {
            Ok(s) => s,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.forget(id);
                return Err(ServeError::UnknownScenario { id: id.to_string() });
            }
            Err(e) => return Err(ServeError::Internal(format!("cannot read {}: {e}", path.display()))),
        };
        if let Some((s, v)) = self.versions.lock().ok().and_then(|m| m.get(id).cloned()) {
            if s == stamp {
                return Ok(v);
            }
        }
        let version = self.get(id)?.version;
        if let Ok(mut m) = self.versions.lock() {
            m.insert(id.to_string(), (stamp, version));
        }
        Ok(version)
    }

    /// The view of the current version of `id` when it is built already.
    pub fn cached(&self, id: &str) -> Result<Option<Arc<ScenarioView>>, ServeError> {
        let version = self.current_version(id)?;
        Ok(self.lookup(id, version))
    }

    fn lookup(&self, id: &str, version: u64) -> Option<Arc<ScenarioView>> {
        let mut views = self.views.lock().ok()?;
        views.clock += 1;
        let now = views.clock;
        let e = views.entries.iter_mut().find(|e| e.id == id && e.version == version)?;
        e.last_used = now;
        Some(e.view.clone())
    }

    /// The view of the current version of `id`, built from `base` (the
    /// baseline state) on first use. CPU-heavy on a miss: call it off the
    /// async threads.
    pub fn view(&self, base: &AppState, id: &str) -> Result<Arc<ScenarioView>, ServeError> {
        if let Some(v) = self.cached(id)? {
            return Ok(v);
        }
        let _building = self.building.lock().map_err(|_| ServeError::Internal("scenario view lock poisoned".into()))?;
        if let Some(v) = self.cached(id)? {
            return Ok(v);
        }
        let scenario = self.get(id)?;
        let applied = scenario.apply(&base.engine).map_err(|e| {
            let problem = super::scenarios::scenario_problem(base, e);
            ServeError::Conflict {
                message: format!("scenario `{id}` (version {}) no longer applies to the data: {problem}; edit it (PUT /api/scenarios/{id})", scenario.version),
                current_version: None,
            }
        })?;
        let tag = ScenarioTag {
            id: scenario.id.clone(),
            name: scenario.name.clone(),
            version: scenario.version,
            edits: scenario.edits.len(),
            warnings: applied.warnings,
        };
        let state = Arc::new(base.for_scenario(Arc::new(applied.engine), tag)?);
        let view = Arc::new(ScenarioView { router: api_routes(state.clone()), state });
        self.insert(&scenario.id, scenario.version, view.clone());
        Ok(view)
    }

    fn insert(&self, id: &str, version: u64, view: Arc<ScenarioView>) {
        let Ok(mut views) = self.views.lock() else { return };
        views.clock += 1;
        let now = views.clock;
        // Older versions of this scenario can never be asked for again.
        views.entries.retain(|e| e.id != id);
        views.entries.push(Entry { id: id.to_string(), version, view, last_used: now });
        loop {
            let bytes: usize = views.entries.iter().map(|e| e.view.state.cached_bytes()).sum();
            if views.entries.len() <= 1 || (views.entries.len() <= self.max_views && bytes <= self.max_bytes) {
                break;
            }
            let oldest = views.entries.iter().enumerate().min_by_key(|(_, e)| e.last_used).map(|(i, _)| i);
            if let Some(i) = oldest {
                views.entries.swap_remove(i);
            }
        }
    }

    /// Drop every view (the baseline they were built on was republished).
    pub fn forget_all(&self) {
        if let Ok(mut views) = self.views.lock() {
            views.entries.clear();
        }
    }

    /// Drop every view and the remembered version of `id` (after a write).
    pub fn forget(&self, id: &str) {
        if let Ok(mut views) = self.views.lock() {
            views.entries.retain(|e| e.id != id);
        }
        if let Ok(mut m) = self.versions.lock() {
            m.remove(id);
        }
    }
}

/// A scenario id: 1-64 characters of `a-z`, `0-9`, `_` and `-` (also its file name).
pub fn check_id(id: &str) -> Result<(), ServeError> {
    crate::scenario::check_id(id).map_err(|e| ServeError::bad("scenario", e.to_string()))
}

/// `url` in the same view as `state`: with `scenario=ID` when it shows a
/// scenario (ids are URL-safe), so links lead to the same scenario.
pub fn in_view(state: &AppState, url: String) -> String {
    match &state.scenario {
        Some(t) => format!("{url}{}scenario={}", if url.contains('?') { '&' } else { '?' }, t.id),
        None => url,
    }
}

/// Whether requests to `path` can show a scenario (`scenario=ID`).
fn shows_scenarios(path: &str) -> bool {
    (path.starts_with("/api/") && !path.starts_with("/api/scenarios")) || path.starts_with("/tiles/") || path == "/ogc" || path.starts_with("/ogc/")
}

/// The view of scenario `id` for a request: from the cache at once, else
/// built on a blocking thread.
pub async fn scenario_view(state: &Arc<AppState>, id: &str) -> Result<Arc<ScenarioView>, ServeError> {
    let Some(scenarios) = state.scenarios.clone() else { return Err(ServeError::UnknownScenario { id: id.to_string() }) };
    if let Some(v) = scenarios.cached(id)? {
        return Ok(v);
    }
    let (base, id) = (state.clone(), id.to_string());
    tokio::task::spawn_blocking(move || scenarios.view(&base, &id))
        .await
        .map_err(|e| ServeError::Internal(format!("building a scenario view failed: {e}")))?
}

/// The request without what this router's routing added (path parameters,
/// matched path), which the view's router adds again; the peer address stays.
fn fresh(req: Request) -> Request {
    let (mut parts, body) = req.into_parts();
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().cloned();
    parts.extensions = axum::http::Extensions::new();
    if let Some(p) = peer {
        parts.extensions.insert(p);
    }
    Request::from_parts(parts, body)
}

/// Middleware: answer a request with `scenario=ID` from that scenario's
/// view, and a read-only baseline request from the republished baseline
/// once the register changed ([`super::live`]).
pub async fn dispatch(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if !shows_scenarios(req.uri().path()) {
        return next.run(req).await;
    }
    let live = state.live.current();
    // A query that does not decode is refused by the parameter check.
    let id = match Params::parse(req.uri().query()).and_then(|p| p.get("scenario").map(|v| v.map(str::to_string))) {
        Ok(Some(id)) => id,
        _ => {
            return match live {
                Some((_, router)) if super::live::follows_register(req.uri().path()) => match router.oneshot(fresh(req)).await {
                    Ok(res) => res,
                    Err(never) => match never {},
                },
                _ => next.run(req).await,
            };
        }
    };
    // Scenarios apply to the baseline as it is now.
    let base = state.current();
    match scenario_view(&base, &id).await {
        Ok(view) => match view.router.clone().oneshot(fresh(req)).await {
            Ok(res) => res,
            Err(never) => match never {},
        },
        Err(e) => e.into_response(),
    }
}
