//! Demand: the people each origin stands for, optionally weighted by need.
//!
//! Origins are the representative points of the finest level (as in
//! `gaps::origins`); demand is the category's population (`total` or
//! `children`, default the population the category serves), or with
//! `--need-weight INDICATOR` the people in need there as `gaps::need` counts
//! them (population x rate, a count, or deciles 1-2).

use super::SuggestError;
use crate::engine::Engine;
use crate::gaps::{people_in_need, GapError, InNeed, Origins};
use crate::model::Category;

/// Which population is the demand (`--demand`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemandKind {
    /// The dataset's total population.
    Total,
    /// The dataset's child population.
    Children,
}

impl DemandKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DemandKind::Total => "total",
            DemandKind::Children => "children",
        }
    }
}

/// Origins with their demand.
#[derive(Debug, Clone)]
pub struct Demand {
    pub origins: Origins,
    /// Demand per origin (0 when unknown).
    pub weight: Vec<f64>,
    /// The population id used.
    pub population_id: String,
    /// The need indicator id when need-weighted.
    pub need_weight: Option<String>,
    pub notes: Vec<String>,
}

impl Demand {
    pub fn total(&self) -> f64 {
        self.weight.iter().sum()
    }
}

/// Demand at the finest level's origins for `category`.
pub fn demand(engine: &Engine, category: &Category, kind: Option<DemandKind>, need_weight: Option<&str>) -> Result<Demand, SuggestError> {
    let d = &engine.manifest.dataset;
    let population_id = match kind {
        None => category.serves.clone(),
        Some(DemandKind::Total) => d.total_population.clone(),
        Some(DemandKind::Children) => d.child_population.clone(),
    };
    let level = engine.levels.len().checked_sub(1).ok_or_else(|| SuggestError::NoCandidates { reason: "the dataset has no levels".into() })?;
    let origins = Origins::new(engine, level, &population_id);
    let mut notes = Vec::new();
    if origins.missing_population > 0 {
        notes.push(format!(
            "{} {} area(s) have no `{population_id}` population: demand 0",
            origins.missing_population, engine.levels[level].id
        ));
    }
    let (weight, need_id) = match need_weight {
        None => (origins.demand.clone(), None),
        Some(id) => {
            let k = engine.indicator_index(id).ok_or_else(|| GapError::UnknownIndicator {
                indicator: id.to_string(),
                known: engine.indicators.iter().map(|i| i.id.as_str()).collect::<Vec<_>>().join(", "),
            })?;
            InNeed::of(&engine.indicators[k]).map_err(|reason| GapError::NotANeed { indicator: id.to_string(), reason })?;
            let people = people_in_need(engine, &origins, k, &population_id)?;
            notes.push(format!("demand = {}", people.rule.describe(&engine.indicators[k])));
            if people.unknown > 0 {
                notes.push(format!(
                    "{} {} origin(s) have no `{id}` value: demand 0 there",
                    people.unknown, engine.levels[level].id
                ));
            }
            (people.per_origin.iter().map(|p| p.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0)).collect(), Some(id.to_string()))
        }
    };
    Ok(Demand {
        origins,
        weight,
        population_id,
        need_weight: need_id,
        notes,
    })
}
