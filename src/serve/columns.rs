//! The area table behind `/api/areas`, the area tiles and the OGC area
//! collections: the rows of [`crate::report::area_report`] (so every output
//! carries the same numbers), narrowed and extended by an [`AreaQuery`].
//!
//! The table is assembled from a list of [`ColumnSource`]s; the gap fields of
//! issue 3 are appended by [`merge_gap_columns`] without changing the shape of
//! any endpoint.

use super::errors::ServeError;
use super::query::AreaQuery;
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
pub fn area_table(engine: &Engine, level: usize, base: &Report, q: &AreaQuery) -> Result<Report, ServeError> {
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
    merge_gap_columns(engine, level, q, &mut table)?;
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

/// ISSUE 3 MERGE POINT: append the access and gap fields to `table`.
///
/// When `needmap::gaps::compute(&Engine, &GapQuery) -> GapTable` exists, this
/// function builds a `GapQuery` from `q` (categories, tier, method), computes
/// the gap table for `level` and appends its per-area columns
/// (`access_2sfca`/`access_e2sfca`, `nearest_m`, `nearest_min`, `coverage_*`,
/// `gap_score`, `gap_class`, `gap_rank`) joined on the area code. Nothing else
/// in the server needs to change: GeoJSON, tiles, TileJSON fields and OGC
/// items all take their columns from this table.
///
/// Until then the engine has no access model, so no gap columns are added and
/// `/api/meta` reports `"gaps": {"available": false}`.
pub fn merge_gap_columns(_engine: &Engine, _level: usize, _q: &AreaQuery, _table: &mut Report) -> Result<(), ServeError> {
    Ok(())
}

/// Whether the access and gap fields are computed by this build.
pub const GAPS_AVAILABLE: bool = false;
