//! The postcode lookup of `[postcodes]`: postcode unit -> point.
//!
//! Read on first use (see `Engine::postcodes`). Postcodes are normalised
//! (upper case, one space before the inward code: `bd57aa` -> `BD5 7AA`);
//! rows without a well-formed postcode or numeric coordinates are skipped
//! and counted, a postcode listed twice keeps its first row.

use std::collections::HashMap;
use std::path::Path;

use geo::Coord;

use super::{parse_number, read_table, Diagnostics, LoadError};
use crate::crs::{Transform, BNG, WGS84};
use crate::dataset::PostcodeSpec;

/// One postcode unit's point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PostcodePoint {
    pub bng: Coord<f64>,
    pub wgs84: Coord<f64>,
    /// Line of the file it came from.
    pub line: u64,
}

/// A loaded postcode table.
#[derive(Debug, Clone, Default)]
pub struct Postcodes {
    /// The file, as shown in messages.
    pub file: String,
    points: HashMap<String, PostcodePoint>,
    /// Data rows read (including skipped and duplicate ones).
    pub rows: usize,
    /// Rows whose postcode was already listed (the first row is kept).
    pub duplicates: usize,
    /// Rows skipped: no well-formed postcode, or coordinates missing or bad.
    pub bad_rows: usize,
    /// Every skipped or duplicate row, with its row number.
    pub diagnostics: Diagnostics,
}

/// A UK postcode in its standard form (`BD5 7AA`), or `None` when `text` is
/// not shaped like one (outward code of 2-4 letters and digits starting
/// with a letter, inward code of a digit and two letters).
///
/// ```
/// use needmap::load::normalise_postcode;
/// assert_eq!(normalise_postcode(" bd57aa ").as_deref(), Some("BD5 7AA"));
/// assert_eq!(normalise_postcode("BD1  1AA").as_deref(), Some("BD1 1AA"));
/// assert_eq!(normalise_postcode("BD5"), None);
/// ```
pub fn normalise_postcode(text: &str) -> Option<String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic() && outward.bytes().all(|c| c.is_ascii_alphanumeric());
    (inward_ok && outward_ok).then(|| format!("{outward} {inward}"))
}

impl Postcodes {
    /// Read the table named by `spec` (relative to `data_dir`).
    pub fn read(data_dir: &Path, spec: &PostcodeSpec) -> Result<Postcodes, LoadError> {
        let path = data_dir.join(&spec.file);
        let mut diags = Diagnostics::default();
        let table = read_table(&path, &mut diags)?;
        let file = table.file();
        let (pc, x, y) = (table.column(&spec.postcode_column)?, table.column(&spec.x_column)?, table.column(&spec.y_column)?);
        let crs_err = |source| LoadError::Crs { path: path.clone(), source };
        let to_bng = Transform::new(spec.crs.proj_def(), BNG).map_err(crs_err)?;
        let to_wgs = Transform::new(spec.crs.proj_def(), WGS84).map_err(crs_err)?;
        let mut out = Postcodes { file: file.clone(), rows: table.rows.len(), ..Default::default() };
        let mut first_line: HashMap<String, u64> = HashMap::new();
        for (line, rec) in &table.rows {
            let at = format!("row {line}");
            let raw = rec.get(pc).unwrap_or("");
            let Some(code) = normalise_postcode(raw) else {
                diags.skip(&file, at, format!("`{}` is not a postcode; row skipped", raw.trim()));
                out.bad_rows += 1;
                continue;
            };
            if let Some(first) = first_line.get(&code) {
                diags.skip(&file, at, format!("postcode {code} is listed again (first at row {first}); the first row is kept"));
                out.duplicates += 1;
                continue;
            }
            let (Ok(Some(px)), Ok(Some(py))) = (parse_number(rec.get(x).unwrap_or("")), parse_number(rec.get(y).unwrap_or(""))) else {
                diags.skip(&file, at, format!("postcode {code}: coordinates missing or not numbers; row skipped"));
                out.bad_rows += 1;
                continue;
            };
            let c = Coord { x: px, y: py };
            let (Ok(bng), Ok(wgs84)) = (to_bng.coord(c), to_wgs.coord(c)) else {
                diags.skip(&file, at, format!("postcode {code}: ({px}, {py}) cannot be transformed from {}; row skipped", spec.crs.proj_def()));
                out.bad_rows += 1;
                continue;
            };
            first_line.insert(code.clone(), *line);
            out.points.insert(code, PostcodePoint { bng, wgs84, line: *line });
        }
        if out.points.is_empty() {
            diags.warn(&file, "", "no usable postcode rows: every postcode lookup will fail. Check `postcode_column`, `x_column`, `y_column` under [postcodes]");
        }
        out.diagnostics = diags;
        Ok(out)
    }

    /// The point of a postcode, written in any spacing or case.
    pub fn get(&self, postcode: &str) -> Option<&PostcodePoint> {
        self.points.get(&normalise_postcode(postcode)?)
    }

    /// Every postcode unit and its point, in postcode order.
    pub fn units(&self) -> Vec<(&str, &PostcodePoint)> {
        let mut out: Vec<(&str, &PostcodePoint)> = self.points.iter().map(|(k, v)| (k.as_str(), v)).collect();
        out.sort_unstable_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// Postcodes loaded (after skips and duplicates).
    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_refuses() {
        assert_eq!(normalise_postcode("w1a0ax").as_deref(), Some("W1A 0AX"));
        assert_eq!(normalise_postcode("EC1A 1BB").as_deref(), Some("EC1A 1BB"));
        assert_eq!(normalise_postcode("1BD 5AA"), None);
        assert_eq!(normalise_postcode("BD5 AAA"), None);
        assert_eq!(normalise_postcode("BD5 7ÄA"), None);
        assert_eq!(normalise_postcode(""), None);
    }
}
