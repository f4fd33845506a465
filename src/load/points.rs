//! Point features (services) from CSV or GeoJSON.

use std::collections::HashMap;
use std::path::Path;

use geo::Coord;

use super::{display_name, read_limited, read_table, Diagnostics, LoadError};
use crate::dataset::CrsSpec;

/// A point row as read, in its source CRS, with every attribute as text.
#[derive(Debug, Clone)]
pub struct RawPoint {
    /// `row 12` (CSV line) or `feature 3`.
    pub location: String,
    pub coord: Coord<f64>,
    pub fields: HashMap<String, String>,
}

/// Coordinate columns of a CSV point file.
#[derive(Debug, Clone, Copy)]
pub struct PointColumns<'a> {
    pub x: &'a str,
    pub y: &'a str,
}

/// Read points from `.csv` (with coordinate columns) or `.geojson` (Point features).
pub fn read_points(
    path: &Path,
    columns: Option<PointColumns<'_>>,
    crs: &CrsSpec,
    diags: &mut Diagnostics,
) -> Result<Vec<RawPoint>, LoadError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let points = match ext.as_str() {
        "csv" => read_csv_points(path, columns, diags)?,
        "geojson" | "json" => read_geojson_points(path, diags)?,
        _ => {
            return Err(LoadError::UnsupportedFormat {
                path: path.to_path_buf(),
            })
        }
    };
    check_crs(path, points, crs, diags)
}

/// Drop points that cannot be in the declared CRS; if none can, the CRS is wrong.
fn check_crs(
    path: &Path,
    points: Vec<RawPoint>,
    crs: &CrsSpec,
    diags: &mut Diagnostics,
) -> Result<Vec<RawPoint>, LoadError> {
    let file = display_name(path);
    let plausible = |c: &Coord<f64>| match crs {
        CrsSpec::Crs84 => c.x.abs() <= 180.0 && c.y.abs() <= 90.0,
        CrsSpec::Bng => (-100_000.0..=800_000.0).contains(&c.x) && (-100_000.0..=1_400_000.0).contains(&c.y),
    };
    if let Some(first) = points.first() {
        if !points.iter().any(|p| plausible(&p.coord)) {
            return match crs {
                CrsSpec::Crs84 => Err(super::not_degrees(path, first.location.clone(), first.coord.x, first.coord.y)),
                CrsSpec::Bng => Err(LoadError::Feature {
                    path: path.to_path_buf(),
                    feature: first.location.clone(),
                    message: format!(
                        "coordinates ({}, {}) are not British National Grid metres; check `crs` in dataset.toml",
                        first.coord.x, first.coord.y
                    ),
                }),
            };
        }
    }
    let mut kept = Vec::with_capacity(points.len());
    for p in points {
        if plausible(&p.coord) {
            kept.push(p);
        } else {
            diags.skip(
                &file,
                p.location.clone(),
                format!("coordinates ({}, {}) are outside the declared CRS; row skipped", p.coord.x, p.coord.y),
            );
        }
    }
    Ok(kept)
}

fn read_csv_points(
    path: &Path,
    columns: Option<PointColumns<'_>>,
    diags: &mut Diagnostics,
) -> Result<Vec<RawPoint>, LoadError> {
    let cols = columns.ok_or_else(|| LoadError::Feature {
        path: path.to_path_buf(),
        feature: "header".into(),
        message: "a CSV point file needs `x_column` and `y_column` in dataset.toml".into(),
    })?;
    let table = read_table(path, diags)?;
    let (xi, yi) = (table.column(cols.x)?, table.column(cols.y)?);
    let file = table.file();
    let mut out = Vec::with_capacity(table.rows.len());
    for (line, rec) in &table.rows {
        let location = format!("row {line}");
        let x = super::parse_number(rec.get(xi).unwrap_or(""));
        let y = super::parse_number(rec.get(yi).unwrap_or(""));
        let (Ok(Some(x)), Ok(Some(y))) = (x, y) else {
            diags.skip(
                &file,
                location,
                format!("`{}`/`{}` is missing or not a number; row skipped", cols.x, cols.y),
            );
            continue;
        };
        let fields = table
            .headers
            .iter()
            .zip(rec.iter())
            .map(|(h, v)| (h.clone(), v.trim().to_string()))
            .collect();
        out.push(RawPoint {
            location,
            coord: Coord { x, y },
            fields,
        });
    }
    Ok(out)
}

fn read_geojson_points(path: &Path, diags: &mut Diagnostics) -> Result<Vec<RawPoint>, LoadError> {
    let bytes = read_limited(path)?;
    let text = super::text::utf8_text(path, &bytes, diags)?;
    let fc: geojson::FeatureCollection = serde_json::from_slice(&text).map_err(|e| LoadError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let file = display_name(path);
    let mut out = Vec::with_capacity(fc.features.len());
    for (i, f) in fc.features.iter().enumerate() {
        let location = format!("feature {i}");
        let coord = match f.geometry.as_ref().map(|g| &g.value) {
            Some(geojson::GeometryValue::Point { coordinates }) => match coordinates.as_slice() {
                [x, y, ..] => Coord { x: *x, y: *y },
                other => {
                    diags.skip(
                        &file,
                        location,
                        format!("the Point has {} number(s); a position needs two (x, y); feature skipped", other.len()),
                    );
                    continue;
                }
            },
            _ => {
                diags.skip(&file, location, "geometry is not a Point; feature skipped");
                continue;
            }
        };
        if !(coord.x.is_finite() && coord.y.is_finite()) {
            diags.skip(&file, location, "coordinate is not a finite number; feature skipped");
            continue;
        }
        let mut fields: HashMap<String, String> = f
            .properties
            .iter()
            .flatten()
            .map(|(k, v)| {
                let text = match v {
                    serde_json::Value::String(s) => s.trim().to_string(),
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect();
        if let Some(id) = &f.id {
            let id = match id {
                geojson::feature::Id::String(s) => s.clone(),
                geojson::feature::Id::Number(n) => n.to_string(),
            };
            fields.entry("id".into()).or_insert(id);
        }
        out.push(RawPoint {
            location,
            coord,
            fields,
        });
    }
    Ok(out)
}
