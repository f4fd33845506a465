//! Emerging gaps: areas whose need rose between two vintages
//! ([`super::change`]) and whose access to a category is poor (the lowest
//! access tercile of the gap table for that category and level,
//! [`crate::gaps::GapClass`]).

use super::change::{ChangeClass, NeedChange};
use super::{Cell, Report};
use crate::gaps::{GapClass, GapTable, Tercile};

/// Columns appended by [`EmergingGaps::append_to`].
pub const EMERGING_COLUMNS: [&str; 3] = ["access_tercile", "gap_class", "emerging_gap"];

/// Per area of the change's level: the access tercile and whether it is an
/// emerging gap (`None` where the change or the access is not known).
#[derive(Debug, Clone, PartialEq)]
pub struct EmergingGaps {
    pub category: Option<String>,
    pub access: Vec<Option<Tercile>>,
    pub gap_class: Vec<Option<GapClass>>,
    pub emerging: Vec<Option<bool>>,
}

/// Join `change` and `gaps` (same level) on the area code.
pub fn emerging_gaps(change: &NeedChange, gaps: &GapTable) -> EmergingGaps {
    let by_code: std::collections::HashMap<&str, GapClass> = gaps.rows.iter().map(|r| (r.code.as_str(), r.gap_class)).collect();
    let gap_class: Vec<Option<GapClass>> = change.codes.iter().map(|c| by_code.get(c.as_str()).copied()).collect();
    let access: Vec<Option<Tercile>> = gap_class
        .iter()
        .map(|g| match g {
            Some(GapClass::Class { access, .. }) => Some(*access),
            _ => None,
        })
        .collect();
    let emerging = change
        .areas
        .iter()
        .zip(&access)
        .map(|(a, t)| match (a.class, t) {
            (ChangeClass::NoData, _) => None,
            (ChangeClass::NeedRose, None) => None,
            (ChangeClass::NeedRose, Some(t)) => Some(*t == Tercile::Low),
            _ => Some(false),
        })
        .collect();
    EmergingGaps { category: gaps.query.category.clone(), access, gap_class, emerging }
}

impl EmergingGaps {
    /// Indices of the emerging gaps, in the change's rank order (need rose most first).
    pub fn areas(&self, change: &NeedChange) -> Vec<usize> {
        let mut out: Vec<usize> = (0..self.emerging.len()).filter(|&i| self.emerging[i] == Some(true)).collect();
        out.sort_by_key(|&i| (change.areas[i].rank.unwrap_or(u32::MAX), i));
        out
    }

    /// The cells of area `i` for [`EMERGING_COLUMNS`].
    pub fn cells(&self, i: usize) -> Vec<Cell> {
        vec![
            Cell::Text(self.access[i].map(|t| t.as_str().to_string())),
            Cell::Text(self.gap_class[i].map(|g| g.label())),
            self.emerging[i].map_or(Cell::Number(None), |e| Cell::Count(e.into())),
        ]
    }

    /// Append one `emerging_gap` column (1, 0, or empty where unknown) to
    /// `table`, joined on its `code` column with the change's areas.
    pub fn append_emerging_column(&self, change: &NeedChange, table: &mut Report) {
        let by_code: std::collections::HashMap<&str, usize> = change.codes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
        let code_col = table.column("code");
        table.columns.push("emerging_gap".into());
        for row in &mut table.rows {
            let i = code_col.and_then(|c| match row.get(c) {
                Some(Cell::Text(Some(code))) => by_code.get(code.as_str()).copied(),
                _ => None,
            });
            row.push(match i.and_then(|i| self.emerging[i]) {
                Some(e) => Cell::Count(e.into()),
                None => Cell::Number(None),
            });
        }
    }

    /// Append [`EMERGING_COLUMNS`] to the change's report (`rows` in the
    /// change's area order).
    pub fn append_to(&self, report: &mut Report) {
        report.columns.extend(EMERGING_COLUMNS.iter().map(|c| c.to_string()));
        for (i, row) in report.rows.iter_mut().enumerate() {
            row.extend(self.cells(i));
        }
    }
}
