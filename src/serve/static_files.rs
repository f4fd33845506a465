//! The web app: static files from the `web/` folder (tower-http `ServeDir`,
//! which refuses paths that climb out of the folder), a plain start page when
//! the folder has no `index.html`, and JSON 404s for everything else.

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
    if !api {
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
         <p>The map front end is not installed: {} has no index.html (run <code>make run</code> to build it). The data is served here:</p>\
         <ul><li><a href=\"/api/meta\">/api/meta</a>: levels, indicators, categories, sources</li>\
         <li><a href=\"/api/services.geojson\">/api/services.geojson</a>: service points</li>\
         <li><a href=\"/ogc/\">/ogc/</a>: OGC API Features (add to QGIS by URL)</li>{levels}</ul></body></html>",
        html_escape(&state.web_dir.display().to_string())
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
