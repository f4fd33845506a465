//! R-tree of area bounding boxes with exact point-in-polygon refinement.

use geo::{BoundingRect, Contains, Coord, MultiPolygon, Point, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Spatial index over the polygons of one level.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AreaIndex {
    tree: RTree<Entry>,
}

impl AreaIndex {
    /// Bulk-load the bounding boxes of `polygons` (index = position).
    pub fn new<'a>(polygons: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> AreaIndex {
        let entries = polygons
            .into_iter()
            .enumerate()
            .filter_map(|(i, mp)| {
                let r = mp.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        AreaIndex {
            tree: RTree::bulk_load(entries),
        }
    }

    /// Areas whose bounding box intersects `rect`.
    pub fn candidates(&self, rect: Rect<f64>) -> impl Iterator<Item = usize> + '_ {
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        self.tree.locate_in_envelope_intersecting(&env).map(|e| e.data)
    }

    /// The area containing `c` (the first in index order if boundaries overlap).
    ///
    /// ```
    /// use geo::{polygon, Coord, MultiPolygon};
    /// use needmap::index::AreaIndex;
    /// let squares = vec![
    ///     MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]]),
    ///     MultiPolygon(vec![polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)]]),
    /// ];
    /// let index = AreaIndex::new(&squares);
    /// assert_eq!(index.locate(Coord { x: 1.5, y: 0.5 }, &squares), Some(1));
    /// assert_eq!(index.locate(Coord { x: 5.0, y: 0.5 }, &squares), None);
    /// ```
    pub fn locate(&self, c: Coord<f64>, polygons: &[MultiPolygon<f64>]) -> Option<usize> {
        self.locate_by(c, |i| &polygons[i])
    }

    /// As [`locate`](Self::locate), with polygons looked up by a closure.
    pub fn locate_by<'a>(
        &self,
        c: Coord<f64>,
        polygon: impl Fn(usize) -> &'a MultiPolygon<f64>,
    ) -> Option<usize> {
        let p = Point(c);
        let mut hits: Vec<usize> = self
            .tree
            .locate_all_at_point(&[c.x, c.y])
            .map(|e| e.data)
            .filter(|&i| polygon(i).contains(&p))
            .collect();
        hits.sort_unstable();
        hits.first().copied()
    }
}
