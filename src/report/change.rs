//! Need over time: the change between two vintages A -> B of an indicator
//! series (`series`/`vintage` in the manifest) for every area of one level.
//!
//! - **Score change**: B - A of the population-weighted mean score, as the
//!   engine aggregates scores (at the published level, the area's own scores).
//! - **Decile change** (published level only): B - A of the national decile.
//!   Deciles are never averaged: at coarser levels the measure is the change
//!   of the **population share in deciles 1-2** (the most deprived 20%
//!   nationally), counted over the published areas with a decile in both
//!   vintages (so an area without one, such as an LSOA split between
//!   editions, is left out of both shares, not counted as a change).
//! - **Class** ([`ChangeClass`]): at the published level, the decile moved
//!   down (more deprived) = need rose, moved up = need fell, same decile = no
//!   change; no decile in either vintage = no data. At coarser levels, the
//!   deciles 1-2 share rose by at least [`SHARE_TOLERANCE`] = need rose, fell
//!   by at least that = need fell, else no change.
//!
//! Ranks from different editions are never compared: the editions rank
//! different numbers of areas (32,844 LSOAs in 2015 and 2019, 33,755 in
//! 2025), and deciles are relative to England in each edition.

use super::{Cell, Report};
use crate::analyse::low_decile_share;
use crate::model::{Series, Vintage};
use crate::Engine;

/// Change in the deciles 1-2 population share (0-1) below which a coarser
/// area counts as "no change": 5 percentage points.
pub const SHARE_TOLERANCE: f64 = 0.05;

/// Highest national decile counted as "most deprived" by the coarser-level
/// measure (deciles 1-2: the most deprived 20% nationally).
pub const LOW_DECILES: u8 = 2;

/// The legend's caveat: what the change does and does not compare.
pub const CHANGE_CAVEAT: &str = "Ranks of different editions are not compared; deciles are relative to England in each edition.";

/// Why a change cannot be computed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ChangeError {
    #[error("the dataset has no indicator series; mark indicators with `series` and `vintage` in the manifest (see README, Dataset manifest)")]
    NoSeries,
    #[error("unknown series `{series}`; series are: {known}")]
    UnknownSeries { series: String, known: String },
    #[error("series `{series}` has no vintage `{vintage}`; its vintages are: {known}")]
    UnknownVintage { series: String, vintage: String, known: String },
    #[error("the change needs two different vintages; `{vintage}` was given as both --from and --to")]
    SameVintage { vintage: String },
    #[error("unknown level `{level}`; levels are: {known}")]
    UnknownLevel { level: String, known: String },
    #[error("series `{series}` vintage {vintage} has neither a score nor a decile indicator, so no change can be measured; give it one in the manifest")]
    NothingToCompare { series: String, vintage: String },
    #[error("series `{series}` is not offered at level `{level}` (published at `{published}`; an indicator is offered at its published level and coarser levels); choose one of: {offered}")]
    NotOffered { series: String, level: String, published: String, offered: String },
}

/// One change request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ChangeQuery {
    /// Series id; `None`: the manifest's first series.
    pub series: Option<String>,
    /// Vintage A (from).
    pub from: String,
    /// Vintage B (to).
    pub to: String,
    /// Level id.
    pub level: String,
}

/// Whether need rose, fell or stayed between the two vintages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ChangeClass {
    NeedRose,
    NoChange,
    NeedFell,
    /// A decile (or deciles 1-2 share) is missing in a vintage.
    NoData,
}

impl ChangeClass {
    /// `need-rose`, `no-change`, `need-fell`, `no-data`.
    pub fn label(&self) -> &'static str {
        match self {
            ChangeClass::NeedRose => "need-rose",
            ChangeClass::NoChange => "no-change",
            ChangeClass::NeedFell => "need-fell",
            ChangeClass::NoData => "no-data",
        }
    }

    /// Words for legends: "need rose", ...
    pub fn words(&self) -> &'static str {
        match self {
            ChangeClass::NeedRose => "need rose",
            ChangeClass::NoChange => "no change",
            ChangeClass::NeedFell => "need fell",
            ChangeClass::NoData => "no data",
        }
    }

    /// The classes in legend order.
    pub const ALL: [ChangeClass; 4] = [ChangeClass::NeedRose, ChangeClass::NoChange, ChangeClass::NeedFell, ChangeClass::NoData];
}

/// The change of one area.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaChange {
    pub score_from: Option<f64>,
    pub score_to: Option<f64>,
    /// B - A of the (population-weighted mean) score.
    pub score_change: Option<f64>,
    /// National deciles (published level only).
    pub decile_from: Option<f64>,
    pub decile_to: Option<f64>,
    /// B - A of the decile (negative: more deprived).
    pub decile_change: Option<f64>,
    /// Population share (0-1) in deciles 1-2, over published areas with a decile in both vintages.
    pub low_share_from: Option<f64>,
    pub low_share_to: Option<f64>,
    pub low_share_change: Option<f64>,
    pub class: ChangeClass,
    /// 1 = need rose most (see [`NeedChange::rank`]).
    pub rank: Option<u32>,
}

/// The change A -> B of a series for every area of a level.
#[derive(Debug, Clone)]
pub struct NeedChange {
    pub series: String,
    pub from: String,
    pub to: String,
    /// Level index and id.
    pub level: usize,
    pub level_id: String,
    /// Whether both deciles are published at this level (class by decile
    /// change) rather than coarser (class by the deciles 1-2 share).
    pub published_level: bool,
    /// Area codes, names and changes, in level order.
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub areas: Vec<AreaChange>,
    /// Published-level areas with a decile missing in either vintage (not
    /// counted as a change).
    pub unknown_published: usize,
    /// Plain-language notes (the rule, the caveat).
    pub notes: Vec<String>,
}

/// The series named `id` (or the first one) of the engine.
pub fn find_series(engine: &Engine, id: Option<&str>) -> Result<Series, ChangeError> {
    let all = Series::of(&engine.indicators);
    if all.is_empty() {
        return Err(ChangeError::NoSeries);
    }
    match id {
        None => Ok(all.into_iter().next().expect("not empty")),
        Some(id) => {
            let known = all.iter().map(|s| s.id.as_str()).collect::<Vec<_>>().join(", ");
            all.into_iter().find(|s| s.id == id.trim()).ok_or(ChangeError::UnknownSeries { series: id.into(), known })
        }
    }
}

fn vintage<'a>(s: &'a Series, label: &str) -> Result<&'a Vintage, ChangeError> {
    let v = s.vintage(label).ok_or_else(|| ChangeError::UnknownVintage {
        series: s.id.clone(),
        vintage: label.into(),
        known: s.labels(),
    })?;
    if v.score.is_none() && v.decile.is_none() {
        return Err(ChangeError::NothingToCompare { series: s.id.clone(), vintage: v.label.clone() });
    }
    Ok(v)
}

fn diff(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(b? - a?)
}

/// Compute the change for `q`.
pub fn need_change(engine: &Engine, q: &ChangeQuery) -> Result<NeedChange, ChangeError> {
    let series = find_series(engine, q.series.as_deref())?;
    let a = vintage(&series, &q.from)?;
    let b = vintage(&series, &q.to)?;
    if a.label == b.label {
        return Err(ChangeError::SameVintage { vintage: a.label.clone() });
    }
    let level = engine.level_index(&q.level).ok_or_else(|| ChangeError::UnknownLevel {
        level: q.level.clone(),
        known: engine.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
    })?;
    let used: Vec<usize> = [a.score, b.score, a.decile, b.decile].into_iter().flatten().collect();
    if let Some(&k) = used.iter().find(|&&k| !engine.offers(k, level)) {
        let offered = (0..engine.levels.len())
            .filter(|&l| used.iter().all(|&k| engine.offers(k, l)))
            .map(|l| engine.levels[l].id.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ChangeError::NotOffered {
            series: series.id.clone(),
            level: q.level.clone(),
            published: engine.indicators[k].published_level.clone(),
            offered: if offered.is_empty() { "no level".into() } else { offered },
        });
    }
    let n = engine.levels[level].len();
    let values = &engine.values[level];
    let score = |k: Option<usize>| -> Vec<Option<f64>> { k.map_or_else(|| vec![None; n], |k| values.indicators[k].clone()) };
    let (score_a, score_b) = (score(a.score), score(b.score));

    // Deciles: both vintages' decile indicators, published at one level.
    let deciles = match (a.decile, b.decile) {
        (Some(da), Some(db)) if engine.indicators[da].published_level == engine.indicators[db].published_level => Some((da, db)),
        _ => None,
    };
    let mut published_level = false;
    let mut unknown_published = 0;
    let (mut dec_a, mut dec_b) = (vec![None; n], vec![None; n]);
    let (mut low_a, mut low_b) = (vec![None; n], vec![None; n]);
    if let Some((da, db)) = deciles {
        let p = engine.level_index(&engine.indicators[da].published_level).expect("published level exists");
        let src_a = &engine.values[p].indicators[da];
        let src_b = &engine.values[p].indicators[db];
        unknown_published = src_a.iter().zip(src_b).filter(|(x, y)| x.is_none() || y.is_none()).count();
        // Only published areas with a decile in both vintages count.
        let both = |src: &[Option<f64>]| -> Vec<Option<f64>> {
            src.iter().zip(src_a.iter().zip(src_b)).map(|(v, (x, y))| if x.is_some() && y.is_some() { *v } else { None }).collect()
        };
        let (ma, mb) = (both(src_a), both(src_b));
        let weight_id = &engine.indicators[da].weight;
        let weight = engine.population_of(p, weight_id).map(|w| w.to_vec()).unwrap_or_else(|| engine.population(p).to_vec());
        let overlay = engine.overlay(p, level);
        low_a = low_decile_share(&overlay, &ma, &weight, n, LOW_DECILES);
        low_b = low_decile_share(&overlay, &mb, &weight, n, LOW_DECILES);
        if p == level {
            published_level = true;
            dec_a = src_a.clone();
            dec_b = src_b.clone();
        }
    }

    let mut areas: Vec<AreaChange> = (0..n)
        .map(|i| {
            let decile_change = diff(dec_a[i], dec_b[i]);
            let low_share_change = diff(low_a[i], low_b[i]);
            let class = if published_level {
                match decile_change {
                    Some(d) if d < 0.0 => ChangeClass::NeedRose,
                    Some(d) if d > 0.0 => ChangeClass::NeedFell,
                    Some(_) => ChangeClass::NoChange,
                    None => ChangeClass::NoData,
                }
            } else {
                match low_share_change {
                    Some(s) if s >= SHARE_TOLERANCE - 1e-12 => ChangeClass::NeedRose,
                    Some(s) if s <= -SHARE_TOLERANCE + 1e-12 => ChangeClass::NeedFell,
                    Some(_) => ChangeClass::NoChange,
                    None => ChangeClass::NoData,
                }
            };
            AreaChange {
                score_from: score_a[i],
                score_to: score_b[i],
                score_change: diff(score_a[i], score_b[i]),
                decile_from: dec_a[i],
                decile_to: dec_b[i],
                decile_change,
                low_share_from: low_a[i],
                low_share_to: low_b[i],
                low_share_change,
                class,
                rank: None,
            }
        })
        .collect();
    let ranks = rank(&areas, published_level);
    for (area, r) in areas.iter_mut().zip(ranks) {
        area.rank = r;
    }
    let l = &engine.levels[level];
    let rule = if published_level {
        format!(
            "class: the national decile moved down from {} to {} = need rose, up = need fell, same = no change; {unknown_published} area(s) without a decile in both vintages are no data",
            a.label, b.label
        )
    } else {
        format!(
            "class: the population share in deciles 1-{LOW_DECILES} (most deprived {}% nationally) rose by at least {} percentage points = need rose, fell by at least that = need fell, else no change",
            LOW_DECILES as u32 * 10,
            SHARE_TOLERANCE * 100.0
        )
    };
    Ok(NeedChange {
        series: series.id.clone(),
        from: a.label.clone(),
        to: b.label.clone(),
        level,
        level_id: l.id.clone(),
        published_level,
        codes: l.areas.iter().map(|a| a.code.clone()).collect(),
        names: l.areas.iter().map(|a| a.name.clone()).collect(),
        areas,
        unknown_published,
        notes: vec![
            rule,
            "score change: B - A of the population-weighted mean score".into(),
            CHANGE_CAVEAT.into(),
        ],
    })
}

/// Rank by how much need rose (1 = most): at the published level by the
/// decile change (most negative first), at coarser levels by the deciles 1-2
/// share change (largest rise first); ties by the score change (largest rise
/// first), then level order. Areas with no data get no rank.
pub fn rank(areas: &[AreaChange], published_level: bool) -> Vec<Option<u32>> {
    let key = |a: &AreaChange| -> Option<(f64, f64)> {
        let primary = if published_level { -a.decile_change? } else { a.low_share_change? };
        Some((primary, a.score_change.unwrap_or(f64::NEG_INFINITY)))
    };
    let mut order: Vec<(usize, (f64, f64))> = areas.iter().enumerate().filter_map(|(i, a)| key(a).map(|k| (i, k))).collect();
    order.sort_by(|(i, x), (j, y)| y.0.total_cmp(&x.0).then(y.1.total_cmp(&x.1)).then(i.cmp(j)));
    let mut out = vec![None; areas.len()];
    for (r, (i, _)) in order.into_iter().enumerate() {
        out[i] = Some(r as u32 + 1);
    }
    out
}

/// The change columns, in order (see [`NeedChange::cells`]).
pub const CHANGE_COLUMNS: [&str; 11] = [
    "change_score_from",
    "change_score_to",
    "change_score",
    "change_decile_from",
    "change_decile_to",
    "change_decile",
    "change_low_share_from",
    "change_low_share_to",
    "change_low_share",
    "change_class",
    "change_rank",
];

impl NeedChange {
    /// The cells of area `i` for [`CHANGE_COLUMNS`].
    pub fn cells(&self, i: usize) -> Vec<Cell> {
        let a = &self.areas[i];
        vec![
            Cell::Number(a.score_from),
            Cell::Number(a.score_to),
            Cell::Number(a.score_change),
            Cell::Number(a.decile_from),
            Cell::Number(a.decile_to),
            Cell::Number(a.decile_change),
            Cell::Number(a.low_share_from),
            Cell::Number(a.low_share_to),
            Cell::Number(a.low_share_change),
            Cell::Text(Some(a.class.label().into())),
            a.rank.map_or(Cell::Number(None), |r| Cell::Count(r.into())),
        ]
    }

    /// Append the change columns to `table`, joined on its `code` column.
    pub fn append_to(&self, table: &mut Report) {
        let by_code: std::collections::HashMap<&str, usize> = self.codes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
        let code_col = table.column("code");
        table.columns.extend(CHANGE_COLUMNS.iter().map(|c| c.to_string()));
        for row in &mut table.rows {
            let i = code_col.and_then(|c| match row.get(c) {
                Some(Cell::Text(Some(code))) => by_code.get(code.as_str()).copied(),
                _ => None,
            });
            match i {
                Some(i) => row.extend(self.cells(i)),
                None => row.extend(CHANGE_COLUMNS.iter().map(|c| if *c == "change_class" { Cell::Text(None) } else { Cell::Number(None) })),
            }
        }
    }

    /// Areas per class, in [`ChangeClass::ALL`] order.
    pub fn class_counts(&self) -> Vec<(ChangeClass, usize)> {
        ChangeClass::ALL.iter().map(|c| (*c, self.areas.iter().filter(|a| a.class == *c).count())).collect()
    }

    /// The table: `code`, `name`, `place`, `population`, then
    /// [`CHANGE_COLUMNS`].
    pub fn to_report(&self, engine: &Engine) -> Report {
        let mut columns: Vec<String> = ["code", "name", "place", "population"].map(String::from).to_vec();
        columns.extend(CHANGE_COLUMNS.iter().map(|c| c.to_string()));
        let population = engine.population(self.level);
        let rows = (0..self.areas.len())
            .map(|i| {
                let mut row = vec![
                    Cell::Text(Some(self.codes[i].clone())),
                    Cell::Text(Some(self.names[i].clone())),
                    Cell::Text(engine.place_of(self.level, i).map(String::from)),
                    Cell::Number(population.get(i).copied().flatten()),
                ];
                row.extend(self.cells(i));
                row
            })
            .collect();
        Report { columns, rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(decile_change: Option<f64>, low: Option<f64>, score: Option<f64>) -> AreaChange {
        AreaChange {
            score_from: None,
            score_to: None,
            score_change: score,
            decile_from: None,
            decile_to: None,
            decile_change,
            low_share_from: None,
            low_share_to: None,
            low_share_change: low,
            class: ChangeClass::NoData,
            rank: None,
        }
    }

    #[test]
    fn published_rank_puts_the_largest_fall_in_decile_first() {
        let areas = [area(Some(0.0), None, Some(5.0)), area(Some(-2.0), None, Some(1.0)), area(None, None, Some(9.0)), area(Some(-2.0), None, Some(3.0))];
        assert_eq!(rank(&areas, true), vec![Some(3), Some(2), None, Some(1)]);
    }

    #[test]
    fn coarser_rank_puts_the_largest_rise_in_low_share_first() {
        let areas = [area(None, Some(0.1), Some(0.0)), area(None, Some(0.3), Some(-1.0)), area(None, Some(0.1), Some(2.0))];
        assert_eq!(rank(&areas, false), vec![Some(3), Some(1), Some(2)]);
    }

    #[test]
    fn class_words_and_labels() {
        assert_eq!(ChangeClass::NeedRose.label(), "need-rose");
        assert_eq!(ChangeClass::NeedFell.words(), "need fell");
    }
}
