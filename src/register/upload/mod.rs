//! A partner's upload of services: a CSV or XLSX file read into rows of
//! [`Field`] values, with its columns matched forgivingly.
//!
//! - [`file_type`]: CSV or XLSX told by content (magic bytes), not name;
//! - [`limits`]: byte, row, column and unpacked-size caps;
//! - [`csv_sheet`] and [`xlsx_sheet`]: the two readers, to a [`Sheet`];
//! - [`fields`] and [`columns`]: the fields and the header matching.
//!
//! Nothing here knows the manifest or the register: whether a value is
//! right is the submission's validation (`super::submission`).

pub mod columns;
pub mod csv_sheet;
mod error;
pub mod fields;
pub mod file_type;
pub mod limits;
pub mod sheet;
pub mod xlsx_sheet;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use columns::{normalise_header, ColumnMatch, MatchHow, MatchedColumn};
pub use error::UploadError;
pub use fields::Field;
pub use file_type::FileType;
pub use limits::{UploadLimits, MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS};
pub use sheet::{Severity, Sheet};

/// How to read an upload.
#[derive(Debug, Clone, Default)]
pub struct UploadOptions {
    /// The workbook sheet to read (default: the first with data).
    pub sheet: Option<String>,
    pub limits: UploadLimits,
    /// Columns the partner names for fields, over the automatic match.
    pub columns: Vec<(Field, String)>,
}

/// One row of services: its row number in the file and its non-empty values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedRow {
    pub row: usize,
    pub values: BTreeMap<Field, String>,
}

impl UploadedRow {
    /// The value of `field`, when given.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values.get(&field).map(String::as_str).filter(|v| !v.is_empty())
    }
}

/// A message about one cell of the file, by row and field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldNote {
    pub row: usize,
    pub field: Field,
    pub severity: Severity,
    pub message: String,
}

/// An upload read: rows of field values, the column match to confirm, and notes.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub file_name: String,
    pub file_type: FileType,
    pub headers: Vec<String>,
    pub columns: ColumnMatch,
    pub rows: Vec<UploadedRow>,
    /// Notes on the whole file (encoding, delimiter, sheet chosen, formulas, a name that says another type).
    pub notes: Vec<String>,
    /// Notes on cells of matched columns (formulas, Excel errors).
    pub cells: Vec<FieldNote>,
}

/// Read an upload from its bytes (already capped: see [`read_upload_file`]
/// and [`UploadLimits::read_capped`]). `file_name` is what the partner
/// called it, for messages.
pub fn read_upload(bytes: &[u8], file_name: &str, options: &UploadOptions) -> Result<Upload, UploadError> {
    let file = file_name.to_string();
    let limits = &options.limits;
    if bytes.len() as u64 > limits.max_bytes {
        return Err(UploadError::TooLarge { file, limit_mb: limits.max_bytes / 1_000_000, max_rows: limits.max_rows });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(UploadError::Empty { file });
    }
    let file_type = file_type::detect(bytes).map_err(|found| UploadError::WrongType { file: file.clone(), found, renamed: file_type::renamed_note(file_name) })?;
    let mut sheet = match file_type {
        FileType::Csv => csv_sheet::read_csv(bytes, &file, limits)?,
        FileType::Xlsx => xlsx_sheet::read_xlsx(bytes, &file, options.sheet.as_deref(), limits)?,
    };
    if let Some(note) = file_type::extension_mismatch(file_name, file_type) {
        sheet.notes.insert(0, note);
    }
    if options.sheet.is_some() && file_type == FileType::Csv {
        sheet.notes.push("a sheet was named, but a CSV has only one: it was read".into());
    }
    let mut columns = ColumnMatch::from_headers(&sheet.headers);
    for (field, header) in &options.columns {
        columns.set(*field, header, &sheet.headers).map_err(|m| UploadError::Unreadable { file: file.clone(), message: format!("--column {field}={header}: {m}") })?;
    }
    let by_index: BTreeMap<usize, Field> = columns.columns.iter().map(|c| (c.index, c.field)).collect();
    let rows = sheet
        .rows
        .iter()
        .map(|r| UploadedRow {
            row: r.row,
            values: r
                .cells
                .iter()
                .enumerate()
                .filter_map(|(i, v)| Some((*by_index.get(&i)?, v.trim().to_string())).filter(|(_, v)| !v.is_empty()))
                .collect(),
        })
        .collect();
    let cells = sheet
        .cells
        .iter()
        .filter_map(|c| Some(FieldNote { row: c.row, field: *by_index.get(&c.column)?, severity: c.severity, message: c.message.clone() }))
        .collect();
    Ok(Upload { file_name: file, file_type, headers: sheet.headers, columns, rows, notes: sheet.notes, cells })
}

/// Read an upload from a file: refused before reading when over the byte
/// cap, and never read past it.
pub fn read_upload_file(path: &Path, options: &UploadOptions) -> Result<Upload, UploadError> {
    let bytes = options.limits.read_file(path)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| crate::load::display_name(path));
    read_upload(&bytes, &name, options)
}
