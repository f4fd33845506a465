//! Baseline versus scenario for one gap query, area by area.
//!
//! Both engines are scored with the same query and context. Each area of
//! the query's level gets its baseline and scenario value and the change of
//! nearest time, access, coverage per threshold, unmet need, gap class and
//! gap rank, and a status:
//!
//! - **improved** when unmet need falls, **worse** when it rises;
//! - when unmet need is unchanged or unknown: improved when access (the
//!   method's value, higher = better; for `nearest`, minus the minutes)
//!   rises, worse when it falls;
//! - else **unchanged**. Changes smaller than [`TOLERANCE`] (relative) count
//!   as none.
//!
//! The district figures of the summary ([`super::summary`]) are computed
//! from the origins, so they add up.

use serde::Serialize;

use super::summary::{summarise, Summary};
use super::ScenarioError;
use crate::engine::Engine;
use crate::gaps::{compute_with, GapContext, GapQuery, GapRow, GapTable};

/// Relative change below which two values count as equal.
pub const TOLERANCE: f64 = 1e-9;

/// A value before and after.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Delta {
    pub baseline: Option<f64>,
    pub scenario: Option<f64>,
    /// `scenario - baseline` when both are known.
    pub change: Option<f64>,
}

impl Delta {
    pub fn new(baseline: Option<f64>, scenario: Option<f64>) -> Delta {
        let change = match (baseline, scenario) {
            (Some(b), Some(s)) => Some(s - b),
            _ => None,
        };
        Delta { baseline, scenario, change }
    }

    /// -1, 0 or 1: the sign of the change beyond [`TOLERANCE`] (0 when unknown).
    pub fn direction(&self) -> i8 {
        match (self.baseline, self.scenario) {
            (Some(b), Some(s)) if (s - b).abs() > TOLERANCE * b.abs().max(s.abs()).max(1e-12) => {
                if s > b {
                    1
                } else {
                    -1
                }
            }
            _ => 0,
        }
    }
}

/// Whether an area is better or worse served in the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Improved,
    Worse,
    Unchanged,
}

impl Status {
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Improved => "improved",
            Status::Worse => "worse",
            Status::Unchanged => "unchanged",
        }
    }

    /// From the changes of unmet need and access (see the module notes).
    pub fn of(unmet_need: &Delta, access: &Delta) -> Status {
        match (unmet_need.direction(), access.direction()) {
            (-1, _) => Status::Improved,
            (1, _) => Status::Worse,
            (_, 1) => Status::Improved,
            (_, -1) => Status::Worse,
            _ => Status::Unchanged,
        }
    }
}

/// Coverage within one threshold, before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageChange {
    /// `1.6km`, `20min`, ...
    pub threshold: String,
    #[serde(flatten)]
    pub share: Delta,
}

/// One area of the query's level, baseline against scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaChange {
    pub code: String,
    pub name: String,
    /// Served population (the same in both).
    pub population: f64,
    pub nearest_min: Delta,
    /// The method's access value (2SFCA/E2SFCA ratio, or minus the minutes for `nearest`).
    pub access: Delta,
    pub coverage: Vec<CoverageChange>,
    pub in_need: Option<f64>,
    pub unmet_need: Delta,
    pub gap_class: [String; 2],
    pub gap_rank: [Option<u32>; 2],
    pub status: Status,
}

/// The whole comparison: rows per area and the committee summary.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub rows: Vec<AreaChange>,
    pub summary: Summary,
}

/// The access value of a row as the gap index orients it (higher = better).
fn access_of(r: &GapRow) -> Option<f64> {
    r.access.or(r.nearest_min.map(|m| -m))
}

/// Per-area baseline vs scenario for `q`, plus the summary (see the module notes).
pub fn compare(base: &Engine, scenario: &Engine, ctx: &GapContext, q: &GapQuery) -> Result<Comparison, ScenarioError> {
    let before = compute_with(base, ctx, q)?;
    let after = compute_with(scenario, ctx, q)?;
    let rows = area_changes(&before, &after);
    // Origin-level tables for the summary (the same tables when the query is at the origin level).
    let origin_query = |method| GapQuery {
        level: before.origin_level.clone(),
        origins: Some(before.origin_level.clone()),
        method,
        ..q.clone()
    };
    let origin_tables = if before.is_origin_level() {
        None
    } else {
        let oq = origin_query(q.method);
        Some((compute_with(base, ctx, &oq)?, compute_with(scenario, ctx, &oq)?))
    };
    let (ob, oa) = match &origin_tables {
        Some((b, a)) => (b, a),
        None => (&before, &after),
    };
    // Supply ratios come from a floating-catchment run: the query's own, or a 2SFCA one.
    let ratio_tables = if q.method == crate::gaps::Method::Nearest {
        let rq = origin_query(crate::gaps::Method::TwoStep);
        Some((compute_with(base, ctx, &rq)?, compute_with(scenario, ctx, &rq)?))
    } else {
        None
    };
    let (rb, ra) = match &ratio_tables {
        Some((b, a)) => (b, a),
        None => (ob, oa),
    };
    let summary = summarise(base, scenario, (&before, &after), ob, oa, (rb, ra), &rows)?;
    Ok(Comparison { rows, summary })
}

/// Rows of two tables of the same level, matched by position (same areas).
fn area_changes(before: &GapTable, after: &GapTable) -> Vec<AreaChange> {
    before
        .rows
        .iter()
        .zip(&after.rows)
        .map(|(b, a)| {
            let access = Delta::new(access_of(b), access_of(a));
            let unmet_need = Delta::new(b.unmet_need, a.unmet_need);
            AreaChange {
                code: b.code.clone(),
                name: b.name.clone(),
                population: b.population,
                nearest_min: Delta::new(b.nearest_min, a.nearest_min),
                coverage: before
                    .threshold_labels
                    .iter()
                    .enumerate()
                    .map(|(t, label)| CoverageChange {
                        threshold: label.clone(),
                        share: Delta::new(b.coverage.get(t).copied().flatten(), a.coverage.get(t).copied().flatten()),
                    })
                    .collect(),
                in_need: b.in_need,
                status: Status::of(&unmet_need, &access),
                access,
                unmet_need,
                gap_class: [b.gap_class.label(), a.gap_class.label()],
                gap_rank: [b.gap_rank, a.gap_rank],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_from_unmet_need_then_access() {
        let d = |b: f64, s: f64| Delta::new(Some(b), Some(s));
        assert_eq!(Status::of(&d(10.0, 5.0), &d(1.0, 0.5)), Status::Improved);
        assert_eq!(Status::of(&d(5.0, 10.0), &d(1.0, 2.0)), Status::Worse);
        assert_eq!(Status::of(&d(5.0, 5.0), &d(1.0, 2.0)), Status::Improved);
        assert_eq!(Status::of(&d(0.0, 0.0), &d(-3.0, -4.0)), Status::Worse);
        assert_eq!(Status::of(&Delta::new(None, None), &d(2.0, 2.0 + 1e-13)), Status::Unchanged);
    }
}
