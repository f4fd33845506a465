//! The threshold of the covering objective and the unit of travel cost:
//! `20min` (estimated minutes of the travel model) or `1.6km` / `800m`
//! (straight-line BNG metres).

use super::{error::bad, SuggestError};
use crate::gaps::{Thresholds, Travel, TravelModel};

/// A travel threshold in minutes or metres.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    Minutes(f64),
    Metres(f64),
}

impl Reach {
    /// Parse one threshold as `gaps` writes them: `20min`, `1.6km`, `800m`.
    ///
    /// ```
    /// use needmap::suggest::Reach;
    /// assert_eq!(Reach::parse("20min").unwrap(), Reach::Minutes(20.0));
    /// assert_eq!(Reach::parse("1.6km").unwrap(), Reach::Metres(1600.0));
    /// assert!(Reach::parse("10min,20min").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Reach, SuggestError> {
        let t = Thresholds::parse(text)?;
        match (t.metres.as_slice(), t.minutes.as_slice()) {
            ([m], []) => Ok(Reach::Metres(*m)),
            ([], [m]) => Ok(Reach::Minutes(*m)),
            _ => Err(bad("threshold", text, "give one threshold, e.g. `20min` or `1.6km`")),
        }
    }

    pub fn value(&self) -> f64 {
        match *self {
            Reach::Minutes(v) | Reach::Metres(v) => v,
        }
    }

    /// `minutes` or `metres`.
    pub fn unit(&self) -> &'static str {
        match self {
            Reach::Minutes(_) => "minutes",
            Reach::Metres(_) => "metres",
        }
    }

    /// `20min` or `1600m`.
    pub fn label(&self) -> String {
        let v = crate::report::Cell::Number(Some(self.value())).render();
        match self {
            Reach::Minutes(_) => format!("{v}min"),
            Reach::Metres(_) => format!("{v}m"),
        }
    }
}

/// Travel cost in the unit of a [`Reach`]: modelled minutes or straight-line metres.
#[derive(Debug, Clone)]
pub struct Cost {
    pub model: TravelModel,
    pub travel: Travel,
    pub reach: Reach,
}

impl Cost {
    /// The cost of a straight-line distance.
    pub fn of(&self, metres: f64) -> f64 {
        match self.reach {
            Reach::Minutes(_) => self.model.minutes(self.travel, metres),
            Reach::Metres(_) => metres,
        }
    }

    /// The cost unit: `minutes` or `metres`.
    pub fn unit(&self) -> &'static str {
        self.reach.unit()
    }

    /// A straight-line radius that holds every point within cost `limit`
    /// (the exact test is `of(d) <= limit`).
    pub fn radius_m(&self, limit: f64) -> f64 {
        match self.reach {
            Reach::Minutes(_) => self.model.radius_m(self.travel, limit) * (1.0 + 1e-9) + 1e-6,
            Reach::Metres(_) => limit,
        }
    }
}
