//! The web app: static files from the `web/` folder (tower-http `ServeDir`,
//! which refuses paths that climb out of the folder), a plain start page when
//! the folder has no `index.html`, and JSON 404s for everything else.
//! Hidden files (any path segment starting with `.`) and the folder's
//! documentation (`*.md`) are never served. Once the start-up copy of the
//! folder with its brotli and gzip encodings is made ([`super::precompressed`]),
//! files are answered from it.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use super::app::AppState;
use super::errors::ServeError;

/// Fallback handler for every path the API does not route.
pub async fn fallback(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let api = ["/api", "/tiles", "/ogc"].iter().any(|p| path == *p || path.starts_with(&format!("{p}/")));
    if !api && is_public(&path) {
        // The copy made at start-up, with its brotli and gzip encodings (not for Range requests).
        let ranged = req.headers().contains_key(axum::http::header::RANGE);
        let read = req.method() == axum::http::Method::GET || req.method() == axum::http::Method::HEAD;
        if let (Some(files), true, false) = (state.web_files.get(), read, ranged) {
            if let Some(file) = files.get(&path) {
                return super::precompressed::respond(file, req.method(), req.headers());
            }
        }
        let dir = ServeDir::new(&state.web_dir).append_index_html_on_directories(true);
        let Ok(res) = dir.oneshot(req).await;
        if res.status() != StatusCode::NOT_FOUND {
            return res.map(Body::new);
        }
        if path == "/" || path == "/index.html" {
            return start_page(&state).into_response();
        }
    }
    ServeError::NotFound { path }.into_response()
}

/// Whether a web-folder path may be served: no hidden file or folder (in
/// any spelling that decodes to a leading dot) and no Markdown documentation.
///
/// ```
/// use needmap::serve::static_files::is_public;
/// assert!(is_public("/js/main.js") && is_public("/"));
/// assert!(!is_public("/README.md") && !is_public("/docs/notes.MD"));
/// assert!(!is_public("/.git/config") && !is_public("/js/%2Eenv") && !is_public("/%2e%2e/x"));
/// ```
pub fn is_public(path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy().to_ascii_lowercase();
    let hidden = decoded.split(['/', '\\']).any(|seg| seg.starts_with('.'));
    !hidden && !decoded.ends_with(".md")
}

/// Shown at `/` when `web/index.html` is missing.
fn start_page(state: &AppState) -> Html<String> {
    let name = html_escape(state.engine.name());
    let levels: String = state
        .engine
        .levels
        .iter()
        .map(|l| {
            let id = html_escape(&l.id);
            format!(
                "<li>{} ({} areas): <a href=\"/api/areas/{id}.geojson\">GeoJSON</a> · <a href=\"/api/report/{id}.csv\">CSV</a> · <a href=\"/tiles/{id}.json\">TileJSON</a></li>",
                html_escape(&l.label),
                l.len()
            )
        })
        .collect();
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>needmap: {name}</title></head><body>\
         <h1>needmap: {name}</h1>\
         <p>The map front end is not installed: the web folder has no index.html (run <code>make run</code> to build it). The data is served here:</p>\
         <ul><li><a href=\"/api/meta\">/api/meta</a>: levels, indicators, categories, sources</li>\
         <li><a href=\"/api/services.geojson\">/api/services.geojson</a>: service points</li>\
         <li><a href=\"/ogc/\">/ogc/</a>: OGC API Features (add to QGIS by URL)</li>{levels}</ul></body></html>"
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
