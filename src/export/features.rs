//! The rows of an export with their geometry: areas (polygons) or service
//! points.

use geo::{Geometry, Point};

use super::{ExportError, ExportRequest};
use crate::engine::Engine;
use crate::report::{area_report, Cell, Report};

/// A table whose rows each carry a geometry in WGS84 and in BNG metres.
#[derive(Debug, Clone, Default)]
pub struct FeatureTable {
    pub table: Report,
    pub wgs84: Vec<Geometry<f64>>,
    pub bng: Vec<Geometry<f64>>,
    /// Sensitive services left out of a services layer (they are still
    /// counted in their area in the area table).
    pub sensitive_withheld: usize,
}

impl FeatureTable {
    pub fn len(&self) -> usize {
        self.table.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.rows.is_empty()
    }
}

/// The index of level `level`, or the export error listing the levels.
pub(crate) fn level_index(engine: &Engine, level: &str) -> Result<usize, ExportError> {
    engine.level_index(level).ok_or_else(|| ExportError::UnknownLevel {
        level: level.to_string(),
        known: engine.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
    })
}

/// Check the request's indicator, category and tier against the dataset.
pub fn validate(engine: &Engine, request: &ExportRequest) -> Result<usize, ExportError> {
    let l = level_index(engine, &request.level)?;
    if let Some(i) = &request.indicator {
        if engine.indicator_index(i).is_none() {
            return Err(ExportError::UnknownIndicator {
                indicator: i.clone(),
                known: engine.indicators.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", "),
            });
        }
    }
    if let Some(c) = &request.category {
        let used = engine.services.iter().any(|s| &s.category == c);
        if !engine.categories.contains_key(c) && !used {
            return Err(ExportError::UnknownCategory {
                category: c.clone(),
                known: engine.categories.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
    }
    if let Some(t) = &request.tier {
        if !engine.tiers.iter().any(|x| &x.id == t) {
            return Err(ExportError::UnknownTier {
                tier: t.clone(),
                known: engine.tiers.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(l)
}

/// Keep the columns the request asks for: with `indicator`, only that
/// indicator (and its decile-1 share) among the indicator columns; with
/// `category`/`tier`, only that category's/tier's service count. Every other
/// column (codes, populations, totals, rates, gap columns) is kept.
pub fn select_columns(engine: &Engine, request: &ExportRequest, report: Report) -> Report {
    let keep = |col: &str| -> bool {
        if let Some(chosen) = &request.indicator {
            for ind in &engine.indicators {
                let is_col = col == ind.id || ind.decile1_column().as_deref() == Some(col);
                if is_col {
                    return &ind.id == chosen;
                }
            }
        }
        if let Some(t) = col.strip_prefix("services_tier_") {
            return request.tier.as_ref().is_none_or(|chosen| chosen == t);
        }
        if let Some(c) = col.strip_prefix("services_") {
            let is_category = engine.categories.contains_key(c) || engine.provision.iter().any(|p| p.by_category.contains_key(c));
            if is_category {
                return request.category.as_ref().is_none_or(|chosen| chosen == c);
            }
        }
        true
    };
    let kept: Vec<usize> = (0..report.columns.len()).filter(|&c| keep(&report.columns[c])).collect();
    Report {
        columns: kept.iter().map(|&c| report.columns[c].clone()).collect(),
        rows: report
            .rows
            .into_iter()
            .map(|row| kept.iter().map(|&c| row.get(c).cloned().unwrap_or(Cell::Text(None))).collect())
            .collect(),
    }
}

/// The area table (or the request's own table) joined to area boundaries by `code`.
pub fn areas(engine: &Engine, request: &ExportRequest) -> Result<FeatureTable, ExportError> {
    let l = validate(engine, request)?;
    let report = match &request.table {
        Some(t) => t.clone(),
        None => area_report(engine, &request.level)?,
    };
    let table = select_columns(engine, request, report);
    let code_col = table.column("code").ok_or(ExportError::NoCodeColumn)?;
    let level = &engine.levels[l];
    let mut wgs84 = Vec::with_capacity(table.rows.len());
    let mut bng = Vec::with_capacity(table.rows.len());
    for (r, row) in table.rows.iter().enumerate() {
        let code = match row.get(code_col) {
            Some(Cell::Text(Some(c))) => c.clone(),
            Some(other) => other.render(),
            None => String::new(),
        };
        let area = level.area(&code).ok_or_else(|| ExportError::UnknownArea {
            row: r + 1,
            code: code.clone(),
            level: level.id.clone(),
        })?;
        wgs84.push(Geometry::MultiPolygon(area.wgs84.clone()));
        bng.push(Geometry::MultiPolygon(area.bng.clone()));
    }
    Ok(FeatureTable {
        table,
        wgs84,
        bng,
        sensitive_withheld: 0,
    })
}

/// Service points matching the request's category and tier, never the
/// `sensitive` ones (counted in `sensitive_withheld`).
///
/// Columns: `id`, `name`, `category`, `category_label`, `tier`, `partner`,
/// `status`, `capacity`, `<level>_code`, `<level>_name`, `lon`, `lat`,
/// `source_file`.
pub fn services(engine: &Engine, request: &ExportRequest) -> Result<FeatureTable, ExportError> {
    let l = validate(engine, request)?;
    let level = &engine.levels[l];
    let columns = [
        "id".to_string(),
        "name".into(),
        "category".into(),
        "category_label".into(),
        "tier".into(),
        "partner".into(),
        "status".into(),
        "capacity".into(),
        format!("{}_code", level.id),
        format!("{}_name", level.id),
        "lon".into(),
        "lat".into(),
        "source_file".into(),
    ]
    .to_vec();
    let mut out = FeatureTable {
        table: Report {
            columns,
            rows: Vec::new(),
        },
        ..Default::default()
    };
    for s in &engine.services {
        if request.category.as_ref().is_some_and(|c| c != &s.category) || request.tier.as_ref().is_some_and(|t| t != &s.tier) {
            continue;
        }
        if super::disclosure::is_sensitive(engine, s) {
            out.sensitive_withheld += 1;
            continue;
        }
        let area = s.areas.get(l).copied().flatten().map(|a| &level.areas[a]);
        let text = |v: Option<&str>| Cell::Text(v.map(String::from));
        out.table.rows.push(vec![
            text(Some(&s.id)),
            text(Some(&s.name)),
            text(Some(&s.category)),
            text(engine.categories.get(&s.category).map(|c| c.label.as_str())),
            text(Some(&s.tier)),
            text(s.partner.as_deref()),
            text(s.status.as_deref()),
            Cell::Number(Some(s.capacity)),
            text(area.map(|a| a.code.as_str())),
            text(area.map(|a| a.name.as_str())),
            Cell::Number(Some(s.wgs84.x)),
            Cell::Number(Some(s.wgs84.y)),
            text(Some(&s.source_file)),
        ]);
        out.wgs84.push(Geometry::Point(Point(s.wgs84)));
        out.bng.push(Geometry::Point(Point(s.bng)));
    }
    Ok(out)
}
