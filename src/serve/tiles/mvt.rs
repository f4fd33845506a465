//! Mapbox Vector Tile 2.1 encoding on top of geozero: integer coordinates in a
//! 4096 extent, exterior rings with positive area by the spec's formula in tile
//! coordinates (clockwise on screen) and holes negative, degenerate rings
//! dropped, unique feature ids and typed attributes.
//!
//! geozero writes the commands and the protobuf; it does not quantize, fix
//! winding or drop degenerate rings, which is done here.

use geo::{Coord, LineString, MultiPolygon, Point, Polygon};
use geozero::mvt::{tile, Message, TagsBuilder, Tile, TileValue};
use geozero::ToMvt;
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::IntOverlayOptions;
use i_overlay::core::simplify::Simplify;
use i_overlay::i_float::int::point::IntPoint;

use crate::report::Cell;

/// Tile coordinate extent.
pub const EXTENT: u32 = 4096;

/// Twice the signed area of a closed ring by the shoelace formula, as in the
/// MVT 2.1 spec (positive = clockwise on screen in y-down tile coordinates).
pub fn ring_area2(ring: &LineString<f64>) -> f64 {
    ring.0.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}

/// Round a ring to integers and drop repeated points (the closing point too);
/// `None` when fewer than three points remain.
fn quantize_ring(ring: &LineString<f64>) -> Option<Vec<IntPoint>> {
    let mut pts: Vec<IntPoint> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let (x, y) = (c.x.round(), c.y.round());
        // Tile coordinates are clipped to the tile and its buffer, far inside i32.
        if !x.is_finite() || !y.is_finite() || x.abs() > 1e9 || y.abs() > 1e9 {
            return None;
        }
        let q = IntPoint::new(x as i32, y as i32);
        if pts.last() != Some(&q) {
            pts.push(q);
        }
    }
    while pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    (pts.len() >= 3).then_some(pts)
}

fn int_area2(ring: &[IntPoint]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a.x) * i64::from(b.y) - i64::from(b.x) * i64::from(a.y)
        })
        .sum()
}

fn closed_ring(ring: &[IntPoint], positive: bool) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = ring.iter().map(|p| Coord { x: f64::from(p.x), y: f64::from(p.y) }).collect();
    if let Some(first) = pts.first().copied() {
        pts.push(first);
    }
    let mut ls = LineString(pts);
    if (ring_area2(&ls) > 0.0) != positive {
        ls.0.reverse();
    }
    ls
}

/// Snap a (multi)polygon in tile coordinates to the integer grid and make it
/// valid again, the MVT way round.
///
/// Rounding can make rings touch or cross themselves and each other, and
/// collapse thin parts. The rounded rings (exteriors oriented positive, holes
/// negative) are resolved by `i_overlay`'s integer overlay with the non-zero
/// fill rule and OGC-valid output, which splits self-touching rings, drops
/// zero-area parts and keeps every vertex on the grid. Rings are then oriented
/// for MVT 2.1: exterior positive area by the spec's formula in y-down tile
/// coordinates ([`ring_area2`] > 0, clockwise on screen), holes negative.
pub fn quantize_multipolygon(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let mut contours: Vec<Vec<IntPoint>> = Vec::new();
    for p in &mp.0 {
        let Some(mut ext) = quantize_ring(p.exterior()) else { continue };
        if int_area2(&ext) < 0 {
            ext.reverse();
        }
        contours.push(ext);
        for h in p.interiors() {
            if let Some(mut hole) = quantize_ring(h) {
                if int_area2(&hole) > 0 {
                    hole.reverse();
                }
                contours.push(hole);
            }
        }
    }
    if contours.is_empty() {
        return MultiPolygon(vec![]);
    }
    let shapes = contours.as_slice().simplify(FillRule::NonZero, IntOverlayOptions::ogc());
    let polys = shapes
        .iter()
        .filter_map(|shape| {
            let (outer, holes) = shape.split_first()?;
            if outer.len() < 3 || int_area2(outer) == 0 {
                return None;
            }
            let holes = holes
                .iter()
                .filter(|h| h.len() >= 3 && int_area2(h) != 0)
                .map(|h| closed_ring(h, false))
                .collect();
            Some(Polygon::new(closed_ring(outer, true), holes))
        })
        .collect();
    MultiPolygon(polys)
}

/// A cell as an MVT value; `None` for missing values (the key is left out).
pub fn tile_value(c: &Cell) -> Option<TileValue> {
    match c {
        Cell::Text(Some(t)) => Some(TileValue::Str(t.clone())),
        Cell::Count(n) => Some(TileValue::Uint(*n)),
        Cell::Number(Some(v)) if v.is_finite() => Some(TileValue::Double(*v)),
        _ => None,
    }
}

/// Collects the features of one layer.
pub struct LayerBuilder {
    name: String,
    features: Vec<tile::Feature>,
    tags: TagsBuilder,
}

impl LayerBuilder {
    pub fn new(name: &str) -> LayerBuilder {
        LayerBuilder { name: name.to_string(), features: Vec::new(), tags: TagsBuilder::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    pub fn len(&self) -> usize {
        self.features.len()
    }

    fn push(&mut self, mut feature: tile::Feature, id: u64, props: &[(&str, TileValue)]) {
        feature.id = Some(id);
        for (k, v) in props {
            let (ki, vi) = self.tags.insert_ref(k, v.clone());
            feature.tags.push(ki);
            feature.tags.push(vi);
        }
        self.features.push(feature);
    }

    /// Add a (multi)polygon given in tile coordinates (already clipped);
    /// returns `false` when nothing of it survives quantization.
    pub fn add_polygons(&mut self, id: u64, geom: &MultiPolygon<f64>, props: &[(&str, TileValue)]) -> bool {
        let snapped = quantize_multipolygon(geom);
        if snapped.0.is_empty() {
            return false;
        }
        match geo::Geometry::MultiPolygon(snapped).to_mvt_unscaled() {
            Ok(f) => {
                self.push(f, id, props);
                true
            }
            Err(e) => {
                tracing::warn!("feature {id} of layer {} not encoded: {e}", self.name);
                false
            }
        }
    }

    /// Add a point given in tile coordinates.
    pub fn add_point(&mut self, id: u64, at: Coord<f64>, props: &[(&str, TileValue)]) -> bool {
        let p = Point::new(at.x.round(), at.y.round());
        match geo::Geometry::Point(p).to_mvt_unscaled() {
            Ok(f) => {
                self.push(f, id, props);
                true
            }
            Err(_) => false,
        }
    }

    pub fn into_layer(self) -> tile::Layer {
        let (keys, values) = self.tags.into_tags();
        tile::Layer {
            version: 2,
            name: self.name,
            features: self.features,
            keys,
            values: values.into_iter().map(Into::into).collect(),
            extent: Some(EXTENT),
        }
    }
}

/// Encode layers as one tile (protobuf bytes).
pub fn encode(layers: Vec<tile::Layer>) -> Vec<u8> {
    Tile { layers }.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Validation};

    #[test]
    fn exterior_is_positive_and_holes_negative() {
        // Counter-clockwise in y-down space (negative area), with a positive hole.
        let p = polygon!(
            exterior: [(x: 0., y: 0.), (x: 0., y: 100.), (x: 100., y: 100.), (x: 100., y: 0.)],
            interiors: [[(x: 10., y: 10.), (x: 20., y: 10.), (x: 20., y: 20.), (x: 10., y: 20.)]],
        );
        let q = quantize_multipolygon(&MultiPolygon(vec![p]));
        assert_eq!(q.0.len(), 1);
        assert_eq!(ring_area2(q.0[0].exterior()), 2.0 * 100.0 * 100.0);
        assert_eq!(ring_area2(&q.0[0].interiors()[0]), -2.0 * 10.0 * 10.0);
    }

    #[test]
    fn degenerate_rings_are_dropped() {
        let sliver = polygon![(x: 0.1, y: 0.1), (x: 0.2, y: 0.3), (x: 0.3, y: 0.2)];
        assert!(quantize_multipolygon(&MultiPolygon(vec![sliver])).0.is_empty());
        let spike = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 0., y: 0.2)];
        assert!(quantize_multipolygon(&MultiPolygon(vec![spike])).0.is_empty());
    }

    #[test]
    fn rounding_that_crosses_a_ring_is_repaired() {
        // A thin quadrilateral whose rounded vertices form a bow-tie.
        let p = polygon![(x: 0., y: 0.), (x: 10., y: 0.4), (x: 10., y: 10.), (x: 0.2, y: -0.6)];
        let rounded = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 10., y: 10.), (x: 0., y: -1.)];
        assert!(!rounded.is_valid(), "plain rounding would be invalid");
        let q = quantize_multipolygon(&MultiPolygon(vec![p]));
        assert!(q.is_valid(), "{q:?}");
        for poly in &q.0 {
            assert!(ring_area2(poly.exterior()) > 0.0);
            assert!(poly.exterior().0.iter().all(|c| c.x.fract() == 0.0 && c.y.fract() == 0.0));
        }
        // A figure-eight (self-crossing after rounding) becomes two valid triangles.
        let eight = polygon![(x: 0., y: 0.), (x: 10., y: 10.), (x: 10., y: 0.), (x: 0., y: 10.)];
        let q = quantize_multipolygon(&MultiPolygon(vec![eight]));
        assert!(q.is_valid(), "{q:?}");
        assert_eq!(q.0.len(), 2);
    }

    #[test]
    fn missing_and_non_finite_values_are_left_out() {
        assert!(tile_value(&Cell::Number(None)).is_none());
        assert!(tile_value(&Cell::Number(Some(f64::NAN))).is_none());
        assert_eq!(tile_value(&Cell::Count(3)), Some(TileValue::Uint(3)));
    }
}
