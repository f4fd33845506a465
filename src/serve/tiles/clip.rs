//! Clipping polygons to a tile square plus its buffer.

use geo::{BooleanOps, BoundingRect, Intersects, MultiPolygon, Rect};

/// The part of `mp` inside `rect`. Polygons wholly inside are returned as
/// they are and disjoint ones dropped without a boolean operation; only
/// polygons crossing the edge are intersected (geo's `BooleanOps`, which
/// returns valid polygons).
pub fn clip_multipolygon(mp: &MultiPolygon<f64>, rect: Rect<f64>) -> MultiPolygon<f64> {
    let mut out = Vec::with_capacity(mp.0.len());
    let clip = rect.to_polygon();
    for p in &mp.0 {
        let Some(b) = p.bounding_rect() else { continue };
        if !b.intersects(&rect) {
            continue;
        }
        let inside = b.min().x >= rect.min().x
            && b.min().y >= rect.min().y
            && b.max().x <= rect.max().x
            && b.max().y <= rect.max().y;
        if inside {
            out.push(p.clone());
        } else {
            out.extend(p.intersection(&clip).0);
        }
    }
    MultiPolygon(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{coord, polygon, Area};

    #[test]
    fn clips_to_the_square() {
        let p = polygon![(x: -10., y: -10.), (x: 50., y: -10.), (x: 50., y: 50.), (x: -10., y: 50.)];
        let r = Rect::new(coord! { x: 0., y: 0. }, coord! { x: 20., y: 20. });
        let c = clip_multipolygon(&MultiPolygon(vec![p]), r);
        assert!((c.unsigned_area() - 400.0).abs() < 1e-9);
        let far = polygon![(x: 100., y: 100.), (x: 110., y: 100.), (x: 110., y: 110.)];
        assert!(clip_multipolygon(&MultiPolygon(vec![far]), r).0.is_empty());
    }
}
