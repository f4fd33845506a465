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
            | ServeError::NotFound { .. } => StatusCode::NOT_FOUND,
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
            ServeError::Internal(_) => "internal",
        }
    }

    /// The JSON body.
    pub fn to_json(&self) -> serde_json::Value {
        let mut body = serde_json::json!({
            "status": self.status().as_u16(),
            "error": self.code(),
            "message": self.to_string(),
        });
        if let ServeError::BadParameter { parameter, .. } = self {
            body["parameter"] = serde_json::Value::String(parameter.clone());
        }
        body
    }
}

impl IntoResponse for ServeError {
    fn into_response(self) -> Response {
        if matches!(self, ServeError::Internal(_)) {
            tracing::error!("{self}");
        }
        let body = self.to_json().to_string();
        (self.status(), [(header::CONTENT_TYPE, "application/json")], body).into_response()
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
    }
}
