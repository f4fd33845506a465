//! What can go wrong while publishing a static site.

use std::path::PathBuf;

/// Errors of `needmap publish`.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("unknown level `{level}`; the dataset's levels are: {known}")]
    UnknownLevel { level: String, known: String },
    #[error("no level to publish: give --level with one or more of: {known}")]
    NoLevel { known: String },
    #[error("unknown category `{category}`; the dataset's categories are: {known}")]
    UnknownCategory { category: String, known: String },
    #[error("category `{category}` is sensitive (its sites are never shown): it cannot be published; leave it out of --category")]
    SensitiveCategory { category: String },
    #[error("the web app folder {dir} has no {missing}: {hint}")]
    WebApp { dir: PathBuf, missing: String, hint: String },
    #[error("the output folder {dir} is not empty and has no {marker} from an earlier publish: choose an empty or new folder (or a previous site folder to replace it)")]
    OutputNotEmpty { dir: PathBuf, marker: &'static str },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("writing the PMTiles archive {path}: {message}")]
    Archive { path: PathBuf, message: String },
    #[error("the data for the site: {0}")]
    Serve(#[from] crate::serve::ServeError),
}

impl PublishError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> PublishError {
        let path = path.into();
        move |source| PublishError::Io { path, source }
    }
}
