//! The committee summary of a comparison: numbers and sentences.
//!
//! Every district figure is computed from the origins (output areas or
//! whichever origin level the query uses), never from area means, so the
//! numbers add up: people newly within a threshold split by decile sum to
//! the total, and the change of unmet need is the sum of the origins'
//! changes. Populations are the origins' total and child populations.

use std::collections::HashMap;

use serde::Serialize;

use super::compare::{AreaChange, Delta, Status};
use super::ScenarioError;
use crate::engine::Engine;
use crate::gaps::{GapClass, GapTable, Tercile};

/// How many of the most improved areas the summary names.
pub const MOST_IMPROVED: usize = 5;

/// People gained and lost within one threshold, in one group of origins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Reach {
    /// Residents newly within the threshold.
    pub gained_population: f64,
    /// Residents no longer within it.
    pub lost_population: f64,
    pub gained_children: f64,
    pub lost_children: f64,
}

impl Reach {
    fn add(&mut self, gained: bool, lost: bool, population: f64, children: f64) {
        if gained {
            self.gained_population += population;
            self.gained_children += children;
        }
        if lost {
            self.lost_population += population;
            self.lost_children += children;
        }
    }
}

/// [`Reach`] of the origins in one national decile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecileReach {
    /// 1 = most deprived 10% nationally; `None` = no decile known.
    pub decile: Option<u8>,
    #[serde(flatten)]
    pub reach: Reach,
}

/// Change within one coverage threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdChange {
    pub threshold: String,
    #[serde(flatten)]
    pub reach: Reach,
    /// Share of the served population within the threshold.
    pub share: Delta,
    /// By national decile of the origin (empty without an equity indicator).
    pub by_decile: Vec<DecileReach>,
}

/// An area named in the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaNote {
    pub code: String,
    pub name: String,
    pub unmet_need: Delta,
    pub access: Delta,
}

/// A service whose catchment becomes more over-subscribed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatioChange {
    pub id: String,
    pub name: String,
    /// Supply-to-demand ratio (capacity per person in the catchment).
    pub ratio: Delta,
}

/// What a committee paper needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub level: String,
    pub origin_level: String,
    pub category: Option<String>,
    pub method: String,
    pub thresholds: Vec<ThresholdChange>,
    /// Indicator whose deciles split `by_decile` (None: no split).
    pub equity_indicator: Option<String>,
    /// District unmet need (sum over origins).
    pub unmet_need: Delta,
    /// High-need/low-access areas of the query's level.
    pub gap_areas: [usize; 2],
    pub improved: usize,
    pub worse: usize,
    pub unchanged: usize,
    /// The areas that improve most (largest fall of unmet need, then of access).
    pub most_improved: Vec<AreaNote>,
    /// Every area that gets worse.
    pub worse_areas: Vec<AreaNote>,
    /// Services whose 2SFCA ratio falls, largest relative fall first
    /// (sensitive sites never listed).
    pub oversubscribed: Vec<RatioChange>,
    /// The summary in words, one sentence per point.
    pub sentences: Vec<String>,
    pub notes: Vec<String>,
}

/// A whole number with thousands separators: `12,345`.
///
/// ```
/// use needmap::scenario::thousands;
/// assert_eq!(thousands(1234567.4), "1,234,567");
/// assert_eq!(thousands(-1500.0), "-1,500");
/// assert_eq!(thousands(0.4), "0");
/// ```
pub fn thousands(v: f64) -> String {
    let r = v.round();
    let digits = format!("{}", r.abs() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if r < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

fn percent(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "unknown".into())
}

fn covered(r: &crate::gaps::GapRow, t: usize) -> bool {
    r.coverage.get(t).copied().flatten().is_some_and(|c| c > 0.5)
}

/// Per origin: (decile or None, share of the origin) pieces.
fn origin_deciles(engine: &Engine, origin_level: usize, indicator: usize) -> Vec<Vec<(Option<u8>, f64)>> {
    let n = engine.levels[origin_level].len();
    let ind = &engine.indicators[indicator];
    let Some(published) = engine.level_index(&ind.published_level) else { return vec![vec![(None, 1.0)]; n] };
    let values = &engine.values[published].indicators[indicator];
    let decile = |a: usize| values.get(a).copied().flatten().filter(|v| v.is_finite() && (0.5..10.5).contains(v)).map(|v| v.round() as u8);
    let mut out = vec![Vec::new(); n];
    if published == origin_level {
        for (o, slot) in out.iter_mut().enumerate() {
            slot.push((decile(o), 1.0));
        }
    } else {
        for p in &engine.overlay(origin_level, published).pieces {
            out[p.source].push((decile(p.target), p.share));
        }
    }
    for pieces in &mut out {
        let placed: f64 = pieces.iter().map(|(_, s)| s).sum();
        if placed < 1.0 - 1e-9 {
            pieces.push((None, 1.0 - placed));
        }
    }
    out
}

/// Build the summary from the query-level rows and the origin-level tables.
pub(super) fn summarise(
    base: &Engine,
    scenario: &Engine,
    (query_table, query_after): (&GapTable, &GapTable),
    origins_before: &GapTable,
    origins_after: &GapTable,
    ratios: (&GapTable, &GapTable),
    rows: &[AreaChange],
) -> Result<Summary, ScenarioError> {
    let mut notes = Vec::new();
    let q = &query_table.query;
    let origin_level = base.level_index(&origins_before.origin_level).ok_or_else(|| ScenarioError::Invalid {
        message: format!("origin level `{}` is not a level of the dataset", origins_before.origin_level),
        origin: String::new(),
    })?;
    let n = origins_before.rows.len().min(origins_after.rows.len());
    let zero = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0);
    let total = base.population(origin_level);
    let children = base.population_of(origin_level, &base.manifest.dataset.child_population);
    let pop = |o: usize| zero(total.get(o).copied().flatten());
    let kids = |o: usize| zero(children.and_then(|c| c.get(o).copied().flatten()));

    // ---- equity split
    let equity = base.manifest.dataset.equity_decile_indicator.clone();
    let deciles = match &equity {
        None => {
            notes.push("no `[dataset] equity_decile_indicator` in dataset.toml: gains are not split by deprivation decile".into());
            None
        }
        Some(id) => match base.indicator_index(id) {
            Some(k) => Some(origin_deciles(base, origin_level, k)),
            None => {
                notes.push(format!("`[dataset] equity_decile_indicator` names `{id}`, which is not an indicator: gains are not split by decile"));
                None
            }
        },
    };

    // ---- thresholds
    let mut thresholds = Vec::new();
    for (t, label) in origins_before.threshold_labels.iter().enumerate() {
        let mut reach = Reach::default();
        let mut by: HashMap<Option<u8>, Reach> = HashMap::new();
        for o in 0..n {
            let (b, a) = (covered(&origins_before.rows[o], t), covered(&origins_after.rows[o], t));
            let (gained, lost) = (a && !b, b && !a);
            if !(gained || lost) {
                continue;
            }
            reach.add(gained, lost, pop(o), kids(o));
            if let Some(d) = &deciles {
                for &(decile, share) in &d[o] {
                    by.entry(decile).or_default().add(gained, lost, pop(o) * share, kids(o) * share);
                }
            }
        }
        let mut by_decile: Vec<DecileReach> = by.into_iter().map(|(decile, reach)| DecileReach { decile, reach }).collect();
        by_decile.sort_by_key(|d| d.decile.unwrap_or(u8::MAX));
        thresholds.push(ThresholdChange {
            threshold: label.clone(),
            reach,
            share: Delta::new(
                query_table.district.coverage.get(t).copied().flatten(),
                query_after.district.coverage.get(t).copied().flatten(),
            ),
            by_decile,
        });
    }

    // ---- unmet need, gap areas, statuses
    // District figures of the query's own tables are sums over its origins (the
    // need indicator may not be offered at the origin level itself).
    let unmet_need = Delta::new(query_table.district.unmet_need, query_after.district.unmet_need);
    let gap = GapClass::Class { need: Tercile::High, access: Tercile::Low }.label();
    let gap_areas = [0, 1].map(|i| rows.iter().filter(|r| r.gap_class[i] == gap).count());
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    let note = |r: &AreaChange| AreaNote { code: r.code.clone(), name: r.name.clone(), unmet_need: r.unmet_need, access: r.access };
    let by_gain = |a: &&AreaChange, b: &&AreaChange| {
        let u = |r: &AreaChange| r.unmet_need.change.unwrap_or(0.0);
        let x = |r: &AreaChange| r.access.change.unwrap_or(0.0);
        let (a, b): (&AreaChange, &AreaChange) = (a, b);
        u(a).total_cmp(&u(b)).then(x(b).total_cmp(&x(a))).then(a.code.cmp(&b.code))
    };
    let mut improved: Vec<&AreaChange> = rows.iter().filter(|r| r.status == Status::Improved).collect();
    improved.sort_by(by_gain);
    let most_improved: Vec<AreaNote> = improved.iter().take(MOST_IMPROVED).map(|r| note(r)).collect();
    let mut worse: Vec<&AreaChange> = rows.iter().filter(|r| r.status == Status::Worse).collect();
    worse.sort_by(|a, b| by_gain(b, a));
    let worse_areas: Vec<AreaNote> = worse.iter().map(|r| note(r)).collect();

    // ---- over-subscribed catchments (matched by service id; sensitive sites never named)
    let (rb, ra) = ratios;
    let after_ratio: HashMap<&str, f64> = ra.service_ratios.iter().map(|&(i, r)| (scenario.services[i].id.as_str(), r)).collect();
    let mut oversubscribed: Vec<RatioChange> = rb
        .service_ratios
        .iter()
        .filter(|(i, _)| !base.services[*i].sensitive)
        .filter_map(|&(i, before)| {
            let s = &base.services[i];
            let after = *after_ratio.get(s.id.as_str())?;
            let ratio = Delta::new(Some(before), Some(after));
            (ratio.direction() < 0).then(|| RatioChange { id: s.id.clone(), name: s.name.clone(), ratio })
        })
        .collect();
    let fall = |r: &RatioChange| r.ratio.scenario.unwrap_or(0.0) / r.ratio.baseline.unwrap_or(1.0).max(f64::MIN_POSITIVE);
    oversubscribed.sort_by(|a, b| fall(a).total_cmp(&fall(b)).then(a.id.cmp(&b.id)));

    let level_plural = base.level(&q.level).map(|l| l.plural_name()).unwrap_or_else(|| q.level.clone());
    let mut s = Summary {
        level: q.level.clone(),
        origin_level: origins_before.origin_level.clone(),
        category: q.category.clone(),
        method: q.method.as_str().into(),
        thresholds,
        equity_indicator: deciles.as_ref().and(equity),
        unmet_need,
        gap_areas,
        improved: count(Status::Improved),
        worse: count(Status::Worse),
        unchanged: count(Status::Unchanged),
        most_improved,
        worse_areas,
        oversubscribed,
        sentences: Vec::new(),
        notes,
    };
    s.sentences = sentences(&s, &level_plural, base);
    Ok(s)
}

/// The summary in words.
fn sentences(s: &Summary, level_plural: &str, engine: &Engine) -> Vec<String> {
    let mut out = Vec::new();
    let what = s
        .category
        .as_ref()
        .map(|c| engine.categories.get(c).map(|c| c.label.clone()).unwrap_or_else(|| c.clone()))
        .unwrap_or_else(|| "the chosen services".into());
    for t in &s.thresholds {
        let r = &t.reach;
        let mut line = format!(
            "Within {} of {what}: {} more residents ({} children) and {} fewer ({} children); the share of the served population within reach goes from {} to {}.",
            t.threshold,
            thousands(r.gained_population),
            thousands(r.gained_children),
            thousands(r.lost_population),
            thousands(r.lost_children),
            percent(t.share.baseline),
            percent(t.share.scenario)
        );
        if r.gained_population > 0.0 && !t.by_decile.is_empty() {
            let most_deprived: f64 = t.by_decile.iter().filter(|d| d.decile.is_some_and(|d| d <= 2)).map(|d| d.reach.gained_population).sum();
            line.push_str(&format!(
                " Of those gaining, {} ({:.0}%) live in the most deprived 20% of England (national deciles 1-2).",
                thousands(most_deprived),
                most_deprived / r.gained_population * 100.0
            ));
        }
        out.push(line);
    }
    match (s.unmet_need.baseline, s.unmet_need.scenario) {
        (Some(b), Some(a)) => {
            let d = a - b;
            let verb = if s.unmet_need.direction() < 0 {
                format!("falls by {}", thousands(-d))
            } else if s.unmet_need.direction() > 0 {
                format!("rises by {}", thousands(d))
            } else {
                "does not change".into()
            };
            out.push(format!("Unmet need {verb} people (from {} to {}).", thousands(b), thousands(a)));
        }
        _ => out.push("Unmet need is not known at this level (no need indicator is offered here).".into()),
    }
    out.push(format!(
        "High-need/low-access {level_plural}: {} in the baseline, {} in the scenario. {}",
        s.gap_areas[0],
        s.gap_areas[1],
        status_sentence(s, level_plural)
    ));
    out.extend(area_sentences(s, level_plural));
    out
}

/// How many areas improve, get worse, or are unchanged.
pub(super) fn status_sentence(s: &Summary, level_plural: &str) -> String {
    format!("{} {level_plural} improve, {} get worse, {} are unchanged.", s.improved, s.worse, s.unchanged)
}

/// The most improved and the worse areas by name, and the services whose
/// catchments become more over-subscribed.
pub(super) fn area_sentences(s: &Summary, level_plural: &str) -> Vec<String> {
    let mut out = Vec::new();
    let named = |a: &AreaNote| match a.unmet_need.change {
        Some(c) if c != 0.0 => format!("{} (unmet need {}{})", a.name, if c > 0.0 { "+" } else { "" }, thousands(c)),
        _ => a.name.clone(),
    };
    if !s.most_improved.is_empty() {
        out.push(format!("Most improved: {}.", s.most_improved.iter().map(named).collect::<Vec<_>>().join(", ")));
    }
    if s.worse_areas.is_empty() {
        out.push(format!("None of the {level_plural} gets worse."));
    } else {
        out.push(format!("Worse: {}.", s.worse_areas.iter().map(named).collect::<Vec<_>>().join(", ")));
    }
    if s.oversubscribed.is_empty() {
        out.push("No existing service's catchment becomes more over-subscribed.".into());
    } else {
        let list: Vec<String> = s
            .oversubscribed
            .iter()
            .take(10)
            .map(|r| format!("{} ({:.3} -> {:.3} per 1,000 people)", r.name, r.ratio.baseline.unwrap_or(0.0) * 1000.0, r.ratio.scenario.unwrap_or(0.0) * 1000.0))
            .collect();
        let more = s.oversubscribed.len().saturating_sub(10);
        out.push(format!(
            "{} service(s) become more over-subscribed (capacity per 1,000 people in the catchment falls): {}{}.",
            s.oversubscribed.len(),
            list.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        ));
    }
    out
}
