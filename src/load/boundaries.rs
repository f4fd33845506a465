//! Area boundaries from GeoJSON (Polygon/MultiPolygon) or ESRI Shapefile.

use std::collections::HashMap;
use std::path::Path;

use geo::{BooleanOps, Coord, LineString, MultiPolygon, Polygon, Validation};

use super::{display_name, read_limited, Diagnostics, LoadError};
use crate::dataset::CrsSpec;

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
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (areas, crs_def) = match ext.as_str() {
        "geojson" | "json" => (
            read_geojson(path, id_field, name_field, crs, diags)?,
            crs.proj_def().to_string(),
        ),
        "shp" => read_shapefile(path, id_field, name_field, diags)?,
        _ => {
            return Err(LoadError::UnsupportedFormat {
                path: path.to_path_buf(),
            })
        }
    };
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
    diags: &mut Diagnostics,
) -> Result<Vec<RawArea>, LoadError> {
    let bytes = read_limited(path)?;
    let fc: geojson::FeatureCollection =
        serde_json::from_slice(&bytes).map_err(|e| json_error(path, e))?;
    let file = display_name(path);
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
        let mut parts = Vec::with_capacity(polygons.len());
        for rings in polygons {
            let mut built: Vec<LineString<f64>> = Vec::with_capacity(rings.len());
            for (r, ring) in rings.iter().enumerate() {
                let mut coords = Vec::with_capacity(ring.len());
                for p in ring {
                    let s = p.as_slice();
                    let (x, y) = (s[0], s[1]);
                    if !(x.is_finite() && y.is_finite()) {
                        return Err(LoadError::Feature {
                            path: path.to_path_buf(),
                            feature: location,
                            message: "a coordinate is not a finite number".into(),
                        });
                    }
                    if *crs == CrsSpec::Crs84 && (x.abs() > 180.0 || y.abs() > 90.0) {
                        return Err(LoadError::LooksLikeBng {
                            path: path.to_path_buf(),
                            feature: location,
                            x,
                            y,
                        });
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
    let errors = mp.validation_errors();
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
    diags: &mut Diagnostics,
) -> Result<(Vec<RawArea>, String), LoadError> {
    let meta = std::fs::metadata(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
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
        message: e.to_string(),
    };
    let file = display_name(path);
    let mut reader = match shapefile::Reader::from_path(path) {
        Ok(r) => r,
        // A code page the dbase crate does not know (e.g. CP936 written by
        // some exporters): read the text fields as UTF-8, replacing bad bytes.
        Err(shapefile::Error::DbaseError(e)) if matches!(e.kind(), shapefile::dbase::ErrorKind::UnsupportedCodePage(_)) => {
            diags.note(&file, "", format!("{e}; text fields read as UTF-8 (codes are ASCII, so they are unaffected)"));
            let shapes = shapefile::ShapeReader::from_path(path).map_err(shp_err)?;
            let dbf = shapefile::dbase::ReaderBuilder::new()
                .with_encoding(shapefile::dbase::encoding::UnicodeLossy)
                .open(path.with_extension("dbf"))
                .map_err(|e| shp_err(shapefile::Error::DbaseError(e)))?;
            shapefile::Reader::new(shapes, dbf)
        }
        Err(e) => return Err(shp_err(e)),
    };
    let mut out = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(shp_err)?;
        let Some(code) = field_text(&record, id_field) else {
            diags.skip(&file, format!("record {i}"), format!("no `{id_field}` value; record skipped"));
            continue;
        };
        let location = format!("record {i} ({code})");
        let name = name_field
            .and_then(|f| field_text(&record, f))
            .unwrap_or_else(|| code.clone());
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
            message: format!("cannot convert polygon: {e:?}"),
        })?;
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
