//! `GET /api/suggest?category=&add=&objective=&threshold=&candidates=&demand=&need_weight=&travel=`:
//! suggested sites as the suggestion JSON of `needmap suggest -o` (its
//! `scenario` member can be POSTed to `/api/scenarios` to save it). With
//! `scenario=ID` the scenario's sites are the existing ones (the request is
//! answered by that scenario's view). At most [`MAX_ADD_HTTP`] sites; runs
//! under the downloads work limit (503 when busy) on a blocking thread.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

use super::app::AppState;
use super::errors::ServeError;
use super::query::Params;
use crate::gaps::{GapContext, Travel};
use crate::suggest::{self, CandidateSpec, DemandKind, Objective, Reach, SuggestError, SuggestQuery};

/// Most sites one request may add.
pub const MAX_ADD_HTTP: usize = 20;

fn one_of<T: Copy>(params: &Params, name: &str, words: &[(&str, T)], default: T) -> Result<T, ServeError> {
    match params.get(name)? {
        None => Ok(default),
        Some(v) => words.iter().find(|(w, _)| *w == v).map(|(_, t)| *t).ok_or_else(|| {
            ServeError::bad(name, format!("`{v}` is not valid for `{name}`: expected one of {}", words.iter().map(|w| w.0).collect::<Vec<_>>().join(", ")))
        }),
    }
}

/// The query of a request.
pub fn query_of(params: &Params) -> Result<SuggestQuery, ServeError> {
    let category = params.get("category")?.ok_or_else(|| ServeError::bad("category", "give the category of the new sites, e.g. category=family_hub"))?;
    let add = match params.get("add")? {
        None => 1,
        Some(v) => v.parse::<usize>().ok().filter(|n| (1..=MAX_ADD_HTTP).contains(n)).ok_or_else(|| {
            ServeError::bad("add", format!("`{v}`: the number of new sites must be a whole number 1 to {MAX_ADD_HTTP}"))
        })?,
    };
    let candidates = CandidateSpec::parse(params.get("candidates")?.unwrap_or("grid:500m")).map_err(|e| ServeError::bad("candidates", e.to_string()))?;
    if let CandidateSpec::File(p) = &candidates {
        return Err(ServeError::bad(
            "candidates",
            format!("`{}`: candidate files are read by `needmap suggest` only; over HTTP use services:CATEGORY,... or grid:SIZE", p.display()),
        ));
    }
    Ok(SuggestQuery {
        category: category.to_string(),
        add,
        objective: one_of(params, "objective", &[("coverage", Objective::Coverage), ("pmedian", Objective::Pmedian)], Objective::Coverage)?,
        threshold: params.get("threshold")?.map(Reach::parse).transpose().map_err(|e| ServeError::bad("threshold", e.to_string()))?,
        candidates,
        demand: one_of(params, "demand", &[("total", Some(DemandKind::Total)), ("children", Some(DemandKind::Children))], None)?,
        need_weight: params.get("need_weight")?.map(str::to_string),
        travel: one_of(params, "travel", &[("walk", Travel::Walk), ("drive", Travel::Drive)], Travel::Walk)?,
        scenario: params.get("scenario")?.map(str::to_string),
    })
}

fn suggest_error(e: SuggestError) -> ServeError {
    let msg = e.to_string();
    match e {
        SuggestError::Gap(g) => super::columns::gap_error(g),
        SuggestError::BadParameter { name, .. } => ServeError::bad(&name, msg),
        SuggestError::BadCandidates { .. } | SuggestError::SensitiveCandidates { .. } | SuggestError::NoCandidates { .. } => ServeError::bad("candidates", msg),
        SuggestError::CandidateFile { .. } | SuggestError::CandidateRow { .. } | SuggestError::Write { .. } => ServeError::Internal(msg),
    }
}

/// `GET /api/suggest`.
pub async fn suggest(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Result<Response, ServeError> {
    let params = Params::parse(raw.as_deref())?;
    let q = query_of(&params)?;
    let answer = tokio::task::spawn_blocking(move || {
        let ctx: &GapContext = &state.gap_context;
        suggest::suggest(&state.engine, ctx, &q)
    })
    .await
    .map_err(|e| ServeError::Internal(format!("the suggestion task failed: {e}")))?
    .map_err(suggest_error)?;
    Ok(axum::Json(answer).into_response())
}
