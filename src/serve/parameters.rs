//! The query parameters every route accepts, checked before the handler
//! runs: an unknown parameter name is 400 naming it and listing the accepted
//! ones, and values that no handler checks itself (booleans, level ids,
//! methods, output formats, CRSs) are checked here.
//!
//! The table is keyed by the route pattern (axum's `MatchedPath`), so it
//! covers every endpoint without changing the handlers.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::app::AppState;
use super::errors::ServeError;
use super::query::{GapMethod, Params};

/// What a parameter's value must be, when this layer checks it.
#[derive(Debug, Clone, Copy)]
pub enum Value {
    /// Checked by the handler (or free text such as a title).
    Handler,
    /// `true` or `false`.
    Bool,
    /// A level id of the dataset.
    Level,
    /// An access method (`nearest`, `2sfca`, `e2sfca`).
    Method,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// Refused with this reason (declared so clients learn why).
    Unsupported(&'static str),
}

/// CRS84, the only CRS the OGC API offers.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

const AREA_QUERY: [(&str, Value); 10] = [
    ("indicator", Value::Handler),
    ("category", Value::Handler),
    ("tier", Value::Handler),
    ("method", Value::Method),
    ("travel", Value::OneOf(&["walk", "drive"])),
    ("catchment", Value::Handler),
    ("series", Value::Handler),
    ("change_from", Value::Handler),
    ("change_to", Value::Handler),
    ("origins", Value::OneOf(&["postcode", "area"])),
];
const OGC_F: (&str, Value) = ("f", Value::OneOf(&["json", "geojson"]));
const OGC_CRS: (&str, Value) = ("crs", Value::OneOf(&[CRS84]));
const DATETIME: (&str, Value) =
    ("datetime", Value::Unsupported("the collections have no time dimension (the data is one snapshot), so `datetime` cannot select features; leave it out"));

/// The parameters of the route `pattern`, or `None` for routes that take any
/// (the web app's static files).
pub fn accepted(pattern: &str) -> Option<Vec<(&'static str, Value)>> {
    let mut p: Vec<(&'static str, Value)> = Vec::new();
    match pattern {
        "/api/meta" | "/api/report/{file}" => {}
        "/api/areas/{file}" => {
            p.extend(AREA_QUERY);
            p.push(("geometry", Value::Bool));
            p.push(("fields", Value::OneOf(&["all", "services"])));
        }
        "/api/grid.geojson" => {
            p.extend(AREA_QUERY.into_iter().filter(|(n, _)| !matches!(*n, "series" | "change_from" | "change_to" | "origins")));
            // The square size, metres (250, 500 or 1000).
            p.push(("cell", Value::Handler));
        }
        "/api/search" => p.extend([("q", Value::Handler), ("limit", Value::Handler)]),
        "/api/services.geojson" => p.extend([("category", Value::Handler), ("tier", Value::Handler), ("bbox", Value::Handler)]),
        "/tiles/{layer}/{z}/{x}/{y}" => {
            p.extend(AREA_QUERY);
            // A comma list of attribute columns of the area layer (checked against its table).
            p.push(("fields", Value::Handler));
        }
        "/tiles/{file}" => {
            p.extend(AREA_QUERY);
            p.push(("fields", Value::Handler));
            // QGIS's "ArcGIS Vector Tile Service" connection asks `/tiles/{layer}?f=pjson`.
            p.push(("f", Value::OneOf(&["json", "pjson"])));
        }
        "/api/export/{file}" => {
            p.extend(AREA_QUERY);
            p.extend([
                ("layer", Value::OneOf(&["areas", "services"])),
                ("threshold", Value::Handler),
                ("bom", Value::Bool),
                ("crs", Value::OneOf(&["wgs84", "bng"])),
                ("provenance", Value::Bool),
                ("bbox", Value::Handler),
                ("area", Value::Handler),
                ("committee_level", Value::Level),
            ]);
        }
        "/api/print/{file}" => {
            p.extend(AREA_QUERY);
            p.extend([
                ("gap", Value::Bool),
                ("area", Value::Handler),
                ("committee_level", Value::Level),
                ("paper", Value::OneOf(&["a4", "a3"])),
                ("landscape", Value::Bool),
                ("title", Value::Handler),
                ("subtitle", Value::Handler),
                ("threshold", Value::Handler),
                // The preview image's resolution (`{level}.png` only).
                ("dpi", Value::Handler),
            ]);
        }
        "/api/suggest" => p.extend(
            ["category", "add", "objective", "threshold", "candidates", "demand", "need_weight", "travel"].map(|n| (n, Value::Handler)),
        ),
        "/ogc" | "/ogc/" | "/ogc/api" | "/ogc/conformance" | "/ogc/collections" | "/ogc/collections/{id}"
        | "/ogc/collections/{id}/queryables" => p.push(OGC_F),
        "/ogc/collections/{id}/schema" => {
            p.extend(AREA_QUERY);
            p.push(OGC_F);
        }
        "/ogc/collections/{id}/items" => {
            p.extend(AREA_QUERY);
            p.extend([
                OGC_F,
                OGC_CRS,
                DATETIME,
                ("bbox", Value::Handler),
                ("bbox-crs", Value::OneOf(&[CRS84])),
                ("limit", Value::Handler),
                ("offset", Value::Handler),
            ]);
        }
        "/ogc/collections/{id}/items/{feature}" => {
            p.extend(AREA_QUERY);
            p.extend([OGC_F, OGC_CRS]);
        }
        "/api/scenarios" => return Some(p),
        "/api/login" | "/api/logout" | "/api/me" | "/api/users" | "/api/users/{name}" | "/api/register/services/{id}" => return Some(p),
        "/api/register/services" => return Some(vec![("org", Value::Handler)]),
        "/api/register/submissions" => return Some(vec![("org", Value::Handler), ("file", Value::Handler), ("sheet", Value::Handler), ("status", Value::Handler)]),
        "/api/register/submissions/{id}"
        | "/api/register/submissions/{id}/rows/{row}"
        | "/api/register/submissions/{id}/rows/{row}/decision"
        | "/api/register/submissions/{id}/send"
        | "/api/register/submissions/{id}/reject" => return Some(p),
        "/api/register/submissions/{id}/publish" => return Some(vec![("exclude_blocking", Value::Handler)]),
        "/api/scenarios/{id}" => return Some(vec![("version", Value::Handler)]),
        "/api/scenarios/{id}/compare" => return Some([AREA_QUERY.as_slice(), &[("level", Value::Level)]].concat()),
        _ => return None,
    }
    // Every other route can show a scenario (see `super::view`).
    p.push(("scenario", Value::Handler));
    Some(p)
}

/// Check `params` against the route's table.
pub fn check(state: &AppState, pattern: &str, params: &Params) -> Result<(), ServeError> {
    let Some(table) = accepted(pattern) else { return Ok(()) };
    for key in params.keys() {
        let Some((_, kind)) = table.iter().find(|(name, _)| *name == key) else {
            let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
            let list = if names.is_empty() { "none".to_string() } else { names.join(", ") };
            return Err(ServeError::bad(&key, format!("unknown parameter `{key}`; {pattern} accepts: {list}")));
        };
        let Some(v) = params.get(&key)? else { continue };
        let bad = |expected: String| Err(ServeError::bad(&key, format!("`{v}` is not valid for `{key}`: expected {expected}")));
        match kind {
            Value::Handler => {}
            Value::Bool => {
                if v != "true" && v != "false" {
                    return bad("true or false".into());
                }
            }
            Value::Level => {
                if state.engine.level_index(v).is_none() {
                    let known: Vec<&str> = state.engine.levels.iter().map(|l| l.id.as_str()).collect();
                    return bad(format!("a level: {}", known.join(", ")));
                }
            }
            Value::Method => {
                if !GapMethod::ALL.iter().any(|m| m.id() == v) {
                    return bad(format!("a method: {}", GapMethod::ALL.map(GapMethod::id).join(", ")));
                }
            }
            Value::OneOf(words) => {
                if !words.iter().any(|w| w.eq_ignore_ascii_case(v)) {
                    return bad(format!("one of {}", words.join(", ")));
                }
            }
            Value::Unsupported(why) => return Err(ServeError::bad(&key, format!("`{key}` is not supported: {why}"))),
        }
    }
    Ok(())
}

/// Middleware (a route layer, so the matched route is known).
pub async fn enforce(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let pattern = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string());
    if let Some(pattern) = pattern {
        let checked = Params::parse(req.uri().query()).and_then(|p| check(&state, &pattern, &p));
        if let Err(e) = checked {
            return e.into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_with_parameters_lists_them_once() {
        for route in ["/api/export/{file}", "/api/print/{file}", "/ogc/collections/{id}/items"] {
            let names: Vec<&str> = accepted(route).unwrap().iter().map(|(n, _)| *n).collect();
            let mut unique = names.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{route}: {names:?}");
        }
        assert!(accepted("/{*rest}").is_none());
        let meta: Vec<&str> = accepted("/api/meta").unwrap().iter().map(|(n, _)| *n).collect();
        assert_eq!(meta, ["scenario"]);
        assert!(accepted("/api/scenarios").unwrap().is_empty());
    }
}
