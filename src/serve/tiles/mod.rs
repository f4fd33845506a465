//! Vector tiles: one layer per area level plus `services`, rendered on demand
//! from Web Mercator geometry precomputed at start-up, clipped to the tile and
//! a buffer, simplified per zoom, encoded as MVT 2.1 and cached.

pub mod clip;
pub mod mercator;
pub mod mvt;
pub mod routes;
pub mod tilejson;

use std::sync::{Arc, OnceLock};

use geo::{BoundingRect, Coord, Intersects, MapCoords, MultiPolygon, Rect, Simplify};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use geozero::mvt::TileValue;

use crate::report::Report;
use crate::Engine;
use mvt::{LayerBuilder, EXTENT};

/// Lowest zoom served.
pub const MIN_ZOOM: u8 = 0;
/// Highest zoom served (clients overzoom beyond it).
pub const MAX_ZOOM: u8 = 15;
/// Buffer around the tile, in tile units (of [`EXTENT`]).
pub const BUFFER: f64 = 64.0;
/// Simplification tolerance in tile units (of 4096; a 512 px tile has 8 units
/// per pixel, so detail below this is invisible even overzoomed 2x).
pub const SIMPLIFY: f64 = 2.0;
/// Tolerance below [`SIMPLIFY_FULL_ZOOM`]: half a pixel of a 512 px tile,
/// still invisible at the zoom drawn, and about half the vertices of the
/// district-wide tiles (their size is dominated by the shared inner edges).
pub const SIMPLIFY_LOW_ZOOM: f64 = 4.0;
/// From this zoom on, tiles are simplified by [`SIMPLIFY`] (they are the
/// ones drawn overzoomed beyond [`MAX_ZOOM`] or read in close-ups).
pub const SIMPLIFY_FULL_ZOOM: u8 = 12;
/// Name of the service-points layer.
pub const SERVICES: &str = "services";

/// Geometry of one area level in world coordinates.
///
/// A tile picks its features from an R-tree of their bounding boxes, and each
/// feature is simplified for a zoom the first time a tile of that zoom needs it
/// (kept afterwards): the first tile at a new zoom costs only its own features,
/// not the whole level's.
pub struct AreaLayer {
    pub level: usize,
    world: Vec<MultiPolygon<f64>>,
    index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    /// Per zoom, per feature: the geometry simplified for that zoom.
    by_zoom: Vec<Vec<OnceLock<MultiPolygon<f64>>>>,
}

impl AreaLayer {
    fn new(engine: &Engine, level: usize) -> AreaLayer {
        let world: Vec<MultiPolygon<f64>> = engine.levels[level]
            .areas
            .iter()
            .map(|a| mercator::multipolygon_to_world(&a.wgs84))
            .collect();
        let boxes = world
            .iter()
            .enumerate()
            .filter_map(|(i, g)| g.bounding_rect().map(|b| GeomWithData::new(Rectangle::from_corners(b.min().into(), b.max().into()), i)))
            .collect();
        let by_zoom = (MIN_ZOOM..=MAX_ZOOM).map(|_| world.iter().map(|_| OnceLock::new()).collect()).collect();
        AreaLayer { level, world, index: RTree::bulk_load(boxes), by_zoom }
    }

    /// Feature `i` simplified for zoom `z` (computed on first use).
    fn at_zoom(&self, z: u8, i: usize) -> &MultiPolygon<f64> {
        // Ramer-Douglas-Peucker (linear in the vertices, against the topology-preserving
        // Visvalingam's quadratic worst case): the tile's integer snapping repairs any
        // self-intersection it makes (`mvt::quantize_multipolygon`).
        self.by_zoom[usize::from(z)][i].get_or_init(|| {
            let units = if z < SIMPLIFY_FULL_ZOOM { SIMPLIFY_LOW_ZOOM } else { SIMPLIFY };
            let tol = units / (f64::from(EXTENT) * f64::from(1u32 << z));
            self.world[i].simplify(tol)
        })
    }

    /// The features whose bounding box meets `rect` (world coordinates), in feature order.
    fn features_in(&self, rect: Rect<f64>) -> Vec<usize> {
        let envelope = AABB::from_corners(rect.min().into(), rect.max().into());
        let mut hits: Vec<usize> = self.index.locate_in_envelope_intersecting(&envelope).map(|b| b.data).collect();
        hits.sort_unstable();
        hits
    }
}

/// A service point in world coordinates (sensitive services are never here).
pub struct ServicePoint {
    pub service: usize,
    pub world: Coord<f64>,
}

/// What a layer draws.
pub enum LayerKind {
    /// Shared by the baseline and every scenario (the areas never change).
    Areas(Arc<AreaLayer>),
    Services(Vec<ServicePoint>),
}

/// One tile layer.
pub struct TileLayer {
    pub id: String,
    pub description: String,
    pub kind: LayerKind,
}

/// All tile layers of a dataset.
pub struct TileSet {
    pub layers: Vec<TileLayer>,
}

impl TileSet {
    /// Project every area level and the (non-sensitive) services.
    pub fn new(engine: &Engine) -> TileSet {
        let mut layers: Vec<TileLayer> = engine
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| TileLayer {
                id: l.id.clone(),
                description: format!("{}: {} areas with population, indicators and provision", l.label, l.len()),
                kind: LayerKind::Areas(Arc::new(AreaLayer::new(engine, i))),
            })
            .collect();
        layers.push(services_layer(engine));
        TileSet { layers }
    }

    /// The same area layers (shared, not copied) with the service points of
    /// `engine`, which has the same areas (a scenario's engine).
    pub fn with_services(&self, engine: &Engine) -> TileSet {
        let mut layers: Vec<TileLayer> = self
            .layers
            .iter()
            .filter_map(|l| match &l.kind {
                LayerKind::Areas(a) => Some(TileLayer { id: l.id.clone(), description: l.description.clone(), kind: LayerKind::Areas(a.clone()) }),
                LayerKind::Services(_) => None,
            })
            .collect();
        layers.push(services_layer(engine));
        TileSet { layers }
    }

    pub fn layer_index(&self, id: &str) -> Option<usize> {
        self.layers.iter().position(|l| l.id == id)
    }

    /// Render tile `z/x/y` of layer `layer`; `None` when it has no features.
    /// `table` is the area table of the layer's level (ignored for services).
    pub fn render(&self, engine: &Engine, layer: usize, z: u8, x: u32, y: u32, table: Option<&Report>) -> Option<Vec<u8>> {
        self.render_with(engine, layer, z, x, y, AreaAttributes { table, columns: None }, None)
    }

    /// [`TileSet::render`] with the area attributes narrowed to some columns
    /// (`fields=`) and the service points restricted to `services`
    /// (`category` and `tier`; ignored for area layers).
    #[allow(clippy::too_many_arguments)]
    pub fn render_with(
        &self,
        engine: &Engine,
        layer: usize,
        z: u8,
        x: u32,
        y: u32,
        attributes: AreaAttributes<'_>,
        services: Option<&ServiceSelection>,
    ) -> Option<Vec<u8>> {
        let l = self.layers.get(layer)?;
        let n = f64::from(1u32 << z);
        let extent = f64::from(EXTENT);
        let buffer_world = BUFFER / (extent * n);
        let t = mercator::tile_rect(z, x, y);
        let query = Rect::new(
            Coord { x: t.min().x - buffer_world, y: t.min().y - buffer_world },
            Coord { x: t.max().x + buffer_world, y: t.max().y + buffer_world },
        );
        let to_tile = |c: Coord<f64>| Coord { x: (c.x * n - f64::from(x)) * extent, y: (c.y * n - f64::from(y)) * extent };
        let clip_rect = Rect::new(Coord { x: -BUFFER, y: -BUFFER }, Coord { x: extent + BUFFER, y: extent + BUFFER });
        let mut builder = LayerBuilder::new(&l.id);
        match &l.kind {
            LayerKind::Areas(a) => {
                for i in a.features_in(query) {
                    let tile_geom = a.at_zoom(z, i).map_coords(to_tile);
                    let clipped = clip::clip_multipolygon(&tile_geom, clip_rect);
                    if clipped.0.is_empty() {
                        continue;
                    }
                    let props = attributes.table.map(|t| area_props(t, i, attributes.columns)).unwrap_or_default();
                    builder.add_polygons(i as u64 + 1, &clipped, &props);
                }
            }
            LayerKind::Services(points) => {
                for p in points {
                    if !query.intersects(&p.world) {
                        continue;
                    }
                    let s = &engine.services[p.service];
                    if services.is_some_and(|f| !f.keeps(s)) {
                        continue;
                    }
                    builder.add_point(p.service as u64 + 1, to_tile(p.world), &service_props(engine, s));
                }
            }
        }
        (!builder.is_empty()).then(|| mvt::encode(vec![builder.into_layer()]))
    }
}

/// The layer of the (non-sensitive) service points of `engine`.
fn services_layer(engine: &Engine) -> TileLayer {
    let points = visible_services(engine)
        .map(|i| ServicePoint { service: i, world: mercator::to_world(engine.services[i].wgs84) })
        .collect();
    TileLayer {
        id: SERVICES.to_string(),
        description: "Service points by category and tier (sensitive categories are not shown)".into(),
        kind: LayerKind::Services(points),
    }
}

/// Which service points a `services` tile draws: `category` (comma list)
/// and `tier`, validated against the dataset by [`crate::serve::query`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceSelection {
    pub categories: Option<Vec<String>>,
    pub tier: Option<String>,
}

impl ServiceSelection {
    /// Whether nothing was asked for (every public service).
    pub fn is_all(&self) -> bool {
        *self == ServiceSelection::default()
    }

    /// Whether service `s` is drawn.
    pub fn keeps(&self, s: &crate::model::Service) -> bool {
        self.categories.as_ref().is_none_or(|cs| cs.contains(&s.category)) && self.tier.as_ref().is_none_or(|t| t == &s.tier)
    }

    /// Tile cache key (empty for every service, as the default tiles).
    pub fn cache_key(&self) -> String {
        if self.is_all() {
            String::new()
        } else {
            format!("services {:?} {:?}", self.categories, self.tier)
        }
    }
}

/// Indexes of the services that may be shown at their location: every
/// service except those of a category marked `sensitive` in the manifest
/// (they are still counted in their areas).
pub fn visible_services(engine: &Engine) -> impl Iterator<Item = usize> + '_ {
    engine.services.iter().enumerate().filter(|(_, s)| !is_sensitive(engine, s)).map(|(i, _)| i)
}

pub use crate::export::disclosure::is_sensitive;

/// The attributes of an area tile: the level's table, and which of its
/// columns go in (every column when `columns` is `None`).
#[derive(Clone, Copy, Default)]
pub struct AreaAttributes<'a> {
    pub table: Option<&'a Report>,
    /// Column indexes of `table`, from [`field_columns`].
    pub columns: Option<&'a [usize]>,
}

/// A `fields=` name that is not a column of the layer's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    pub field: String,
    /// The columns there are, comma-separated.
    pub known: String,
}

/// The indexes of the columns `names` of `table`, in the table's order and
/// each once (`fields=code,name,imd_score`).
///
/// ```
/// use needmap::report::Report;
/// use needmap::serve::tiles::field_columns;
/// let t = Report { columns: vec!["code".into(), "name".into(), "imd_score".into()], rows: vec![] };
/// assert_eq!(field_columns(&t, &["imd_score".into(), "code".into(), "code".into()]).unwrap(), [0, 2]);
/// assert_eq!(field_columns(&t, &["nope".into()]).unwrap_err().field, "nope");
/// ```
pub fn field_columns(table: &Report, names: &[String]) -> Result<Vec<usize>, UnknownField> {
    let mut idx = Vec::with_capacity(names.len());
    for n in names {
        match table.columns.iter().position(|c| c == n) {
            Some(i) => idx.push(i),
            None => return Err(UnknownField { field: n.clone(), known: table.columns.join(", ") }),
        }
    }
    idx.sort_unstable();
    idx.dedup();
    Ok(idx)
}

fn area_props<'a>(table: &'a Report, row: usize, columns: Option<&[usize]>) -> Vec<(&'a str, TileValue)> {
    let Some(cells) = table.rows.get(row) else { return Vec::new() };
    let value = |i: usize| mvt::tile_value(cells.get(i)?).map(|v| (table.columns[i].as_str(), v));
    match columns {
        Some(cols) => cols.iter().filter_map(|&i| value(i)).collect(),
        None => (0..table.columns.len().min(cells.len())).filter_map(value).collect(),
    }
}

/// Attributes of a service point (also the fields listed in TileJSON).
pub fn service_props<'a>(engine: &Engine, s: &'a crate::model::Service) -> Vec<(&'a str, TileValue)> {
    let mut p = vec![
        ("id", TileValue::Str(s.id.clone())),
        ("name", TileValue::Str(s.name.clone())),
        ("category", TileValue::Str(s.category.clone())),
        ("tier", TileValue::Str(s.tier.clone())),
        ("capacity", TileValue::Double(s.capacity)),
    ];
    if let Some(c) = engine.categories.get(&s.category) {
        p.push(("category_label", TileValue::Str(c.label.clone())));
    }
    if !s.subcategory.is_empty() {
        p.push(("subcategory", TileValue::Str(s.subcategory.clone())));
    }
    if let Some(partner) = &s.partner {
        p.push(("partner", TileValue::Str(partner.clone())));
    }
    p
}

/// Field names and types of the services layer, for TileJSON.
pub const SERVICE_FIELDS: [(&str, &str); 8] = [
    ("id", "String"),
    ("name", "String"),
    ("category", "String"),
    ("category_label", "String"),
    ("subcategory", "String"),
    ("tier", "String"),
    ("partner", "String"),
    ("capacity", "Number"),
];
