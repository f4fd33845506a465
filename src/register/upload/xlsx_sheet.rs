//! An uploaded Excel workbook (XLSX), read with `calamine`.
//!
//! - **Sheets**: the one named (`--sheet`), else the first sheet with any
//!   data; when the workbook has several, a note says which was read.
//! - **Formulas**: calamine does not calculate. A formula cell is read as
//!   the value the program that saved the file calculated and stored with
//!   it (Excel and LibreOffice always store one), and each such cell gets
//!   a warning naming its formula. A formula saved without a value (some
//!   programs that write files do that) reads as empty, with a warning.
//! - **Excel errors** (`#DIV/0!`, `#REF!`, ...) read as empty cells with an
//!   error for that row and field.
//! - Dates and times become `2026-12-04` and `09:30` text.
//! - **Caps**: the parts of the archive may unpack to at most
//!   [`super::limits::MAX_UNPACKED_BYTES`] (by the sizes its directory
//!   declares; the ZIP reader stops a part at its declared size), and rows
//!   are read as a stream that stops at the row cap.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use super::sheet::{blank, CellNote, Severity, Sheet, SheetRow};
use super::{UploadError, UploadLimits};

fn unreadable(file: &str, message: impl std::fmt::Display) -> UploadError {
    UploadError::Unreadable { file: file.to_string(), message: format!("not a readable Excel workbook: {message}. Open it in Excel and save it again, or save it as CSV UTF-8") }
}

/// Excel's day number (1900 date system) of 1970-01-01.
const UNIX_EPOCH_SERIAL: f64 = 25_569.0;

/// A date/time serial as `YYYY-MM-DD`, `HH:MM` (a time of day) or both.
fn serial_text(serial: f64, is_1904: bool) -> String {
    let serial = if is_1904 { serial + 1462.0 } else { serial };
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return format!("{serial}");
    }
    let minutes = ((serial.fract() * 24.0 * 60.0).round() as i64).clamp(0, 24 * 60 - 1);
    let time = format!("{:02}:{:02}", minutes / 60, minutes % 60);
    if serial < 1.0 {
        return time;
    }
    let seconds = ((serial.floor() - UNIX_EPOCH_SERIAL) * 86_400.0) as i64;
    let Ok(date) = time::OffsetDateTime::from_unix_timestamp(seconds) else { return format!("{serial}") };
    let day = format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
    if minutes == 0 {
        day
    } else {
        format!("{day} {time}")
    }
}

/// A number as a person would type it: `12`, not `12.0`.
fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A cell's value as text, or the Excel error it holds.
fn cell_text(value: &DataRef<'_>, is_1904: bool) -> Result<String, String> {
    Ok(match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        DataRef::DateTime(d) => serial_text(d.as_f64(), is_1904),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => return Err(e.to_string()),
        DataRef::Empty => String::new(),
    })
}

/// Refuse a workbook whose parts would unpack to more than the cap.
fn check_unpacked(bytes: &[u8], file: &str, limits: &UploadLimits) -> Result<(), UploadError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(file, e))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(|e| unreadable(file, e))?;
        total = total.saturating_add(part.size());
    }
    if total > limits.max_unpacked_bytes {
        return Err(UploadError::Unreadable {
            file: file.to_string(),
            message: format!(
                "the workbook unpacks to {} MB, more than {} MB; save the services alone as CSV UTF-8, or split the workbook",
                total / 1_000_000,
                limits.max_unpacked_bytes / 1_000_000
            ),
        });
    }
    Ok(())
}

/// Cells read from one sheet, row by row.
struct RawRows {
    rows: Vec<SheetRow>,
    cells: Vec<CellNote>,
    formulas: usize,
    wide: bool,
}

fn read_rows(book: &mut Xlsx<Cursor<&[u8]>>, name: &str, file: &str, limits: &UploadLimits, is_1904: bool) -> Result<RawRows, UploadError> {
    let mut reader = book.worksheet_cells_reader(name).map_err(|e| unreadable(file, e))?;
    let mut out = RawRows { rows: Vec::new(), cells: Vec::new(), formulas: 0, wide: false };
    let mut current: Option<SheetRow> = None;
    // The header plus max_rows data rows; one more non-blank row is an error.
    let mut non_blank = 0usize;
    let mut finish = |row: Option<SheetRow>, out: &mut RawRows| -> Result<(), UploadError> {
        if let Some(r) = row.filter(|r| !blank(&r.cells)) {
            non_blank += 1;
            if non_blank > limits.max_rows + 1 {
                return Err(UploadError::TooManyRows { file: file.to_string(), limit: limits.max_rows });
            }
            out.rows.push(r);
        }
        Ok(())
    };
    while let Some(cell) = reader.next_cell_with_formula().map_err(|e| unreadable(file, e))? {
        let (r, c) = (cell.pos.0 as usize + 1, cell.pos.1 as usize);
        if c >= limits.max_columns {
            out.wide = true;
            continue;
        }
        if current.as_ref().is_none_or(|cur| cur.row != r) {
            finish(current.take(), &mut out)?;
            current = Some(SheetRow { row: r, cells: Vec::new() });
        }
        let row = current.as_mut().expect("set above");
        let text = match cell_text(&cell.value, is_1904) {
            Ok(t) => t,
            Err(e) => {
                out.cells.push(CellNote { row: r, column: c, severity: Severity::Error, message: format!("the cell holds the Excel error {e}; correct it in the workbook, or type the value") });
                String::new()
            }
        };
        if let Some(f) = cell.formula.as_deref().filter(|f| !f.is_empty()) {
            out.formulas += 1;
            let message = if text.is_empty() {
                format!("the cell holds the formula ={f} saved without a value, so it reads as empty; type the value, or open and save the file in Excel")
            } else {
                format!("the cell holds the formula ={f}; the value last calculated and saved with the file, `{text}`, was read (formulas are not recalculated): check it")
            };
            out.cells.push(CellNote { row: r, column: c, severity: Severity::Warning, message });
        }
        if row.cells.len() <= c {
            row.cells.resize(c + 1, String::new());
        }
        row.cells[c] = text;
    }
    finish(current.take(), &mut out)?;
    Ok(out)
}

/// Read the sheet `wanted` (else the first with data) of an XLSX upload.
pub fn read_xlsx(bytes: &[u8], file: &str, wanted: Option<&str>, limits: &UploadLimits) -> Result<Sheet, UploadError> {
    check_unpacked(bytes, file, limits)?;
    let mut book: Xlsx<Cursor<&[u8]>> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| unreadable(file, e))?;
    let is_1904 = book.has_1904_epoch();
    let names = book.sheet_names();
    let list = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let mut notes = Vec::new();
    let (name, raw) = match wanted {
        Some(w) => {
            let name = names
                .iter()
                .find(|n| n.as_str() == w)
                .or_else(|| names.iter().find(|n| n.trim().eq_ignore_ascii_case(w.trim())))
                .cloned()
                .ok_or_else(|| UploadError::NoSuchSheet { file: file.to_string(), sheet: w.to_string(), sheets: list.clone() })?;
            let raw = read_rows(&mut book, &name, file, limits, is_1904)?;
            (name, raw)
        }
        None => {
            let mut found = None;
            for name in &names {
                let raw = read_rows(&mut book, name, file, limits, is_1904)?;
                if !raw.rows.is_empty() {
                    found = Some((name.clone(), raw));
                    break;
                }
            }
            let Some((name, raw)) = found else {
                return Err(UploadError::NoRows { file: file.to_string(), detail: format!(" in any sheet ({list})") });
            };
            if names.len() > 1 {
                let first = if names.first() == Some(&name) { "the first sheet" } else { "the first sheet with data" };
                notes.push(format!("the workbook has {} sheets ({list}); sheet `{name}` was read, {first}. To read another, name it (--sheet)", names.len()));
            }
            (name, raw)
        }
    };
    let mut rows = raw.rows.into_iter();
    let Some(header) = rows.next() else {
        return Err(UploadError::NoRows { file: file.to_string(), detail: format!(" in sheet `{name}`") });
    };
    if raw.formulas > 0 {
        notes.push(format!(
            "{} cell(s) of sheet `{name}` hold formulas: each was read as the value saved with the file, not recalculated (see the cells' warnings)",
            raw.formulas
        ));
    }
    if raw.wide {
        notes.push(format!("sheet `{name}` has cells beyond column {}; they were not read", limits.max_columns));
    }
    let header_row = header.row;
    Ok(Sheet {
        headers: header.cells,
        rows: rows.collect(),
        notes,
        cells: raw.cells.into_iter().filter(|c| c.row != header_row).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_times_and_numbers_as_text() {
        assert_eq!(serial_text(46_360.0, false), "2026-12-04");
        assert_eq!(serial_text(0.395_833_333, false), "09:30");
        assert_eq!(serial_text(46_360.5, false), "2026-12-04 12:00");
        assert_eq!(number_text(12.0), "12");
        assert_eq!(number_text(-1.75), "-1.75");
    }
}
