//! Errors of site suggestion: every message names the parameter, file, row or
//! category at fault and what to do.

use crate::gaps::GapError;

/// Why sites cannot be suggested.
#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    #[error(transparent)]
    Gap(#[from] GapError),
    #[error("{name} = `{value}`: {reason}")]
    BadParameter { name: String, value: String, reason: String },
    #[error("--candidates `{spec}`: {reason}. Write `services:library,community_centre` (points of those categories), a CSV file with lon/lat or easting/northing columns, or `grid:500m` (cell centres of a British National Grid grid inside the district)")]
    BadCandidates { spec: String, reason: String },
    #[error("--candidates: category `{category}` is marked sensitive in dataset.toml: its sites are never published, so they cannot be candidates")]
    SensitiveCandidates { category: String },
    #[error("candidates file {file}: {message}")]
    CandidateFile { file: String, message: String },
    #[error("candidates file {file}, line {line}: {message}")]
    CandidateRow { file: String, line: u64, message: String },
    #[error("no candidate sites: {reason}")]
    NoCandidates { reason: String },
    #[error("writing {file}: {message}")]
    Write { file: String, message: String },
}

pub(crate) fn bad(name: &str, value: impl ToString, reason: impl Into<String>) -> SuggestError {
    SuggestError::BadParameter {
        name: name.into(),
        value: value.to_string(),
        reason: reason.into(),
    }
}
