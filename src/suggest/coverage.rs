//! The maximal covering location problem (MCLP) with the existing sites
//! fixed as open: maximise the demand within the threshold of some site.
//! As a loss: the demand of origins that no site reaches.

use geo::Coord;

use super::{Cost, Problem};
use crate::index::ServiceIndex;

/// The covering instance: origins already within the threshold of an
/// existing site cost 0 and are left out; every other origin with demand
/// costs 1 until a candidate within the threshold is opened.
pub fn covering_problem(origins: &[Coord<f64>], weight: &[f64], existing: &ServiceIndex, candidates: &ServiceIndex, n_candidates: usize, cost: &Cost) -> Problem {
    let limit = cost.reach.value();
    let radius = cost.radius_m(limit);
    let mut base = vec![0.0; origins.len()];
    let mut pairs: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n_candidates];
    for (i, &o) in origins.iter().enumerate() {
        if !(weight[i] > 0.0) || existing.within(o, radius).any(|(_, d)| cost.of(d) <= limit) {
            continue;
        }
        base[i] = 1.0;
        for (j, d) in candidates.within(o, radius) {
            if cost.of(d) <= limit {
                pairs[j].push((i as u32, 0.0));
            }
        }
    }
    for p in &mut pairs {
        p.sort_unstable_by_key(|x| x.0);
    }
    Problem {
        weight: weight.to_vec(),
        base,
        pairs,
    }
}
