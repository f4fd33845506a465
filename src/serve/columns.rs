//! The area table behind `/api/areas`, the area tiles and the OGC area
//! collections: the rows of [`crate::report::area_report`] (so every output
//! carries the same numbers), narrowed and extended by an [`AreaQuery`].
//!
//! The table is assembled from a list of [`ColumnSource`]s; the gap fields of
//! issue 3 are appended by [`merge_gap_columns`] without changing the shape of
//! any endpoint.

use std::collections::HashMap;

use super::errors::ServeError;
use super::query::{AreaQuery, GapMethod};
use crate::gaps::{GapContext, GapError, GapQuery, GapTable, Method};
use crate::report::{Cell, Report};
use crate::Engine;

/// Where one column of the area table comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnSource {
    /// A column of the area report, by position.
    Report(usize),
    /// Services matching the `category`/`tier` selection in the area.
    SelectedCount,
    /// The same per 10,000 residents (total population).
    SelectedPer10k,
}

/// Name of the selected-provision count column.
pub const SELECTED_COUNT: &str = "services_selected";
/// Name of the selected-provision rate column.
pub const SELECTED_PER_10K: &str = "services_selected_per_10k";

/// Build the area table of level `level` (engine index) for query `q`, from
/// that level's area report `base`.
///
/// - `indicator=a,b` keeps only those indicators (and their decile-1 shares);
///   code, name, parent, populations and provision columns are always kept;
/// - `category`/`tier` add [`SELECTED_COUNT`] and [`SELECTED_PER_10K`];
/// - then [`merge_gap_columns`] appends access and gap fields when a `method`
///   or a single `category` is given.
pub fn area_table(engine: &Engine, ctx: &GapContext, level: usize, base: &Report, q: &AreaQuery) -> Result<Report, ServeError> {
    let sources = column_sources(engine, base, q);
    let selected = (q.categories.is_some() || q.tier.is_some()).then(|| selected_counts(engine, level, q));
    let population = engine.population(level);
    let mut columns = Vec::with_capacity(sources.len());
    for s in &sources {
        columns.push(match s {
            ColumnSource::Report(i) => base.columns[*i].clone(),
            ColumnSource::SelectedCount => SELECTED_COUNT.to_string(),
            ColumnSource::SelectedPer10k => SELECTED_PER_10K.to_string(),
        });
    }
    let rows = base
        .rows
        .iter()
        .enumerate()
        .map(|(a, row)| {
            sources
                .iter()
                .map(|s| match s {
                    ColumnSource::Report(i) => row[*i].clone(),
                    ColumnSource::SelectedCount => match selected.as_ref().map_or(Some(0), |c| c[a]) {
                        Some(n) => Cell::Count(n),
                        None => Cell::Number(None),
                    },
                    ColumnSource::SelectedPer10k => Cell::Number(selected.as_ref().map_or(Some(0), |c| c[a]).and_then(|n| {
                        population.get(a).copied().flatten().filter(|p| *p > 0.0).map(|p| n as f64 / p * 1e4)
                    })),
                })
                .collect()
        })
        .collect();
    let mut table = Report { columns, rows };
    let gaps = merge_gap_columns(engine, ctx, level, q, &mut table)?;
    merge_change_columns(engine, level, q, gaps.as_ref(), &mut table)?;
    Ok(table)
}

/// `table` narrowed to `code` and the columns that depend on the services (the
/// provision counts, the selection, access and gap fields): what a scenario can
/// change. The area's own fields (name, parent, populations, indicators and their
/// decile shares, place) are left out; a client that holds them asks only for this.
pub fn services_only(engine: &Engine, table: &Report) -> Report {
    let mut fixed: std::collections::HashSet<String> =
        ["name", "parent_code", "population", "place"].map(String::from).into_iter().collect();
    fixed.extend(engine.populations.iter().map(|p| format!("pop_{p}")));
    for ind in &engine.indicators {
        fixed.insert(ind.id.clone());
        fixed.extend(ind.decile1_column());
    }
    let keep: Vec<usize> = (0..table.columns.len()).filter(|&i| !fixed.contains(&table.columns[i])).collect();
    Report {
        columns: keep.iter().map(|&i| table.columns[i].clone()).collect(),
        rows: table.rows.iter().map(|r| keep.iter().map(|&i| r[i].clone()).collect()).collect(),
    }
}

/// The columns to output, in order.
pub fn column_sources(engine: &Engine, base: &Report, q: &AreaQuery) -> Vec<ColumnSource> {
    let mut dropped: Vec<String> = Vec::new();
    if let Some(keep) = &q.indicators {
        for (k, ind) in engine.indicators.iter().enumerate() {
            if !keep.contains(&k) {
                dropped.push(ind.id.clone());
                dropped.extend(ind.decile1_column());
            }
        }
    }
    let mut sources: Vec<ColumnSource> = base
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !dropped.contains(c))
        .map(|(i, _)| ColumnSource::Report(i))
        .collect();
    if q.categories.is_some() || q.tier.is_some() {
        sources.push(ColumnSource::SelectedCount);
        sources.push(ColumnSource::SelectedPer10k);
    }
    sources
}

/// Services of the selected categories and tier per area of `level`, counted
/// as the area report counts them ([`Engine::counted_area`]: sensitive
/// services only in areas large enough not to locate them). Where every
/// selected category is sensitive and the area too small, the count is not
/// given (None) rather than a misleading 0.
fn selected_counts(engine: &Engine, level: usize, q: &AreaQuery) -> Vec<Option<u64>> {
    let mut counts = vec![0u64; engine.levels[level].len()];
    for s in &engine.services {
        let cat_ok = q.categories.as_ref().is_none_or(|cs| cs.iter().any(|c| c == &s.category));
        let tier_ok = q.tier.as_ref().is_none_or(|t| t == &s.tier);
        if let (true, true, Some(a)) = (cat_ok, tier_ok, engine.counted_area(s, level)) {
            if let Some(c) = counts.get_mut(a) {
                *c += 1;
            }
        }
    }
    let only_sensitive = q
        .categories
        .as_ref()
        .is_some_and(|cs| cs.iter().all(|c| engine.categories.get(c).is_some_and(|c| c.sensitive)));
    let withheld = &engine.provision[level].withheld;
    counts.into_iter().enumerate().map(|(a, n)| (!(only_sensitive && withheld[a])).then_some(n)).collect()
}

/// Whether the query asks for access and gap fields: when a `method` is
/// given, or a single `category` (with the default method, 2SFCA) that is not
/// sensitive (a sensitive category alone gives its counts; with a `method` it
/// is refused by [`crate::gaps`]).
pub fn wants_gaps(engine: &Engine, q: &AreaQuery) -> bool {
    q.method.is_some()
        || q.travel.is_some()
        || q.origins.is_some()
        || q.catchment.is_some()
        || q.categories.as_deref().is_some_and(|c| match c {
            [one] => !engine.categories.get(one).is_some_and(|c| c.sensitive),
            _ => false,
        })
}

/// The gap query for an area query at `level`.
pub fn gap_query(engine: &Engine, level: usize, q: &AreaQuery) -> Result<GapQuery, ServeError> {
    let category = match q.categories.as_deref() {
        Some([one]) => Some(one.clone()),
        Some(_) => {
            return Err(ServeError::bad(
                "category",
                "access and gap fields are computed for one category at a time; give one category (or a tier), or leave out `method`",
            ))
        }
        None => None,
    };
    if category.is_none() && q.tier.is_none() {
        return Err(ServeError::bad("category", "access and gap fields need services: give a `category` and/or a `tier` with `method`, `travel` or `catchment`"));
    }
    let defaults = GapQuery::default();
    // Need: the first selected indicator offered here that counts people in
    // need; else the first selected one, so that the gap analysis refuses it
    // with its reason; with none selected, the category's default (the
    // manifest's need_indicator / child_need_indicator).
    let indicator = q.indicators.as_ref().and_then(|ks| {
        ks.iter()
            .copied()
            .find(|&k| engine.offers(k, level) && crate::gaps::InNeed::of(&engine.indicators[k]).is_ok())
            .or(ks.first().copied())
            .map(|k| engine.indicators[k].id.clone())
    });
    Ok(GapQuery {
        level: engine.levels[level].id.clone(),
        category,
        tier: q.tier.clone(),
        indicator,
        method: match q.method {
            Some(GapMethod::Nearest) => Method::Nearest,
            Some(GapMethod::TwoStep) => Method::TwoStep,
            Some(GapMethod::EnhancedTwoStep) => Method::Enhanced,
            None => defaults.method,
        },
        travel: q.travel.unwrap_or(defaults.travel),
        catchment: match &q.catchment {
            Some(label) => super::query::parse_catchment(label)?,
            None => defaults.catchment,
        },
        origin_points: q.origins.unwrap_or_default(),
        ..defaults
    })
}

/// The answer to a gap-analysis error (400 naming the parameter, or 404 for a level).
pub fn gap_error(e: GapError) -> ServeError {
    let msg = e.to_string();
    match e {
        GapError::UnknownCategory { .. } | GapError::NoFilter | GapError::NoServices { .. } | GapError::SensitiveCategory { .. } => {
            ServeError::bad("category", msg)
        }
        GapError::UnknownTier { .. } => ServeError::bad("tier", msg),
        GapError::UnknownIndicator { .. } | GapError::NotPublishedAt { .. } | GapError::NotANeed { .. } => ServeError::bad("indicator", msg),
        GapError::BadParameter { name, .. } => ServeError::bad(&name, msg),
        GapError::NoPostcodes { .. } => ServeError::bad("origins", msg),
        GapError::UnknownLevel { level, known } => ServeError::UnknownLevel { level, known },
        other => ServeError::Internal(other.to_string()),
    }
}

/// Append the access and gap fields of issue 3 to `table`, when the query
/// asks for them ([`wants_gaps`]).
///
/// Runs [`crate::gaps::compute_with`] for the level (estimated travel; the
/// context is built once per server) and appends every column of its table
/// except `code` and `name`, joined on the area code: `nearest_m`,
/// `nearest_min`, `nearest3_m`, `nearest3_min`, `mode`, `travel`,
/// `coverage_*`, `access_2sfca`/`access_e2sfca`, `in_need`, `unmet_need`,
/// `unmet_need_per_1k`, `gap_class`, `gap_rank`, and so on. Names already in the table (`population`, ...) get
/// a `gap_` prefix. GeoJSON, tiles, TileJSON fields and OGC items all take
/// their columns from this table, so none of them changes shape.
///
/// Returns the gap table (for [`merge_change_columns`]' emerging gaps).
pub fn merge_gap_columns(engine: &Engine, ctx: &GapContext, level: usize, q: &AreaQuery, table: &mut Report) -> Result<Option<GapTable>, ServeError> {
    if !wants_gaps(engine, q) {
        return Ok(None);
    }
    let gq = gap_query(engine, level, q)?;
    let gap_table = crate::gaps::compute_with(engine, ctx, &gq).map_err(gap_error)?;
    let gaps = gap_table.to_report();
    let code_col = gaps.column("code").ok_or_else(|| ServeError::Internal("gap table has no code column".into()))?;
    let by_code: HashMap<&str, &Vec<Cell>> = gaps
        .rows
        .iter()
        .filter_map(|r| match r.get(code_col) {
            Some(Cell::Text(Some(c))) => Some((c.as_str(), r)),
            _ => None,
        })
        .collect();
    let keep: Vec<usize> = (0..gaps.columns.len()).filter(|&i| gaps.columns[i] != "code" && gaps.columns[i] != "name").collect();
    for &i in &keep {
        let c = &gaps.columns[i];
        let name = if table.columns.contains(c) { format!("gap_{c}") } else { c.clone() };
        table.columns.push(name);
    }
    let table_code = table.column("code").ok_or_else(|| ServeError::Internal("area table has no code column".into()))?;
    for row in &mut table.rows {
        let code = match row.get(table_code) {
            Some(Cell::Text(Some(c))) => c.clone(),
            _ => String::new(),
        };
        let gap_row = by_code.get(code.as_str());
        for &i in &keep {
            row.push(gap_row.and_then(|r| r.get(i).cloned()).unwrap_or_else(|| match gaps.rows.first().and_then(|r| r.get(i)) {
                Some(Cell::Text(_)) => Cell::Text(None),
                _ => Cell::Number(None),
            }));
        }
    }
    Ok(Some(gap_table))
}

/// Append the change columns of need over time
/// ([`crate::report::change::CHANGE_COLUMNS`]: score, decile and deciles
/// 1-2 share change, `change_class`, `change_rank`) when the query gives
/// `change_from` and `change_to`; with the gap fields of one category also
/// `emerging_gap` (1 = need rose and access in the lowest tercile, see
/// [`crate::report::emerging`]). A level where the series is not offered
/// is a 400 naming the levels where it is.
pub fn merge_change_columns(engine: &Engine, level: usize, q: &AreaQuery, gaps: Option<&GapTable>, table: &mut Report) -> Result<(), ServeError> {
    let Some(sel) = &q.change else { return Ok(()) };
    let change = crate::report::need_change(engine, &sel.at(&engine.levels[level].id)).map_err(|e| ServeError::bad("change_from", e.to_string()))?;
    change.append_to(table);
    if let Some(gaps) = gaps.filter(|g| g.query.category.is_some()) {
        crate::report::emerging_gaps(&change, gaps).append_emerging_column(&change, table);
    }
    Ok(())
}

/// Whether the access and gap fields are computed by this build.
pub const GAPS_AVAILABLE: bool = true;

/// How access is measured for the gap fields of `q` at `level`, for the
/// answer's `selection` member (the web app's access sentence): method,
/// travel, the floating catchment as given and in both metres and minutes
/// (estimated travel), and the nearest method's unmet-need threshold.
pub fn access_description(state: &super::app::AppState, level: usize, q: &AreaQuery) -> Result<Option<serde_json::Value>, ServeError> {
    if !wants_gaps(&state.engine, q) {
        return Ok(None);
    }
    let g = gap_query(&state.engine, level, q)?;
    let travel = &state.gap_context.travel;
    let (metres, minutes) = match g.catchment {
        crate::gaps::Catchment::Km(km) => (km * 1000.0, travel.minutes(g.travel, km * 1000.0)),
        crate::gaps::Catchment::Minutes(m) => (travel.radius_m(g.travel, m), m),
    };
    Ok(Some(serde_json::json!({
        "method": g.method.as_str(),
        "travel": g.travel.as_str(),
        "catchment": g.catchment.label(),
        "catchment_m": metres,
        "catchment_minutes": minutes,
        "unmet_minutes": g.unmet_minutes.unwrap_or(crate::gaps::default_unmet_minutes(g.travel)),
    })))
}
