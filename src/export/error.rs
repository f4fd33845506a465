//! What can go wrong while exporting.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("unknown level `{level}`; levels are: {known}")]
    UnknownLevel { level: String, known: String },
    #[error("unknown indicator `{indicator}`; indicators are: {known}")]
    UnknownIndicator { indicator: String, known: String },
    #[error("unknown service category `{category}`; categories are: {known}")]
    UnknownCategory { category: String, known: String },
    #[error("unknown tier `{tier}`; tiers are: {known}")]
    UnknownTier { tier: String, known: String },
    #[error("the table to export has no `code` column, so its rows cannot be matched to areas")]
    NoCodeColumn,
    #[error("row {row} of the table: `{code}` is not an area of level `{level}`")]
    UnknownArea { row: usize, code: String, level: String },
    #[error("{path} already exists; pass --force to overwrite it")]
    Exists { path: PathBuf },
    #[error("folder {dir} does not exist; create it first or choose another path")]
    NoFolder { dir: PathBuf },
    #[error("cannot write {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the Shapefile: {0}")]
    Shapefile(String),
    #[error("cannot build the zip: {0}")]
    Archive(String),
    #[error("a Shapefile is several files (.shp, .shx, .dbf, .prj): write it to a path, not a stream")]
    ShapefileNeedsFiles,
    #[error("parameter `{name}`: `{value}` is not valid; expected {expected}")]
    BadParameter { name: String, value: String, expected: String },
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
}
