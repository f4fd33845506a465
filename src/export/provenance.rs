//! Provenance carried with every export: dataset, sources (with vintages and
//! licences, from the manifest's `[[source]]` list), parameters, tool
//! version and time, disclosure notes, and the Shapefile field-name mapping.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::features::FeatureTable;
use super::{disclosure, ExportError, ExportRequest, Format, Suppression};
use crate::dataset::SourceSpec;
use crate::engine::Engine;

/// Dataset identity.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DatasetRef {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub authority_code: Option<String>,
    /// Manifest file the dataset was read with.
    pub manifest: String,
}

/// The program that made the file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// Disclosure control applied.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DisclosureNote {
    pub threshold: u32,
    pub suppressed_cells: usize,
    pub people_columns: Vec<String>,
    pub footnote: Option<String>,
    /// Categories never shown at their location.
    pub sensitive_categories: Vec<String>,
    /// Sensitive services left out of a services layer.
    pub sensitive_services_withheld: usize,
}

/// A Shapefile field and the column it holds (DBF names are at most 10 characters).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldMapping {
    pub field: String,
    pub column: String,
    pub shortened: bool,
}

/// Everything recorded about how an export was made.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    pub dataset: DatasetRef,
    pub sources: Vec<SourceSpec>,
    pub parameters: BTreeMap<String, serde_json::Value>,
    pub tool: Tool,
    /// RFC 3339 UTC time the file was made.
    pub generated_at: String,
    pub crs: String,
    pub rows: usize,
    pub columns: Vec<String>,
    pub disclosure: DisclosureNote,
    /// Shapefile field names and the columns they hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMapping>,
    /// Caveats from the manifest (illustrative tiers, level notes).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Current UTC time as RFC 3339, to the second.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| now.unix_timestamp().to_string())
}

impl Provenance {
    pub fn new(engine: &Engine, request: &ExportRequest, format: Format, features: &FeatureTable, suppression: &Suppression) -> Provenance {
        let m = &engine.manifest;
        let crs = match format {
            Format::Shapefile => request.crs.code(),
            Format::Geojson => "OGC:CRS84",
            Format::Csv => "OGC:CRS84 (lon/lat columns, where present)",
        };
        let mut notes = Vec::new();
        if let Some(t) = &m.tier_note {
            notes.push(t.clone());
        }
        if let Some(n) = engine.level(&request.level).and_then(|l| l.note.clone()) {
            notes.push(format!("{}: {n}", request.level));
        }
        notes.extend(m.sources.iter().filter_map(|s| s.caveat.as_ref().map(|c| format!("{}: {c}", s.title))));
        Provenance {
            dataset: DatasetRef {
                name: m.dataset.name.clone(),
                description: m.dataset.description.clone(),
                authority_code: m.dataset.authority_code.clone(),
                manifest: manifest_name(&engine.manifest_path),
            },
            sources: m.sources.clone(),
            parameters: request.recorded_parameters(format),
            tool: Tool {
                name: env!("CARGO_PKG_NAME").to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            generated_at: request.generated_at.clone().unwrap_or_else(now_rfc3339),
            crs: crs.to_string(),
            rows: features.len(),
            columns: features.table.columns.clone(),
            disclosure: DisclosureNote {
                threshold: suppression.threshold,
                suppressed_cells: suppression.cells.len(),
                people_columns: suppression.people_columns.clone(),
                footnote: suppression.footnote(),
                sensitive_categories: disclosure::sensitive_categories(engine),
                sensitive_services_withheld: features.sensitive_withheld,
            },
            fields: Vec::new(),
            notes,
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Pretty JSON, for the `.provenance.json` sidecar.
    pub fn write(&self, out: &mut dyn Write) -> Result<(), ExportError> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)?;
        Ok(())
    }
}

/// `areas.csv` -> `areas.csv.provenance.json`; `wards.shp` -> `wards.shp.provenance.json`
/// (the full file name, so a CSV and a Shapefile of the same name keep separate sidecars).
pub fn sidecar_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".provenance.json");
    path.with_file_name(name)
}

/// The manifest named by its folder and file (`bradford/dataset.toml`), never
/// an absolute path: downloads must not reveal the server's file system.
fn manifest_name(path: &std::path::Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    match path.parent().and_then(|p| p.file_name()) {
        Some(dir) => format!("{}/{file}", dir.to_string_lossy()),
        None => file,
    }
}
