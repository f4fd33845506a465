//! Security headers on every response, and the Content-Security-Policy the
//! web app satisfies (no inline scripts or styles, nothing from elsewhere
//! except the manifest's basemap style).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::app::AppState;

/// The Content-Security-Policy for a dataset whose basemap style (if any)
/// lives at `basemap_style`: its origin may be fetched and drawn.
///
/// ```
/// use needmap::serve::security::content_security_policy;
/// let csp = content_security_policy(None);
/// assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
/// assert!(!csp.contains("unsafe-inline"));
/// let with = content_security_policy(Some("https://tiles.example.org/style.json"));
/// assert!(with.contains("connect-src 'self' https://tiles.example.org"));
/// ```
pub fn content_security_policy(basemap_style: Option<&str>) -> String {
    let extra = basemap_style.and_then(origin).map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{extra}; \
         font-src 'self'{extra}; connect-src 'self'{extra}; worker-src 'self' blob:; child-src 'self' blob:; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` of an absolute http(s) URL.
fn origin(url: &str) -> Option<String> {
    let uri: axum::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str().filter(|s| *s == "http" || *s == "https")?;
    let authority = uri.authority()?.as_str();
    // Only characters that cannot end the directive or start another.
    authority
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        .then(|| format!("{scheme}://{authority}"))
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

