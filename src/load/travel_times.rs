//! Modelled travel-time tables (`[travel_times]`): every row's minutes
//! checked, bad rows reported by row so the driving fit uses the rest.

use std::path::Path;

use super::{parse_number, read_table, Diagnostics, LoadError};

/// Longest plausible travel time in minutes (a day); more is a data error.
pub const MAX_TRAVEL_MINUTES: f64 = 24.0 * 60.0;

/// Whether a travel time in minutes can be used to fit a model.
pub fn plausible_minutes(m: f64) -> bool {
    m.is_finite() && (0.0..=MAX_TRAVEL_MINUTES).contains(&m)
}

/// One usable row: origin code, destination code, minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelTimeRow {
    pub line: u64,
    pub origin: String,
    pub destination: String,
    pub minutes: f64,
}

/// Read a travel-time table; rows whose minutes are missing, not numbers,
/// negative or over [`MAX_TRAVEL_MINUTES`] are skipped, reported and counted.
pub fn read_travel_times(
    path: &Path,
    origin_column: &str,
    destination_column: &str,
    minutes_column: &str,
    diags: &mut Diagnostics,
) -> Result<Vec<TravelTimeRow>, LoadError> {
    let table = read_table(path, diags)?;
    let file = table.file();
    let (o, d, m) = (
        table.column(origin_column)?,
        table.column(destination_column)?,
        table.column(minutes_column)?,
    );
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let cell = rec.get(m).unwrap_or("");
        let problem = match parse_number(cell) {
            Ok(Some(v)) if plausible_minutes(v) => {
                out.push(TravelTimeRow {
                    line: *line,
                    origin: rec.get(o).unwrap_or("").trim().to_string(),
                    destination: rec.get(d).unwrap_or("").trim().to_string(),
                    minutes: v,
                });
                continue;
            }
            Ok(Some(v)) if v < 0.0 => format!("{} minutes is negative", super::number_text(v)),
            Ok(Some(v)) => format!("{} minutes is not plausible (over {MAX_TRAVEL_MINUTES} minutes)", super::number_text(v)),
            Ok(None) => "no minutes".to_string(),
            Err(msg) => msg,
        };
        diags.skip(&file, format!("row {line}"), format!("column `{minutes_column}`: {problem}; row left out of the driving-time fit"));
    }
    Ok(out)
}
