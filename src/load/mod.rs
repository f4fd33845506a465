//! Reading input files: boundaries, service points and indicator tables.
//!
//! Loaders never panic and never drop data silently. A problem that makes a
//! file unusable is a [`LoadError`]; anything recoverable becomes a
//! [`Problem`] in [`Diagnostics`], and every skipped row is counted.

mod boundaries;
mod diagnostics;
mod file;
mod points;
mod postcodes;
mod shapefile_words;
mod table;
mod text;
mod travel_times;
mod validity;

use std::path::PathBuf;

pub use boundaries::{read_boundaries, read_boundaries_capped, RawArea, MAX_VERTICES_PER_FEATURE};
pub use diagnostics::{Diagnostics, Problem, Severity};
pub use file::{read_limited, MAX_FILE_BYTES};
pub use points::{read_points, PointColumns, RawPoint};
pub use postcodes::{normalise_postcode, PostcodePoint, Postcodes};
pub use table::{number_text, parse_number, read_table, Table};
pub use text::strip_bom;
pub(crate) use text::utf8_text;
pub use travel_times::{plausible_minutes, read_travel_times, TravelTimeRow, MAX_TRAVEL_MINUTES};
pub use validity::{ring_self_intersects, validity_problems};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}. Check the file name in dataset.toml and that the file exists")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: file is {size} bytes, over the {limit}-byte limit for one input file. Clip it to the district or simplify it first")]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{path}: file is empty. Replace it with the real data file")]
    Empty { path: PathBuf },
    #[error("{path}: not a regular file ({kind}). Point dataset.toml at the data file itself")]
    NotRegularFile { path: PathBuf, kind: &'static str },
    #[error("{path}: text is {encoding}, not UTF-8. Save it as UTF-8 (in Excel: Save As > CSV UTF-8) and load again")]
    NotUtf8 { path: PathBuf, encoding: &'static str },
    #[error("{path}: no feature has the property `{field}` named by `id_field` (the first feature's properties are: {available}). Fix `id_field` in dataset.toml")]
    MissingIdField {
        path: PathBuf,
        field: String,
        available: String,
    },
    #[error("{path}: {feature} has {vertices} vertices, over the limit of {limit} per feature. Simplify the boundaries first (e.g. mapshaper -simplify or QGIS Simplify), or raise `max_vertices` for this level in dataset.toml")]
    TooManyVertices {
        path: PathBuf,
        feature: String,
        vertices: usize,
        limit: usize,
    },
    #[error("{path}: feature {feature}: coordinates ({x}, {y}) are not longitude/latitude degrees (longitude must be within ±180, latitude within ±90). Check the file's CRS and set `crs` for it in dataset.toml")]
    NotDegrees {
        path: PathBuf,
        feature: String,
        x: f64,
        y: f64,
    },
    #[error("{path}: not valid GeoJSON at line {line}, column {column}: {message}. Fix the JSON or re-export the file")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: not valid CSV at row {row}: {message}")]
    Csv {
        path: PathBuf,
        row: u64,
        message: String,
    },
    #[error("{path}: has no column `{column}` (columns are: {available}). Fix the column name in dataset.toml")]
    MissingColumn {
        path: PathBuf,
        column: String,
        available: String,
    },
    #[error("{path}: feature {feature}: coordinates ({x}, {y}) are not longitude/latitude degrees; they look like British National Grid metres. Set `crs = \"EPSG:27700\"` for this file in dataset.toml, or re-export it as WGS84")]
    LooksLikeBng {
        path: PathBuf,
        feature: String,
        x: f64,
        y: f64,
    },
    #[error("{path}: feature {feature}: {message}")]
    Feature {
        path: PathBuf,
        feature: String,
        message: String,
    },
    #[error("{path}: area code `{code}` appears twice (features {first} and {second}). Area codes must be unique within a level")]
    DuplicateCode {
        path: PathBuf,
        code: String,
        first: usize,
        second: usize,
    },
    #[error("{path}: no usable features. Check that this is the right file")]
    NoFeatures { path: PathBuf },
    #[error("{path}: Shapefile: {message}")]
    Shapefile { path: PathBuf, message: String },
    #[error("{path}: unsupported file type; use .geojson/.json, .shp or .csv")]
    UnsupportedFormat { path: PathBuf },
    #[error("{path}: {source}")]
    Crs {
        path: PathBuf,
        source: crate::crs::CrsError,
    },
}

/// Coordinates outside the degree range: with the BNG hint only when they
/// look like British National Grid metres.
pub(crate) fn not_degrees(path: &std::path::Path, feature: String, x: f64, y: f64) -> LoadError {
    let path = path.to_path_buf();
    if looks_like_bng(x, y) {
        LoadError::LooksLikeBng { path, feature, x, y }
    } else {
        LoadError::NotDegrees { path, feature, x, y }
    }
}

/// Whether a coordinate lies in the British National Grid's extent (metres).
pub(crate) fn looks_like_bng(x: f64, y: f64) -> bool {
    (-100_000.0..=800_000.0).contains(&x) && (-100_000.0..=1_400_000.0).contains(&y) && (x.abs() > 180.0 || y.abs() > 90.0)
}

/// Name of a file for messages: as given in the manifest.
pub(crate) fn display_name(path: &std::path::Path) -> String {
    path.display().to_string()
}
