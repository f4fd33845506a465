//! A submission's validation report: one message per (row, field), the
//! duplicate candidates side by side, and what publishing would do with
//! each row.

use serde::{Deserialize, Serialize};

use crate::register::upload::Severity;

/// One message: the row and field it is about, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The row as the partner sees it in the file.
    pub row: usize,
    /// A field id (`postcode`), or `row` for the row as a whole.
    pub field: String,
    pub severity: Severity,
    pub message: String,
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "row {}, {}: {sev}: {}", self.row, self.field, self.message)
    }
}

/// One side of a duplicate pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    /// `row 7` of the file, or the register service's id.
    pub what: String,
    pub name: String,
    pub category: String,
    pub postcode: Option<String>,
    pub source: String,
}

/// A row that may be a service already listed: an earlier row of the same
/// file, or a service of the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duplicate {
    pub row: usize,
    /// The earlier row of the file it repeats, if that is what it repeats.
    pub of_row: Option<usize>,
    /// The register service it repeats, if that is what it repeats.
    pub of_service: Option<String>,
    pub this: Side,
    pub that: Side,
    pub distance_m: f64,
    pub same_postcode: bool,
    /// Name similarity (see `register::names`), 0 to 1.
    pub similarity: f64,
    /// Every field of the two is the same.
    pub identical: bool,
}

/// What publishing does with a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowState {
    /// Valid, no duplicate: becomes a new service.
    Ready,
    /// Has an error: blocks publication until fixed or excluded.
    Error,
    /// May repeat a listed service: blocks publication until decided.
    Duplicate,
    /// Decided: a new service although it has duplicate candidates.
    Keep,
    /// Decided: left out.
    Skip,
    /// Decided: merged into an existing service (its empty fields filled, its source recorded).
    Merge,
}

impl RowState {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Ready => "ready",
            RowState::Error => "error",
            RowState::Duplicate => "duplicate",
            RowState::Keep => "keep",
            RowState::Skip => "skip",
            RowState::Merge => "merge",
        }
    }

    /// Whether the row stops `publish` (unless excluded explicitly).
    pub fn blocks(self) -> bool {
        matches!(self, RowState::Error | RowState::Duplicate)
    }
}

/// The report of one validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// Rows of services read.
    pub rows: usize,
    /// Every message, by row then field.
    pub messages: Vec<Message>,
    pub duplicates: Vec<Duplicate>,
    /// Postcodes not in the lookup, with their rows: listed, never guessed.
    pub unknown_postcodes: Vec<(usize, String)>,
    /// Each row's state, in file order.
    pub states: Vec<(usize, RowState)>,
}

impl ValidationReport {
    /// Rows in `state`.
    pub fn count(&self, state: RowState) -> usize {
        self.states.iter().filter(|(_, s)| *s == state).count()
    }

    /// Messages of `severity`.
    pub fn messages_of(&self, severity: Severity) -> impl Iterator<Item = &Message> {
        self.messages.iter().filter(move |m| m.severity == severity)
    }

    /// The state of `row`.
    pub fn state(&self, row: usize) -> Option<RowState> {
        self.states.iter().find(|(r, _)| *r == row).map(|(_, s)| *s)
    }

    /// Rows that stop publication.
    pub fn blocking(&self) -> Vec<(usize, RowState)> {
        self.states.iter().copied().filter(|(_, s)| s.blocks()).collect()
    }

    /// `20 rows: 15 ready, 3 with errors, 2 possible duplicates, ...`.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} ready", self.count(RowState::Ready))];
        for (state, words) in [
            (RowState::Error, "with errors"),
            (RowState::Duplicate, "possible duplicates to decide"),
            (RowState::Keep, "kept despite duplicates"),
            (RowState::Merge, "to merge into existing services"),
            (RowState::Skip, "left out"),
        ] {
            let n = self.count(state);
            if n > 0 {
                parts.push(format!("{n} {words}"));
            }
        }
        let warnings = self.messages_of(Severity::Warning).count();
        format!("{} row(s): {}; {} warning(s)", self.rows, parts.join(", "), warnings)
    }
}
