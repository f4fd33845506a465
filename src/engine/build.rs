//! The load -> index -> analyse pipeline that builds an [`Engine`].

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use super::{levels, services, values, Engine, RepPoint};
use crate::analyse::{assign_services, Overlay, Provision};
use crate::crs::{Transform, BNG, WGS84};
use crate::dataset::{DatasetError, DatasetLocation};
use crate::index::{AreaIndex, ServiceIndex};
use crate::load::{parse_number, read_table, Diagnostics, LoadError};
use crate::model::Level;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("dataset.toml: {message}")]
    Manifest { message: String },
}

/// Transforms from each source CRS to WGS84 and to BNG, built once each.
#[derive(Default)]
pub struct Transforms {
    cache: HashMap<String, (Transform, Transform)>,
}

impl Transforms {
    pub fn pair(&mut self, def: &str, path: &Path) -> Result<(&Transform, &Transform), LoadError> {
        if !self.cache.contains_key(def) {
            let make = |to| {
                Transform::new(def, to).map_err(|source| LoadError::Crs {
                    path: path.to_path_buf(),
                    source,
                })
            };
            let pair = (make(WGS84)?, make(BNG)?);
            self.cache.insert(def.to_string(), pair);
        }
        let (a, b) = &self.cache[def];
        Ok((a, b))
    }
}

/// Overlays between levels, computed once per unordered pair.
#[derive(Default)]
pub struct OverlayCache {
    indexes: Vec<AreaIndex>,
    cache: HashMap<(usize, usize), Overlay>,
}

impl OverlayCache {
    pub fn new(indexes: Vec<AreaIndex>) -> OverlayCache {
        OverlayCache {
            indexes,
            cache: HashMap::new(),
        }
    }

    /// Overlay of level `s` onto level `t` (shares normalised per source area).
    pub fn get(&mut self, levels: &[Level], s: usize, t: usize) -> &Overlay {
        if !self.cache.contains_key(&(s, t)) {
            let overlay = if s == t {
                Overlay::identity(&levels[s])
            } else if let Some(rev) = self.cache.get(&(t, s)) {
                rev.reversed(levels[s].len())
            } else {
                Overlay::compute(&levels[s], &levels[t], &self.indexes[t])
            };
            self.cache.insert((s, t), overlay);
        }
        &self.cache[&(s, t)]
    }

    pub fn into_indexes(self) -> Vec<AreaIndex> {
        self.indexes
    }
}

pub fn build(loc: &DatasetLocation) -> Result<Engine, EngineError> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        let ms = clock.elapsed().as_secs_f64() * 1e3;
        tracing::info!("{name}: {ms:.1} ms");
        timings.push((name, ms));
        clock = Instant::now();
    };
    let mut diags = Diagnostics::default();
    let mut transforms = Transforms::default();

    let mut levels = levels::load_levels(loc, &mut transforms, &mut diags)?;
    lap("load boundaries", &mut timings);

    let indexes: Vec<AreaIndex> = levels
        .iter()
        .map(|l| AreaIndex::new(l.areas.iter().map(|a| &a.bng)))
        .collect();
    lap("index areas", &mut timings);

    let mut overlays = OverlayCache::new(indexes);
    for child in 0..levels.len() {
        if let Some(parent) = levels[child].parent_level {
            let parents = overlays.get(&levels, child, parent).largest_target(levels[child].len());
            levels[child].parent = parents;
        }
    }
    lap("derive nesting", &mut timings);

    let values = values::load_values(loc, &levels, &mut overlays, &mut diags)?;
    lap("apportion indicators", &mut timings);
    let indexes = overlays.into_indexes();

    let (categories, tiers) = services::categories(loc);
    let mut service_list = services::load_services(loc, &categories, &mut transforms, &mut diags)?;
    let outside = assign_services(&mut service_list, &levels, &indexes);
    for s in &service_list {
        if s.areas.iter().all(|a| a.is_none()) {
            diags.warn(
                &s.source_file,
                format!("service {}", s.id),
                format!("`{}` lies outside every area (outside the district); counted as outside, not in any area", s.name),
            );
        }
    }
    let service_index = ServiceIndex::new(service_list.iter().enumerate().map(|(i, s)| (i, s.bng)));
    lap("load and assign services", &mut timings);

    let child = &loc.manifest.dataset.child_population;
    let provision = (0..levels.len())
        .map(|l| {
            let v = &values.values[l];
            Provision::compute(
                &service_list,
                l,
                levels[l].len(),
                &categories,
                child,
                v.populations.get(&loc.manifest.dataset.total_population).map(|p| p.as_slice()),
                v.populations.get(child).map(|p| p.as_slice()),
            )
        })
        .collect();
    lap("provision", &mut timings);

    let centroids = load_centroids(loc, &levels, &mut transforms, &mut diags)?;
    lap("centroids", &mut timings);

    Ok(Engine {
        data_dir: loc.data_dir.clone(),
        manifest_path: loc.manifest_path.clone(),
        manifest: loc.manifest.clone(),
        levels,
        indexes,
        indicators: values.indicators,
        populations: values.populations,
        values: values.values,
        services: service_list,
        service_index,
        categories,
        tiers,
        provision,
        outside,
        centroids,
        diagnostics: diags,
        timings,
    })
}

type Centroids = std::collections::BTreeMap<String, (String, Vec<Option<RepPoint>>)>;

/// Published representative points (e.g. ONS LSOA centroids), per level.
fn load_centroids(
    loc: &DatasetLocation,
    levels: &[Level],
    transforms: &mut Transforms,
    diags: &mut Diagnostics,
) -> Result<Centroids, EngineError> {
    let mut out = Centroids::new();
    for spec in &loc.manifest.centroids {
        let Some(level) = levels.iter().find(|l| l.id == spec.level) else {
            return Err(EngineError::Manifest {
                message: format!("centroids file {} names unknown level `{}`", spec.file, spec.level),
            });
        };
        let path = loc.data_dir.join(&spec.file);
        let table = read_table(&path, diags)?;
        let file = table.file();
        let (id, x, y) = (
            table.column(&spec.id_column)?,
            table.column(&spec.x_column)?,
            table.column(&spec.y_column)?,
        );
        let (to_wgs, to_bng) = transforms.pair(spec.crs.proj_def(), &path)?;
        let mut points = vec![None; level.len()];
        for (line, rec) in &table.rows {
            let code = rec.get(id).unwrap_or("").trim();
            let Some(&area) = level.by_code.get(code) else {
                diags.skip(&file, format!("row {line}"), format!("`{code}` is not an area of level `{}`; row skipped", level.id));
                continue;
            };
            let (Ok(Some(px)), Ok(Some(py))) = (
                parse_number(rec.get(x).unwrap_or("")),
                parse_number(rec.get(y).unwrap_or("")),
            ) else {
                diags.skip(&file, format!("row {line}"), "coordinates missing or not numbers; row skipped");
                continue;
            };
            let c = geo::Coord { x: px, y: py };
            let crs_err = |source| LoadError::Crs { path: path.clone(), source };
            points[area] = Some(RepPoint {
                bng: to_bng.coord(c).map_err(crs_err)?,
                wgs84: to_wgs.coord(c).map_err(crs_err)?,
            });
        }
        out.insert(level.id.clone(), (spec.kind.clone(), points));
    }
    Ok(out)
}
