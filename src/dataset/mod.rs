//! Where a dataset lives and what its manifest says.

mod locate;
mod manifest;
mod validate;

use std::path::PathBuf;

pub use locate::{locate, DatasetLocation, Origin};
pub use manifest::*;
pub use validate::vintage_order;

#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("cannot read manifest {path}: {source}")]
    ReadManifest {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("manifest {path} is not valid TOML for a needmap dataset: {message}")]
    ParseManifest { path: PathBuf, message: String },
    #[error("manifest {path}: {message}")]
    InvalidManifest { path: PathBuf, message: String },
    #[error("no dataset found: tried {tried}. Pass --data DIR, set NEEDMAP_DATA, or run `make geodata`")]
    NotFound { tried: String },
    #[error("data folder {dir} has no dataset.toml and the project ships no manifest named `{name}` under geodata/; write one (see README, 'Dataset manifest')")]
    NoManifest { dir: PathBuf, name: String },
}
