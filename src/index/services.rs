//! R-tree of service points for nearest-neighbour and radius queries.

use geo::Coord;
use rstar::primitives::GeomWithData;
use rstar::RTree;

type Entry = GeomWithData<[f64; 2], usize>;

/// Spatial index over service points (BNG metres); data = service index.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ServiceIndex {
    tree: RTree<Entry>,
}

impl ServiceIndex {
    pub fn new(points: impl IntoIterator<Item = (usize, Coord<f64>)>) -> ServiceIndex {
        let entries = points
            .into_iter()
            .map(|(i, c)| GeomWithData::new([c.x, c.y], i))
            .collect();
        ServiceIndex {
            tree: RTree::bulk_load(entries),
        }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Services in order of distance from `c`, with the distance in metres.
    ///
    /// ```
    /// use geo::Coord;
    /// use needmap::index::ServiceIndex;
    /// let idx = ServiceIndex::new([(7, Coord { x: 0.0, y: 0.0 }), (9, Coord { x: 30.0, y: 40.0 })]);
    /// let near: Vec<_> = idx.nearest(Coord { x: 0.0, y: 1.0 }).take(2).collect();
    /// assert_eq!(near[0], (7, 1.0));
    /// assert_eq!(near[1].0, 9);
    /// ```
    pub fn nearest(&self, c: Coord<f64>) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.tree
            .nearest_neighbor_iter_with_distance_2(&[c.x, c.y])
            .map(|(e, d2)| (e.data, d2.sqrt()))
    }

    /// Services within `radius` metres of `c`, with distances.
    pub fn within(&self, c: Coord<f64>, radius: f64) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.tree
            .locate_within_distance([c.x, c.y], radius * radius)
            .map(move |e| {
                let (dx, dy) = (e.geom()[0] - c.x, e.geom()[1] - c.y);
                (e.data, (dx * dx + dy * dy).sqrt())
            })
    }
}
