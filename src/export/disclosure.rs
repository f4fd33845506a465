//! Disclosure control for every public output (exports, printed maps).
//!
//! Two rules:
//! - **small counts**: any count of people below a threshold (default
//!   [`DEFAULT_THRESHOLD`]) is suppressed, with a footnote. People counts are
//!   the `population` and `pop_*` columns and indicators of kind `count`;
//!   in a row where one is suppressed, rates per resident (`*_per_10k`,
//!   `*_per_1k`) are suppressed too, since they would give the count back;
//! - **sensitive sites**: services whose category is marked `sensitive = true`
//!   in the manifest (refuges, for example) never appear at their location;
//!   they are only counted in their area.
//!
//! ```
//! use needmap::export::Disclosure;
//! let rule = Disclosure::default();
//! assert_eq!(rule.threshold, 10);
//! assert!(rule.suppresses(9.6));
//! assert!(!rule.suppresses(10.0));
//! ```

use std::collections::BTreeSet;

use crate::engine::Engine;
use crate::dataset::IndicatorKind;
use crate::model::Service;
use crate::report::{Cell, Report};

/// Counts of people below this are suppressed unless configured otherwise.
pub const DEFAULT_THRESHOLD: u32 = 10;

/// The small-count rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Disclosure {
    /// Counts of people strictly below this are suppressed (0 turns the rule off).
    pub threshold: u32,
}

impl Default for Disclosure {
    fn default() -> Self {
        Disclosure {
            threshold: DEFAULT_THRESHOLD,
        }
    }
}

/// Which cells were suppressed, and why.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Suppression {
    pub threshold: u32,
    /// (row, column) of each suppressed cell.
    pub cells: BTreeSet<(usize, usize)>,
    /// Columns treated as counts of people.
    pub people_columns: Vec<String>,
}

impl Suppression {
    pub fn is_suppressed(&self, row: usize, col: usize) -> bool {
        self.cells.contains(&(row, col))
    }

    /// The footnote for outputs with suppressed cells (`None` when nothing was suppressed).
    pub fn footnote(&self) -> Option<String> {
        (!self.cells.is_empty()).then(|| {
            format!(
                "Counts of people below {} are suppressed (left blank; CSV files flag them in a `<column>_suppressed` column), with rates per resident in the same areas, so that no family can be identified.",
                self.threshold
            )
        })
    }
}

impl Disclosure {
    /// Whether a count of people `v` must be suppressed.
    pub fn suppresses(&self, v: f64) -> bool {
        v.is_finite() && v < self.threshold as f64
    }

    /// Suppress small counts of people in `report` in place (cells become
    /// missing numbers) and say which.
    pub fn apply(&self, engine: &Engine, report: &mut Report) -> Suppression {
        let people: Vec<usize> = (0..report.columns.len())
            .filter(|&c| is_people_column(engine, &report.columns[c]))
            .collect();
        let rates: Vec<usize> = (0..report.columns.len())
            .filter(|&c| is_rate_per_resident(&report.columns[c]))
            .collect();
        let mut cells = BTreeSet::new();
        for (r, row) in report.rows.iter_mut().enumerate() {
            let mut any = false;
            for &c in &people {
                let small = match row.get(c) {
                    Some(Cell::Number(Some(v))) => self.suppresses(*v),
                    Some(Cell::Count(n)) => self.suppresses(*n as f64),
                    _ => false,
                };
                if small {
                    if let Some(cell) = row.get_mut(c) {
                        *cell = Cell::Number(None);
                    }
                    cells.insert((r, c));
                    any = true;
                }
            }
            if any {
                for &c in &rates {
                    if let Some(cell) = row.get_mut(c) {
                        *cell = Cell::Number(None);
                        cells.insert((r, c));
                    }
                }
            }
        }
        Suppression {
            threshold: self.threshold,
            cells,
            people_columns: people.iter().map(|&c| report.columns[c].clone()).collect(),
        }
    }
}

/// Whether a report column holds counts of people.
pub fn is_people_column(engine: &Engine, column: &str) -> bool {
    column == "population"
        || column.starts_with("pop_")
        || engine
            .indicators
            .iter()
            .any(|i| i.id == column && i.kind == IndicatorKind::Count)
}

/// Whether a column is a rate per resident (it would give a suppressed count back).
pub fn is_rate_per_resident(column: &str) -> bool {
    column.ends_with("_per_10k") || column.ends_with("_per_1k")
}

/// Whether a service must never be shown at its location.
pub fn is_sensitive(engine: &Engine, service: &Service) -> bool {
    service.sensitive || engine.categories.get(&service.category).is_some_and(|c| c.sensitive)
}

/// Services that may be shown at their location.
pub fn public_services(engine: &Engine) -> impl Iterator<Item = &Service> {
    engine.services.iter().filter(|s| !is_sensitive(engine, s))
}

/// Ids of the sensitive categories (for notes in outputs).
pub fn sensitive_categories(engine: &Engine) -> Vec<String> {
    engine.categories.values().filter(|c| c.sensitive).map(|c| c.id.clone()).collect()
}
