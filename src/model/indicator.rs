//! Need indicators and how they combine.

pub use crate::dataset::{Direction, IndicatorKind};

/// A need indicator as defined in the manifest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Indicator {
    pub id: String,
    pub label: String,
    pub unit: String,
    pub kind: IndicatorKind,
    pub direction: Direction,
    /// Population id that weights means of this indicator.
    pub weight: String,
    /// Level id the source table is published at.
    pub published_level: String,
    pub source_file: String,
    /// Series and vintage (`("imd", "2015")`) when the manifest gives them.
    pub series: Option<SeriesVintage>,
}

/// The series an indicator belongs to and its edition within it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SeriesVintage {
    /// Series id (`imd`).
    pub series: String,
    /// Vintage as written in the manifest (`2015`).
    pub vintage: String,
}

impl Indicator {
    /// Ranks and deciles are not averaged across areas.
    pub fn is_ordinal(&self) -> bool {
        matches!(self.kind, IndicatorKind::Rank | IndicatorKind::Decile)
    }

    /// Column name for the population share in decile 1 (`imd_decile` ->
    /// `imd_decile1_pop_share`); `None` unless this is a decile indicator.
    pub fn decile1_column(&self) -> Option<String> {
        (self.kind == IndicatorKind::Decile).then(|| format!("{}1_pop_share", self.id))
    }

    /// Orient a value so that higher always means more need.
    pub fn as_need(&self, v: f64) -> f64 {
        match self.direction {
            crate::dataset::Direction::HigherIsWorse => v,
            crate::dataset::Direction::HigherIsBetter => -v,
        }
    }
}
