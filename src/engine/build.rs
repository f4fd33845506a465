//! The load -> index -> analyse pipeline that builds an [`Engine`].

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use super::{levels, services, values, Engine, RepPoint, Shared};
use crate::analyse::{assign_services, edge_indexes, EdgeIndex, Overlay};
use crate::crs::{Transform, BNG, WGS84};
use crate::dataset::{DatasetError, DatasetLocation};
use crate::index::AreaIndex;
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
    #[error(transparent)]
    Register(#[from] crate::register::RegisterError),
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
#[derive(Debug, Default)]
pub struct OverlayCache {
    indexes: Vec<AreaIndex>,
    edges: HashMap<usize, Vec<EdgeIndex>>,
    cache: HashMap<(usize, usize), Overlay>,
}

impl OverlayCache {
    pub fn new(indexes: Vec<AreaIndex>) -> OverlayCache {
        OverlayCache {
            indexes,
            edges: HashMap::new(),
            cache: HashMap::new(),
        }
    }

    /// Overlay of level `s` onto level `t` (shares normalised per source area).
    ///
    /// Overlays with a grouped level are composed exactly from the overlay
    /// with the level it groups; a reverse overlay reuses the forward pieces.
    pub fn get(&mut self, levels: &[Level], s: usize, t: usize) -> &Overlay {
        if !self.cache.contains_key(&(s, t)) {
            let overlay = if s == t {
                Overlay::identity(&levels[s])
            } else if let Some(rev) = self.cache.get(&(t, s)) {
                rev.reversed(levels[s].len())
            } else if let Some(base) = levels[t].group_of {
                let members = &levels[t].members;
                self.get(levels, s, base).grouped(base_to_group(members, levels[base].len()))
            } else if levels[s].group_of.is_some() {
                self.get(levels, t, s).reversed(levels[s].len())
            } else if let Some(o) = self.composed(levels, s, t) {
                o
            } else {
                let clock = Instant::now();
                for l in [s, t] {
                    self.edges.entry(l).or_insert_with(|| edge_indexes(&levels[l]));
                }
                let o = Overlay::compute(&levels[s], &self.edges[&s], &levels[t], &self.edges[&t], &self.indexes[t]);
                tracing::debug!(
                    "overlay {} -> {}: {} pieces, {:.1} ms",
                    levels[s].id,
                    levels[t].id,
                    o.pieces.len(),
                    clock.elapsed().as_secs_f64() * 1e3
                );
                o
            };
            self.cache.insert((s, t), overlay);
        }
        &self.cache[&(s, t)]
    }

    /// The overlay `s -> t` composed through a level `m` whose areas tile
    /// `t` exactly (each lies wholly in one area of `t`, and each area of
    /// `t` is the union of its `m` areas, as wards and the constituencies
    /// made of them): `s ∩ t` is then the union of the pieces `s ∩ m` over
    /// the `m` in `t`, so no polygon of `s` need meet `t` again.
    fn composed(&self, levels: &[Level], s: usize, t: usize) -> Option<Overlay> {
        (0..levels.len()).filter(|&m| m != s && m != t).find_map(|m| {
            let (sm, mt) = (self.cache.get(&(s, m))?, self.cache.get(&(m, t))?);
            let map = tiling(mt, &levels[m], &levels[t])?;
            tracing::debug!("overlay {} -> {} composed through {}", levels[s].id, levels[t].id, levels[m].id);
            Some(sm.grouped(map))
        })
    }

    pub fn indexes(&self) -> &[AreaIndex] {
        &self.indexes
    }

    /// The overlays computed so far, in (source, target) order (for the engine cache).
    pub(super) fn computed(&self) -> Vec<((usize, usize), &Overlay)> {
        let mut out: Vec<_> = self.cache.iter().map(|(&k, o)| (k, o)).collect();
        out.sort_by_key(|(k, _)| *k);
        out
    }

    /// A cache holding overlays computed earlier (read from the engine cache);
    /// boundary-segment indexes are made again when a new overlay needs them.
    pub(super) fn with_computed(indexes: Vec<AreaIndex>, overlays: Vec<((usize, usize), Overlay)>) -> OverlayCache {
        OverlayCache {
            indexes,
            edges: HashMap::new(),
            cache: overlays.into_iter().collect(),
        }
    }
}

/// For each area of `m`, the area of `t` it lies in, when the overlay
/// `m -> t` shows that `m` tiles `t` exactly: every piece is a whole `m`
/// area, one per `m` area, and the `m` areas in each `t` area add up to it
/// (relative tolerance 1e-9, far below a sliver).
fn tiling(overlay: &Overlay, m: &Level, t: &Level) -> Option<Vec<Option<usize>>> {
    const TOLERANCE: f64 = 1e-9;
    let mut map = vec![None; m.len()];
    let mut covered = vec![0.0; t.len()];
    for p in &overlay.pieces {
        let area = m.areas[p.source].area_m2;
        if map[p.source].is_some() || (p.area_m2 - area).abs() > TOLERANCE * area {
            return None;
        }
        map[p.source] = Some(p.target);
        covered[p.target] += area;
    }
    covered
        .iter()
        .zip(&t.areas)
        .all(|(c, a)| (c - a.area_m2).abs() <= TOLERANCE * a.area_m2)
        .then_some(map)
}

/// For each area of a grouped level's base, the group it belongs to.
pub(super) fn base_to_group(members: &[Vec<usize>], base_len: usize) -> Vec<Option<usize>> {
    let mut out = vec![None; base_len];
    for (g, m) in members.iter().enumerate() {
        for &b in m {
            out[b] = Some(g);
        }
    }
    out
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

    // Services and published centroids load on a second thread (with their
    // own PROJ transforms) while boundaries load here.
    let (categories, tiers) = services::categories(loc);
    let (levels, points) = std::thread::scope(|scope| {
        let points = scope.spawn(|| {
            let mut diags = Diagnostics::default();
            let mut transforms = Transforms::default();
            let services = services::load_services(loc, &categories, &mut transforms, &mut diags);
            let centroids = services.is_ok().then(|| read_centroids(loc, &mut transforms, &mut diags));
            (services, centroids, diags)
        });
        let levels = levels::load_levels(loc, &mut transforms, &mut diags);
        (levels, points.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let mut levels = levels?;
    let (service_list, raw_centroids, point_diags) = points;
    let mut service_list = service_list?;
    let raw_centroids = raw_centroids.transpose()?.unwrap_or_default();
    diags.absorb(point_diags);
    lap("load boundaries and services", &mut timings);

    let indexes: Vec<AreaIndex> = levels
        .iter()
        .map(|l| AreaIndex::new(l.areas.iter().map(|a| &a.bng)))
        .collect();
    lap("index areas", &mut timings);
    for ((level, index), spec) in levels.iter().zip(&indexes).zip(&loc.manifest.levels) {
        if let Some(file) = &spec.file {
            super::level_checks::check_level(level, index, &crate::load::display_name(&loc.data_dir.join(file)), &mut diags);
        }
    }
    lap("check areas", &mut timings);

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
    let indexes = overlays.indexes().to_vec();

    let mut outside = assign_services(&mut service_list, &levels, &indexes);
    if services::fix_swapped_coordinates(&mut service_list, loc, &levels, &indexes, &mut transforms, &mut diags)? {
        outside = assign_services(&mut service_list, &levels, &indexes);
    }
    for s in &service_list {
        if s.areas.iter().all(|a| a.is_none()) {
            diags.warn(
                &s.source_file,
                format!("service {}", s.id),
                format!("`{}` lies outside every area (outside the district); counted as outside, not in any area", s.name),
            );
        }
    }
    lap("assign services", &mut timings);


    let centroids = join_centroids(raw_centroids, &levels, &mut diags);
    if let Some(t) = &loc.manifest.travel_times {
        // Checked here so `needmap check` lists bad rows; the fit reads the file itself.
        let path = loc.data_dir.join(&t.file);
        if let Err(e) = crate::load::read_travel_times(&path, &t.origin_column, &t.destination_column, &t.minutes_column, &mut diags) {
            diags.warn(&crate::load::display_name(&path), "", format!("{e}; the built-in driving model is used"));
        }
    }
    lap("centroids", &mut timings);

    let shared = Shared {
        data_dir: loc.data_dir.clone(),
        manifest_path: loc.manifest_path.clone(),
        manifest: loc.manifest.clone(),
        levels,
        indexes,
        indicators: values.indicators,
        populations: values.populations,
        values: values.values,
        categories,
        tiers,
        centroids,
        overlays: std::sync::Mutex::new(overlays),
        // Read already when a table is apportioned by postcode weights.
        postcodes: values.postcodes.map_or_else(std::sync::OnceLock::new, |p| std::sync::OnceLock::from(Ok(p))),
        postcode_units: values.postcode_units.map_or_else(std::sync::OnceLock::new, |u| std::sync::OnceLock::from(Ok(u))),
        diagnostics: diags,
        timings,
    };
    // Services were assigned above (after the swapped-coordinate check):
    // the engine indexes them and counts provision.
    let clock = Instant::now();
    let mut engine = Engine::assemble(std::sync::Arc::new(shared), service_list, None);
    debug_assert_eq!(engine.outside, outside);
    if let Some(shared) = std::sync::Arc::get_mut(&mut engine.shared) {
        shared.timings.push(("index services and provision", clock.elapsed().as_secs_f64() * 1e3));
    }
    Ok(engine)
}

type Centroids = std::collections::BTreeMap<String, (String, Vec<Option<RepPoint>>)>;

/// Published points as read: per manifest entry, (level id, kind, file, rows of (line, code, point)).
type RawCentroids = Vec<(String, String, String, Vec<(u64, String, RepPoint)>)>;

/// Read published representative points (e.g. ONS LSOA centroids).
fn read_centroids(
    loc: &DatasetLocation,
    transforms: &mut Transforms,
    diags: &mut Diagnostics,
) -> Result<RawCentroids, EngineError> {
    let mut out = RawCentroids::new();
    for spec in &loc.manifest.centroids {
        let path = loc.data_dir.join(&spec.file);
        let table = read_table(&path, diags)?;
        let file = table.file();
        let (id, x, y) = (
            table.column(&spec.id_column)?,
            table.column(&spec.x_column)?,
            table.column(&spec.y_column)?,
        );
        let (to_wgs, to_bng) = transforms.pair(spec.crs.proj_def(), &path)?;
        let mut rows = Vec::with_capacity(table.rows.len());
        for (line, rec) in &table.rows {
            let (Ok(Some(px)), Ok(Some(py))) = (
                parse_number(rec.get(x).unwrap_or("")),
                parse_number(rec.get(y).unwrap_or("")),
            ) else {
                diags.skip(&file, format!("row {line}"), "coordinates missing or not numbers; row skipped");
                continue;
            };
            let c = geo::Coord { x: px, y: py };
            let (Ok(bng), Ok(wgs84)) = (to_bng.coord(c), to_wgs.coord(c)) else {
                diags.skip(&file, format!("row {line}"), format!("coordinates ({px}, {py}) cannot be transformed from {}; row skipped", spec.crs.proj_def()));
                continue;
            };
            let point = RepPoint { bng, wgs84 };
            rows.push((*line, rec.get(id).unwrap_or("").trim().to_string(), point));
        }
        out.push((spec.level.clone(), spec.kind.clone(), file, rows));
    }
    Ok(out)
}

/// Attach published points to the areas of their level by code.
fn join_centroids(raw: RawCentroids, levels: &[Level], diags: &mut Diagnostics) -> Centroids {
    let mut out = Centroids::new();
    for (level_id, kind, file, rows) in raw {
        let Some(level) = levels.iter().find(|l| l.id == level_id) else {
            diags.warn(&file, "", format!("names unknown level `{level_id}`; file ignored. Fix `level` under [[centroids]]"));
            continue;
        };
        let mut points = vec![None; level.len()];
        for (line, code, point) in rows {
            match level.by_code.get(&code) {
                Some(&area) => {
                    let km = distance_outside_m(&level.areas[area].bng, point.bng) / 1000.0;
                    if km > MAX_CENTROID_OUTSIDE_KM {
                        diags.skip(
                            &file,
                            format!("row {line}"),
                            format!("the point for `{code}` lies {km:.0} km outside that area; row skipped and an interior point used. Check the coordinates and `crs`"),
                        );
                    } else {
                        points[area] = Some(point);
                    }
                }
                None => diags.skip(&file, format!("row {line}"), format!("`{code}` is not an area of level `{level_id}`; row skipped")),
            }
        }
        let missing = points.iter().filter(|p| p.is_none()).count();
        if missing > 0 {
            diags.warn(&file, "", format!("{missing} area(s) of level `{level_id}` have no published point; an interior point is used for them"));
        }
        out.insert(level_id, (kind, points));
    }
    out
}

/// How far outside its area's bounding box a published point may lie.
const MAX_CENTROID_OUTSIDE_KM: f64 = 2.0;

/// Distance in metres from a point to an area's bounding box (0 inside it).
fn distance_outside_m(area: &geo::MultiPolygon<f64>, p: geo::Coord<f64>) -> f64 {
    use geo::BoundingRect;
    let Some(r) = area.bounding_rect() else { return f64::INFINITY };
    let dx = (r.min().x - p.x).max(p.x - r.max().x).max(0.0);
    let dy = (r.min().y - p.y).max(p.y - r.max().y).max(0.0);
    dx.hypot(dy)
}
