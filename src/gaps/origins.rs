//! Travel origins: small areas at a representative point, with demand.
//!
//! The point is, in order of preference, the dataset's population-weighted
//! centroid, a published centroid (manifest `[[centroids]]`, e.g. ONS LSOA
//! centroids), or a point guaranteed inside the polygon. Each origin says
//! which kind it got.

use geo::Coord;

use crate::engine::{Engine, RepPoint};

/// Which representative point an origin uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RepKind {
    PopulationWeighted,
    Published,
    /// A point inside the polygon (no centroid was available).
    Interior,
}

impl RepKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            RepKind::PopulationWeighted => "population_weighted",
            RepKind::Published => "published",
            RepKind::Interior => "interior",
        }
    }

    fn from_manifest(kind: &str) -> RepKind {
        match kind {
            "population_weighted" | "population-weighted" | "pwc" => RepKind::PopulationWeighted,
            _ => RepKind::Published,
        }
    }
}

/// The representative point and its kind for every area of `level`.
pub fn rep_points(engine: &Engine, level: usize) -> Vec<(RepPoint, RepKind)> {
    let l = &engine.levels[level];
    let published = engine.centroids.get(&l.id);
    l.areas
        .iter()
        .enumerate()
        .map(|(a, area)| {
            match published.and_then(|(kind, pts)| pts.get(a).copied().flatten().map(|p| (p, RepKind::from_manifest(kind)))) {
                Some(found) => found,
                None => (
                    RepPoint {
                        bng: area.interior_bng,
                        wgs84: area.interior_wgs84,
                    },
                    RepKind::Interior,
                ),
            }
        })
        .collect()
}

/// Origins of one level: points (BNG metres) and demand.
#[derive(Debug, Clone)]
pub struct Origins {
    /// Engine index of the origin level.
    pub level: usize,
    pub points: Vec<RepPoint>,
    pub kinds: Vec<RepKind>,
    /// Population served by the category (0 when missing).
    pub demand: Vec<f64>,
    /// Areas whose population is missing (demand 0).
    pub missing_population: usize,
    /// Areas with population 0.
    pub zero_population: usize,
}

impl Origins {
    /// Origins for `level`, demand from population `population_id`
    /// (the engine apportions LSOA populations to OAs by area share).
    pub fn new(engine: &Engine, level: usize, population_id: &str) -> Origins {
        let (points, kinds): (Vec<RepPoint>, Vec<RepKind>) = rep_points(engine, level).into_iter().unzip();
        let pops = engine.population_of(level, population_id);
        let n = points.len();
        let mut missing_population = 0;
        let mut zero_population = 0;
        let demand = (0..n)
            .map(|a| match pops.and_then(|p| p[a]).filter(|v| v.is_finite() && *v >= 0.0) {
                Some(v) => {
                    if v == 0.0 {
                        zero_population += 1;
                    }
                    v
                }
                None => {
                    missing_population += 1;
                    0.0
                }
            })
            .collect();
        Origins {
            level,
            points,
            kinds,
            demand,
            missing_population,
            zero_population,
        }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn bng(&self) -> impl Iterator<Item = Coord<f64>> + '_ {
        self.points.iter().map(|p| p.bng)
    }

    /// "published" or e.g. "published (3 interior)" when kinds are mixed.
    pub fn kind_summary(&self) -> String {
        let mut counts: std::collections::BTreeMap<RepKind, usize> = Default::default();
        for k in &self.kinds {
            *counts.entry(*k).or_default() += 1;
        }
        let mut parts: Vec<(RepKind, usize)> = counts.into_iter().collect();
        parts.sort_by_key(|p| std::cmp::Reverse(p.1));
        match parts.split_first() {
            None => String::new(),
            Some(((k, _), [])) => k.as_str().to_string(),
            Some(((k, _), rest)) => format!(
                "{} ({})",
                k.as_str(),
                rest.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}
