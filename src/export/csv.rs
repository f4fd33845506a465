//! CSV that opens cleanly in Excel: UTF-8 (optionally with a byte order
//! mark), numbers in plain decimal notation (never `1E+05`), codes as text,
//! suppressed counts shown as `<10`. Provenance goes to a sidecar.

use std::io::Write;

use super::{ExportError, Prepared};

/// The UTF-8 byte order mark Excel uses to detect UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn write(prepared: &Prepared, bom: bool, out: &mut dyn Write) -> Result<(), ExportError> {
    if bom {
        out.write_all(BOM)?;
    }
    let table = &prepared.features.table;
    let marker = prepared.suppression.marker();
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(out);
    w.write_record(&table.columns)?;
    for (r, row) in table.rows.iter().enumerate() {
        w.write_record(row.iter().enumerate().map(|(c, cell)| {
            if prepared.suppression.is_suppressed(r, c) {
                marker.clone()
            } else {
                cell.render()
            }
        }))?;
    }
    w.flush()?;
    Ok(())
}
