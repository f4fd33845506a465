//! HTTP handlers: `GET /tiles/{layer}.json` and `GET /tiles/{layer}/{z}/{x}/{y}.mvt`.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::tilejson::{self as tj, TileJsonInput};
use super::{field_columns, AreaAttributes, LayerKind, ServiceSelection, MAX_ZOOM, SERVICE_FIELDS};
use crate::report::Cell;
use crate::serve::app::{path_param, with_type, AppState, TileBody, JSON};
use crate::serve::encoding::{respond, CachedBody};
use crate::serve::errors::ServeError;
use crate::serve::query::{self, AreaQuery, Params};

/// Content type of Mapbox Vector Tiles.
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

fn layer_index(state: &AppState, id: &str) -> Result<usize, ServeError> {
    state.tiles.layer_index(id).ok_or_else(|| ServeError::UnknownLayer {
        layer: id.to_string(),
        known: state.tiles.layers.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
    })
}

/// What a tile request asks for, validated (unknown values answer 400).
enum TileQuery {
    /// An area layer: the area query, the attribute columns asked for
    /// (`fields=`, all when `None`) and the cache key of both ("" by default).
    Areas(AreaQuery, Option<Vec<String>>, String),
    /// The services layer: which points.
    Services(ServiceSelection),
}

fn tile_query(state: &AppState, layer: usize, raw: Option<&str>) -> Result<TileQuery, ServeError> {
    let params = Params::parse(raw)?;
    match &state.tiles.layers[layer].kind {
        LayerKind::Areas(_) => {
            let q = AreaQuery::from_params(&state.engine, &params)?;
            let fields = params.list("fields")?;
            let key = match (q.is_default(), &fields) {
                (true, None) => String::new(),
                (_, None) => format!("{q:?}"),
                (_, Some(f)) => format!("{q:?} fields={f:?}"),
            };
            Ok(TileQuery::Areas(q, fields, key))
        }
        LayerKind::Services(_) if params.get("fields")?.is_some() => {
            Err(ServeError::bad("fields", format!("`fields` narrows the area layers' attributes; the {} layer always carries its own", state.tiles.layers[layer].id)))
        }
        LayerKind::Services(_) => Ok(TileQuery::Services(ServiceSelection {
            categories: query::categories(&state.engine, &params)?,
            tier: query::tier(&state.engine, &params)?,
        })),
    }
}

/// A services tile restricted to `selection`, from the tile cache (the
/// unrestricted tiles share their cache entries with [`AppState::tile`]).
fn service_tile(state: &AppState, layer: usize, (z, x, y): (u8, u32, u32), selection: &ServiceSelection) -> Result<TileBody, ServeError> {
    if selection.is_all() {
        return state.tile(layer, z, x, y, None, None, String::new());
    }
    let key = (layer, z, x, y, selection.cache_key());
    if let Some(b) = state.tile_cache.get(&key) {
        return Ok(b);
    }
    let rendered = state.tiles.render_with(&state.engine, layer, z, x, y, AreaAttributes::default(), Some(selection)).map(|b| Arc::new(CachedBody::new(b)));
    let bytes = 64 + rendered.as_ref().map_or(0, |b| 2 * b.raw().len());
    Ok(state.tile_cache.insert_weighted(key, rendered, bytes))
}

/// `GET /tiles/{layer}.json`: TileJSON 3.0.
///
/// `GET /tiles/{layer}` (no `.json`) answers the same document with the tile
/// URL relative to it (`{z}/{x}/{y}.mvt`): QGIS 3.22 cannot read TileJSON, but
/// its "ArcGIS Vector Tile Service" connection (`type=xyz&serviceType=arcgis&url=`)
/// reads `tiles[0]` from this URL and joins it to the URL, so planners can add
/// the tiles from one URL. Query parameters do not reach those tiles (QGIS
/// replaces the query with `f=pjson`).
pub fn tilejson_handler(
    state: &AppState,
    file: &str,
    raw: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, ServeError> {
    let (id, service) = match file.strip_suffix(".json") {
        Some(id) => (id, false),
        None if state.tiles.layer_index(file).is_some() => (file, true),
        None => {
            return Err(ServeError::NotFound {
                path: format!("/tiles/{file} (use /tiles/{{layer}}.json or /tiles/{{layer}}/{{z}}/{{x}}/{{y}}.mvt)"),
            })
        }
    };
    let raw = if service { None } else { raw };
    let layer = layer_index(state, id)?;
    let q = tile_query(state, layer, raw)?;
    let l = &state.tiles.layers[layer];
    let fields: Vec<(String, String)> = match (&l.kind, q) {
        (LayerKind::Areas(a), TileQuery::Areas(q, names, _)) => {
            let table = state.table(a.level, &q)?;
            let columns = match &names {
                Some(names) => field_columns(&table, names).map_err(|e| {
                    ServeError::bad("fields", format!("`{}` is not a field of layer {}; its fields are: {}", e.field, l.id, e.known))
                })?,
                None => (0..table.columns.len()).collect(),
            };
            columns
                .into_iter()
                .map(|i| (i, &table.columns[i]))
                .map(|(i, c)| {
                    let text = table.rows.iter().any(|r| matches!(r.get(i), Some(Cell::Text(_))));
                    (c.clone(), if text { "String" } else { "Number" }.to_string())
                })
                .collect()
        }
        _ => SERVICE_FIELDS.iter().map(|(k, t)| (k.to_string(), t.to_string())).collect(),
    };
    let base = state.base_url(headers);
    let mut doc = tj::tilejson(&TileJsonInput {
        base_url: &base,
        layer: &l.id,
        description: &l.description,
        attribution: &state.attribution,
        bounds: state.bounds,
        fields,
        query: raw,
        version: env!("CARGO_PKG_VERSION"),
    });
    if service {
        doc["tiles"] = serde_json::json!([tj::RELATIVE_TILES]);
    }
    Ok(with_type(JSON, doc.to_string()))
}

/// `GET /tiles/{file}` (TileJSON).
pub async fn tilejson(
    State(state): State<Arc<AppState>>,
    file: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let file = path_param(file)?;
    tilejson_handler(&state, &file, raw.as_deref(), &headers)
}

fn parse_coord(name: &str, v: &str) -> Result<u32, ServeError> {
    v.parse::<u32>().map_err(|_| ServeError::bad(name, format!("`{v}` is not a tile coordinate (a whole number >= 0)")))
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt`: 200 with the tile, 204 when empty.
pub async fn tile(
    State(state): State<Arc<AppState>>,
    p: Result<Path<(String, String, String, String)>, PathRejection>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServeError> {
    let (layer_id, z, x, y) = path_param(p)?;
    let layer = layer_index(&state, &layer_id)?;
    let y = y.strip_suffix(".mvt").ok_or_else(|| ServeError::bad("y", format!("`{y}`: tiles are `{{y}}.mvt`")))?;
    let z = parse_coord("z", &z)?;
    let (x, y) = (parse_coord("x", &x)?, parse_coord("y", y)?);
    if z > u32::from(MAX_ZOOM) {
        return Err(ServeError::NoSuchTile { tile: format!("{layer_id}/{z}/{x}/{y}"), reason: format!("zoom {z} is above the maximum zoom {MAX_ZOOM}") });
    }
    let z = z as u8;
    if x >= 1u32 << z || y >= 1u32 << z {
        return Err(ServeError::NoSuchTile { tile: format!("{layer_id}/{z}/{x}/{y}"), reason: format!("x and y must be below {} at zoom {z}", 1u32 << z) });
    }
    let body = match tile_query(&state, layer, raw.as_deref())? {
        TileQuery::Areas(q, fields, qkey) => state.tile(layer, z, x, y, Some(&q), fields.as_deref(), qkey)?,
        TileQuery::Services(selection) => service_tile(&state, layer, (z, x, y), &selection)?,
    };
    Ok(match body {
        Some(b) => respond(MVT, &b, &headers),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}
