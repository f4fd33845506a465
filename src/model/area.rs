//! Areas (wards, LSOAs, ...) and the levels that hold them.

use std::collections::HashMap;

use geo::{Coord, MultiPolygon, Rect};

/// One area with its boundary in WGS84 (output) and BNG metres (analysis).
#[derive(Debug, Clone)]
pub struct Area {
    pub code: String,
    pub name: String,
    pub wgs84: MultiPolygon<f64>,
    pub bng: MultiPolygon<f64>,
    /// Planar area in square metres (BNG).
    pub area_m2: f64,
    /// A point guaranteed inside the polygon (BNG), for labels and fallback origins.
    pub interior_bng: Coord<f64>,
    /// The same point in WGS84.
    pub interior_wgs84: Coord<f64>,
    pub bbox_wgs84: Rect<f64>,
}

/// A level of geography: every area of one kind.
#[derive(Debug, Clone)]
pub struct Level {
    pub id: String,
    pub label: String,
    pub note: Option<String>,
    /// CRS of the source file (a PROJ definition, or `group of <level>`).
    pub source_crs: String,
    pub areas: Vec<Area>,
    pub by_code: HashMap<String, usize>,
    /// Index of the parent level in the engine, when the manifest names one.
    pub parent_level: Option<usize>,
    /// Per area: index of its parent in the parent level (largest overlap).
    pub parent: Vec<Option<usize>>,
    /// Level this one groups, for custom levels built from another level.
    pub group_of: Option<usize>,
    /// For a grouped level: per area, the indices of its member areas in `group_of`.
    pub members: Vec<Vec<usize>>,
}

impl Level {
    pub fn area(&self, code: &str) -> Option<&Area> {
        self.by_code.get(code).map(|&i| &self.areas[i])
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }
}
