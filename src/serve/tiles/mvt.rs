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

use crate::report::Cell;

/// Tile coordinate extent.
pub const EXTENT: u32 = 4096;

/// Twice the signed area of a closed ring by the shoelace formula, as in the
/// MVT 2.1 spec (positive = clockwise on screen in y-down tile coordinates).
pub fn ring_area2(ring: &LineString<f64>) -> f64 {
    ring.0.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}

/// Round a ring to integers, drop repeated points and zero-width spikes
/// (`a, b, a`); `None` when fewer than three points or no area remain.
fn quantize_ring(ring: &LineString<f64>) -> Option<LineString<f64>> {
    let mut pts: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for c in &ring.0 {
        let q = Coord { x: c.x.round(), y: c.y.round() };
        if !q.x.is_finite() || !q.y.is_finite() {
            return None;
        }
        if pts.last() == Some(&q) {
            continue;
        }
        if pts.len() >= 2 && pts[pts.len() - 2] == q {
            pts.pop();
            continue;
        }
        pts.push(q);
    }
    // The same at the seam where the ring closes.
    loop {
        let n = pts.len();
        if n < 3 {
            return None;
        }
        if pts[n - 1] == pts[0] {
            pts.pop();
        } else if pts[n - 2] == pts[0] {
            pts.pop();
        } else if pts[1] == pts[n - 1] {
            pts.remove(0);
        } else {
            break;
        }
    }
    pts.push(pts[0]);
    let ls = LineString(pts);
    (ring_area2(&ls) != 0.0).then_some(ls)
}

/// Quantize a polygon in tile coordinates and orient it the MVT way: exterior
/// positive area ([`ring_area2`] > 0 in y-down tile space = clockwise on screen),
/// holes negative. `None` when the exterior collapses.
pub fn quantize_polygon(p: &Polygon<f64>) -> Option<Polygon<f64>> {
    let mut exterior = quantize_ring(p.exterior())?;
    if ring_area2(&exterior) < 0.0 {
        exterior.0.reverse();
    }
    let holes = p
        .interiors()
        .iter()
        .filter_map(quantize_ring)
        .map(|mut h| {
            if ring_area2(&h) > 0.0 {
                h.0.reverse();
            }
            h
        })
        .collect();
    Some(Polygon::new(exterior, holes))
}

/// A cell as an MVT value; `None` for missing values (the key is left out).
pub fn tile_value(c: &Cell) -> Option<TileValue> {
    match c {
        Cell::Text(Some(t)) => Some(TileValue::Str(t.clone())),
        Cell::Count(n) => Some(TileValue::Uint(*n)),
        Cell::Number(Some(v)) if v.is_finite() => Some(TileValue::Double((v * 1e6).round() / 1e6)),
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
        let polys: Vec<Polygon<f64>> = geom.0.iter().filter_map(quantize_polygon).collect();
        if polys.is_empty() {
            return false;
        }
        match geo::Geometry::MultiPolygon(MultiPolygon(polys)).to_mvt_unscaled() {
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
    use geo::polygon;

    #[test]
    fn exterior_is_positive_and_holes_negative() {
        // Counter-clockwise in y-down space (negative area), with a positive hole.
        let p = polygon!(
            exterior: [(x: 0., y: 0.), (x: 0., y: 100.), (x: 100., y: 100.), (x: 100., y: 0.)],
            interiors: [[(x: 10., y: 10.), (x: 20., y: 10.), (x: 20., y: 20.), (x: 10., y: 20.)]],
        );
        let q = quantize_polygon(&p).unwrap();
        assert!(ring_area2(q.exterior()) > 0.0);
        assert!(ring_area2(&q.interiors()[0]) < 0.0);
        assert_eq!(ring_area2(q.exterior()), 2.0 * 100.0 * 100.0);
    }

    #[test]
    fn degenerate_rings_are_dropped() {
        let sliver = polygon![(x: 0.1, y: 0.1), (x: 0.2, y: 0.3), (x: 0.3, y: 0.2)];
        assert!(quantize_polygon(&sliver).is_none());
        let spike = polygon![(x: 0., y: 0.), (x: 10., y: 0.), (x: 0., y: 0.2)];
        assert!(quantize_polygon(&spike).is_none());
    }

    #[test]
    fn missing_and_non_finite_values_are_left_out() {
        assert!(tile_value(&Cell::Number(None)).is_none());
        assert!(tile_value(&Cell::Number(Some(f64::NAN))).is_none());
        assert_eq!(tile_value(&Cell::Count(3)), Some(TileValue::Uint(3)));
    }
}
