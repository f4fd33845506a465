//! Area boundaries from GeoJSON (Polygon/MultiPolygon) or ESRI Shapefile.

use std::collections::HashMap;
use std::path::Path;

use geo::{Area, BooleanOps, Coord, CoordsIter, LineString, MultiPolygon, Polygon};

use super::{display_name, read_limited, validity::validity_problems, Diagnostics, LoadError};
use crate::dataset::CrsSpec;

/// Default cap on the vertices of one feature (`max_vertices` on a level in
/// dataset.toml raises or lowers it).
pub const MAX_VERTICES_PER_FEATURE: usize = 250_000;

/// One boundary as read, in its source CRS.
#[derive(Debug, Clone)]
pub struct RawArea {
    pub code: String,
    pub name: String,
    pub geometry: MultiPolygon<f64>,
    /// 0-based feature number in the file.
    pub feature: usize,
}

/// Read a boundary file. Returns the areas and the PROJ definition of their CRS.
pub fn read_boundaries(
    path: &Path,
    id_field: &str,
    name_field: Option<&str>,
    crs: &CrsSpec,
    diags: &mut Diagnostics,
) -> Result<(Vec<RawArea>, String), LoadError> {
    read_boundaries_capped(path, id_field, name_field, crs, MAX_VERTICES_PER_FEATURE, diags)
}

/// [`read_boundaries`] with a cap on the vertices of one feature: a feature
/// with more is refused (validation and overlays grow with the vertex count).
pub fn read_boundaries_capped(
    path: &Path,
    id_field: &str,
    name_field: Option<&str>,
    crs: &CrsSpec,
    max_vertices: usize,
    diags: &mut Diagnostics,
) -> Result<(Vec<RawArea>, String), LoadError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (areas, crs_def) = match ext.as_str() {
        "geojson" | "json" => (
            read_geojson(path, id_field, name_field, crs, max_vertices, diags)?,
            crs.proj_def().to_string(),
        ),
        "shp" => read_shapefile(path, id_field, name_field, max_vertices, diags)?,
        _ => {
            return Err(LoadError::UnsupportedFormat {
                path: path.to_path_buf(),
            })
        }
    };
    let file = display_name(path);
    let what = if ext == "shp" { "record" } else { "feature" };
    let areas = drop_zero_area(areas, &file, what, diags);
    check_unique(path, &areas)?;
    if areas.is_empty() {
        return Err(LoadError::NoFeatures {
            path: path.to_path_buf(),
        });
    }
    Ok((areas, crs_def))
}

fn check_unique(path: &Path, areas: &[RawArea]) -> Result<(), LoadError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for a in areas {
        if let Some(first) = seen.insert(&a.code, a.feature) {
            return Err(LoadError::DuplicateCode {
                path: path.to_path_buf(),
                code: a.code.clone(),
                first,
                second: a.feature,
            });
        }
    }
    Ok(())
}

fn json_error(path: &Path, e: serde_json::Error) -> LoadError {
    LoadError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

fn property_text(props: Option<&geojson::JsonObject>, field: &str) -> Option<String> {
    match props?.get(field)? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_geojson(
    path: &Path,
    id_field: &str,
    name_field: Option<&str>,
    crs: &CrsSpec,
    max_vertices: usize,
    diags: &mut Diagnostics,
) -> Result<Vec<RawArea>, LoadError> {
    let bytes = read_limited(path)?;
    let text = super::text::utf8_text(path, &bytes, diags)?;
    let fc: geojson::FeatureCollection = serde_json::from_slice(&text).map_err(|e| json_error(path, e))?;
    let file = display_name(path);
    check_id_field(path, id_field, fc.features.iter().map(|f| f.properties.as_ref()))?;
    let mut out = Vec::with_capacity(fc.features.len());
    for (i, feature) in fc.features.iter().enumerate() {
        let props = feature.properties.as_ref();
        let Some(code) = property_text(props, id_field) else {
            diags.skip(&file, format!("feature {i}"), format!("no `{id_field}` property; feature skipped"));
            continue;
        };
        let location = format!("feature {i} ({code})");
        let name = name_field
            .and_then(|f| property_text(props, f))
            .unwrap_or_else(|| code.clone());
        let Some(geometry) = &feature.geometry else {
            diags.skip(&file, location, "no geometry; feature skipped");
            continue;
        };
        let polygons: Vec<&geojson::PolygonType> = match &geometry.value {
            geojson::GeometryValue::Polygon { coordinates } => vec![coordinates],
            geojson::GeometryValue::MultiPolygon { coordinates } => coordinates.iter().collect(),
            other => {
                diags.skip(
                    &file,
                    location,
                    format!("geometry is {}, not Polygon or MultiPolygon; feature skipped", other.type_name()),
                );
                continue;
            }
        };
        let vertices: usize = polygons.iter().flat_map(|p| p.iter()).map(|r| r.len()).sum();
        check_vertex_cap(path, &location, vertices, max_vertices)?;
        let mut parts = Vec::with_capacity(polygons.len());
        for rings in polygons {
            let mut built: Vec<LineString<f64>> = Vec::with_capacity(rings.len());
            for (r, ring) in rings.iter().enumerate() {
                let mut coords = Vec::with_capacity(ring.len());
                for (k, p) in ring.iter().enumerate() {
                    let (x, y) = match p.as_slice() {
                        [x, y, ..] => (*x, *y),
                        other => {
                            return Err(LoadError::Feature {
                                path: path.to_path_buf(),
                                feature: location,
                                message: format!(
                                    "ring {r}, position {k} has {} number(s); a position needs two (longitude, latitude or x, y). Fix or re-export the file",
                                    other.len()
                                ),
                            })
                        }
                    };
                    if !(x.is_finite() && y.is_finite()) {
                        return Err(LoadError::Feature {
                            path: path.to_path_buf(),
                            feature: location,
                            message: "a coordinate is not a finite number".into(),
                        });
                    }
                    if *crs == CrsSpec::Crs84 && (x.abs() > 180.0 || y.abs() > 90.0) {
                        return Err(super::not_degrees(path, location, x, y));
                    }
                    coords.push(Coord { x, y });
                }
                if let Some(ring) = checked_ring(coords, &file, &location, r, diags) {
                    built.push(ring);
                } else if r == 0 {
                    break;
                }
            }
            if built.is_empty() {
                continue;
            }
            let exterior = built.remove(0);
            parts.push(Polygon::new(exterior, built));
        }
        if parts.is_empty() {
            diags.skip(&file, location, "no usable polygon ring; feature skipped");
            continue;
        }
        out.push(RawArea {
            code,
            name,
            geometry: MultiPolygon(parts),
            feature: i,
        });
    }
    repair_all(&mut out, &file, "feature", diags);
    Ok(out)
}

/// A wrong `id_field` would skip every feature one by one: refuse it once,
/// naming the properties the features do have.
fn check_id_field<'a>(
    path: &Path,
    id_field: &str,
    mut properties: impl Iterator<Item = Option<&'a geojson::JsonObject>>,
) -> Result<(), LoadError> {
    let mut first: Option<&geojson::JsonObject> = None;
    let mut any_feature = false;
    let found = properties.any(|p| {
        any_feature = true;
        if first.is_none() {
            first = p;
        }
        p.is_some_and(|p| p.contains_key(id_field))
    });
    if found || !any_feature {
        return Ok(()); // no features at all is reported as such
    }
    let available: Vec<&str> = first.iter().flat_map(|p| p.keys().map(|k| k.as_str())).collect();
    Err(missing_id_field(path, id_field, available))
}

fn missing_id_field(path: &Path, id_field: &str, available: Vec<&str>) -> LoadError {
    LoadError::MissingIdField {
        path: path.to_path_buf(),
        field: id_field.to_string(),
        available: if available.is_empty() { "none".into() } else { available.join(", ") },
    }
}

fn check_vertex_cap(path: &Path, location: &str, vertices: usize, max: usize) -> Result<(), LoadError> {
    if vertices > max {
        return Err(LoadError::TooManyVertices {
            path: path.to_path_buf(),
            feature: location.to_string(),
            vertices,
            limit: max,
        });
    }
    Ok(())
}

/// Areas with no area cannot hold people or services: skip and count them.
fn drop_zero_area(areas: Vec<RawArea>, file: &str, what: &str, diags: &mut Diagnostics) -> Vec<RawArea> {
    areas
        .into_iter()
        .filter(|a| {
            let keep = a.geometry.unsigned_area() > 0.0;
            if !keep {
                diags.skip(
                    file,
                    format!("{what} {} ({})", a.feature, a.code),
                    "polygon has zero area (all its points lie on a line or on one spot); feature skipped. Fix the boundary in a GIS",
                );
            }
            keep
        })
        .collect()
}

/// Validate every area (in parallel: validation is the costly part of
/// loading) and repair the invalid ones, reporting each.
fn repair_all(areas: &mut [RawArea], file: &str, what: &str, diags: &mut Diagnostics) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = areas.len().div_ceil(threads).max(1);
    let reports: Vec<Vec<(usize, String)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = areas
            .chunks_mut(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    let mut found = Vec::new();
                    for (k, a) in part.iter_mut().enumerate() {
                        if let Some(msg) = repair_if_invalid(&mut a.geometry) {
                            found.push((c * chunk + k, msg));
                        }
                    }
                    found
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    for (i, msg) in reports.into_iter().flatten() {
        let a = &areas[i];
        diags.warn(file, format!("{what} {} ({})", a.feature, a.code), msg);
    }
}

/// Close an unclosed ring (with a warning) and drop degenerate rings.
fn checked_ring(
    mut coords: Vec<Coord<f64>>,
    file: &str,
    location: &str,
    ring: usize,
    diags: &mut Diagnostics,
) -> Option<LineString<f64>> {
    if coords.len() >= 2 && coords.first() != coords.last() {
        diags.warn(
            file,
            location,
            format!("ring {ring} is not closed (first and last positions differ); closed it"),
        );
        coords.push(coords[0]);
    }
    if coords.len() < 4 {
        diags.warn(
            file,
            location,
            format!("ring {ring} has fewer than 4 positions; ring dropped"),
        );
        return None;
    }
    Some(LineString(coords))
}

/// Self-intersecting or otherwise invalid polygons are re-noded with a union
/// (the same operation GIS packages call "make valid"). Returns the message
/// to report when a repair was made.
fn repair_if_invalid(mp: &mut MultiPolygon<f64>) -> Option<String> {
    let errors = validity_problems(mp);
    if errors.is_empty() {
        return None;
    }
    let first = errors[0].to_string();
    *mp = mp.union(&MultiPolygon::<f64>(vec![]));
    Some(format!(
        "invalid polygon ({first}{}); repaired by re-noding. Check the boundary in a GIS",
        if errors.len() > 1 {
            format!(" and {} more", errors.len() - 1)
        } else {
            String::new()
        }
    ))
}

fn field_text(record: &shapefile::dbase::Record, field: &str) -> Option<String> {
    use shapefile::dbase::FieldValue as F;
    match record.get(field)? {
        F::Character(Some(s)) | F::Memo(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        F::Numeric(Some(n)) | F::Double(n) | F::Currency(n) => Some(n.to_string()),
        F::Integer(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_shapefile(
    path: &Path,
    id_field: &str,
    name_field: Option<&str>,
    max_vertices: usize,
    diags: &mut Diagnostics,
) -> Result<(Vec<RawArea>, String), LoadError> {
    let meta = super::file::regular_file(path)?;
    super::file::check_size(path, meta.len())?;
    let prj_path = path.with_extension("prj");
    let prj = std::fs::read_to_string(&prj_path).map_err(|_| LoadError::Shapefile {
        path: path.to_path_buf(),
        message: format!(
            "no readable {} beside it, so its CRS is unknown. Add the .prj the data came with",
            prj_path.display()
        ),
    })?;
    let shp_err = |e: shapefile::Error| LoadError::Shapefile {
        path: path.to_path_buf(),
        message: super::shapefile_words::describe(&e),
    };
    let dbf_path = path.with_extension("dbf");
    for part in [path.with_extension("shx"), dbf_path.clone()] {
        if part.exists() {
            super::file::regular_file(&part)?;
        }
    }
    let file = display_name(path);
    let shapes = shapefile::ShapeReader::from_path(path).map_err(shp_err)?;
    let mut dbf = match shapefile::dbase::Reader::from_path(&dbf_path) {
        Ok(r) => r,
        // A code page the dbase crate does not know (e.g. CP936 written by
        // some exporters): read the text fields as UTF-8, replacing bad bytes.
        Err(e) if matches!(e.kind(), shapefile::dbase::ErrorKind::UnsupportedCodePage(_)) => {
            diags.note(&file, "", format!("{}; text fields read as UTF-8 (codes are ASCII, so they are unaffected)", super::shapefile_words::describe_dbase(&e)));
            shapefile::dbase::ReaderBuilder::new()
                .with_encoding(shapefile::dbase::encoding::UnicodeLossy)
                .open(&dbf_path)
                .map_err(|e| shp_err(shapefile::Error::DbaseError(e)))?
        }
        Err(e) => return Err(shp_err(shapefile::Error::DbaseError(e))),
    };
    let records = dbf.header().num_records as usize;
    let fields: Vec<String> = dbf.fields().iter().map(|f| f.name().to_string()).collect();
    if !fields.iter().any(|f| f == id_field) {
        return Err(missing_id_field(path, id_field, fields.iter().map(|f| f.as_str()).collect()));
    }
    if let Ok(count) = shapes.shape_count() {
        if count != records {
            return Err(record_count_mismatch(path, count, records));
        }
    }
    // Read both whole (the size is capped) so their counts can be compared.
    let shape_list = shapes.read().map_err(shp_err)?;
    let record_list = dbf.read().map_err(|e| shp_err(shapefile::Error::DbaseError(e)))?;
    if shape_list.len() != record_list.len() {
        return Err(record_count_mismatch(path, shape_list.len(), record_list.len()));
    }
    let mut out = Vec::new();
    for (i, (shape, record)) in shape_list.into_iter().zip(record_list).enumerate() {
        let Some(code) = field_text(&record, id_field) else {
            diags.skip(&file, format!("record {i}"), format!("no `{id_field}` value; record skipped"));
            continue;
        };
        let location = format!("record {i} ({code})");
        let name = name_field
            .and_then(|f| field_text(&record, f))
            .unwrap_or_else(|| code.clone());
        let vertices = match &shape {
            shapefile::Shape::Polygon(p) => p.total_point_count(),
            shapefile::Shape::PolygonM(p) => p.total_point_count(),
            shapefile::Shape::PolygonZ(p) => p.total_point_count(),
            _ => 0,
        };
        check_vertex_cap(path, &location, vertices, max_vertices)?;
        let geometry: MultiPolygon<f64> = match shape {
            shapefile::Shape::Polygon(p) => p.try_into(),
            shapefile::Shape::PolygonM(p) => p.try_into(),
            shapefile::Shape::PolygonZ(p) => p.try_into(),
            other => {
                diags.skip(
                    &file,
                    location,
                    format!("shape is {}, not a polygon; record skipped", other.shapetype()),
                );
                continue;
            }
        }
        .map_err(|e| LoadError::Feature {
            path: path.to_path_buf(),
            feature: location.clone(),
            message: format!("cannot convert polygon: {}", super::shapefile_words::describe(&e)),
        })?;
        if geometry.coords_iter().any(|c| !(c.x.is_finite() && c.y.is_finite())) {
            return Err(LoadError::Feature {
                path: path.to_path_buf(),
                feature: location,
                message: "a coordinate is not a finite number".into(),
            });
        }
        out.push(RawArea {
            code,
            name,
            geometry,
            feature: i,
        });
    }
    repair_all(&mut out, &file, "record", diags);
    Ok((out, prj))
}

fn record_count_mismatch(path: &Path, shapes: usize, records: usize) -> LoadError {
    LoadError::Shapefile {
        path: path.to_path_buf(),
        message: format!(
            "the .shp has {shapes} shape(s) but the .dbf has {records} record(s), so shapes and attributes cannot be matched. Export the .shp, .shx and .dbf together again"
        ),
    }
}
