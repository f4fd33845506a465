//! What the server takes from the network before routing: request-size
//! limits (414 for a long URL, 431 for large headers, 413 for a body) and
//! `X-Forwarded-*` headers only from trusted proxies.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderName, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::app::AppState;
use super::errors::ServeError;

/// Most header fields a request may have (431 beyond it).
pub const MAX_HEADER_COUNT: usize = 100;

/// Headers that say where a request came from; believed only from a trusted proxy.
const FORWARDED: [HeaderName; 4] = [
    HeaderName::from_static("x-forwarded-host"),
    HeaderName::from_static("x-forwarded-proto"),
    HeaderName::from_static("x-forwarded-for"),
    header::FORWARDED,
];

/// Refuse requests over the configured sizes, and drop `X-Forwarded-*` from
/// peers that are not trusted proxies (so no handler can ever see them).
pub async fn guard(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let limits = &state.config.limits;
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > limits.max_uri_bytes {
        return refuse(StatusCode::URI_TOO_LONG, format!("the URL is {uri_len} bytes; the most is {}", limits.max_uri_bytes));
    }
    let headers = req.headers();
    let bytes: usize = headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if headers.len() > MAX_HEADER_COUNT || bytes > limits.max_header_bytes {
        return refuse(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request has {} header fields in {bytes} bytes; the most is {MAX_HEADER_COUNT} fields in {} bytes",
                headers.len(),
                limits.max_header_bytes
            ),
        );
    }
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    // Only the scenario API takes a body (a scenario JSON).
    let (max_body, what) = if super::scenarios::takes_body(req.uri().path()) {
        (limits.max_scenario_bytes, "a scenario may be at most")
    } else if super::submissions_api::takes_upload(req.uri().path()) {
        (crate::register::upload::MAX_UPLOAD_BYTES as usize, "an upload of services may be at most")
    } else {
        (limits.max_body_bytes, "the API takes none; the most is")
    };
    if declared.is_some_and(|n| n > max_body as u64) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("the request body is larger than {max_body} bytes; {what} {max_body} bytes"));
    }
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let trusted = peer.is_some_and(|ip| state.config.trusted_proxies.contains(&ip));
    if !trusted {
        for h in &FORWARDED {
            req.headers_mut().remove(h);
        }
    }
    next.run(req).await
}

fn refuse(status: StatusCode, message: String) -> Response {
    ServeError::Refused { status: status.as_u16(), message }.into_response()
}
