//! CSV tables (indicator tables, point files) read whole with row numbers.

use std::path::{Path, PathBuf};

use super::{display_name, read_limited, Diagnostics, LoadError};

/// A CSV file: header plus rows, each with its line number in the file.
#[derive(Debug, Clone)]
pub struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    /// (1-based line number, fields)
    pub rows: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    /// Index of a named column, or a message listing the columns there are.
    pub fn column(&self, name: &str) -> Result<usize, LoadError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| LoadError::MissingColumn {
                path: self.path.clone(),
                column: name.to_string(),
                available: self.headers.join(", "),
            })
    }

    pub fn file(&self) -> String {
        display_name(&self.path)
    }
}

/// Read a CSV file. Rows that cannot be parsed (wrong field count, bad
/// UTF-8) are skipped, reported and counted; a bad header is fatal.
pub fn read_table(path: &Path, diags: &mut Diagnostics) -> Result<Table, LoadError> {
    let bytes = read_limited(path)?;
    let text = super::text::utf8_text(path, &bytes, diags)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(&text[..]);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| LoadError::Csv {
            path: path.to_path_buf(),
            row: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.len() < 2 {
        return Err(LoadError::Csv {
            path: path.to_path_buf(),
            row: 1,
            message: format!(
                "header has {} column(s); expected a comma-separated header row",
                headers.len()
            ),
        });
    }
    let file = display_name(path);
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                rows.push((line, record.clone()));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                diags.skip(&file, format!("row {line}"), format!("unreadable CSV row ({e}); row skipped"));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. } | csv::ErrorKind::Utf8 { .. }) {
                    break;
                }
            }
        }
    }
    if rows.is_empty() {
        return Err(LoadError::Csv {
            path: path.to_path_buf(),
            row: 2,
            message: "no data rows under the header".into(),
        });
    }
    Ok(Table {
        path: path.to_path_buf(),
        headers,
        rows,
    })
}

/// Parse a numeric cell: empty means missing (`Ok(None)`), text is an error.
///
/// ```
/// use needmap::load::parse_number;
/// assert_eq!(parse_number(" 12.5 "), Ok(Some(12.5)));
/// assert_eq!(parse_number(""), Ok(None));
/// assert!(parse_number("n/a").is_err());
/// ```
pub fn parse_number(cell: &str) -> Result<Option<f64>, String> {
    let t = cell.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(format!("`{t}` is not a number")),
    }
}

/// A number for messages: plain when it is of everyday size, else in
/// scientific notation (so `1e308` is not printed as 309 digits).
///
/// ```
/// use needmap::load::number_text;
/// assert_eq!(number_text(-1500.0), "-1500");
/// assert_eq!(number_text(1e308), "1e308");
/// ```
pub fn number_text(v: f64) -> String {
    if v != 0.0 && !(1e-6..1e15).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}
