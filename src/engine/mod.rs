//! The engine: a loaded, indexed and aggregated dataset, ready to query.
//!
//! Built once by [`Engine::load`] (load -> index -> analyse); immutable and
//! `Send + Sync` afterwards, so the server can share it.

mod build;
pub mod cache;
mod level_checks;
mod levels;
mod places;
mod postcode_units;
mod postcode_weights;
mod services;
mod values;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use build::EngineError;
pub use cache::{CacheError, CacheUse, EngineCache};
pub use places::is_statistical_name;
pub use postcode_units::PostcodeUnits;
pub use services::{load_service_files, FileService, ServiceOrigin, MAX_CAPACITY, UNCLASSIFIED_TIER};
pub(crate) use build::Transforms;
pub(crate) use services::{categories, checked_tier};
use build::OverlayCache;

use crate::analyse::{LevelValues, Overlay, Provision};
use crate::dataset::{DatasetLocation, Manifest};
use crate::index::{AreaIndex, ServiceIndex};
use crate::load::Diagnostics;
use crate::model::{Category, Indicator, Level, Service, Tier};

/// A representative point for an area used as a travel origin.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct RepPoint {
    pub bng: geo::Coord<f64>,
    pub wgs84: geo::Coord<f64>,
}

/// The immutable parts of an [`Engine`] that every scenario engine shares
/// with the baseline (areas, values, overlays, diagnostics): a scenario
/// engine costs only its services. Reached through `Deref`, so
/// `engine.levels[i]` reads as before.
#[derive(Debug)]
pub struct Shared {
    pub data_dir: PathBuf,
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
    /// Levels in manifest order (coarsest first).
    pub levels: Vec<Level>,
    /// BNG R-tree per level.
    pub indexes: Vec<AreaIndex>,
    pub indicators: Vec<Indicator>,
    /// Population ids, total first.
    pub populations: Vec<String>,
    /// Per level: populations, indicators, decile-1 shares.
    pub values: Vec<LevelValues>,
    pub categories: BTreeMap<String, Category>,
    pub tiers: Vec<Tier>,
    /// Published representative points per level id and area index.
    pub centroids: BTreeMap<String, (String, Vec<Option<RepPoint>>)>,
    /// Overlays between levels: those made while loading, more on demand.
    overlays: std::sync::Mutex<OverlayCache>,
    /// The manifest's `[postcodes]` lookup, read on first use.
    postcodes: std::sync::OnceLock<Result<crate::load::Postcodes, String>>,
    /// The postcode units placed in every level, made on first use.
    postcode_units: std::sync::OnceLock<Result<PostcodeUnits, String>>,
    /// Recoverable problems found while loading.
    pub diagnostics: Diagnostics,
    /// Wall-clock milliseconds per stage, for `check` and benchmarks.
    pub timings: Vec<(&'static str, f64)>,
}

/// Everything loaded and derived for one dataset: the shared parts plus one
/// set of services (the baseline, or a scenario's, see [`Engine::with_services`]).
#[derive(Debug)]
pub struct Engine {
    shared: Arc<Shared>,
    pub services: Vec<Service>,
    pub service_index: ServiceIndex,
    /// Per level: provision counts and rates.
    pub provision: Vec<Provision>,
    /// Per level: services in no area of that level.
    pub outside: Vec<usize>,
}

impl std::ops::Deref for Engine {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl Engine {
    /// Load, index and aggregate the dataset at `location`.
    pub fn load(location: &DatasetLocation) -> Result<Engine, EngineError> {
        build::build(location)
    }

    /// As [`Engine::load`], through the built-engine cache: the engine is
    /// read from `cache` when a valid file for exactly these inputs is there,
    /// else built and saved (see [`cache`]). A cache file that cannot be
    /// used is reported in the [`CacheUse`] and in a warning, never an error.
    pub fn load_cached(location: &DatasetLocation, cache: &EngineCache) -> Result<(Engine, CacheUse), EngineError> {
        cache::load_cached(location, cache)
    }

    /// The engine for another set of services (a scenario's) over the same
    /// shared parts (`Arc`, not copied). Services whose id and point match
    /// one of this engine's keep its areas; the others are located afresh.
    /// The service index, provision counts and outside counts are rebuilt.
    pub fn with_services(&self, services: Vec<Service>) -> Engine {
        Engine::assemble(self.shared.clone(), services, Some(&self.services))
    }

    /// Whether two engines share their areas, values and overlays.
    pub fn shares_with(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Put an engine together: assign services (reusing the areas of `known`
    /// services at the same point), index them and count provision.
    fn assemble(shared: Arc<Shared>, mut services: Vec<Service>, known: Option<&[Service]>) -> Engine {
        let by_id: std::collections::HashMap<&str, &Service> =
            known.unwrap_or_default().iter().map(|s| (s.id.as_str(), s)).collect();
        let levels = shared.levels.len();
        let mut fresh = Vec::new();
        for (i, s) in services.iter_mut().enumerate() {
            match by_id.get(s.id.as_str()) {
                Some(old) if old.bng == s.bng && old.areas.len() == levels => s.areas = old.areas.clone(),
                _ if s.areas.len() == levels && known.is_none() => {}
                _ => fresh.push(i),
            }
        }
        if !fresh.is_empty() {
            let mut located: Vec<Service> = fresh.iter().map(|&i| services[i].clone()).collect();
            crate::analyse::assign_services(&mut located, &shared.levels, &shared.indexes);
            for (&i, s) in fresh.iter().zip(located) {
                services[i].areas = s.areas;
            }
        }
        let outside = (0..levels).map(|l| services.iter().filter(|s| s.areas[l].is_none()).count()).collect();
        let service_index = ServiceIndex::new(services.iter().enumerate().map(|(i, s)| (i, s.bng)));
        let m = &shared.manifest;
        let child = &m.dataset.child_population;
        let provision = (0..levels)
            .map(|l| {
                let v = &shared.values[l];
                Provision::compute(
                    &services,
                    l,
                    shared.levels[l].len(),
                    &shared.categories,
                    child,
                    v.populations.get(&m.dataset.total_population).map(|p| p.as_slice()),
                    v.populations.get(child).map(|p| p.as_slice()),
                    m.disclosure.sensitive_min_population,
                )
            })
            .collect();
        Engine { shared, services, service_index, provision, outside }
    }
}

impl Shared {
    /// Index of a level by id.
    pub fn level_index(&self, id: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.id == id)
    }

    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// Index of an indicator by id.
    pub fn indicator_index(&self, id: &str) -> Option<usize> {
        self.indicators.iter().position(|i| i.id == id)
    }

    /// Whether indicator `k` is offered at `level`: its published level and
    /// the coarser levels above it (never spread down to finer levels).
    pub fn offers(&self, k: usize, level: usize) -> bool {
        self.level_index(&self.indicators[k].published_level)
            .is_some_and(|p| values::offered_at(&self.levels, p, level))
    }

    /// Total population per area of a level.
    pub fn population(&self, level: usize) -> &[Option<f64>] {
        &self.values[level].populations[&self.manifest.dataset.total_population]
    }

    /// A named population (`children`, ...) per area of a level.
    pub fn population_of(&self, level: usize, id: &str) -> Option<&[Option<f64>]> {
        self.values[level].populations.get(id).map(|v| v.as_slice())
    }

    /// The parent level's area code of area `area` at `level`, when defined.
    pub fn parent_code(&self, level: usize, area: usize) -> Option<&str> {
        let l = &self.levels[level];
        let p = l.parent_level?;
        let pi = l.parent[area]?;
        Some(&self.levels[p].areas[pi].code)
    }

    /// Pieces of level `source` in level `target` (area shares per source
    /// area), computed on first use and cached.
    pub fn overlay(&self, source: usize, target: usize) -> Overlay {
        let mut cache = self.overlays.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.get(&self.levels, source, target).clone()
    }

    /// The area of `level` in which `service` is counted (see
    /// [`crate::analyse::counted_area`]: sensitive services only in
    /// areas of at least `[disclosure] sensitive_min_population` residents).
    pub fn counted_area(&self, service: &crate::model::Service, level: usize) -> Option<usize> {
        crate::analyse::counted_area(
            service,
            level,
            Some(self.population(level)),
            self.manifest.disclosure.sensitive_min_population,
        )
    }

    /// The manifest's `[postcodes]` lookup, read on the first call (so
    /// start-up does not pay for it): `None` without a `[postcodes]` section,
    /// `Some(Err(message))` when the file cannot be read.
    pub fn postcodes(&self) -> Option<Result<&crate::load::Postcodes, &str>> {
        let spec = self.manifest.postcodes.as_ref()?;
        let loaded = self.postcodes.get_or_init(|| {
            let clock = std::time::Instant::now();
            let p = crate::load::Postcodes::read(&self.data_dir, spec).map_err(|e| e.to_string());
            tracing::debug!("postcodes: {:.1} ms", clock.elapsed().as_secs_f64() * 1e3);
            p
        });
        Some(loaded.as_ref().map_err(|e| e.as_str()))
    }

    /// The `[postcodes]` units placed in every level (see [`PostcodeUnits`]),
    /// made on the first call: `None` without a `[postcodes]` section,
    /// `Some(Err(message))` when the file cannot be read.
    pub fn postcode_units(&self) -> Option<Result<&PostcodeUnits, &str>> {
        let postcodes = self.postcodes()?;
        let placed = self.postcode_units.get_or_init(|| {
            let clock = std::time::Instant::now();
            let units = postcodes.map(|p| PostcodeUnits::locate(p, &self.levels, &self.indexes)).map_err(str::to_string);
            tracing::debug!("postcode units placed: {:.1} ms", clock.elapsed().as_secs_f64() * 1e3);
            units
        });
        Some(placed.as_ref().map_err(String::as_str))
    }

    /// Dataset name from the manifest.
    pub fn name(&self) -> &str {
        &self.manifest.dataset.name
    }
}
