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
    /// A postcode unit's point (`--origins postcode`).
    Postcode,
}

/// Where the origins of a gap query are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginPoints {
    /// One representative point per area of the origin level.
    #[default]
    Areas,
    /// Every postcode unit of the `[postcodes]` file (where people live),
    /// each with an equal share of its area's population.
    Postcodes,
}

impl RepKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            RepKind::PopulationWeighted => "population_weighted",
            RepKind::Published => "published",
            RepKind::Interior => "interior",
            RepKind::Postcode => "postcode",
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
    /// For postcode origins: what each origin stands for.
    pub units: Option<UnitOrigins>,
}

/// Postcode origins: each postcode unit lying in an area of the home level
/// (the level that publishes the served population) with an equal share of
/// that area's population, and one area origin for each home area holding
/// no unit.
#[derive(Debug, Clone, Default)]
pub struct UnitOrigins {
    /// Engine index of the home level (`Origins::level` is this too).
    pub home_level: usize,
    /// Per origin: its home area.
    pub home: Vec<usize>,
    /// Per origin: its postcode unit, or `None` for a home area with no
    /// unit, which is an origin at its representative point instead.
    pub unit: Vec<Option<usize>>,
    /// Per level (engine order), per origin: the area holding the unit
    /// (`None` for area origins and units outside the level).
    pub areas: Vec<Vec<Option<usize>>>,
    /// Postcode units in the file.
    pub units_read: usize,
    /// Units in no area of the home level (outside the district): not origins.
    pub units_outside: usize,
    /// Home areas with no unit: each one area origin.
    pub area_fallback: usize,
}

/// Where one origin lies at a level: (origin, area, share of the origin).
pub type OriginPiece = (usize, usize, f64);

/// The population a service category serves (`serves` in dataset.toml),
/// else (no category, or an unknown one) the total population.
pub fn served_population(engine: &Engine, category: Option<&str>) -> String {
    category
        .and_then(|c| engine.categories.get(c))
        .map_or_else(|| engine.manifest.dataset.total_population.clone(), |c| c.serves.clone())
}

/// The level that publishes population `population_id` (its indicator
/// table's level), else the finest level.
pub fn population_level(engine: &Engine, population_id: &str) -> usize {
    engine
        .manifest
        .indicator_tables
        .iter()
        .find(|t| t.populations.contains_key(population_id))
        .and_then(|t| engine.level_index(&t.level))
        .unwrap_or(engine.levels.len().saturating_sub(1))
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
            units: None,
        }
    }

    /// Postcode origins (see [`UnitOrigins`]): demand from population
    /// `population_id` of each unit's home area, shared equally among the
    /// area's units. `Err` names why the postcode units cannot be used.
    pub fn postcodes(engine: &Engine, population_id: &str) -> Result<Origins, String> {
        let placed = match engine.postcode_units() {
            None => return Err("the manifest has no [postcodes] section: add the postcode file to use postcode origins".into()),
            Some(Err(e)) => return Err(format!("the postcode file cannot be read: {e}")),
            Some(Ok(p)) => p,
        };
        let home_level = population_level(engine, population_id);
        let at_home = &placed.areas[home_level];
        let n_home = engine.levels[home_level].len();
        let mut per_home = vec![0usize; n_home];
        for a in at_home.iter().flatten() {
            per_home[*a] += 1;
        }
        let pops = engine.population_of(home_level, population_id);
        let pop_of = |a: usize| pops.and_then(|p| p[a]).filter(|v| v.is_finite() && *v >= 0.0);
        let (mut points, mut kinds, mut demand, mut home, mut unit) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut missing_population, mut zero_population, mut units_outside) = (0, 0, 0);
        for (k, a) in at_home.iter().enumerate() {
            let Some(a) = *a else {
                units_outside += 1;
                continue;
            };
            points.push(placed.points[k]);
            kinds.push(RepKind::Postcode);
            demand.push(pop_of(a).map_or(0.0, |p| p / per_home[a] as f64));
            home.push(a);
            unit.push(Some(k));
        }
        let reps = rep_points(engine, home_level);
        let mut area_fallback = 0;
        for (a, (rep, kind)) in reps.into_iter().enumerate() {
            if per_home[a] == 0 {
                area_fallback += 1;
                points.push(rep);
                kinds.push(kind);
                demand.push(pop_of(a).unwrap_or(0.0));
                home.push(a);
                unit.push(None);
            }
        }
        for a in 0..n_home {
            match pop_of(a) {
                None => missing_population += 1,
                Some(v) => zero_population += usize::from(v == 0.0),
            }
        }
        let areas = placed
            .areas
            .iter()
            .map(|level_areas| unit.iter().map(|u| u.and_then(|k| level_areas[k])).collect())
            .collect();
        Ok(Origins {
            level: home_level,
            points,
            kinds,
            demand,
            missing_population,
            zero_population,
            units: Some(UnitOrigins {
                home_level,
                home,
                unit,
                areas,
                units_read: placed.len(),
                units_outside,
                area_fallback,
            }),
        })
    }

    /// Where each origin lies at `level`: an area origin over the pieces of
    /// its area (area shares, as the engine apportions populations; the area
    /// itself at its own level), a postcode unit wholly in the area holding
    /// it. An origin outside every area of `level` has no piece.
    pub fn pieces_in(&self, engine: &Engine, level: usize) -> Vec<OriginPiece> {
        let Some(u) = &self.units else {
            if level == self.level {
                return (0..self.len()).map(|o| (o, o, 1.0)).collect();
            }
            return engine.overlay(self.level, level).pieces.iter().map(|p| (p.source, p.target, p.share)).collect();
        };
        let mut out = Vec::with_capacity(self.len());
        let fallback: Vec<usize> = (0..self.len()).filter(|&o| u.unit[o].is_none()).collect();
        for (o, a) in u.areas[level].iter().enumerate() {
            if let Some(a) = a {
                out.push((o, *a, 1.0));
            }
        }
        if !fallback.is_empty() {
            let origin_of: std::collections::HashMap<usize, usize> = fallback.iter().map(|&o| (u.home[o], o)).collect();
            if level == u.home_level {
                out.extend(fallback.iter().map(|&o| (o, u.home[o], 1.0)));
            } else {
                for p in &engine.overlay(u.home_level, level).pieces {
                    if let Some(&o) = origin_of.get(&p.source) {
                        out.push((o, p.target, p.share));
                    }
                }
            }
        }
        out
    }

    /// Population `population_id` at each origin: its area's (0 when
    /// missing), or for a postcode unit its share of its home area's.
    pub fn population(&self, engine: &Engine, population_id: &str) -> Vec<f64> {
        let clean = |v: Option<f64>| v.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(0.0);
        match &self.units {
            None => match engine.population_of(self.level, population_id) {
                Some(p) => p.iter().map(|v| clean(*v)).collect(),
                None => vec![0.0; self.len()],
            },
            Some(u) => {
                let Some(p) = engine.population_of(u.home_level, population_id) else {
                    return vec![0.0; self.len()];
                };
                let mut per_home = vec![0usize; engine.levels[u.home_level].len()];
                for &h in &u.home {
                    per_home[h] += 1;
                }
                u.home.iter().map(|&h| clean(p[h]) / per_home[h] as f64).collect()
            }
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
