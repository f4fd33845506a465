//! A partner's submission: the uploaded rows held as a draft with their
//! validation report until a reviewer publishes or rejects them.
//!
//! - [`report`]: messages per (row, field), duplicates side by side, row states;
//! - [`validate`]: the checks, against the manifest, the postcode lookup,
//!   the district and the register;
//! - [`store`]: drafts in the register's `submissions` table; fix, decide,
//!   publish (one transaction with audit rows) and reject;
//! - [`district`]: whether a point lies in the district (any area of the engine).
//!
//! Publication rule: rows with errors and undecided duplicates **block**
//! publication; the reviewer fixes them, decides them (`skip`, `keep`,
//! `merge`), or publishes with the explicit exclusion of every blocking
//! row (recorded in the audit log). Nothing enters `services` before then.

pub mod district;
pub mod report;
pub mod store;
pub mod validate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use report::{Duplicate, Message, RowState, Side, ValidationReport};
pub use store::Publication;
pub use validate::Checker;

use super::upload::{ColumnMatch, Field, FieldNote, Upload};

/// Where a submission is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Uploaded; the partner may fix rows.
    Draft,
    /// Sent for review by the partner.
    Submitted,
    /// Its rows are in the register.
    Published,
    /// Turned down by a reviewer, with a reason.
    Rejected,
}

impl SubmissionStatus {
    /// The text of the `status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Draft => "draft",
            SubmissionStatus::Submitted => "submitted",
            SubmissionStatus::Published => "published",
            SubmissionStatus::Rejected => "rejected",
        }
    }

    /// The status of a `status` cell.
    pub fn parse(text: &str) -> Option<SubmissionStatus> {
        [SubmissionStatus::Draft, SubmissionStatus::Submitted, SubmissionStatus::Published, SubmissionStatus::Rejected].into_iter().find(|s| s.as_str() == text)
    }

    /// Whether rows may still change and the submission be published or rejected.
    pub fn open(self) -> bool {
        matches!(self, SubmissionStatus::Draft | SubmissionStatus::Submitted)
    }
}

/// A reviewer's or partner's decision on a row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action", content = "service")]
pub enum Decision {
    /// Publish it as a new service despite its duplicate candidates.
    Keep,
    /// Leave it out.
    Skip,
    /// Merge it into this existing register service.
    Merge(String),
}

impl Decision {
    /// `keep`, `skip` or `merge:<service id>`.
    pub fn parse(text: &str) -> Result<Decision, String> {
        match text.trim() {
            "keep" => Ok(Decision::Keep),
            "skip" => Ok(Decision::Skip),
            t => match t.strip_prefix("merge:").or_else(|| t.strip_prefix("merge=")) {
                Some(id) if !id.trim().is_empty() => Ok(Decision::Merge(id.trim().to_string())),
                _ => Err(format!("`{t}` is not a decision: give keep, skip or merge:<service id>")),
            },
        }
    }
}

/// One uploaded row as held in the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmittedRow {
    pub row: usize,
    pub values: BTreeMap<Field, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

impl SubmittedRow {
    /// The value of `field`, when given.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values.get(&field).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

/// A submission: who sent which file, how its columns were read, its rows
/// and its latest validation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// The `fid` of its row in `submissions` (0 before it is saved).
    pub id: i64,
    /// The partner organisation it is from.
    pub partner: String,
    pub file_name: String,
    pub status: SubmissionStatus,
    pub columns: ColumnMatch,
    /// Notes on the whole file (encoding, sheet, formulas).
    pub notes: Vec<String>,
    /// Notes on cells (formulas, Excel errors), until the cell is fixed.
    pub cells: Vec<FieldNote>,
    pub rows: Vec<SubmittedRow>,
    pub report: ValidationReport,
    /// Who uploaded it.
    pub submitted_by: String,
    pub reviewed_by: Option<String>,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// The register services it added or merged into, once published.
    pub published: Vec<String>,
    pub created: String,
    pub updated: String,
}

impl Submission {
    /// A new draft from an upload (not yet validated or saved).
    pub fn from_upload(upload: Upload, partner: &str, who: &str) -> Submission {
        Submission {
            id: 0,
            partner: partner.to_string(),
            file_name: upload.file_name,
            status: SubmissionStatus::Draft,
            columns: upload.columns,
            notes: upload.notes,
            cells: upload.cells,
            rows: upload.rows.into_iter().map(|r| SubmittedRow { row: r.row, values: r.values, decision: None }).collect(),
            report: ValidationReport::default(),
            submitted_by: who.to_string(),
            reviewed_by: None,
            reason: None,
            published: Vec::new(),
            created: String::new(),
            updated: String::new(),
        }
    }

    /// The row numbered `row` in the file.
    pub fn row(&self, row: usize) -> Option<&SubmittedRow> {
        self.rows.iter().find(|r| r.row == row)
    }

    /// Validate again (after a fix, a decision, or a change of the register).
    pub fn revalidate(&mut self, checker: &Checker<'_>) {
        self.report = checker.check(self).0;
    }
}
