//! Every 4xx and 5xx answer carries the JSON error body, including those made
//! by layers that give none (axum's 405, tower-http's 413 and 416, timeouts).

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::errors::ServeError;

/// Middleware: replace the body of an error response that is not JSON.
pub async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json") || t.starts_with("application/problem+json"));
    if is_json {
        return res;
    }
    // Keep every header the layer set (Allow for 405, Content-Range for 416,
    // CORS) except those that described the old body.
    let (mut parts, _) = res.into_parts();
    let json = ServeError::for_status(status).into_response();
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::TRANSFER_ENCODING] {
        parts.headers.remove(name);
    }
    let (json_parts, body) = json.into_parts();
    parts.headers.extend(json_parts.headers);
    Response::from_parts(parts, body)
}
