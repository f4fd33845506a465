//! The area table behind `/api/areas`, the area tiles and the OGC area
//! collections: the rows of [`crate::report::area_report`] (so every output
//! carries the same numbers), narrowed and extended by an [`AreaQuery`].
//!
//! The table is assembled from a list of [`ColumnSource`]s; the gap fields of
//! issue 3 are appended by [`merge_gap_columns`] without changing the shape of
//! any endpoint.

use super::errors::ServeError;
use super::query::{AreaQuery, GapMethod};
use crate::gaps::{GapContext, GapQuery, Method};
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
/// - then [`merge_gap_columns`] appends access and gap fields.
pub fn area_table(
    engine: &Engine,
    gaps: Option<&GapContext>,
    level: usize,
    base: &Report,
    q: &AreaQuery,
) -> Result<Report, ServeError> {
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
                    ColumnSource::SelectedCount => Cell::Count(selected.as_ref().map_or(0, |c| c[a])),
                    ColumnSource::SelectedPer10k => {
                        let n = selected.as_ref().map_or(0, |c| c[a]) as f64;
                        Cell::Number(population.get(a).copied().flatten().filter(|p| *p > 0.0).map(|p| n / p * 1e4))
                    }
                })
                .collect()
        })
        .collect();
    let mut table = Report { columns, rows };
    merge_gap_columns(engine, gaps, level, q, &mut table)?;
    Ok(table)
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

/// Services of the selected categories and tier per area of `level`
/// (sensitive services included: they count in areas, they are only never
/// shown at their location).
fn selected_counts(engine: &Engine, level: usize, q: &AreaQuery) -> Vec<u64> {
    let mut counts = vec![0u64; engine.levels[level].len()];
    for s in &engine.services {
        let cat_ok = q.categories.as_ref().is_none_or(|cs| cs.iter().any(|c| c == &s.category));
        let tier_ok = q.tier.as_ref().is_none_or(|t| t == &s.tier);
        if let (true, true, Some(Some(a))) = (cat_ok, tier_ok, s.areas.get(level)) {
            if let Some(c) = counts.get_mut(*a) {
                *c += 1;
            }
        }
    }
    counts
}

/// Append issue 3's access and gap fields (`need`, `nearest_m`, `nearest_min`,
/// `coverage_*`, `access_<method>`, `gap_score`, `gap_class`, `gap_rank`, ...)
/// when the query selects one service category and/or a tier. GeoJSON, tiles,
/// TileJSON fields and OGC items all take their columns from this table, so
/// nothing else changes shape.
///
/// The need indicator is the first selected score or rate (else `imd_score`);
/// the method is `method` (default `2sfca`), in estimated travel mode with the
/// default catchment. Where no gap can be computed (no service matches the
/// selection, several categories are selected) the table is returned without
/// gap fields, never an error: provision maps still work.
pub fn merge_gap_columns(
    engine: &Engine,
    gaps: Option<&GapContext>,
    level: usize,
    q: &AreaQuery,
    table: &mut Report,
) -> Result<(), ServeError> {
    let Some(ctx) = gaps else { return Ok(()) };
    let category = match q.categories.as_deref() {
        Some([one]) => Some(one.clone()),
        Some(_) => return Ok(()),
        None => None,
    };
    if category.is_none() && q.tier.is_none() {
        return Ok(());
    }
    let indicator = q
        .indicators
        .iter()
        .flatten()
        .map(|&k| &engine.indicators[k])
        .find(|i| !i.is_ordinal())
        .map(|i| i.id.clone())
        .unwrap_or_else(|| "imd_score".to_string());
    let query = GapQuery {
        level: engine.levels[level].id.clone(),
        category,
        tier: q.tier.clone(),
        indicator,
        method: match q.method.unwrap_or(GapMethod::TwoStep) {
            GapMethod::Nearest => Method::Nearest,
            GapMethod::TwoStep => Method::TwoStep,
            GapMethod::EnhancedTwoStep => Method::Enhanced,
        },
        ..GapQuery::default()
    };
    let gap = match crate::gaps::compute_with(engine, ctx, &query) {
        Ok(t) => t.to_report(),
        Err(e) => {
            tracing::debug!("no gap fields for {query:?}: {e}");
            return Ok(());
        }
    };
    let Some(code_col) = gap.column("code") else { return Ok(()) };
    let by_code: std::collections::HashMap<String, &Vec<Cell>> =
        gap.rows.iter().map(|r| (r[code_col].render(), r)).collect();
    let extra: Vec<usize> = (0..gap.columns.len())
        .filter(|&c| !table.columns.contains(&gap.columns[c]))
        .collect();
    table.columns.extend(extra.iter().map(|&c| gap.columns[c].clone()));
    for row in &mut table.rows {
        let code = row[0].render();
        let found = by_code.get(&code);
        row.extend(extra.iter().map(|&c| match found {
            Some(r) => r[c].clone(),
            None => Cell::Text(None),
        }));
    }
    Ok(())
}

/// Whether the access and gap fields are computed by this build.
pub const GAPS_AVAILABLE: bool = true;
