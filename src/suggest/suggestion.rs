//! The answer: chosen sites in order with their marginal gains, the
//! objective before and after, the parameters, and the result as a scenario.

use super::{solve, Objective, Prepared};
use crate::engine::Engine;
use crate::scenario::{Edit, Place, Scenario};

/// The request as answered.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Parameters {
    pub category: String,
    pub add: usize,
    pub objective: Objective,
    /// `20min` or `1600m`: the covering threshold (and the cost unit of p-median).
    pub threshold: String,
    /// `minutes` or `metres`.
    pub cost_unit: String,
    pub travel: String,
    /// How travel is measured (the gap analysis's estimated mode).
    pub mode: String,
    pub candidates: String,
    pub candidate_count: usize,
    /// The demand population id (`total`, `children`, ...).
    pub demand: String,
    pub need_weight: Option<String>,
    pub origin_level: String,
    pub origin_count: usize,
    pub existing_sites: usize,
    pub scenario: Option<String>,
}

/// Objective before and after, in `unit`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ObjectiveValues {
    /// In words, e.g. `children within 20min walk of a Family hub`.
    pub description: String,
    /// `people covered`, `children covered`, `person-minutes`, ...
    pub unit: String,
    /// With the existing sites only (`None` for p-median with no existing site).
    pub before: Option<f64>,
    pub after: f64,
    /// After greedy selection alone, before interchange.
    pub greedy: f64,
    pub swaps: usize,
    /// Total demand of all origins.
    pub total_demand: f64,
    /// Coverage: share of demand covered before/after.
    pub share_before: Option<f64>,
    pub share_after: Option<f64>,
}

/// One suggested site.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SuggestedSite {
    /// 1 = chosen first (largest gain).
    pub rank: usize,
    pub candidate_id: String,
    pub candidate_name: String,
    /// Name of the new site in the scenario.
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    pub easting: f64,
    pub northing: f64,
    /// Gain given the sites before it (`None` for the first p-median site when there was no site at all).
    pub gain: Option<f64>,
    /// `people covered`, `person-minutes saved`, ...
    pub gain_unit: String,
}

/// The suggestion JSON (`needmap suggest -o`, `GET /api/suggest`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    pub needmap_suggestion: u32,
    pub parameters: Parameters,
    pub method: String,
    pub objective: ObjectiveValues,
    pub sites: Vec<SuggestedSite>,
    pub notes: Vec<String>,
    /// The sites as `add` edits (not stored: POST it to save it).
    pub scenario: Scenario,
}

impl Prepared {
    fn who(&self) -> String {
        match (&self.demand.need_weight, self.demand.population_id.as_str()) {
            (Some(_), _) => "people in need".into(),
            (None, "children") => "children".into(),
            (None, p) if p == "total" => "people".into(),
            (None, p) => format!("people ({p})"),
        }
    }

    /// Solve and describe the answer.
    pub fn solve(&self, engine: &Engine) -> Suggestion {
        let q = &self.query;
        let s = solve(&self.problem, q.add);
        let total = self.demand.total();
        let reach = q.reach();
        let travel = format!("{} {}", reach.label(), q.travel.as_str());
        let no_base = q.objective == Objective::Pmedian && self.existing.is_empty();
        let who = self.who();
        let (unit, gain_unit, description, before, after, greedy) = match q.objective {
            Objective::Coverage => (
                format!("{who} covered"),
                format!("{who} covered"),
                format!("{who} within {travel} of a {}", self.category_label),
                Some(total - s.loss_before),
                total - s.loss_after,
                total - s.greedy_loss,
            ),
            Objective::Pmedian => {
                let u = if self.cost.unit() == "minutes" { "minutes" } else { "metres" };
                (
                    format!("{who} x {u}"),
                    format!("{who} x {u} saved"),
                    format!(
                        "total {} from {who} to the nearest {}",
                        if u == "minutes" { format!("{} minutes", q.travel.as_str()) } else { "straight-line metres".into() },
                        self.category_label
                    ),
                    (!no_base).then_some(s.loss_before),
                    s.loss_after,
                    s.greedy_loss,
                )
            }
        };
        let share = |v: f64| (q.objective == Objective::Coverage && total > 0.0).then(|| v / total);
        let sites: Vec<SuggestedSite> = s
            .chosen
            .iter()
            .zip(&s.gains)
            .enumerate()
            .map(|(k, (&j, &g))| {
                let c = &self.candidates.sites[j];
                SuggestedSite {
                    rank: k + 1,
                    candidate_id: c.id.clone(),
                    candidate_name: c.name.clone(),
                    name: format!("Suggested {} {} (near {})", self.category_label, k + 1, c.name),
                    lon: c.wgs84.x,
                    lat: c.wgs84.y,
                    easting: c.bng.x,
                    northing: c.bng.y,
                    gain: (!(no_base && k == 0)).then_some(g),
                    gain_unit: gain_unit.clone(),
                }
            })
            .collect();
        let mut notes = self.notes.clone();
        if sites.len() < q.add {
            notes.push(format!(
                "only {} of the {} site(s) asked for improve the objective: no other candidate reaches anyone not already served better",
                sites.len(),
                q.add
            ));
        }
        notes.push(format!(
            "travel is estimated from straight-line distance ({}); coverage and cost use the same travel model as `needmap gaps`",
            if self.cost.unit() == "minutes" { "walking or driving minutes" } else { "British National Grid metres" }
        ));
        let origin_level = engine.levels[self.demand.origins.level].id.clone();
        let mut scenario = Scenario::new(
            &format!("suggest-{}-{}-{}", q.category.replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'), "-").to_lowercase(), q.objective.as_str(), sites.len()),
            &format!("{} suggested {} site(s) ({}, {})", sites.len(), self.category_label, q.objective.as_str(), travel),
        );
        scenario.id.truncate(64);
        scenario.description = Some(format!(
            "Made by needmap suggest: {} of {} candidate(s) from {}, existing {} sites kept open. Objective {}: {}.",
            sites.len(),
            self.candidates.sites.len(),
            q.candidates.label(),
            self.existing.len(),
            q.objective.as_str(),
            description
        ));
        scenario.edits = sites
            .iter()
            .enumerate()
            .map(|(k, site)| Edit::Add {
                id: Some(format!("suggested-{}", k + 1)),
                name: site.name.clone(),
                category: q.category.clone(),
                tier: None,
                capacity: Some(1.0),
                place: Place::LonLat { lon: site.lon, lat: site.lat },
            })
            .collect();
        Suggestion {
            needmap_suggestion: 1,
            parameters: super::Parameters {
                category: q.category.clone(),
                add: q.add,
                objective: q.objective,
                threshold: reach.label(),
                cost_unit: self.cost.unit().into(),
                travel: q.travel.as_str().into(),
                mode: "estimated".into(),
                candidates: q.candidates.label(),
                candidate_count: self.candidates.sites.len(),
                demand: self.demand.population_id.clone(),
                need_weight: self.demand.need_weight.clone(),
                origin_level,
                origin_count: self.demand.origins.len(),
                existing_sites: self.existing.len(),
                scenario: q.scenario.clone(),
            },
            method: "greedy selection, then interchange (swap a chosen site for a candidate) until no swap improves; existing sites fixed as open".into(),
            objective: ObjectiveValues {
                description,
                unit,
                before,
                after,
                greedy,
                swaps: s.swaps,
                total_demand: total,
                share_before: before.and_then(share),
                share_after: share(after),
            },
            sites,
            notes,
            scenario,
        }
    }
}
