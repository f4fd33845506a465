//! Errors of the map server, each mapped to a JSON error response.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// Everything a request can get wrong (or that can go wrong answering it).
///
/// Every variant answers as JSON `{"status": .., "error": .., "message": .., "parameter": ..}`.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A query or path parameter has a value the server cannot use (400).
    #[error("bad parameter `{parameter}`: {message}")]
    BadParameter { parameter: String, message: String },
    /// An area level that the dataset does not have (404).
    #[error("unknown level `{level}`; levels are: {known}")]
    UnknownLevel { level: String, known: String },
    /// A tile layer or OGC collection that does not exist (404).
    #[error("unknown layer `{layer}`; layers are: {known}")]
    UnknownLayer { layer: String, known: String },
    /// A feature id that no feature of the collection has (404).
    #[error("collection `{collection}` has no feature `{id}`")]
    UnknownFeature { collection: String, id: String },
    /// A tile outside the tile pyramid (404).
    #[error("no tile {tile}: {reason}")]
    NoSuchTile { tile: String, reason: String },
    /// Any other path (404).
    #[error("nothing at `{path}`; see /api/meta for the endpoints")]
    NotFound { path: String },
    /// Too much work in progress of one kind (503, with `Retry-After`).
    #[error("the server is busy with {what}; try again in {retry_after_s} s")]
    Busy { what: String, retry_after_s: u64 },
    /// A request refused by the HTTP layer before any endpoint saw it
    /// (405, 413, 414, 416, 431, ...), or any status without a body of its own.
    #[error("{message}")]
    Refused { status: u16, message: String },
    /// A scenario id that the scenario folder does not hold (404).
    #[error("unknown scenario `{id}`; GET /api/scenarios lists the scenarios")]
    UnknownScenario { id: String },
    /// A scenario body or edit the server cannot use (400), named in `message`.
    #[error("{message}")]
    BadScenario { message: String },
    /// A write that conflicts with the stored state (409): a stale version
    /// (`current_version` is then the stored one) or an id already taken.
    #[error("{message}")]
    Conflict { message: String, current_version: Option<u64> },
    /// A write without the version it was based on (428).
    #[error("{message}")]
    PreconditionRequired { message: String },
    /// A write without a valid editor token (401).
    #[error("{message}")]
    Unauthorized { message: String },
    /// A write the server does not allow (403): editing off, or another origin.
    #[error("{message}")]
    Forbidden { message: String },
    /// Too many failed logins from one address or for one account (429, with `Retry-After`).
    #[error("{message}")]
    TooManyAttempts { message: String, retry_after_s: u64 },
    /// A failure on the server side (500); should not happen.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServeError {
    /// Shorthand for [`ServeError::BadParameter`].
    pub fn bad(parameter: &str, message: impl Into<String>) -> ServeError {
        ServeError::BadParameter { parameter: parameter.to_string(), message: message.into() }
    }

    /// HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ServeError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            ServeError::UnknownLevel { .. }
            | ServeError::UnknownLayer { .. }
            | ServeError::UnknownFeature { .. }
            | ServeError::NoSuchTile { .. }
            | ServeError::NotFound { .. }
            | ServeError::UnknownScenario { .. } => StatusCode::NOT_FOUND,
            ServeError::BadScenario { .. } => StatusCode::BAD_REQUEST,
            ServeError::Conflict { .. } => StatusCode::CONFLICT,
            ServeError::PreconditionRequired { .. } => StatusCode::PRECONDITION_REQUIRED,
            ServeError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ServeError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ServeError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ServeError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServeError::Refused { status, .. } => StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
            ServeError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Short machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ServeError::BadParameter { .. } => "bad_parameter",
            ServeError::UnknownLevel { .. } => "unknown_level",
            ServeError::UnknownLayer { .. } => "unknown_layer",
            ServeError::UnknownFeature { .. } => "unknown_feature",
            ServeError::NoSuchTile { .. } => "no_such_tile",
            ServeError::NotFound { .. } => "not_found",
            ServeError::UnknownScenario { .. } => "unknown_scenario",
            ServeError::BadScenario { .. } => "bad_scenario",
            ServeError::Conflict { current_version: Some(_), .. } => "stale_version",
            ServeError::Conflict { .. } => "conflict",
            ServeError::PreconditionRequired { .. } => "version_required",
            ServeError::Unauthorized { .. } => "unauthorized",
            ServeError::Forbidden { .. } => "forbidden",
            ServeError::Busy { .. } => "busy",
            ServeError::TooManyAttempts { .. } => "too_many_attempts",
            ServeError::Refused { status, .. } => match *status {
                405 => "method_not_allowed",
                408 => "request_timeout",
                413 => "body_too_large",
                414 => "uri_too_long",
                416 => "range_not_satisfiable",
                431 => "headers_too_large",
                s if s >= 500 => "internal",
                _ => "bad_request",
            },
            ServeError::Internal(_) => "internal",
        }
    }

    /// The JSON body: `status`, `error`, `message` and `parameter` (the
    /// offending parameter's name, or null); a stale write adds `current_version`.
    pub fn to_json(&self) -> serde_json::Value {
        let parameter = match self {
            ServeError::BadParameter { parameter, .. } => serde_json::Value::String(parameter.clone()),
            _ => serde_json::Value::Null,
        };
        // Internal details (which may name files on the server) go to the log only.
        let message = match self {
            ServeError::Internal(_) => "internal error; the server log has the details".to_string(),
            _ => self.to_string(),
        };
        let mut body = serde_json::json!({
            "status": self.status().as_u16(),
            "error": self.code(),
            "message": message,
            "parameter": parameter,
        });
        if let ServeError::Conflict { current_version: Some(v), .. } = self {
            body["current_version"] = serde_json::Value::from(*v);
        }
        body
    }

    /// The JSON error for a bare `status` from a layer that gave no body.
    pub fn for_status(status: StatusCode) -> ServeError {
        let message = match status.as_u16() {
            405 => "this URL answers GET and HEAD only".to_string(),
            408 => "the request took too long to arrive".to_string(),
            413 => "the request body is too large; the API takes no request body".to_string(),
            414 => "the URL is too long; shorten the query".to_string(),
            416 => "the requested byte range is outside the file".to_string(),
            431 => "the request headers are too large".to_string(),
            _ => status.canonical_reason().unwrap_or("the request failed").to_lowercase(),
        };
        ServeError::Refused { status: status.as_u16(), message }
    }
}

impl IntoResponse for ServeError {
    fn into_response(self) -> Response {
        if matches!(self, ServeError::Internal(_)) {
            tracing::error!("{self}");
        }
        let body = self.to_json().to_string();
        let mut res = (self.status(), [(header::CONTENT_TYPE, "application/json")], body).into_response();
        if let ServeError::Busy { retry_after_s, .. } | ServeError::TooManyAttempts { retry_after_s, .. } = &self {
            res.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after_s));
        }
        if let ServeError::Unauthorized { .. } = &self {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer realm=\"needmap\""));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameter_names_the_parameter() {
        let e = ServeError::bad("bbox", "needs 4 numbers");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(e.to_json()["parameter"], "bbox");
        assert!(e.to_string().contains("bbox"));
        let busy = ServeError::Busy { what: "prints".into(), retry_after_s: 5 }.into_response();
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(busy.headers()[header::RETRY_AFTER], "5");
        let e = ServeError::for_status(StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(e.to_json()["error"], "method_not_allowed");
        assert!(e.to_json()["parameter"].is_null());
    }
}
