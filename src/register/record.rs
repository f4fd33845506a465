//! One service as the register holds it.

use serde::{Deserialize, Serialize};

/// How a service's point was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocatedBy {
    /// Coordinates given by its source.
    Coordinates,
    /// The centroid of its postcode unit (the `[postcodes]` lookup).
    Postcode,
}

impl LocatedBy {
    /// The text stored in `located_by`.
    pub fn as_str(self) -> &'static str {
        match self {
            LocatedBy::Coordinates => "coordinates",
            LocatedBy::Postcode => "postcode",
        }
    }

    /// The value of a `located_by` cell.
    pub fn parse(text: &str) -> Option<LocatedBy> {
        match text {
            "coordinates" => Some(LocatedBy::Coordinates),
            "postcode" => Some(LocatedBy::Postcode),
            _ => None,
        }
    }
}

/// One original record behind a register row: the row it was first filed
/// as, where that came from and its id there. A merged row keeps every one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourceRecord {
    /// The service id it had (its own row's id before any merge).
    pub id: String,
    /// Its source (`source_column`, or the file it was read from).
    pub source: String,
    /// Its id in that source, when the source gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
}

/// A row of the register's `services` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredService {
    /// The service id the engine uses (unique).
    pub id: String,
    pub name: String,
    /// A category id of the manifest.
    pub category: String,
    #[serde(default)]
    pub subcategory: Option<String>,
    /// A tier id of the manifest.
    pub tier: String,
    #[serde(default)]
    pub capacity: Option<f64>,
    #[serde(default)]
    pub status: Option<String>,
    /// Normalised postcode (`BD5 7AA`), when known.
    #[serde(default)]
    pub postcode: Option<String>,
    pub located_by: LocatedBy,
    /// WGS84 longitude and latitude.
    pub lon: f64,
    pub lat: f64,
    /// British National Grid metres (the geometry column).
    pub easting: f64,
    pub northing: f64,
    /// Where the row came from (for a merged row: the kept row's source).
    pub source: String,
    /// The manifest file it was seeded from, or `register` for rows added here.
    pub source_file: String,
    /// Every original record merged into this row (its own first).
    pub source_ids: Vec<SourceRecord>,
    #[serde(default)]
    pub opening_hours: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    /// The partner organisation that maintains it.
    #[serde(default)]
    pub partner: Option<String>,
    /// ISO 8601 UTC times.
    #[serde(default)]
    pub created: String,
    #[serde(default)]
    pub updated: String,
}

impl RegisteredService {
    /// The point in British National Grid metres.
    pub fn bng(&self) -> geo::Coord<f64> {
        geo::Coord { x: self.easting, y: self.northing }
    }

    /// Number of optional fields filled in (used to choose the row a merge keeps).
    pub fn filled(&self) -> usize {
        [&self.subcategory, &self.status, &self.postcode, &self.opening_hours, &self.contact, &self.partner]
            .iter()
            .filter(|f| f.as_deref().is_some_and(|v| !v.is_empty()))
            .count()
            + usize::from(self.capacity.is_some())
    }
}
