//! Tiers of need and service categories.

/// A tier of need from the 2017 review (`0`..`3`, `acute`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Tier {
    pub id: String,
    pub label: String,
    pub description: String,
}

/// A kind of service, with its default tier and the population it serves.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Category {
    pub id: String,
    pub label: String,
    pub tier: String,
    /// Population id served (`total`, `children`, ...).
    pub serves: String,
    pub partner: Option<String>,
    pub capacity: f64,
    pub sensitive: bool,
}

impl Category {
    /// Whether this category serves children (per-1,000-children rates apply).
    pub fn serves_children(&self, child_population: &str) -> bool {
        self.serves == child_population
    }
}
