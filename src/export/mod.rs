//! Downloads for locality planners: GeoJSON, CSV and Shapefile, each with
//! provenance and disclosure control.
//!
//! An export is built in three steps:
//! 1. the table: the area table ([`crate::report::area_report`], or any
//!    [`Report`] keyed by area `code`, e.g. a gap table) restricted to the
//!    requested indicator / category / tier ([`features`]), or the service
//!    points ([`Layer::Services`]);
//! 2. disclosure control ([`disclosure`]): counts of people below the
//!    threshold are suppressed, `sensitive` services never get a location;
//! 3. a writer ([`geojson`], [`csv`], [`shapefile`]) plus [`provenance`]
//!    (dataset, sources with vintages and licences, parameters, tool
//!    version, time) carried inside the GeoJSON and as a `.provenance.json`
//!    sidecar for CSV and Shapefile. [`atomic`] writes files so an
//!    interrupted export leaves nothing partial behind: a Shapefile is a
//!    folder renamed into place as a whole, or one `.zip` ([`archive`]).
//!
//! The server calls [`write`] (GeoJSON, CSV) or [`shapefile_parts`] per request;
//! the CLI calls [`write_files`].

pub mod archive;
pub mod atomic;
pub mod csv;
pub mod disclosure;
mod error;
pub mod extent;
pub mod features;
pub mod geojson;
pub mod provenance;
pub mod shapefile;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use disclosure::{Disclosure, Suppression, DEFAULT_THRESHOLD};
pub use error::ExportError;
pub use features::FeatureTable;
pub use provenance::Provenance;

use crate::engine::Engine;
use crate::report::Report;

/// File format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RFC 7946 GeoJSON (WGS84 longitude/latitude) with a `needmap` provenance member.
    Geojson,
    /// CSV (no geometry; services carry lon/lat) with a `.provenance.json` sidecar.
    Csv,
    /// ESRI Shapefile (.shp .shx .dbf .prj .cpg), a `.fields.csv` alias table
    /// and a `.provenance.json` sidecar, as one folder or one `.zip`.
    Shapefile,
}

impl Format {
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Geojson => "geojson",
            Format::Csv => "csv",
            Format::Shapefile => "shapefile",
        }
    }

    /// The usual file extension.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Geojson => "geojson",
            Format::Csv => "csv",
            Format::Shapefile => "shp",
        }
    }
}

/// What is exported: areas (polygons with the area table) or service points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    #[default]
    Areas,
    /// Service points (never the `sensitive` ones), with the area they fall in.
    Services,
}

/// Coordinate reference system of Shapefile geometry (GeoJSON is always WGS84).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
pub enum OutputCrs {
    /// WGS84 longitude/latitude (EPSG:4326).
    #[default]
    #[value(name = "wgs84")]
    #[serde(rename = "wgs84")]
    Wgs84,
    /// British National Grid metres (EPSG:27700).
    #[value(name = "bng")]
    #[serde(rename = "bng")]
    Bng,
}

impl OutputCrs {
    pub fn code(&self) -> &'static str {
        match self {
            OutputCrs::Wgs84 => "EPSG:4326",
            OutputCrs::Bng => "EPSG:27700",
        }
    }
}

/// One export request (from the CLI, the API or the browser's download button).
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// Area level id (`ward`, `lsoa`, ...).
    pub level: String,
    pub layer: Layer,
    /// Keep only this indicator's column(s) (default: every indicator).
    pub indicator: Option<String>,
    /// Keep only this category's service count (or, for services, only its points).
    pub category: Option<String>,
    /// Keep only this tier's service count (or, for services, only its points).
    pub tier: Option<String>,
    /// Access method of a gap table, recorded in the provenance.
    pub method: Option<String>,
    /// The table to export, keyed by a `code` column of `level`; `None` uses
    /// [`crate::report::area_report`]. Gap tables (or the area table with gap
    /// columns appended) pass through unchanged.
    pub table: Option<Report>,
    pub disclosure: Disclosure,
    /// Start CSV files with a UTF-8 byte order mark (Excel on Windows).
    pub csv_bom: bool,
    /// CRS of Shapefile geometry.
    pub crs: OutputCrs,
    /// Further parameters to record in the provenance (e.g. a gap query).
    pub parameters: BTreeMap<String, serde_json::Value>,
    /// Time stamp to record (RFC 3339); `None` uses the current time.
    pub generated_at: Option<String>,
    /// Only the features in view or in one committee area (`None`: all).
    pub extent: Option<extent::Extent>,
}

impl ExportRequest {
    /// A request for the area table of `level` with default settings.
    pub fn new(level: &str) -> ExportRequest {
        ExportRequest {
            level: level.to_string(),
            layer: Layer::Areas,
            indicator: None,
            category: None,
            tier: None,
            method: None,
            table: None,
            disclosure: Disclosure::default(),
            csv_bom: false,
            crs: OutputCrs::Wgs84,
            extent: None,
            parameters: BTreeMap::new(),
            generated_at: None,
        }
    }

    /// A request from URL query parameters (for the server): `level`
    /// (required), `layer` (`areas`|`services`), `indicator`, `category`,
    /// `tier`, `method`, `threshold`, `bom` (`true`|`false`), `crs`
    /// (`wgs84`|`bng`). Unknown keys are ignored.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use needmap::export::{ExportRequest, Layer};
    /// let q: BTreeMap<String, String> = [("level", "ward"), ("layer", "services"), ("threshold", "5")]
    ///     .into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    /// let r = ExportRequest::from_params(&q).unwrap();
    /// assert_eq!(r.layer, Layer::Services);
    /// assert_eq!(r.disclosure.threshold, 5);
    /// assert!(ExportRequest::from_params(&BTreeMap::new()).is_err());
    /// ```
    pub fn from_params(params: &BTreeMap<String, String>) -> Result<ExportRequest, ExportError> {
        let bad = |name: &str, value: &str, expected: &str| ExportError::BadParameter {
            name: name.into(),
            value: value.into(),
            expected: expected.into(),
        };
        let level = params.get("level").ok_or_else(|| bad("level", "", "a level id such as ward"))?;
        let mut r = ExportRequest::new(level);
        let text = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
        r.indicator = text("indicator");
        r.category = text("category");
        r.tier = text("tier");
        r.method = text("method");
        if let Some(v) = text("layer") {
            r.layer = <Layer as clap::ValueEnum>::from_str(&v, true).map_err(|_| bad("layer", &v, "areas or services"))?;
        }
        if let Some(v) = text("crs") {
            r.crs = <OutputCrs as clap::ValueEnum>::from_str(&v, true).map_err(|_| bad("crs", &v, "wgs84 or bng"))?;
        }
        if let Some(v) = text("threshold") {
            r.disclosure.threshold = v.parse().map_err(|_| bad("threshold", &v, "a whole number of people"))?;
        }
        if let Some(v) = text("bom") {
            r.csv_bom = v.parse().map_err(|_| bad("bom", &v, "true or false"))?;
        }
        match (text("bbox"), text("area")) {
            (Some(_), Some(_)) => return Err(bad("area", "", "either `bbox` (this view) or `area` (this committee), not both")),
            (Some(v), None) => {
                let n: Vec<f64> = v.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| bad("bbox", &v, "min lon,min lat,max lon,max lat in degrees"))?;
                let ok = n.len() == 4 && n.iter().all(|x| x.is_finite()) && n[0] <= n[2] && n[1] <= n[3] && n[0] >= -180.0 && n[2] <= 180.0 && n[1] >= -90.0 && n[3] <= 90.0;
                if !ok {
                    return Err(bad("bbox", &v, "min lon,min lat,max lon,max lat in degrees, minimum first"));
                }
                r.extent = Some(extent::Extent::Bbox(geo::Rect::new(geo::coord! { x: n[0], y: n[1] }, geo::coord! { x: n[2], y: n[3] })));
            }
            (None, Some(area)) => {
                let level = text("committee_level").unwrap_or_else(|| "constituency".into());
                r.extent = Some(extent::Extent::Area { level, area });
            }
            (None, None) => {}
        }
        Ok(r)
    }

    /// The parameters as recorded in the provenance.
    pub fn recorded_parameters(&self, format: Format) -> BTreeMap<String, serde_json::Value> {
        let mut p = self.parameters.clone();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                p.insert(k.to_string(), serde_json::Value::String(v.to_string()));
            }
        };
        put("level", Some(&self.level));
        put("layer", Some(match self.layer {
            Layer::Areas => "areas",
            Layer::Services => "services",
        }));
        put("format", Some(format.as_str()));
        put("indicator", self.indicator.as_deref());
        put("category", self.category.as_deref());
        put("tier", self.tier.as_deref());
        put("method", self.method.as_deref());
        if format == Format::Shapefile {
            put("crs", Some(self.crs.code()));
        }
        put("extent", self.extent.as_ref().map(|e| e.describe()).as_deref());
        p.insert("disclosure_threshold".into(), serde_json::Value::from(self.disclosure.threshold));
        p
    }
}

/// A table ready to write: features after disclosure control, plus provenance.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub features: FeatureTable,
    pub suppression: Suppression,
    pub provenance: Provenance,
}

/// Build the feature table, apply disclosure control and gather provenance.
pub fn prepare(engine: &Engine, request: &ExportRequest, format: Format) -> Result<Prepared, ExportError> {
    let mut features = match request.layer {
        Layer::Areas => features::areas(engine, request)?,
        Layer::Services => features::services(engine, request)?,
    };
    if let Some(e) = &request.extent {
        let level = match request.layer {
            Layer::Areas => Some(features::level_index(engine, &request.level)?),
            Layer::Services => None,
        };
        e.keep(engine, level, &mut features)?;
    }
    let suppression = request.disclosure.apply(engine, &mut features.table);
    let provenance = Provenance::new(engine, request, format, &features, &suppression);
    Ok(Prepared {
        features,
        suppression,
        provenance,
    })
}

/// Write a GeoJSON or CSV export to `out` (the CSV's provenance is returned for
/// a sidecar or an HTTP header). A Shapefile is several files: use
/// [`shapefile_parts`] or [`write_files`].
pub fn write(engine: &Engine, request: &ExportRequest, format: Format, out: &mut dyn Write) -> Result<Provenance, ExportError> {
    let prepared = prepare(engine, request, format)?;
    match format {
        Format::Geojson => geojson::write(&prepared, out)?,
        Format::Csv => csv::write(&prepared, request.csv_bom, out)?,
        Format::Shapefile => return Err(ExportError::ShapefileNeedsFiles),
    }
    Ok(prepared.provenance)
}

/// The files of a Shapefile export, in memory (for the server to zip or stream).
pub fn shapefile_parts(engine: &Engine, request: &ExportRequest) -> Result<(shapefile::Parts, Provenance), ExportError> {
    let prepared = prepare(engine, request, Format::Shapefile)?;
    let (parts, provenance, _) = shapefile_of(prepared, request)?;
    Ok((parts, provenance))
}

fn shapefile_of(mut prepared: Prepared, request: &ExportRequest) -> Result<(shapefile::Parts, Provenance, Prepared), ExportError> {
    let parts = shapefile::build(&prepared.features, request.crs)?;
    prepared.provenance.fields = parts.fields.clone();
    let provenance = prepared.provenance.clone();
    Ok((parts, provenance, prepared))
}

/// Every file of a Shapefile export named `{stem}.*`: the Shapefile, its
/// alias table and `{stem}.shp.provenance.json`.
pub fn shapefile_files(stem: &str, parts: &shapefile::Parts, provenance: &Provenance) -> Result<Vec<(String, Vec<u8>)>, ExportError> {
    let mut files: Vec<(String, Vec<u8>)> = parts.files().iter().map(|(ext, bytes)| (format!("{stem}.{ext}"), bytes.to_vec())).collect();
    let mut p = Vec::new();
    provenance.write(&mut p)?;
    files.push((format!("{stem}.shp.provenance.json"), p));
    Ok(files)
}

/// Where a Shapefile export to `path` goes: `path` itself when it ends in
/// `.zip` (one archive), else a folder named like `path` without `.shp`
/// holding `{stem}.shp` and the rest. Returns (target, stem, is_zip).
pub fn shapefile_target(path: &Path) -> (PathBuf, String, bool) {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let stem_of = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
    match ext.as_deref() {
        Some("zip") => {
            // `wards.shp.zip` (GDAL's single-file Shapefile) holds `wards.shp`.
            let inner = path.with_extension("");
            let stem = if inner.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp")) { stem_of(&inner) } else { stem_of(path) };
            (path.to_path_buf(), stem, true)
        }
        Some("shp") => {
            let dir = path.with_extension("");
            let stem = stem_of(path);
            (dir, stem, false)
        }
        _ => {
            let stem = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
            (path.to_path_buf(), stem, false)
        }
    }
}

/// Files written by [`write_files`].
#[derive(Debug, Clone)]
pub struct Written {
    pub files: Vec<PathBuf>,
    pub rows: usize,
    pub suppressed_cells: usize,
    pub sensitive_withheld: usize,
}

/// Write an export to `path` (plus sidecars) atomically: every file goes to a
/// temporary file in the same folder and is renamed into place only when all
/// are complete (sidecar first, main file last). A Shapefile goes into a
/// folder renamed into place as a whole, or into one zip when `path` ends in
/// `.zip` (see [`shapefile_target`]). Temporary files of interrupted earlier
/// runs in the same folder are removed. Existing files are refused unless `force`.
pub fn write_files(engine: &Engine, request: &ExportRequest, format: Format, path: &Path, force: bool) -> Result<Written, ExportError> {
    let mut set = atomic::FileSet::new(force);
    let sidecar = provenance::sidecar_path(path);
    let prepared;
    match format {
        Format::Geojson => {
            prepared = prepare(engine, request, format)?;
            set.add(path, |w| geojson::write(&prepared, w))?;
        }
        Format::Csv => {
            prepared = prepare(engine, request, format)?;
            set.add(path, |w| csv::write(&prepared, request.csv_bom, w))?;
            set.add(&sidecar, |w| prepared.provenance.write(w))?;
        }
        Format::Shapefile => {
            let (parts, provenance, p) = shapefile_of(prepare(engine, request, format)?, request)?;
            prepared = p;
            let (target, stem, is_zip) = shapefile_target(path);
            let files = shapefile_files(&stem, &parts, &provenance)?;
            let written = if is_zip {
                let bytes = archive::zip(&files)?;
                atomic::write_file(&target, force, |w| Ok(w.write_all(&bytes)?))?;
                vec![target]
            } else {
                let refs: Vec<(String, &[u8])> = files.iter().map(|(n, b)| (n.clone(), b.as_slice())).collect();
                atomic::write_folder(&target, force, &refs)?
            };
            return Ok(Written {
                files: written,
                rows: prepared.features.len(),
                suppressed_cells: prepared.suppression.cells.len(),
                sensitive_withheld: prepared.features.sensitive_withheld,
            });
        }
    }
    let files = set.commit()?;
    Ok(Written {
        files,
        rows: prepared.features.len(),
        suppressed_cells: prepared.suppression.cells.len(),
        sensitive_withheld: prepared.features.sensitive_withheld,
    })
}
