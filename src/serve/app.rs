//! Shared state and the router with its middleware.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use geo::{Coord, Rect};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

use super::busy::WorkLimit;
use super::cache::{report_bytes, BoundedCache};
use super::config::ServeConfig;
use super::encoding::CachedBody;
use super::errors::ServeError;
use super::query::AreaQuery;
use super::tiles::{LayerKind, TileSet};
use super::view::{ScenarioTag, Scenarios};
use super::{
    access_log, areas, busy, columns, downloads, edge, error_bodies, geojson, grid, login, meta, ogc, parameters, register_api, report, scenarios, search, submissions_api,
    security, services, static_files, suggest, tiles, users_api, view,
};
use crate::report::Report;
use crate::Engine;

/// A rendered tile: `None` for an empty tile (answered 204).
pub type TileBody = Option<Arc<CachedBody>>;

/// Tile cache key: layer, z, x, y and the area query (empty by default).
pub type TileKey = (usize, u8, u32, u32, String);

/// Entries any one cache holds at most (the byte budgets of
/// [`super::config::Limits`] are what bound memory).
const CACHE_ENTRIES: usize = 200_000;

/// Everything the handlers share; built once, read-only afterwards.
pub struct AppState {
    pub engine: Arc<Engine>,
    pub tiles: TileSet,
    /// Area report per level (engine order).
    pub reports: Vec<Arc<Report>>,
    /// GeoJSON geometry text per level and area (shared with scenario views).
    pub geometry: Arc<Vec<Vec<String>>>,
    /// Area tables for non-default queries.
    pub tables: BoundedCache<(usize, AreaQuery), Arc<Report>>,
    /// Whole GeoJSON documents by request path and query.
    pub documents: BoundedCache<String, Arc<CachedBody>>,
    pub tile_cache: BoundedCache<TileKey, TileBody>,
    /// Hash of the dataset files, for ETags.
    pub dataset_hash: u64,
    /// Folder of the web app.
    pub web_dir: PathBuf,
    /// The web app's files with brotli and gzip copies, made once on a
    /// background thread at start-up (empty until then: the folder serves).
    pub web_files: Arc<std::sync::OnceLock<super::precompressed::PrecompressedFiles>>,
    /// CRS84 bounds of every area.
    pub bounds: Rect<f64>,
    /// Attribution text from the manifest's sources.
    pub attribution: String,
    /// Public URL, trusted proxies and limits.
    pub config: ServeConfig,
    /// The Content-Security-Policy sent with every response.
    pub csp: String,
    /// Exports and printed maps rendered at once.
    pub downloads: WorkLimit,
    /// Requests seen, for sampling the access log.
    pub requests: std::sync::atomic::AtomicU64,
    /// Travel model for the gap fields, calibrated once (shared with scenario views).
    pub gap_context: Arc<crate::gaps::GapContext>,
    /// The scenario this state shows (None: the baseline).
    pub scenario: Option<ScenarioTag>,
    /// The baseline engine of a scenario view (None in the baseline), for
    /// comparisons (the printed map's summary table).
    pub baseline: Option<Arc<Engine>>,
    /// The scenario folder, editing and the scenario views (baseline only).
    pub scenarios: Option<Arc<Scenarios>>,
    /// Names and codes for `/api/search`.
    pub search: super::search::SearchIndex,
    /// Accounts, sessions, the login limiter and the register file (shared with scenario views).
    pub auth: Arc<super::caller::Auth>,
    /// The baseline as republished after the register changed (shared by
    /// every state of the server; see [`super::live`]).
    pub live: Arc<super::live::LiveBaseline>,
}

impl AppState {
    /// Precompute reports, GeoJSON geometry and tile geometry, with the
    /// default limits; `public_url` is the root of absolute URLs (a URL, or
    /// `host:port` for `http://host:port`).
    pub fn new(engine: Arc<Engine>, web_dir: PathBuf, public_url: String) -> Result<AppState, ServeError> {
        AppState::with_config(engine, web_dir, ServeConfig::new(&public_url)?)
    }

    /// Precompute reports, GeoJSON geometry and tile geometry.
    pub fn with_config(engine: Arc<Engine>, web_dir: PathBuf, config: ServeConfig) -> Result<AppState, ServeError> {
        let reports = area_reports(&engine)?;
        let geometry = Arc::new(
            engine
                .levels
                .iter()
                .map(|l| l.areas.iter().map(|a| geojson::geometry_json(&a.wgs84.clone().into())).collect())
                .collect(),
        );
        let tiles = TileSet::new(&engine);
        let bounds = engine
            .levels
            .iter()
            .flat_map(|l| l.areas.iter().map(|a| a.bbox_wgs84))
            .reduce(|a, b| {
                Rect::new(
                    Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                    Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
                )
            })
            .unwrap_or_else(|| Rect::new(Coord { x: -180.0, y: -85.0 }, Coord { x: 180.0, y: 85.0 }));
        let mut attribution: Vec<String> = engine.manifest.sources.iter().filter_map(|s| s.attribution.clone()).collect();
        attribution.dedup();
        let dataset_hash = dataset_hash(&engine);
        let gap_context = Arc::new(crate::gaps::GapContext::new(&engine, false).unwrap_or_else(|e| {
            tracing::warn!("gap fields: {e}; the built-in travel model is used");
            crate::gaps::GapContext::default()
        }));
        let scenarios = Some(Arc::new(Scenarios::open(&engine, &config)?));
        let auth = Arc::new(super::caller::Auth::open(&engine, &config)?);
        let web_files = Arc::new(std::sync::OnceLock::new());
        if web_dir.is_dir() {
            let (cell, dir) = (web_files.clone(), web_dir.clone());
            let spawned = std::thread::Builder::new().name("precompress".into()).spawn(move || {
                let t = std::time::Instant::now();
                let files = super::precompressed::PrecompressedFiles::load(&dir);
                let (n, raw, gz, br) = files.sizes();
                tracing::debug!("web app: {n} files, {raw} bytes, gzip {gz}, brotli {br}, compressed in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
                let _ = cell.set(files);
            });
            if let Err(e) = spawned {
                tracing::warn!("web app files are compressed per request: {e}");
            }
        }
        let limits = &config.limits;
        Ok(AppState {
            auth,
            live: Arc::new(super::live::LiveBaseline::default()),
            web_files,
            scenario: None,
            baseline: None,
            scenarios,
            gap_context,
            search: super::search::SearchIndex::new(&engine),
            csp: security::content_security_policy(),
            engine,
            tiles,
            reports,
            geometry,
            tables: BoundedCache::with_budget(CACHE_ENTRIES, limits.table_cache_bytes),
            documents: BoundedCache::with_budget(CACHE_ENTRIES, limits.document_cache_bytes),
            tile_cache: BoundedCache::with_budget(CACHE_ENTRIES, limits.tile_cache_bytes),
            dataset_hash,
            web_dir,
            bounds,
            attribution: attribution.join("; "),
            downloads: WorkLimit::new("exports and printed maps", limits.max_downloads),
            requests: std::sync::atomic::AtomicU64::new(0),
            config,
        })
    }

    /// The state of one scenario version: `engine` is the scenario's engine
    /// (same areas); the geometry, area tile layers and travel model are
    /// shared with this (baseline) state, the reports and caches are its
    /// own (their byte budgets divided among the scenario views), and the
    /// ETags mix in the scenario id and version.
    pub fn for_scenario(&self, engine: Arc<Engine>, tag: ScenarioTag) -> Result<AppState, ServeError> {
        let mut h = DefaultHasher::new();
        self.dataset_hash.hash(&mut h);
        tag.id.hash(&mut h);
        tag.version.hash(&mut h);
        let share = self.config.limits.scenario_views.max(1);
        let baseline = Some(self.engine.clone());
        self.sibling(engine, h.finish(), share, Some(tag), baseline, None)
    }

    /// The baseline again with `engine`'s services (the register after a
    /// publication, generation `generation`): geometry, area tile layers,
    /// travel model, scenario folder and accounts shared; reports, search
    /// and every cache new, and ETags that differ from every earlier
    /// generation's, so nothing from before the change is served.
    pub fn republished(&self, engine: Arc<Engine>, generation: u64) -> Result<AppState, ServeError> {
        let mut h = DefaultHasher::new();
        self.dataset_hash.hash(&mut h);
        "register generation".hash(&mut h);
        generation.hash(&mut h);
        self.sibling(engine, h.finish(), 1, None, None, self.scenarios.clone())
    }

    /// A state over `engine` (same areas as this one) sharing this state's
    /// geometry, tile layers, travel model, web app, accounts and limits,
    /// with its own reports, search and caches (budgets divided by `share`).
    fn sibling(
        &self,
        engine: Arc<Engine>,
        dataset_hash: u64,
        share: usize,
        scenario: Option<ScenarioTag>,
        baseline: Option<Arc<Engine>>,
        scenarios: Option<Arc<Scenarios>>,
    ) -> Result<AppState, ServeError> {
        let reports = area_reports(&engine)?;
        let tiles = self.tiles.with_services(&engine);
        let limits = &self.config.limits;
        Ok(AppState {
            search: super::search::SearchIndex::new(&engine),
            engine,
            tiles,
            reports,
            geometry: self.geometry.clone(),
            tables: BoundedCache::with_budget(CACHE_ENTRIES, limits.table_cache_bytes / share),
            documents: BoundedCache::with_budget(CACHE_ENTRIES, limits.document_cache_bytes / share),
            tile_cache: BoundedCache::with_budget(CACHE_ENTRIES, limits.tile_cache_bytes / share),
            dataset_hash,
            web_dir: self.web_dir.clone(),
            web_files: self.web_files.clone(),
            bounds: self.bounds,
            attribution: self.attribution.clone(),
            config: self.config.clone(),
            csp: self.csp.clone(),
            downloads: self.downloads.clone(),
            requests: std::sync::atomic::AtomicU64::new(0),
            gap_context: self.gap_context.clone(),
            auth: self.auth.clone(),
            live: self.live.clone(),
            scenario,
            baseline,
            scenarios,
        })
    }

    /// The state a request sees: this one for `None`, else the current
    /// version of scenario `id` (built on first use; 404 when unknown).
    pub fn view(self: &Arc<Self>, scenario: Option<&str>) -> Result<Arc<AppState>, ServeError> {
        match (scenario, &self.scenarios) {
            (None, _) => Ok(self.clone()),
            (Some(id), Some(s)) => Ok(s.view(self, id)?.state.clone()),
            (Some(id), None) => Err(ServeError::UnknownScenario { id: id.to_string() }),
        }
    }

    /// The baseline as it is now: the republished one once the register
    /// changed ([`super::live`]), else this state.
    pub fn current(self: &Arc<Self>) -> Arc<AppState> {
        self.live.current().map(|(s, _)| s).unwrap_or_else(|| self.clone())
    }

    /// The editor token when editing is on.
    pub fn edit_token(&self) -> Option<&str> {
        self.scenarios.as_ref().and_then(|s| s.edit_token())
    }

    /// Bytes held by this state's caches and reports (for the scenario-view budget).
    pub fn cached_bytes(&self) -> usize {
        self.tables.bytes() + self.documents.bytes() + self.tile_cache.bytes() + self.reports.iter().map(|r| report_bytes(r)).sum::<usize>()
    }

    /// Engine index of level `id`, or 404.
    pub fn level(&self, id: &str) -> Result<usize, ServeError> {
        self.engine.level_index(id).ok_or_else(|| ServeError::UnknownLevel {
            level: id.to_string(),
            known: self.engine.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    /// The area table of `level` for query `q` (cached).
    pub fn table(&self, level: usize, q: &AreaQuery) -> Result<Arc<Report>, ServeError> {
        let base = self.reports.get(level).ok_or_else(|| ServeError::Internal(format!("no report for level {level}")))?;
        if q.is_default() {
            return Ok(base.clone());
        }
        self.tables.get_or_try_weighted(
            (level, q.clone()),
            || columns::area_table(&self.engine, &self.gap_context, level, base, q).map(Arc::new),
            |t| report_bytes(t),
        )
    }

    /// Tile `z/x/y` of layer `layer` from the cache, rendered on a miss.
    /// `q` is the area query (for area layers), `fields` the attribute
    /// columns kept (`fields=`; all when `None`) and `qkey` the cache key of both.
    #[allow(clippy::too_many_arguments)]
    pub fn tile(
        &self,
        layer: usize,
        z: u8,
        x: u32,
        y: u32,
        q: Option<&AreaQuery>,
        fields: Option<&[String]>,
        qkey: String,
    ) -> Result<TileBody, ServeError> {
        let key = (layer, z, x, y, qkey);
        if let Some(b) = self.tile_cache.get(&key) {
            return Ok(b);
        }
        let table = match (&self.tiles.layers[layer].kind, q) {
            (LayerKind::Areas(a), Some(q)) => Some(self.table(a.level, q)?),
            (LayerKind::Areas(a), None) => Some(self.table(a.level, &AreaQuery::default())?),
            _ => None,
        };
        let columns = match (&table, fields) {
            (Some(t), Some(names)) => Some(tiles::field_columns(t, names).map_err(|e| {
                ServeError::bad("fields", format!("`{}` is not a field of layer {}; its fields are: {}", e.field, self.tiles.layers[layer].id, e.known))
            })?),
            _ => None,
        };
        let attributes = tiles::AreaAttributes { table: table.as_deref(), columns: columns.as_deref() };
        let rendered = self.tiles.render_with(&self.engine, layer, z, x, y, attributes, None).map(|b| Arc::new(CachedBody::new(b)));
        // Count the body twice: room for its gzip copy.
        let bytes = 64 + rendered.as_ref().map_or(0, |b| 2 * b.raw().len());
        Ok(self.tile_cache.insert_weighted(key, rendered, bytes))
    }

    /// Render every tile over the district up to `max_zoom` into the cache
    /// (default attributes, plain and gzip), so the first visitors do not
    /// wait for low-zoom tiles, which are the slowest to render. Returns the
    /// number of tiles with features. Higher zooms simplify each feature on
    /// the first tile that needs it (`tiles::AreaLayer`), so nothing waits for a
    /// whole level.
    pub fn prerender(&self, max_zoom: u8) -> usize {
        let mut n = 0;
        for z in 0..=max_zoom.min(tiles::MAX_ZOOM) {
            let (x0, y0, x1, y1) = tiles::mercator::tiles_covering(self.bounds, z);
            for layer in 0..self.tiles.layers.len() {
                for x in x0..=x1 {
                    for y in y0..=y1 {
                        if let Ok(Some(body)) = self.tile(layer, z, x, y, None, None, String::new()) {
                            body.gzip();
                            n += 1;
                        }
                    }
                }
            }
        }
        n
    }

    /// The root of absolute links: the configured public URL, never the
    /// request's Host header. `X-Forwarded-Host`/`-Proto` are used when
    /// present, which [`super::edge::guard`] allows only from a trusted proxy.
    pub fn base_url(&self, headers: &HeaderMap) -> String {
        forwarded_base(headers).unwrap_or_else(|| self.config.public_url.clone())
    }
}

/// The area report of every level (engine order).
fn area_reports(engine: &Engine) -> Result<Vec<Arc<Report>>, ServeError> {
    engine
        .levels
        .iter()
        .map(|l| crate::report::area_report(engine, &l.id).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ServeError::Internal(e.to_string()))
}

/// `proto://host` from `X-Forwarded-Proto` and `X-Forwarded-Host` (first
/// values), when the host looks like a host name.
fn forwarded_base(headers: &HeaderMap) -> Option<String> {
    let first = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()).map(str::trim);
    let host = first("x-forwarded-host")
        .filter(|h| !h.is_empty() && h.len() <= 255 && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c)))?;
    let proto = match first("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    Some(format!("{proto}://{host}"))
}

/// Hash of the manifest and every file in the data folder (ETags change
/// when the data does).
fn dataset_hash(engine: &Engine) -> u64 {
    let mut h = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut h);
    if let Ok(text) = std::fs::read(&engine.manifest_path) {
        text.hash(&mut h);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&engine.data_dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    for f in files {
        f.file_name().hash(&mut h);
        if let Ok(bytes) = std::fs::read(&f) {
            bytes.hash(&mut h);
        }
    }
    h.finish()
}

/// The whole application: API, tiles, OGC API Features, the scenario API
/// and the web app.
///
/// Layers, from the outside in: panic catcher, security headers, JSON error
/// bodies, request-size and forwarded-header guard, access log, compression,
/// the scenario dispatch (a request with `scenario=ID` is answered by that
/// scenario's [`api_routes`], see [`super::view::dispatch`]); then per route:
/// CORS (API, tiles and OGC only, never the web app), the accepted-parameter
/// check, ETags, and for exports and prints the work limit.
pub fn router(state: Arc<AppState>) -> Router {
    api_routes(state.clone())
        .merge(scenarios::routes(state.clone()))
        .merge(login::routes(state.clone()))
        .merge(users_api::routes(state.clone()))
        .merge(register_api::routes(state.clone()))
        .merge(submissions_api::routes(state.clone()))
        .layer(middleware::from_fn_with_state(state.clone(), view::dispatch))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(state.clone(), access_log::log))
        .layer(middleware::from_fn_with_state(state.clone(), edge::guard))
        .layer(middleware::from_fn(error_bodies::json_errors))
        .layer(middleware::from_fn_with_state(state, security::headers))
        .layer(CatchPanicLayer::custom(|_| {
            ServeError::Internal("the request handler panicked; please report this URL".into()).into_response()
        }))
}

/// The read-only endpoints of one state (the baseline or a scenario view)
/// with their per-route layers, and the web app as the fallback.
pub fn api_routes(state: Arc<AppState>) -> Router {
    let downloads_limit = middleware::from_fn_with_state(state.downloads.clone(), busy::limit);
    Router::new()
        .route("/api/meta", get(meta::meta))
        .route("/api/areas/{file}", get(areas::areas))
        .route("/api/services.geojson", get(services::services))
        .route("/api/grid.geojson", get(grid::grid))
        .route("/api/search", get(search::search))
        .route("/api/report/{file}", get(report::report_csv))
        .route("/api/export/{file}", get(downloads::export).route_layer(downloads_limit.clone()))
        .route("/api/print/{file}", get(downloads::print_pdf).route_layer(downloads_limit.clone()))
        .route("/api/suggest", get(suggest::suggest).route_layer(downloads_limit))
        .route("/tiles/{file}", get(tiles::routes::tilejson))
        .route("/tiles/{layer}/{z}/{x}/{y}", get(tiles::routes::tile))
        .route("/ogc", get(ogc::landing))
        .route("/ogc/", get(ogc::landing))
        .route("/ogc/api", get(ogc::api_definition))
        .route("/ogc/conformance", get(ogc::conformance))
        .route("/ogc/collections", get(ogc::collections))
        .route("/ogc/collections/{id}", get(ogc::collection))
        .route("/ogc/collections/{id}/queryables", get(ogc::queryables))
        .route("/ogc/collections/{id}/schema", get(ogc::schema))
        .route("/ogc/collections/{id}/items", get(ogc::items))
        .route("/ogc/collections/{id}/items/{feature}", get(ogc::item))
        .route_layer(middleware::from_fn_with_state(state.clone(), etag))
        .route_layer(middleware::from_fn_with_state(state.clone(), parameters::enforce))
        .route_layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS])
                .expose_headers([header::ETAG, header::LINK]),
        )
        .fallback(static_files::fallback)
        .with_state(state)
}

/// Weak ETags from the dataset hash and the request (path, query, host);
/// answers `If-None-Match` with 304 before doing any work.
async fn etag(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return next.run(req).await;
    }
    let mut h = DefaultHasher::new();
    req.uri().path().hash(&mut h);
    req.uri().query().hash(&mut h);
    state.base_url(req.headers()).hash(&mut h);
    let tag = format!("W/\"{:016x}-{:016x}\"", state.dataset_hash, h.finish());
    // A scenario can change at any time, and so can a baseline that maps the register while
    // partners' submissions are published: browsers revalidate (cheap, 304).
    let changing = state.scenario.is_some() || super::live::maps_register(&state);
    let cache_control = HeaderValue::from_static(if changing { "no-cache" } else { "public, max-age=3600" });
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if matches {
        let mut res = Response::new(Body::empty());
        *res.status_mut() = StatusCode::NOT_MODIFIED;
        if let Ok(v) = HeaderValue::from_str(&tag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        res.headers_mut().insert(header::CACHE_CONTROL, cache_control);
        return res;
    }
    let mut res = next.run(req).await;
    if res.status() == StatusCode::OK || res.status() == StatusCode::NO_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&tag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        res.headers_mut().insert(header::CACHE_CONTROL, cache_control);
    }
    res
}

/// Map a path-extraction failure to a JSON 400.
pub fn path_param<T>(r: Result<axum::extract::Path<T>, axum::extract::rejection::PathRejection>) -> Result<T, ServeError> {
    r.map(|p| p.0).map_err(|e| ServeError::bad("path", e.body_text()))
}

/// A response with a content type.
pub fn with_type(content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut res = Response::new(body.into());
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// Content type of GeoJSON.
pub const GEOJSON: &str = "application/geo+json";
/// Content type of JSON.
pub const JSON: &str = "application/json";
