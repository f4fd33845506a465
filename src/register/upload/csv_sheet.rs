//! An uploaded CSV: UTF-8 (with or without a byte-order mark) or
//! Windows-1252 (what Excel on Windows saves as "CSV"), decoded by
//! [`crate::load`]'s text rules (UTF-16 refused with advice); the
//! delimiter is a comma, or a semicolon or tab when the header line has
//! more of those (Excel in many European locales writes `;`).

use std::path::Path;

use super::sheet::{blank, Sheet, SheetRow};
use super::{UploadError, UploadLimits};
use crate::load::Diagnostics;

/// The delimiter of the first line: `,`, `;` or tab, whichever occurs most
/// outside quotes (a comma on a tie).
fn delimiter(text: &[u8]) -> u8 {
    let line = text.split(|&b| b == b'\n').find(|l| !l.iter().all(u8::is_ascii_whitespace)).unwrap_or(&[]);
    let mut quoted = false;
    let mut counts = [0usize; 3];
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

/// Read a CSV upload into a [`Sheet`]: the first non-blank row is the
/// header; blank rows are skipped; more than `max_rows` data rows is an error.
pub fn read_csv(bytes: &[u8], file: &str, limits: &UploadLimits) -> Result<Sheet, UploadError> {
    let mut diags = Diagnostics::default();
    let text = crate::load::utf8_text(Path::new(file), bytes, &mut diags)
        .map_err(|e| UploadError::Unreadable {
            file: file.to_string(),
            message: match e {
                crate::load::LoadError::NotUtf8 { encoding, .. } => format!("the text is {encoding}, which is not read; in Excel use File > Save As > CSV UTF-8"),
                e => e.to_string(),
            },
        })?;
    let mut sheet = Sheet::default();
    for p in &diags.problems {
        sheet.notes.push(p.message.clone());
    }
    let delim = delimiter(&text);
    if delim != b',' {
        sheet.notes.push(format!("columns are separated by {}", if delim == b';' { "semicolons" } else { "tabs" }));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delim).from_reader(text.as_ref());
    let mut record = csv::StringRecord::new();
    let mut header_seen = false;
    let mut wide = false;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| format!(" near line {}", p.line())).unwrap_or_default();
                return Err(UploadError::Unreadable { file: file.to_string(), message: format!("not readable as CSV{line}: {e}") });
            }
        }
        let row = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.len() > limits.max_columns {
            wide = true;
        }
        let cells: Vec<String> = record.iter().take(limits.max_columns).map(|c| c.trim().to_string()).collect();
        if blank(&cells) {
            continue;
        }
        if !header_seen {
            sheet.headers = cells;
            header_seen = true;
            continue;
        }
        if sheet.rows.len() == limits.max_rows {
            return Err(UploadError::TooManyRows { file: file.to_string(), limit: limits.max_rows });
        }
        sheet.rows.push(SheetRow { row, cells });
    }
    if wide {
        sheet.notes.push(format!("rows with more than {} columns: the columns after the {}th were not read", limits.max_columns, limits.max_columns));
    }
    if !header_seen {
        return Err(UploadError::NoRows { file: file.to_string(), detail: String::new() });
    }
    Ok(sheet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_windows_1252_and_blank_rows() {
        let s = read_csv(b"Name;Post code\n\nCaf\xE9 one;BD1 1AA\n;\n\"A; B\";BD2 2BB\n", "x.csv", &UploadLimits::default()).unwrap();
        assert_eq!(s.headers, vec!["Name", "Post code"]);
        assert_eq!(s.rows, vec![SheetRow { row: 3, cells: vec!["Café one".into(), "BD1 1AA".into()] }, SheetRow { row: 5, cells: vec!["A; B".into(), "BD2 2BB".into()] }]);
        assert!(s.notes.iter().any(|n| n.contains("Windows-1252")), "{:?}", s.notes);
        assert!(s.notes.iter().any(|n| n.contains("semicolons")));
        let limits = UploadLimits { max_rows: 1, ..UploadLimits::default() };
        assert!(matches!(read_csv(b"a\n1\n2\n", "x.csv", &limits), Err(UploadError::TooManyRows { limit: 1, .. })));
        let utf16 = read_csv(b"\xFF\xFEn\0a\0", "x.csv", &UploadLimits::default()).unwrap_err().to_string();
        assert!(utf16.contains("UTF-16"), "{utf16}");
    }
}
