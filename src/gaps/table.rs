//! The result of a gap analysis and its table form.

use super::{GapClass, GapQuery, Method, RepKind, UnmetRule};
use crate::engine::RepPoint;
use crate::report::{Cell, Report};

/// Scores for one area of the requested level.
#[derive(Debug, Clone)]
pub struct GapRow {
    pub code: String,
    pub name: String,
    /// Representative point (origin levels only).
    pub rep: Option<RepPoint>,
    pub rep_kind: Option<RepKind>,
    /// Origins aggregated into this row (1 at the origin level).
    pub origins: usize,
    /// Population served by the category.
    pub population: f64,
    /// Indicator value (as published, not oriented).
    pub need: Option<f64>,
    pub nearest_m: Option<f64>,
    pub nearest_min: Option<f64>,
    pub kth_m: Option<f64>,
    pub kth_min: Option<f64>,
    /// Share of population covered, per threshold (0/1 at the origin level).
    pub coverage: Vec<Option<f64>>,
    /// 2SFCA / E2SFCA accessibility (services per person).
    pub access: Option<f64>,
    /// People in need (from the need indicator; a sum over origins).
    pub in_need: Option<f64>,
    /// People in need who lack access (a sum over origins).
    pub unmet_need: Option<f64>,
    /// Unmet need per 1,000 of the served population.
    pub unmet_need_per_1k: Option<f64>,
    pub gap_class: GapClass,
    pub gap_rank: Option<u32>,
}

/// District-wide figures at the origin level.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct District {
    /// Population served by the category.
    pub population: f64,
    /// Share covered per threshold.
    pub coverage: Vec<Option<f64>>,
    /// Share of children covered per threshold.
    pub coverage_children: Vec<Option<f64>>,
    /// (metres, share of population within) every 100 m.
    pub curve: Vec<(f64, f64)>,
    /// People in need and unmet need in the district (sums over origins).
    pub in_need: Option<f64>,
    pub unmet_need: Option<f64>,
    /// How unmet need was counted (`None` without a need indicator).
    pub rule: Option<UnmetRule>,
}

/// A full gap analysis for one query.
#[derive(Debug, Clone)]
pub struct GapTable {
    pub query: GapQuery,
    /// Origin level id and the kind(s) of representative point used.
    pub origin_level: String,
    pub rep_kind: String,
    /// Services matching the filter, and how many have no supply (capacity 0).
    pub services: usize,
    pub services_without_capacity: usize,
    /// Population id used as demand.
    pub population_id: String,
    /// Column suffixes for the coverage thresholds.
    pub threshold_labels: Vec<String>,
    pub rows: Vec<GapRow>,
    pub district: District,
    /// 2SFCA/E2SFCA only: (index into `engine.services`, supply-to-demand
    /// ratio `R_j`) per service of the filter; empty for `nearest`.
    pub service_ratios: Vec<(usize, f64)>,
    /// Plain-language notes on documented values (skips, fallbacks, model).
    pub notes: Vec<String>,
}

impl GapTable {
    /// Whether rows are origins (and so carry representative points).
    pub fn is_origin_level(&self) -> bool {
        self.origin_level == self.query.level
    }

    /// The table for CSV / JSON / text output.
    ///
    /// Columns: `code`, `name`, `rep_lon`, `rep_lat`, `rep_kind` (origin
    /// levels only) or `origin_level`, `origins` (aggregated levels),
    /// `population`, `need`, `nearest_m`, `nearest_min`, `nearest<k>_m`,
    /// `nearest<k>_min`, `mode`, `travel`, `coverage_<threshold>`...,
    /// `access_2sfca` or `access_e2sfca` (floating-catchment methods),
    /// `in_need`, `unmet_need`, `unmet_need_per_1k`, `gap_class`, `gap_rank`
    /// (1 = most unmet need).
    pub fn to_report(&self) -> Report {
        let origin = self.is_origin_level();
        let k = self.query.k.max(1);
        let mut columns: Vec<String> = vec!["code".into(), "name".into()];
        if origin {
            columns.extend(["rep_lon", "rep_lat", "rep_kind"].map(String::from));
        } else {
            columns.extend(["origin_level", "origins"].map(String::from));
        }
        columns.extend(["population", "need", "nearest_m", "nearest_min"].map(String::from));
        columns.push(format!("nearest{k}_m"));
        columns.push(format!("nearest{k}_min"));
        columns.extend(["mode", "travel"].map(String::from));
        columns.extend(self.threshold_labels.iter().map(|t| format!("coverage_{t}")));
        let fca = self.query.method != Method::Nearest;
        if fca {
            columns.push(format!("access_{}", self.query.method.as_str()));
        }
        columns.extend(["in_need", "unmet_need", "unmet_need_per_1k", "gap_class", "gap_rank"].map(String::from));
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut row = vec![Cell::Text(Some(r.code.clone())), Cell::Text(Some(r.name.clone()))];
                if origin {
                    row.push(Cell::Number(r.rep.map(|p| p.wgs84.x)));
                    row.push(Cell::Number(r.rep.map(|p| p.wgs84.y)));
                    row.push(Cell::Text(r.rep_kind.map(|k| k.as_str().to_string())));
                } else {
                    row.push(Cell::Text(Some(self.origin_level.clone())));
                    row.push(Cell::Count(r.origins as u64));
                }
                row.push(Cell::Number(Some(r.population)));
                row.push(Cell::Number(r.need));
                row.push(Cell::Number(r.nearest_m));
                row.push(Cell::Number(r.nearest_min));
                row.push(Cell::Number(r.kth_m));
                row.push(Cell::Number(r.kth_min));
                row.push(Cell::Text(Some(self.query.mode.as_str().into())));
                row.push(Cell::Text(Some(self.query.travel.as_str().into())));
                row.extend(r.coverage.iter().map(|c| Cell::Number(*c)));
                if fca {
                    row.push(Cell::Number(r.access));
                }
                row.push(Cell::Number(r.in_need));
                row.push(Cell::Number(r.unmet_need));
                row.push(Cell::Number(r.unmet_need_per_1k));
                row.push(Cell::Text(Some(r.gap_class.label())));
                row.push(r.gap_rank.map(|g| Cell::Count(g as u64)).unwrap_or(Cell::Text(None)));
                row
            })
            .collect();
        Report { columns, rows }
    }

    /// A JSON document: the query, provenance, district figures and rows.
    pub fn to_json(&self) -> serde_json::Value {
        let thresholds: serde_json::Map<String, serde_json::Value> = self
            .threshold_labels
            .iter()
            .enumerate()
            .map(|(i, t)| {
                (
                    t.clone(),
                    serde_json::json!({
                        "population": self.district.coverage.get(i).copied().flatten(),
                        "children": self.district.coverage_children.get(i).copied().flatten(),
                    }),
                )
            })
            .collect();
        serde_json::json!({
            "query": self.query,
            "mode": self.query.mode.as_str(),
            "origin_level": self.origin_level,
            "rep_point": self.rep_kind,
            "services": self.services,
            "services_without_capacity": self.services_without_capacity,
            "population": self.population_id,
            "district": {
                "population": self.district.population,
                "coverage": thresholds,
                "curve_m_share": self.district.curve.iter().map(|(d, s)| [*d, *s]).collect::<Vec<_>>(),
                "in_need": self.district.in_need,
                "unmet_need": self.district.unmet_need,
                "unmet_rule": self.district.rule.map(|r| match r {
                    UnmetRule::Beyond { minutes } => serde_json::json!({ "beyond_minutes": minutes }),
                    UnmetRule::Shortfall { district_access } => serde_json::json!({ "district_access": district_access }),
                }),
            },
            "notes": self.notes,
            "rows": self.to_report().to_json(),
        })
    }
}
