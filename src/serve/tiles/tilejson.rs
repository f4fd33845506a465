//! TileJSON 3.0 documents for the tile layers.

use geo::Rect;
use serde_json::{json, Map, Value};

use super::{MAX_ZOOM, MIN_ZOOM};

/// Tile URL relative to `/tiles/{layer}` (for QGIS's ArcGIS-style connection).
pub const RELATIVE_TILES: &str = "{z}/{x}/{y}.mvt";

/// What a TileJSON document describes.
pub struct TileJsonInput<'a> {
    /// Absolute server root, e.g. `http://127.0.0.1:8080`.
    pub base_url: &'a str,
    pub layer: &'a str,
    pub description: &'a str,
    pub attribution: &'a str,
    /// CRS84 bounds of the data.
    pub bounds: Rect<f64>,
    /// Attribute names and types (`String`, `Number`, `Boolean`).
    pub fields: Vec<(String, String)>,
    /// Query string carried to the tile URLs (for `category`/`method`), without `?`.
    pub query: Option<&'a str>,
    pub version: &'a str,
}

/// Build the TileJSON 3.0.0 document.
///
/// ```
/// use needmap::serve::tiles::tilejson::{tilejson, TileJsonInput};
/// let doc = tilejson(&TileJsonInput {
///     base_url: "http://127.0.0.1:8080", layer: "ward", description: "wards",
///     attribution: "ONS", bounds: geo::Rect::new((-2.0, 53.7), (-1.6, 54.0)),
///     fields: vec![("name".into(), "String".into())], query: None, version: "1.0.0",
/// });
/// assert_eq!(doc["tilejson"], "3.0.0");
/// assert_eq!(doc["tiles"][0], "http://127.0.0.1:8080/tiles/ward/{z}/{x}/{y}.mvt");
/// assert_eq!(doc["vector_layers"][0]["id"], "ward");
/// ```
pub fn tilejson(input: &TileJsonInput) -> Value {
    let b = input.bounds;
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let mut url = format!("{}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", input.base_url, input.layer);
    if let Some(q) = input.query.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    let fields: Map<String, Value> = input.fields.iter().map(|(k, t)| (k.clone(), Value::String(t.clone()))).collect();
    let center_zoom = 10.min(MAX_ZOOM);
    json!({
        "tilejson": "3.0.0",
        "name": input.layer,
        "description": input.description,
        "version": input.version,
        "attribution": input.attribution,
        "scheme": "xyz",
        "tiles": [url],
        "minzoom": MIN_ZOOM,
        "maxzoom": MAX_ZOOM,
        "bounds": [round(b.min().x), round(b.min().y), round(b.max().x), round(b.max().y)],
        "center": [round(b.center().x), round(b.center().y), center_zoom],
        "vector_layers": [{
            "id": input.layer,
            "description": input.description,
            "minzoom": MIN_ZOOM,
            "maxzoom": MAX_ZOOM,
            "fields": fields,
        }],
    })
}
