//! Why an uploaded file cannot be read at all (problems of single rows and
//! cells are messages of the validation report instead).

/// An upload refused as a whole; every message names the file and says
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("{file}: the file is empty; upload a CSV or XLSX with a header row and one row per service")]
    Empty { file: String },
    #[error("{file}: the file is larger than {limit_mb} MB; split it into smaller files (at most {max_rows} rows each)")]
    TooLarge { file: String, limit_mb: u64, max_rows: usize },
    #[error("{file}: more than {limit} rows of services; split it into files of at most {limit} rows")]
    TooManyRows { file: String, limit: usize },
    #[error("{file}: {found}, not a CSV or XLSX file{renamed}. Upload the services as CSV (UTF-8) or as an Excel workbook (.xlsx)")]
    WrongType { file: String, found: String, renamed: String },
    #[error("{file}: {message}")]
    Unreadable { file: String, message: String },
    #[error("{file}: the workbook has no sheet `{sheet}`; its sheets are {sheets}")]
    NoSuchSheet { file: String, sheet: String, sheets: String },
    #[error("{file}: no rows found{detail}; the first row must hold the column names (name, category, postcode, ...)")]
    NoRows { file: String, detail: String },
    #[error("{file}: {message}")]
    Io { file: String, message: String },
}
