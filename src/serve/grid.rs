//! `GET /api/grid.geojson?category=&tier=&method=&travel=&catchment=&indicator=&cell=`:
//! the squares of where people live (issue 13), the postcode-level access
//! surface that the LSOA and OA maps summarise, for the web app's fine-zoom
//! layer and for desktop GIS. Each feature is one `cell` metre square of the
//! British National Grid (250, 500 or 1000; default 500) with the columns of
//! the gap table (population, nearest time, coverage, access, people in need,
//! unmet need, gap class and rank among the squares) and its corner, size
//! and postcode count; squares that the `[disclosure]` grid rule withholds
//! are not sent and are counted in the `grid` member. `scenario=ID` works as
//! on every route.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use geo::{Geometry, LineString, Polygon};

use super::app::{AppState, GEOJSON};
use super::columns::{gap_error, gap_query};
use super::encoding::{respond, CachedBody};
use super::errors::ServeError;
use super::geojson::{geometry_json, properties, string, FeatureCollection};
use super::query::{AreaQuery, Params};
use crate::crs::{Transform, BNG, WGS84};
use crate::gaps::{GridRule, GridTable, SQUARE_SIZES_M};

/// Square side when `cell` is not given, metres.
pub const DEFAULT_CELL_M: u32 = 500;

/// The square size of `cell=` (`500`, `500m`, `1km`).
pub fn parse_cell(text: Option<&str>) -> Result<u32, ServeError> {
    let Some(t) = text else { return Ok(DEFAULT_CELL_M) };
    let t = t.trim().to_ascii_lowercase();
    let metres = match (t.strip_suffix("km"), t.strip_suffix('m')) {
        (Some(km), _) => km.trim().parse::<f64>().ok().map(|k| k * 1000.0),
        (None, Some(m)) => m.trim().parse::<f64>().ok(),
        (None, None) => t.parse::<f64>().ok(),
    };
    metres
        .filter(|m| SQUARE_SIZES_M.iter().any(|s| f64::from(*s) == *m))
        .map(|m| m as u32)
        .ok_or_else(|| ServeError::bad("cell", format!("`{t}` is not a square size; use 250, 500 or 1000 (metres)")))
}

/// The grid document: one feature per published square.
pub fn grid_document(state: &AppState, q: &AreaQuery, size_m: u32) -> Result<String, ServeError> {
    let engine = &state.engine;
    let d = &engine.manifest.disclosure;
    let rule = GridRule { size_m, min_population: d.grid_min_population, min_postcodes: d.grid_min_postcodes };
    // The need is offered at the served population's level; `gap_query`
    // checks a named indicator there.
    let category = match q.categories.as_deref() {
        Some([one]) => Some(one.as_str()),
        _ => None,
    };
    let home = crate::gaps::population_level(engine, &crate::gaps::served_population(engine, category));
    let gq = gap_query(engine, home, q)?;
    let grid: GridTable = crate::gaps::compute_grid(engine, &state.gap_context, &gq, &rule).map_err(gap_error)?;
    let table = grid.to_report();
    let to_wgs = Transform::new(BNG, WGS84).map_err(|e| ServeError::Internal(e.to_string()))?;
    let mut fc = FeatureCollection::new();
    for (i, square) in grid.squares.iter().enumerate() {
        let ring: Vec<_> = square.ring_bng().iter().map(|c| to_wgs.coord(*c)).collect::<Result<_, _>>().map_err(|e| ServeError::Internal(e.to_string()))?;
        let geometry = geometry_json(&Geometry::Polygon(Polygon::new(LineString(ring), vec![])));
        fc.push(&string(&square.code()), &geometry, &properties(&table, i));
    }
    let t = &grid.table;
    Ok(fc.finish(&[
        ("name", serde_json::Value::String(format!("squares_{size_m}m"))),
        ("attribution", serde_json::Value::String(state.attribution.clone())),
        (
            "grid",
            serde_json::json!({
                "size_m": size_m,
                "crs": BNG,
                "min_population": rule.min_population,
                "min_postcodes": rule.min_postcodes,
                "squares": grid.summary.squares,
                "published": grid.summary.published,
                "withheld": grid.summary.withheld,
                "withheld_population": grid.summary.withheld_population,
                "withheld_residents": grid.summary.withheld_residents,
            }),
        ),
        (
            "selection",
            serde_json::json!({
                "category": t.query.category,
                "tier": t.query.tier,
                "method": t.query.method.as_str(),
                "travel": t.query.travel.as_str(),
                "catchment": t.query.catchment.label(),
                "indicator": t.query.indicator,
                "population": t.population_id,
                "origin_level": t.origin_level,
                "services": t.services,
            }),
        ),
        ("notes", serde_json::json!(t.notes)),
    ]))
}

/// `GET /api/grid.geojson`.
pub async fn grid(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery, headers: HeaderMap) -> Result<Response, ServeError> {
    let params = Params::parse(raw.as_deref())?;
    let q = AreaQuery::from_params(&state.engine, &params)?;
    let size_m = parse_cell(params.get("cell")?)?;
    let key = format!("grid/{q:?}/{size_m}");
    let body = state.documents.get_or_try_weighted(
        key,
        || grid_document(&state, &q, size_m).map(|d| Arc::new(CachedBody::new(d))),
        |b| 2 * b.raw().len(),
    )?;
    Ok(respond(GEOJSON, &body, &headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_sizes_in_metres_or_kilometres() {
        assert_eq!(parse_cell(None).unwrap(), 500);
        assert_eq!(parse_cell(Some("250")).unwrap(), 250);
        assert_eq!(parse_cell(Some("500m")).unwrap(), 500);
        assert_eq!(parse_cell(Some("1km")).unwrap(), 1000);
        for bad in ["300", "0", "-500", "abc", "1e9", "NaN"] {
            assert!(parse_cell(Some(bad)).is_err(), "{bad}");
        }
    }
}
