//! The engine: a loaded, indexed and aggregated dataset, ready to query.
//!
//! Built once by [`Engine::load`] (load -> index -> analyse); immutable and
//! `Send + Sync` afterwards, so the server can share it.

mod build;
mod level_checks;
mod levels;
mod places;
mod services;
mod values;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use build::EngineError;
pub use places::is_statistical_name;
use build::OverlayCache;

use crate::analyse::{LevelValues, Overlay, Provision};
use crate::dataset::{DatasetLocation, Manifest};
use crate::index::{AreaIndex, ServiceIndex};
use crate::load::Diagnostics;
use crate::model::{Category, Indicator, Level, Service, Tier};

/// A representative point for an area used as a travel origin.
#[derive(Debug, Clone, Copy)]
pub struct RepPoint {
    pub bng: geo::Coord<f64>,
    pub wgs84: geo::Coord<f64>,
}

/// Everything loaded and derived for one dataset.
#[derive(Debug)]
pub struct Engine {
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
    pub services: Vec<Service>,
    pub service_index: ServiceIndex,
    pub categories: BTreeMap<String, Category>,
    pub tiers: Vec<Tier>,
    /// Per level: provision counts and rates.
    pub provision: Vec<Provision>,
    /// Per level: services in no area of that level.
    pub outside: Vec<usize>,
    /// Published representative points per level id and area index.
    pub centroids: BTreeMap<String, (String, Vec<Option<RepPoint>>)>,
    /// Overlays between levels: those made while loading, more on demand.
    overlays: std::sync::Mutex<OverlayCache>,
    /// Recoverable problems found while loading.
    pub diagnostics: Diagnostics,
    /// Wall-clock milliseconds per stage, for `check` and benchmarks.
    pub timings: Vec<(&'static str, f64)>,
}

impl Engine {
    /// Load, index and aggregate the dataset at `location`.
    pub fn load(location: &DatasetLocation) -> Result<Engine, EngineError> {
        build::build(location)
    }

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

    /// Dataset name from the manifest.
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

    pub fn name(&self) -> &str {
        &self.manifest.dataset.name
    }
}
