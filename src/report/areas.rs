//! The area report: one row per area with population, indicators and provision.

use super::{Cell, Report, ReportError};
use crate::engine::Engine;

/// Build the report for level `level_id`.
///
/// Columns: `code`, `name`, `parent_code`, `population`, other populations as
/// `pop_<id>`, one column per indicator id, `<decile id>1_pop_share` for each
/// decile indicator, `services_<category>`, `services_tier_<tier>`,
/// `services_total`, `services_per_10k`, `services_children_per_1k`, and
/// `place`: for areas with a statistical name (LSOAs, OAs) the place they lie
/// in (the nearest ancestor with a place name, such as the ward).
pub fn area_report(engine: &Engine, level_id: &str) -> Result<Report, ReportError> {
    let l = engine.level_index(level_id).ok_or_else(|| ReportError::UnknownLevel {
        level: level_id.to_string(),
        known: engine.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
    })?;
    let level = &engine.levels[l];
    let values = &engine.values[l];
    let provision = &engine.provision[l];
    let total = &engine.manifest.dataset.total_population;

    let mut columns: Vec<String> = ["code", "name", "parent_code", "population"].map(String::from).to_vec();
    let other_pops: Vec<&String> = engine.populations.iter().filter(|p| *p != total).collect();
    columns.extend(other_pops.iter().map(|p| format!("pop_{p}")));
    columns.extend(engine.indicators.iter().map(|i| i.id.clone()));
    let decile_cols: Vec<(usize, String)> = engine
        .indicators
        .iter()
        .enumerate()
        .filter_map(|(k, i)| i.decile1_column().map(|c| (k, c)))
        .collect();
    columns.extend(decile_cols.iter().map(|(_, c)| c.clone()));
    columns.extend(provision.by_category.keys().map(|c| format!("services_{c}")));
    columns.extend(provision.by_tier.keys().map(|t| format!("services_tier_{t}")));
    columns.extend(["services_total", "services_per_10k", "services_children_per_1k", "place"].map(String::from));

    let mut rows = Vec::with_capacity(level.len());
    for (a, area) in level.areas.iter().enumerate() {
        let mut row = vec![
            Cell::Text(Some(area.code.clone())),
            Cell::Text(Some(area.name.clone())),
            Cell::Text(engine.parent_code(l, a).map(String::from)),
            Cell::Number(values.populations.get(total).and_then(|p| p[a])),
        ];
        row.extend(other_pops.iter().map(|p| Cell::Number(values.populations[*p][a])));
        row.extend(values.indicators.iter().map(|v| Cell::Number(v[a])));
        row.extend(decile_cols.iter().map(|(k, _)| Cell::Number(values.decile1[k][a])));
        row.extend(provision.by_category.iter().map(|(c, v)| {
            let sensitive = engine.categories.get(c).is_some_and(|c| c.sensitive);
            if sensitive && provision.withheld[a] {
                Cell::Number(None)
            } else {
                Cell::Count(v[a] as u64)
            }
        }));
        row.extend(provision.by_tier.values().map(|v| Cell::Count(v[a] as u64)));
        row.push(Cell::Count(provision.total[a] as u64));
        row.push(Cell::Number(provision.per_10k[a]));
        row.push(Cell::Number(provision.children_per_1k[a]));
        row.push(Cell::Text(engine.place_of(l, a).map(String::from)));
        rows.push(row);
    }
    Ok(Report { columns, rows })
}
