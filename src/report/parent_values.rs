//! Parent values for indicators published at a coarser level: a ward's
//! report may carry its constituency's crime rate, in a column named for
//! where the value comes from (`constituency_crime_rate`), never in the
//! ward's own `crime_rate` column (which stays empty: not spread down).

use super::{Cell, Report, ReportError};
use crate::engine::Engine;

/// Append to `report` (the area report of `level_id`) one column
/// `<published level>_<indicator>` per indicator not offered at the level
/// but published at one of its ancestor levels, holding the value of the
/// ancestor area each area lies in (empty where no ancestor is known).
/// Returns the names of the columns added.
///
/// Rows are matched by the `code` column, so a report of another shape is
/// refused rather than misread.
pub fn add_parent_values(engine: &Engine, level_id: &str, report: &mut Report) -> Result<Vec<String>, ReportError> {
    let l = engine.level_index(level_id).ok_or_else(|| ReportError::UnknownLevel {
        level: level_id.to_string(),
        known: engine.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
    })?;
    let code_col = report.columns.iter().position(|c| c == "code").ok_or_else(|| ReportError::UnknownLevel {
        level: format!("{level_id} (the table has no `code` column)"),
        known: String::new(),
    })?;
    let level = &engine.levels[l];
    let mut added = Vec::new();
    for (k, ind) in engine.indicators.iter().enumerate() {
        if engine.offers(k, l) {
            continue;
        }
        let Some(p) = engine.level_index(&ind.published_level) else { continue };
        // Only an ancestor of this level gives each area one parent value.
        if (0..level.len()).all(|a| engine.ancestor(l, a, p).is_none()) {
            continue;
        }
        let name = format!("{}_{}", engine.levels[p].id, ind.id);
        if report.columns.contains(&name) {
            continue;
        }
        for row in &mut report.rows {
            let area = match row.get(code_col) {
                Some(Cell::Text(Some(code))) => level.by_code.get(code).copied(),
                _ => None,
            };
            let value = area.and_then(|a| engine.ancestor(l, a, p)).and_then(|pa| engine.values[p].indicators[k][pa]);
            row.push(Cell::Number(value));
        }
        report.columns.push(name.clone());
        added.push(name);
    }
    Ok(added)
}
