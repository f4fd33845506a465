//! Security headers on every response, and the Content-Security-Policy the
//! web app satisfies (no inline scripts or styles; only a basemap's tiles
//! may come from elsewhere).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::app::AppState;

/// The Content-Security-Policy: scripts, styles, fonts, workers and frames
/// from this server only, no inline script or style, no plugins, no framing.
/// Fetches may also go to other http(s) hosts, because a basemap style (the
/// manifest's `basemap_style`, given to the app by `/api/meta`) loads its
/// style, tiles, glyphs and sprites from hosts the server does not know.
///
/// ```
/// use needmap::serve::security::content_security_policy;
/// let csp = content_security_policy();
/// assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
/// assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
/// ```
pub fn content_security_policy() -> String {
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; \
     connect-src 'self' http: https:; worker-src 'self' blob:; child-src 'self' blob:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        .to_string()
}

/// Middleware: add the headers to every response.
pub async fn headers(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    if let Ok(v) = HeaderValue::from_str(&state.csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}

