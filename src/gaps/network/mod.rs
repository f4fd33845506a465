//! Network travel (`mode=network`): walk and drive graphs built from an
//! OpenStreetMap extract ([`profile`] decides which ways are usable, how fast
//! and in which direction), origins and services snapped to the nearest
//! usable segment through an R-tree, one multi-source Dijkstra per query for
//! the nearest service from every origin, and bounded searches from each
//! service for floating catchments.
//!
//! Points further than `max_snap_m` from a usable road cannot be routed:
//! origins get no nearest time (empty in outputs), services are left out.
//! The straight walk from a point to its road is added at walking speed.

mod graph;
mod osm;
pub mod profile;

use std::path::Path;

pub use graph::{NetworkNearest, RoadGraph, Segment, Snap, Weight};
pub use osm::{read_pbf, PbfStats};

use crate::gaps::{GapError, Travel};

/// Walk and drive graphs of one extract.
#[derive(Debug, Clone)]
pub struct RoadNetwork {
    /// File the network was read from.
    pub source: String,
    pub walk: RoadGraph,
    pub drive: RoadGraph,
    pub stats: PbfStats,
}

impl RoadNetwork {
    /// Read an `.osm.pbf` (fails when it holds no routable way).
    pub fn from_pbf(path: &Path) -> Result<RoadNetwork, GapError> {
        tracing::info!("reading road network {}", path.display());
        let (walk, drive, stats) = read_pbf(path)?;
        tracing::info!(
            "road network: {} walkable and {} drivable segments from {} highways",
            walk.segments.len(),
            drive.segments.len(),
            stats.highways
        );
        Ok(RoadNetwork { source: path.display().to_string(), walk, drive, stats })
    }

    pub fn graph(&self, travel: Travel) -> &RoadGraph {
        match travel {
            Travel::Walk => &self.walk,
            Travel::Drive => &self.drive,
        }
    }
}

impl RoadGraph {
    /// A `rows x cols` grid with `spacing_m` between nodes, every street
    /// two-way at `kmh`: a synthetic network with known answers (for tests
    /// and benchmarks). Node `r * cols + c` is at `origin + (c, r) x spacing`.
    ///
    /// ```
    /// use needmap::gaps::network::RoadGraph;
    /// use needmap::gaps::Travel;
    /// let g = RoadGraph::grid(Travel::Walk, 3, 3, 100.0, 6.0, geo::Coord { x: 0.0, y: 0.0 });
    /// let o = g.snap_all(&[geo::Coord { x: 0.0, y: 0.0 }], 10.0);
    /// let s = g.snap_all(&[geo::Coord { x: 200.0, y: 200.0 }], 10.0);
    /// let n = g.nearest(&o, &s);
    /// assert!((n.nearest_m[0].unwrap() - 400.0).abs() < 1e-9); // 4 blocks
    /// assert!((n.nearest_min[0].unwrap() - 4.0).abs() < 1e-9); // at 6 km/h
    /// ```
    pub fn grid(travel: Travel, rows: usize, cols: usize, spacing_m: f64, kmh: f64, origin: geo::Coord<f64>) -> RoadGraph {
        let mut nodes = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                nodes.push(geo::Coord { x: origin.x + c as f64 * spacing_m, y: origin.y + r as f64 * spacing_m });
            }
        }
        let min = spacing_m / (kmh * 1000.0 / 60.0);
        let mut segs = Vec::with_capacity(2 * rows * cols);
        let id = |r: usize, c: usize| (r * cols + c) as u32;
        for r in 0..rows {
            for c in 0..cols {
                for (r2, c2) in [(r, c + 1), (r + 1, c)] {
                    if r2 < rows && c2 < cols {
                        segs.push(Segment { a: id(r, c), b: id(r2, c2), metres: spacing_m, forward_min: Some(min), backward_min: Some(min) });
                    }
                }
            }
        }
        RoadGraph::new(travel, nodes, segs)
    }
}
