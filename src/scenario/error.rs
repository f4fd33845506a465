//! Everything that can go wrong with a scenario, in words.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{origin}: not valid scenario JSON at line {line}, column {column}: {message}")]
    Json { origin: String, line: usize, column: usize, message: String },
    #[error("{}needmap_scenario is {found}; this needmap reads schema version 1", prefix(origin))]
    Schema { found: u32, origin: String },
    #[error("{}scenario id `{id}` {reason}. Use 1-64 characters of a-z, 0-9, `_` and `-`", prefix(origin))]
    BadId { id: String, reason: String, origin: String },
    #[error("{}{message}", prefix(origin))]
    Invalid { message: String, origin: String },
    #[error("{count} edits is over the limit of {limit} edits per scenario; split it into smaller scenarios")]
    TooManyEdits { count: usize, limit: usize },
    #[error("{}edit {number} ({op}): {message}", prefix(origin))]
    Edit { number: usize, op: String, message: String, origin: String },
    #[error("no scenario `{id}` in {dir}; `needmap scenario list` shows the saved ones")]
    NotFound { id: String, dir: PathBuf },
    #[error("scenario `{id}` already exists; choose another id, or update it (it is at version {version})")]
    Exists { id: String, version: u64 },
    #[error("scenario `{id}` was changed by someone else: your edit is based on version {expected}, the saved one is version {current}. Reload it and apply your edit again")]
    Stale { id: String, expected: u64, current: u64 },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: cannot be written: {message}")]
    Write { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("{} scenario file(s) cannot be read: {}", problems.len(), problems.join("; "))]
    UnreadableFiles { problems: Vec<String> },
    #[error("{0}")]
    Gap(#[from] crate::gaps::GapError),
}

fn prefix(origin: &str) -> String {
    if origin.is_empty() {
        String::new()
    } else {
        format!("{origin}: ")
    }
}

impl ScenarioError {
    /// An error in edit `number` (1-based).
    pub fn edit(number: usize, op: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Edit { number, op: op.to_string(), message: message.into(), origin: String::new() }
    }

    /// The same error, naming the file, body or scenario it came from.
    pub fn within(mut self, name: &str) -> ScenarioError {
        match &mut self {
            ScenarioError::Schema { origin, .. }
            | ScenarioError::BadId { origin, .. }
            | ScenarioError::Invalid { origin, .. }
            | ScenarioError::Edit { origin, .. }
                if origin.is_empty() =>
            {
                *origin = name.to_string();
            }
            _ => {}
        }
        self
    }

    /// The HTTP status this error should be answered with.
    pub fn http_status(&self) -> u16 {
        match self {
            ScenarioError::NotFound { .. } => 404,
            ScenarioError::Exists { .. } | ScenarioError::Stale { .. } => 409,
            ScenarioError::TooManyEdits { .. } => 413,
            ScenarioError::Io { .. } | ScenarioError::Write { .. } | ScenarioError::Unreadable { .. } | ScenarioError::UnreadableFiles { .. } => 500,
            ScenarioError::Gap(_) => 400,
            _ => 422,
        }
    }
}
