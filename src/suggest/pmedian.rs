//! The p-median problem with the existing sites fixed as open: minimise the
//! total demand-weighted travel cost (minutes or metres) from every origin
//! to its nearest open site.

use geo::Coord;

use super::{Cost, Problem};
use crate::index::ServiceIndex;

/// The p-median instance: each origin's base cost is the cost to its nearest
/// existing site, and a candidate pairs with the origins it is strictly
/// cheaper for (found within that distance through the R-tree). Without any
/// existing site every candidate pairs with every origin and the base cost is
/// a constant above every pair's cost (so the first site's gain is not a
/// saving; callers report no objective before).
pub fn median_problem(origins: &[Coord<f64>], weight: &[f64], existing: &ServiceIndex, candidates: &ServiceIndex, n_candidates: usize, cost: &Cost) -> Problem {
    let mut base = vec![0.0; origins.len()];
    let mut pairs: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n_candidates];
    let mut farthest: f64 = 0.0;
    for (i, &o) in origins.iter().enumerate() {
        if !(weight[i] > 0.0) {
            continue;
        }
        match existing.nearest(o).next() {
            Some((_, d)) => {
                let b = cost.of(d);
                base[i] = b;
                for (j, dj) in candidates.within(o, d) {
                    let c = cost.of(dj);
                    if c < b {
                        pairs[j].push((i as u32, c));
                    }
                }
            }
            None => {
                for (j, dj) in candidates.nearest(o) {
                    let c = cost.of(dj);
                    farthest = farthest.max(c);
                    pairs[j].push((i as u32, c));
                }
            }
        }
    }
    if existing.is_empty() {
        let m = farthest + 1.0;
        for (b, w) in base.iter_mut().zip(weight) {
            if *w > 0.0 {
                *b = m;
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
