//! Areas (wards, LSOAs, ...) and the levels that hold them.

use std::collections::HashMap;

use geo::{Coord, MultiPolygon, Rect};

/// One area with its boundary in WGS84 (output) and BNG metres (analysis).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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

    /// The level's name in the plural for sentences such as "published for
    /// constituencies": the label without its bracketed note, plural, lower
    /// case unless it is an acronym (`LSOA (2011)` -> `LSOAs`).
    ///
    /// ```
    /// let mut l = needmap::model::Level::named("constituency", "Constituency (Area Committee)");
    /// assert_eq!(l.plural_name(), "constituencies");
    /// l.label = "LSOA (2011)".into();
    /// assert_eq!(l.plural_name(), "LSOAs");
    /// ```
    pub fn plural_name(&self) -> String {
        let base = self.label.split('(').next().unwrap_or("").trim();
        let base = if base.is_empty() { self.id.as_str() } else { base };
        let acronym = base.chars().filter(|c| c.is_alphabetic()).all(|c| c.is_uppercase());
        let word = if acronym { base.to_string() } else { base.to_lowercase() };
        let vowel_before = |w: &str| w.chars().rev().nth(1).is_some_and(|c| "aeiou".contains(c));
        if !acronym && word.ends_with('y') && !vowel_before(&word) {
            format!("{}ies", &word[..word.len() - 1])
        } else {
            format!("{word}s")
        }
    }

    /// An empty level with an id and a label (tests and examples).
    pub fn named(id: &str, label: &str) -> Level {
        Level {
            id: id.into(),
            label: label.into(),
            note: None,
            source_crs: String::new(),
            areas: Vec::new(),
            by_code: HashMap::new(),
            parent_level: None,
            parent: Vec::new(),
            group_of: None,
            members: Vec::new(),
        }
    }
}
