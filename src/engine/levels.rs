//! Loading area levels: boundary files, custom grouped levels, and parents.

use std::collections::HashMap;

use geo::{Area as _, BooleanOps, BoundingRect, Centroid, Contains, Coord, InteriorPoint, MultiPolygon, Rect};

use super::build::{EngineError, Transforms};
use crate::dataset::{DatasetLocation, GroupSpec, LevelSpec};
use crate::load::{read_boundaries_capped, Diagnostics, RawArea, MAX_VERTICES_PER_FEATURE};
use crate::model::{Area, Level};

/// Load every level in manifest order; grouped levels after the levels they group.
pub fn load_levels(
    loc: &DatasetLocation,
    transforms: &mut Transforms,
    diags: &mut Diagnostics,
) -> Result<Vec<Level>, EngineError> {
    let specs = &loc.manifest.levels;
    let mut slots: Vec<Option<Level>> = vec![None; specs.len()];
    // Parse every boundary file on a second thread while PROJ builds the
    // usual transform here (creating a PROJ transform costs tens of ms).
    type Read = (Result<(Vec<RawArea>, String), crate::load::LoadError>, Diagnostics);
    let reads: Vec<Read> = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            specs
                .iter()
                .filter_map(|spec| {
                    let file = spec.file.as_ref()?;
                    let mut d = Diagnostics::default();
                    let id_field = spec.id_field.as_deref().unwrap_or_default();
                    let cap = spec.max_vertices.unwrap_or(MAX_VERTICES_PER_FEATURE);
                    let r = read_boundaries_capped(&loc.data_dir.join(file), id_field, spec.name_field.as_deref(), &spec.crs, cap, &mut d);
                    Some((r, d))
                })
                .collect()
        });
        // Errors here are reported when a file in this CRS is reprojected.
        let _ = transforms.pair(crate::dataset::CrsSpec::Crs84.proj_def(), &loc.data_dir);
        reader.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
    });
    let mut reads = reads.into_iter();
    for (i, spec) in specs.iter().enumerate() {
        if let Some(file) = &spec.file {
            let (read, d) = reads.next().expect("one read per file level");
            diags.absorb(d);
            slots[i] = Some(load_file_level(loc, spec, file, read?, transforms)?);
        }
    }
    for (i, spec) in specs.iter().enumerate() {
        if let Some(group) = &spec.group {
            let base = specs.iter().position(|s| s.id == group.of).expect("validated");
            let base = slots[base].as_ref().ok_or_else(|| EngineError::Manifest {
                message: format!(
                    "level `{}` groups `{}`, which is itself a grouped level; group a level with a boundary file",
                    spec.id, group.of
                ),
            })?;
            slots[i] = Some(group_level(spec, group, base)?);
        }
    }
    let mut levels: Vec<Level> = slots.into_iter().map(|l| l.expect("every level built")).collect();
    for (i, spec) in specs.iter().enumerate() {
        levels[i].parent_level = spec.parent.as_ref().and_then(|p| specs.iter().position(|s| &s.id == p));
        levels[i].group_of = spec
            .group
            .as_ref()
            .and_then(|g| specs.iter().position(|s| s.id == g.of));
    }
    Ok(levels)
}

fn load_file_level(
    loc: &DatasetLocation,
    spec: &LevelSpec,
    file: &str,
    (raw, crs_def): (Vec<RawArea>, String),
    transforms: &mut Transforms,
) -> Result<Level, EngineError> {
    let path = loc.data_dir.join(file);
    let (to_wgs, to_bng) = transforms.pair(&crs_def, &path)?;
    let mut areas = Vec::with_capacity(raw.len());
    for RawArea { code, name, geometry, .. } in raw {
        let mut wgs84 = geometry.clone();
        let mut bng = geometry;
        to_wgs.geometry(&mut wgs84).map_err(|source| crate::load::LoadError::Crs {
            path: path.clone(),
            source,
        })?;
        to_bng.geometry(&mut bng).map_err(|source| crate::load::LoadError::Crs {
            path: path.clone(),
            source,
        })?;
        let interior_bng = interior(&bng);
        let interior_wgs84 = interior(&wgs84);
        areas.push(make_area(code, name, wgs84, bng, interior_bng, interior_wgs84));
    }
    let mut level = new_level(spec, areas);
    level.source_crs = crs_name(&crs_def);
    Ok(level)
}

/// Short name of a CRS definition for messages: EPSG codes as they are, WKT by its name.
fn crs_name(def: &str) -> String {
    match def.find('"') {
        Some(start) if def.starts_with("PROJCS") || def.starts_with("GEOGCS") => {
            let rest = &def[start + 1..];
            format!("WKT {}", &rest[..rest.find('"').unwrap_or(rest.len())])
        }
        _ => def.to_string(),
    }
}

/// A point inside the area: the centroid when it lies inside (the usual
/// case, and cheap), else geo's interior point.
fn interior(mp: &MultiPolygon<f64>) -> Coord<f64> {
    if let Some(c) = mp.centroid().filter(|c| mp.contains(c)) {
        return c.0;
    }
    mp.interior_point().map(|p| p.0).unwrap_or(Coord { x: 0.0, y: 0.0 })
}

fn make_area(
    code: String,
    name: String,
    wgs84: MultiPolygon<f64>,
    bng: MultiPolygon<f64>,
    interior_bng: Coord<f64>,
    interior_wgs84: Coord<f64>,
) -> Area {
    let bbox_wgs84 = wgs84
        .bounding_rect()
        .unwrap_or_else(|| Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 0.0, y: 0.0 }));
    Area {
        area_m2: bng.unsigned_area(),
        code,
        name,
        wgs84,
        bng,
        interior_bng,
        interior_wgs84,
        bbox_wgs84,
    }
}

fn new_level(spec: &LevelSpec, areas: Vec<Area>) -> Level {
    let by_code: HashMap<String, usize> = areas.iter().enumerate().map(|(i, a)| (a.code.clone(), i)).collect();
    let n = areas.len();
    Level {
        id: spec.id.clone(),
        label: spec.label.clone(),
        note: spec.note.clone(),
        source_crs: String::new(),
        areas,
        by_code,
        parent_level: None,
        parent: vec![None; n],
        group_of: None,
        members: Vec::new(),
    }
}

/// A custom level: each member is the union of areas of the base level.
fn group_level(spec: &LevelSpec, group: &GroupSpec, base: &Level) -> Result<Level, EngineError> {
    let mut areas = Vec::with_capacity(group.members.len());
    let mut members = Vec::with_capacity(group.members.len());
    let mut used: HashMap<&str, &str> = HashMap::new();
    for m in &group.members {
        let mut wgs84 = MultiPolygon::<f64>(vec![]);
        let mut bng = MultiPolygon::<f64>(vec![]);
        let mut indices = Vec::with_capacity(m.areas.len());
        for code in &m.areas {
            let index = *base.by_code.get(code).ok_or_else(|| EngineError::Manifest {
                message: format!(
                    "level `{}`, group `{}`: `{code}` is not an area of level `{}`",
                    spec.id, m.code, group.of
                ),
            })?;
            let a = &base.areas[index];
            indices.push(index);
            if let Some(other) = used.insert(code, &m.code) {
                return Err(EngineError::Manifest {
                    message: format!(
                        "level `{}`: `{code}` is in both groups `{other}` and `{}`",
                        spec.id, m.code
                    ),
                });
            }
            wgs84 = wgs84.union(&a.wgs84);
            bng = bng.union(&a.bng);
        }
        let interior_bng = interior(&bng);
        let interior_wgs84 = interior(&wgs84);
        areas.push(make_area(m.code.clone(), m.name.clone(), wgs84, bng, interior_bng, interior_wgs84));
        members.push(indices);
    }
    let mut level = new_level(spec, areas);
    level.members = members;
    level.source_crs = format!("group of {}", group.of);
    Ok(level)
}
