//! A sheet of text cells as read from an upload, before columns are matched.

use serde::{Deserialize, Serialize};

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row cannot be published until it is fixed (or excluded).
    Error,
    /// Allowed, but flagged for the partner and the reviewer to check.
    Warning,
}

/// One data row: its number as the partner sees it (the spreadsheet row
/// or CSV line; the header is row 1 in a file that starts with it) and its
/// cells as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetRow {
    pub row: usize,
    pub cells: Vec<String>,
}

/// Something about one cell found while reading (a formula, an Excel error value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellNote {
    pub row: usize,
    /// Column position, from 0.
    pub column: usize,
    pub severity: Severity,
    pub message: String,
}

/// The header and rows of the sheet read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<SheetRow>,
    /// Notes on the file as a whole (encoding, sheet chosen, formulas).
    pub notes: Vec<String>,
    pub cells: Vec<CellNote>,
}

/// Whether every cell is blank.
pub(crate) fn blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.trim().is_empty())
}
