//! Errors of the account store.

use std::path::PathBuf;

/// Everything that can go wrong with accounts, sessions and API tokens.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// SQLite refused an operation on the accounts file.
    #[error("{path}: {message}")]
    Sqlite { path: PathBuf, message: String },
    /// The accounts file is missing where it must exist.
    #[error("{path}: there is no accounts file; create the first account with `needmap users add NAME --role admin`")]
    Missing { path: PathBuf },
    /// The file exists but is not a needmap accounts file.
    #[error("{path} is not a needmap accounts file: {message}")]
    NotAnAccountsFile { path: PathBuf, message: String },
    /// The folder of the default accounts file cannot be written (a shared, read-only data folder).
    #[error("{dir} is read-only, so the accounts file cannot be made there; give another place with --accounts FILE (or `[accounts] file` in dataset.toml)")]
    ReadOnlyFolder { dir: PathBuf },
    /// No account of this name.
    #[error("no account named `{name}`; `needmap users list` shows the accounts")]
    UnknownAccount { name: String },
    /// The name is taken.
    #[error("an account named `{name}` already exists; remove it first (`needmap users remove {name}`) or choose another name")]
    DuplicateAccount { name: String },
    /// A role word that is not one of the four.
    #[error("unknown role `{given}`; roles are viewer, partner, reviewer, admin")]
    UnknownRole { given: String },
    /// A field of a new account that cannot be used (`field` names it).
    #[error("{field}: {message}")]
    Invalid { field: &'static str, message: String },
    /// Hashing or random numbers failed (should not happen).
    #[error("{0}")]
    Crypto(String),
}

impl AuthError {
    /// A SQLite error on the file at `path`, in words.
    pub fn sqlite(path: &std::path::Path, e: rusqlite::Error) -> AuthError {
        AuthError::Sqlite { path: path.to_path_buf(), message: e.to_string() }
    }

    /// Shorthand for [`AuthError::Invalid`].
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AuthError {
        AuthError::Invalid { field, message: message.into() }
    }
}
