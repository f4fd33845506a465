//! Recoverable problems found while loading, and counts of skipped rows.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Data was read but is worth a look.
    Note,
    /// Data was repaired, skipped or left missing.
    Warning,
}

/// One problem, located by file and row or feature.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    pub severity: Severity,
    pub file: String,
    /// `row 12`, `feature 3 (E05001341)`, ...
    pub location: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Note => "note",
            Severity::Warning => "warning",
        };
        if self.location.is_empty() {
            write!(f, "{sev}: {}: {}", self.file, self.message)
        } else {
            write!(f, "{sev}: {}: {}: {}", self.file, self.location, self.message)
        }
    }
}

/// Everything recoverable that loading found.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Diagnostics {
    pub problems: Vec<Problem>,
    /// Rows or features skipped, per file.
    pub skipped: BTreeMap<String, usize>,
}

impl Diagnostics {
    pub fn warn(&mut self, file: &str, location: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            severity: Severity::Warning,
            file: file.to_string(),
            location: location.into(),
            message: message.into(),
        });
    }

    pub fn note(&mut self, file: &str, location: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            severity: Severity::Note,
            file: file.to_string(),
            location: location.into(),
            message: message.into(),
        });
    }

    /// Warn and count one skipped row or feature.
    pub fn skip(&mut self, file: &str, location: impl Into<String>, message: impl Into<String>) {
        self.warn(file, location, message);
        *self.skipped.entry(file.to_string()).or_default() += 1;
    }

    /// Append another set of diagnostics (problems in order, skipped counts added).
    pub fn absorb(&mut self, other: Diagnostics) {
        self.problems.extend(other.problems);
        for (file, n) in other.skipped {
            *self.skipped.entry(file).or_default() += n;
        }
    }

    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    pub fn warnings(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Warning).count()
    }
}
