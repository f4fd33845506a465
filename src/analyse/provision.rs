//! Provision per area: services by category and tier, and rates per resident.
//!
//! Services of a `sensitive` category (refuges, ...) are counted only in areas
//! with at least `[disclosure] sensitive_min_population` residents: in a small
//! area a count would locate the site. There they are left out of every count
//! (category, tier, total and rates), and the report shows the sensitive
//! category's column empty ([`Provision::withheld`]).

use std::collections::BTreeMap;

use crate::model::{Category, Service};

/// Service counts and rates for the areas of one level.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Provision {
    /// Category id -> count per area.
    pub by_category: BTreeMap<String, Vec<u32>>,
    /// Tier id -> count per area.
    pub by_tier: BTreeMap<String, Vec<u32>>,
    pub total: Vec<u32>,
    /// Services per 10,000 residents (None where population is unknown or 0).
    pub per_10k: Vec<Option<f64>>,
    /// Children's-category services per 1,000 children.
    pub children_per_1k: Vec<Option<f64>>,
    /// Areas too small (or of unknown population) to count sensitive services in.
    pub withheld: Vec<bool>,
}

/// Whether sensitive services may be counted in an area of this population.
///
/// ```
/// use needmap::analyse::counts_sensitive;
/// assert!(counts_sensitive(Some(12_000.0), 10_000.0));
/// assert!(!counts_sensitive(Some(1_500.0), 10_000.0));
/// assert!(!counts_sensitive(None, 10_000.0));
/// ```
pub fn counts_sensitive(population: Option<f64>, min_population: f64) -> bool {
    population.is_some_and(|p| p >= min_population)
}

/// The area of `level` in which `service` is counted: its area, unless the
/// service is sensitive and the area too small ([`counts_sensitive`]).
pub fn counted_area(service: &Service, level: usize, population: Option<&[Option<f64>]>, min_population: f64) -> Option<usize> {
    let a = service.areas.get(level).copied().flatten()?;
    let pop = population.and_then(|p| p.get(a).copied().flatten());
    (!service.sensitive || counts_sensitive(pop, min_population)).then_some(a)
}

impl Provision {
    /// Count services in the areas of level `level` (engine order); sensitive
    /// services only in areas of at least `min_population` residents.
    #[allow(clippy::too_many_arguments)]
    pub fn compute(
        services: &[Service],
        level: usize,
        areas: usize,
        categories: &BTreeMap<String, Category>,
        child_population: &str,
        population: Option<&[Option<f64>]>,
        children: Option<&[Option<f64>]>,
        min_population: f64,
    ) -> Provision {
        let mut p = Provision {
            total: vec![0; areas],
            withheld: (0..areas)
                .map(|a| !counts_sensitive(population.and_then(|p| p.get(a).copied().flatten()), min_population))
                .collect(),
            ..Default::default()
        };
        for id in categories.keys() {
            p.by_category.insert(id.clone(), vec![0; areas]);
        }
        for c in categories.values() {
            p.by_tier.entry(c.tier.clone()).or_insert_with(|| vec![0; areas]);
        }
        let mut child_services = vec![0u32; areas];
        for s in services {
            let Some(a) = counted_area(s, level, population, min_population) else { continue };
            p.total[a] += 1;
            p.by_category.entry(s.category.clone()).or_insert_with(|| vec![0; areas])[a] += 1;
            p.by_tier.entry(s.tier.clone()).or_insert_with(|| vec![0; areas])[a] += 1;
            if categories
                .get(&s.category)
                .is_some_and(|c| c.serves_children(child_population))
            {
                child_services[a] += 1;
            }
        }
        p.per_10k = rate(&p.total, population, 10_000.0);
        p.children_per_1k = rate(&child_services, children, 1_000.0);
        p
    }
}

fn rate(counts: &[u32], pop: Option<&[Option<f64>]>, per: f64) -> Vec<Option<f64>> {
    counts
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let p = pop?.get(i).copied().flatten()?;
            (p > 0.0).then(|| n as f64 / p * per)
        })
        .collect()
}
