//! Service locations (provision).

use geo::Coord;

/// One service point, with the areas it falls in filled in by the engine.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub category: String,
    pub subcategory: String,
    pub tier: String,
    pub partner: Option<String>,
    pub capacity: f64,
    pub status: Option<String>,
    pub sensitive: bool,
    pub wgs84: Coord<f64>,
    pub bng: Coord<f64>,
    pub source_file: String,
    /// Per level (engine order): index of the containing area, if any.
    pub areas: Vec<Option<usize>>,
}
