//! Nearest and k-th nearest service by straight-line distance (R-tree).

use geo::Coord;

use crate::index::ServiceIndex;

/// Distances from every origin to its nearest and k-th nearest service.
#[derive(Debug, Clone, PartialEq)]
pub struct Nearest {
    /// Metres to the nearest service (`None` when there is none).
    pub nearest_m: Vec<Option<f64>>,
    /// Metres to the k-th nearest (`None` when fewer than k services exist).
    pub kth_m: Vec<Option<f64>>,
    /// Position (in the filtered service list) of the nearest service.
    pub service: Vec<Option<usize>>,
    pub k: usize,
}

/// Straight-line nearest and k-th nearest through the R-tree; `index` data
/// are positions in the filtered service list.
///
/// ```
/// use geo::Coord;
/// use needmap::gaps::nearest_straight_line;
/// use needmap::index::ServiceIndex;
/// let idx = ServiceIndex::new([(0, Coord { x: 0.0, y: 0.0 }), (1, Coord { x: 300.0, y: 400.0 })]);
/// let n = nearest_straight_line(&idx, [Coord { x: 0.0, y: 100.0 }], 2);
/// assert_eq!(n.nearest_m, vec![Some(100.0)]);
/// assert_eq!(n.kth_m[0].map(|d| d.round()), Some(424.0));
/// ```
pub fn nearest_straight_line(index: &ServiceIndex, origins: impl IntoIterator<Item = Coord<f64>>, k: usize) -> Nearest {
    let k = k.max(1);
    let mut out = Nearest {
        nearest_m: Vec::new(),
        kth_m: Vec::new(),
        service: Vec::new(),
        k,
    };
    for o in origins {
        let mut it = index.nearest(o);
        let first = it.next();
        let kth = if k == 1 { first } else { it.nth(k - 2) };
        out.nearest_m.push(first.map(|f| f.1));
        out.service.push(first.map(|f| f.0));
        out.kth_m.push(kth.map(|f| f.1));
    }
    out
}
