//! Site suggestion: where should the next N sites of a category go, with
//! every existing site kept open?
//!
//! Two objectives over the same origins as `gaps` (the finest level's
//! representative points, [`demand`]) and the same estimated travel model
//! (`GapContext.travel`: BNG straight-line metres, walking or driving
//! minutes):
//! - `coverage` ([`coverage`]): the maximal covering location problem, the
//!   demand within the threshold of some site;
//! - `pmedian` ([`pmedian`]): the total demand-weighted travel cost to the
//!   nearest site.
//!
//! Candidates come from [`candidates`]; [`solve`] runs greedy selection plus
//! interchange. The answer ([`Suggestion`]) lists the chosen sites in order
//! with each one's marginal gain, the objective before and after, and a
//! scenario of `add` edits that the scenario store and the browser accept.

mod candidates;
mod coverage;
mod demand;
mod dump;
mod error;
mod pmedian;
mod reach;
mod solve;
mod suggestion;

pub use candidates::{candidates, Candidate, CandidateSpec, Candidates, MAX_FILE_CANDIDATES, MAX_GRID_CELLS};
pub use coverage::covering_problem;
pub use demand::{demand, Demand, DemandKind};
pub use error::SuggestError;
pub use pmedian::median_problem;
pub use reach::{Cost, Reach};
pub use solve::{solve, Problem, Solution};
pub use suggestion::{ObjectiveValues, Parameters, SuggestedSite, Suggestion};

use error::bad;

use crate::engine::Engine;
use crate::gaps::{default_unmet_minutes, GapContext, GapError, Travel};
use crate::index::ServiceIndex;

/// Most sites one suggestion may add.
pub const MAX_ADD: usize = 100;

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Maximise the demand within the threshold (maximal covering).
    Coverage,
    /// Minimise the total demand-weighted travel to the nearest site (p-median).
    Pmedian,
}

impl Objective {
    pub fn as_str(&self) -> &'static str {
        match self {
            Objective::Coverage => "coverage",
            Objective::Pmedian => "pmedian",
        }
    }
}

/// One suggestion request.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SuggestQuery {
    pub category: String,
    /// Number of new sites (1 to [`MAX_ADD`]).
    pub add: usize,
    pub objective: Objective,
    /// Covering threshold, and the unit of travel cost; default
    /// [`default_unmet_minutes`] minutes (20 walking, 15 driving).
    pub threshold: Option<Reach>,
    pub candidates: CandidateSpec,
    /// Default: the population the category serves.
    pub demand: Option<DemandKind>,
    /// Need indicator that weights demand (people in need).
    pub need_weight: Option<String>,
    pub travel: Travel,
    /// The scenario applied before (for the record; the engine passed in is the scenario's).
    pub scenario: Option<String>,
}

impl SuggestQuery {
    /// A coverage query with the default threshold, demand and walking.
    pub fn new(category: &str, add: usize, candidates: CandidateSpec) -> SuggestQuery {
        SuggestQuery {
            category: category.into(),
            add,
            objective: Objective::Coverage,
            threshold: None,
            candidates,
            demand: None,
            need_weight: None,
            travel: Travel::Walk,
            scenario: None,
        }
    }

    pub fn reach(&self) -> Reach {
        self.threshold.unwrap_or(Reach::Minutes(default_unmet_minutes(self.travel)))
    }
}

/// A checked instance, ready to solve (or to write out for the spopt check).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub query: SuggestQuery,
    pub category_label: String,
    pub demand: Demand,
    /// Engine positions of the existing (open, non-sensitive) sites of the category.
    pub existing: Vec<usize>,
    pub candidates: Candidates,
    pub cost: Cost,
    pub problem: Problem,
    pub notes: Vec<String>,
}

/// Check the query and build the instance.
pub fn prepare(engine: &Engine, ctx: &GapContext, q: &SuggestQuery) -> Result<Prepared, SuggestError> {
    let known = |it: &mut dyn Iterator<Item = &String>| it.map(String::as_str).collect::<Vec<_>>().join(", ");
    let category = engine.categories.get(&q.category).ok_or_else(|| GapError::UnknownCategory {
        category: q.category.clone(),
        known: known(&mut engine.categories.keys()),
    })?;
    if category.sensitive {
        return Err(GapError::SensitiveCategory {
            category: category.id.clone(),
            min_population: engine.manifest.disclosure.sensitive_min_population,
        }
        .into());
    }
    if q.add == 0 || q.add > MAX_ADD {
        return Err(bad("add", q.add, format!("the number of new sites must be 1 to {MAX_ADD}")));
    }
    let reach = q.reach();
    if !(reach.value().is_finite() && reach.value() > 0.0) {
        return Err(bad("threshold", reach.label(), "must be a positive number of minutes or metres"));
    }
    let mut notes = Vec::new();
    let demand = demand::demand(engine, category, q.demand, q.need_weight.as_deref())?;
    notes.extend(demand.notes.iter().cloned());
    let (existing, sensitive): (Vec<usize>, Vec<usize>) =
        engine.services.iter().enumerate().filter(|(_, s)| s.category == q.category).map(|(i, _)| i).partition(|&i| !engine.services[i].sensitive);
    if !sensitive.is_empty() {
        notes.push(format!("{} sensitive site(s) of `{}` are left out of the existing sites", sensitive.len(), q.category));
    }
    if existing.is_empty() {
        notes.push(format!("there are no existing `{}` sites: every site is new", q.category));
    }
    let candidates = candidates::candidates(engine, &q.candidates, &q.category)?;
    notes.extend(candidates.notes.iter().cloned());
    if candidates.sites.len() < q.add {
        notes.push(format!("only {} candidate(s) for {} new site(s)", candidates.sites.len(), q.add));
    }
    let cost = Cost {
        model: ctx.travel.clone(),
        travel: q.travel,
        reach,
    };
    let origins: Vec<geo::Coord<f64>> = demand.origins.bng().collect();
    let existing_index = ServiceIndex::new(existing.iter().enumerate().map(|(k, &i)| (k, engine.services[i].bng)));
    let candidate_index = ServiceIndex::new(candidates.sites.iter().enumerate().map(|(k, c)| (k, c.bng)));
    let n = candidates.sites.len();
    let problem = match q.objective {
        Objective::Coverage => covering_problem(&origins, &demand.weight, &existing_index, &candidate_index, n, &cost),
        Objective::Pmedian => median_problem(&origins, &demand.weight, &existing_index, &candidate_index, n, &cost),
    };
    Ok(Prepared {
        query: q.clone(),
        category_label: category.label.clone(),
        demand,
        existing,
        candidates,
        cost,
        problem,
        notes,
    })
}

/// Suggest sites: [`prepare`] then solve.
pub fn suggest(engine: &Engine, ctx: &GapContext, q: &SuggestQuery) -> Result<Suggestion, SuggestError> {
    Ok(prepare(engine, ctx, q)?.solve(engine))
}

impl Prepared {
    /// Write the instance as CSV for an independent solver (see [`dump`]).
    pub fn write_csv(&self, engine: &Engine, dir: &std::path::Path) -> Result<(), SuggestError> {
        dump::write_problem(self, engine, dir)
    }
}
