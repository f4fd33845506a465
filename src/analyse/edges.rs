//! An R-tree over the boundary segments of one area, used to decide quickly
//! whether another area's bounding box is crossed by this boundary at all.

use geo::{BoundingRect, CoordsIter, LinesIter, MultiPolygon, Rect};
use rstar::primitives::Line;
use rstar::{RTree, AABB};

/// Boundary segments of one area.
#[derive(Debug, Clone)]
pub struct EdgeIndex {
    tree: RTree<Line<[f64; 2]>>,
}

impl EdgeIndex {
    pub fn new(mp: &MultiPolygon<f64>) -> EdgeIndex {
        let mut lines = Vec::with_capacity(mp.coords_count());
        for poly in &mp.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                lines.extend(ring.lines_iter().map(|l| Line::new([l.start.x, l.start.y], [l.end.x, l.end.y])));
            }
        }
        EdgeIndex {
            tree: RTree::bulk_load(lines),
        }
    }

    /// Whether any boundary segment's box meets `rect`. `false` proves the
    /// boundary does not pass through `rect`, so `rect` lies wholly inside or
    /// wholly outside the area.
    pub fn touches(&self, rect: Rect<f64>) -> bool {
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree.locate_in_envelope_intersecting(&env).next().is_some()
    }

    /// The boundary segments whose boxes meet the box of `line`.
    pub fn near(&self, line: geo::Line<f64>) -> impl Iterator<Item = geo::Line<f64>> + '_ {
        let env = AABB::from_corners([line.start.x, line.start.y], [line.end.x, line.end.y]);
        self.tree.locate_in_envelope_intersecting(&env).map(|l| {
            let (a, b) = (l.from, l.to);
            geo::Line::new(geo::Coord { x: a[0], y: a[1] }, geo::Coord { x: b[0], y: b[1] })
        })
    }
}

/// Bounding box of an area (a zero box for an empty geometry).
pub fn bbox(mp: &MultiPolygon<f64>) -> Rect<f64> {
    mp.bounding_rect()
        .unwrap_or_else(|| Rect::new(geo::Coord { x: 0.0, y: 0.0 }, geo::Coord { x: 0.0, y: 0.0 }))
}

