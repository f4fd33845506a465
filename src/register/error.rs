//! Errors of the service register.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing the register.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("{path}: {message}")]
    Sqlite { path: PathBuf, message: String },
    #[error("{path}: the register file does not exist. Create it with `needmap register init`")]
    Missing { path: PathBuf },
    #[error("{path} already exists; give --force to replace it, or another --out")]
    Exists { path: PathBuf },
    #[error("{path} is not a needmap service register: {message}")]
    NotARegister { path: PathBuf, message: String },
    #[error("{path}: service row {row}: {message}")]
    BadRow { path: PathBuf, row: String, message: String },
    #[error("no service with id `{id}` in the register")]
    UnknownService { id: String },
    #[error("a service with id `{id}` is already in the register; give another id")]
    DuplicateId { id: String },
    #[error("no submission {id} in the register; `needmap register submissions` lists them")]
    UnknownSubmission { id: i64 },
    #[error("submission {id} has no row {row}; its rows are {rows}")]
    UnknownRow { id: i64, row: usize, rows: String },
    #[error("submission {id} is {status}: it can no longer be changed, published or rejected")]
    SubmissionClosed { id: i64, status: &'static str },
    #[error("submission {id} is not published: {rows}. Fix those rows (`register fix`), decide them (`register decide ID --row N skip|keep|merge:SERVICE`), or publish with --exclude-blocking to leave them all out")]
    SubmissionBlocked { id: i64, rows: String },
    #[error("{path}: submission {id}: {message}")]
    BadSubmission { path: PathBuf, id: i64, message: String },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl RegisterError {
    /// A SQLite error on the file at `path`, in words.
    pub fn sqlite(path: &std::path::Path, e: rusqlite::Error) -> RegisterError {
        RegisterError::Sqlite { path: path.to_path_buf(), message: e.to_string() }
    }
}
