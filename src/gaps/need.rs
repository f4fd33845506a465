//! People in need: how a need indicator becomes a number of people.
//!
//! Unmet need counts people, so the chosen indicator must say how many of an
//! area's residents are in need ([`InNeed::of`]):
//!
//! - a **count** (`children_income_deprived_2019`) is that number of people;
//! - a **rate in %** (`income_score_pct`) or a **score** read as points per
//!   100 residents (`imd_score`, `imd2025_score`) gives population x value / 100;
//! - a **share** (unit `share`, 0-1, e.g. IMD 2025 income score) gives
//!   population x value;
//! - a **decile** (national, 1 = most deprived) gives the population of areas in
//!   deciles 1-2 (the most deprived 20% of the country).
//!
//! Indicators that say nothing about a number of people (ranks, rates per
//! 1,000 events, years, or any indicator where higher is better other than a
//! decile) are refused with the reason.
//!
//! The rate of an area published for a coarser level applies to each origin
//! inside it: an OA's people in need are its share of its LSOA's, never a
//! figure shown as measured for the OA.

use super::{GapError, Origins};
use crate::dataset::{Direction, IndicatorKind};
use crate::engine::Engine;
use crate::model::Indicator;

/// How an indicator value becomes a share of the served population in need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InNeed {
    /// The value is a number of people.
    Count,
    /// Population x value / 100 (percentages, and scores read per 100 residents).
    PerHundred,
    /// Population x value (a proportion 0-1).
    Share,
    /// Population of areas in national deciles 1 and 2.
    Deciles1To2,
}

impl InNeed {
    /// How `indicator` counts people in need, or why it cannot.
    ///
    /// ```
    /// use needmap::gaps::InNeed;
    /// use needmap::dataset::{Direction, IndicatorKind};
    /// let mut i = needmap::model::Indicator {
    ///     id: "income_score_pct".into(), label: "Income".into(), unit: "%".into(), kind: IndicatorKind::Rate,
    ///     direction: Direction::HigherIsWorse, weight: "total".into(), published_level: "lsoa".into(), source_file: "x.csv".into(), series: None,
    /// };
    /// assert_eq!(InNeed::of(&i), Ok(InNeed::PerHundred));
    /// i.unit = "years".into();
    /// assert!(InNeed::of(&i).unwrap_err().contains("years"));
    /// ```
    pub fn of(indicator: &Indicator) -> Result<InNeed, String> {
        let worse = indicator.direction == Direction::HigherIsWorse;
        let unit = indicator.unit.trim().to_lowercase();
        match indicator.kind {
            IndicatorKind::Decile => Ok(InNeed::Deciles1To2),
            IndicatorKind::Count if worse => Ok(InNeed::Count),
            IndicatorKind::Score if worse => Ok(InNeed::PerHundred),
            IndicatorKind::Rate if worse && (unit == "%" || unit.starts_with("percent")) => Ok(InNeed::PerHundred),
            IndicatorKind::Rate if worse && (unit == "share" || unit == "proportion" || unit == "rate 0-1") => Ok(InNeed::Share),
            IndicatorKind::Rank => Err("a rank says nothing about how many people are in need".into()),
            _ if !worse => Err("higher values mean less need, so they cannot be read as a number of people in need".into()),
            _ => Err(format!(
                "its unit `{}` is not a number of people, a percentage (`%`) or a share (`share`), so it cannot be read as people in need",
                indicator.unit
            )),
        }
    }

    /// Share of the served population in need at a published value (`Count`:
    /// the count over the served population of the published area).
    fn rate(&self, value: f64, served: f64) -> Option<f64> {
        match self {
            InNeed::Count => (served > 0.0).then(|| value / served),
            InNeed::PerHundred => Some(value / 100.0),
            InNeed::Share => Some(value),
            InNeed::Deciles1To2 => Some(if value.round() <= 2.0 { 1.0 } else { 0.0 }),
        }
    }

    /// One sentence for notes and legends.
    pub fn describe(&self, indicator: &Indicator) -> String {
        match self {
            InNeed::Count => format!("people in need = {} (a count)", indicator.label),
            InNeed::PerHundred => format!("people in need = population x {} / 100", indicator.label),
            InNeed::Share => format!("people in need = population x {} (a share 0-1)", indicator.label),
            InNeed::Deciles1To2 => format!("people in need = people living in national deciles 1-2 of {}", indicator.label),
        }
    }
}

/// People in need per origin, and how many origins have no need value.
#[derive(Debug, Clone, PartialEq)]
pub struct PeopleInNeed {
    pub per_origin: Vec<Option<f64>>,
    pub unknown: usize,
    pub rule: InNeed,
}

/// People in need at every origin: each origin's served population, split
/// over the areas of the indicator's published level by area share (a
/// postcode unit: wholly in the area holding it), times the in-need rate of
/// each such area.
pub fn people_in_need(engine: &Engine, origins: &Origins, indicator: usize, population_id: &str) -> Result<PeopleInNeed, GapError> {
    let ind = &engine.indicators[indicator];
    let rule = InNeed::of(ind).map_err(|reason| GapError::NotANeed {
        indicator: ind.id.clone(),
        reason,
    })?;
    let published = engine.level_index(&ind.published_level).ok_or_else(|| GapError::UnknownLevel {
        level: ind.published_level.clone(),
        known: engine.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", "),
    })?;
    let values = &engine.values[published].indicators[indicator];
    let served = engine.population_of(published, population_id);
    let rates: Vec<Option<f64>> = values
        .iter()
        .enumerate()
        .map(|(a, v)| {
            let v = v.filter(|v| v.is_finite())?;
            let s = served.and_then(|p| p[a]).filter(|s| s.is_finite()).unwrap_or(0.0);
            rule.rate(v, s).filter(|r| r.is_finite() && *r >= 0.0)
        })
        .collect();
    let n = origins.len();
    let mut per_origin: Vec<Option<f64>> = vec![None; n];
    for (o, a, share) in origins.pieces_in(engine, published) {
        if let Some(r) = rates[a] {
            *per_origin[o].get_or_insert(0.0) += origins.demand[o] * share * r;
        }
    }
    let unknown = per_origin.iter().filter(|v| v.is_none()).count();
    Ok(PeopleInNeed { per_origin, unknown, rule })
}
