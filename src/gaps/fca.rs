//! Two-step floating catchment accessibility (2SFCA) and its enhanced,
//! distance-decayed form (E2SFCA).
//!
//! Supply is a service's capacity, demand an origin's population. For each
//! service `j`, the ratio `R_j = S_j / sum_i W(c_ij) D_i` over origins `i`
//! with cost `c_ij <= max_cost` (inclusive); for each origin
//! `A_i = sum_j W(c_ij) R_j` over the same pairs. `W` is 1 for the step
//! catchment (2SFCA) and `exp(-c^2 / (2 sigma^2))` for the Gaussian decay
//! (E2SFCA), exactly as PySAL `access` 1.1 (`two_stage_fca`,
//! `enhanced_two_stage_fca` with `weights.gaussian(sigma)`).
//!
//! Documented values where PySAL gives NaN or infinity: an origin with no
//! service in its catchment has access 0 (PySAL: missing); a service whose
//! catchment holds no demand has ratio 0 and adds nothing (PySAL: infinity).
//! Negative, NaN or infinite demand or supply counts as 0.

/// Weight of a service as a function of travel cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decay {
    /// 1 inside the catchment (2SFCA).
    Step,
    /// `exp(-cost^2 / (2 sigma^2))` inside the catchment (E2SFCA).
    Gaussian { sigma: f64 },
}

impl Decay {
    /// The weight at `cost` (the catchment cut-off is applied separately).
    ///
    /// ```
    /// use needmap::gaps::Decay;
    /// assert_eq!(Decay::Step.weight(3.0), 1.0);
    /// let w = Decay::Gaussian { sigma: 1.0 }.weight(1.0);
    /// assert!((w - (-0.5f64).exp()).abs() < 1e-15);
    /// ```
    pub fn weight(&self, cost: f64) -> f64 {
        match *self {
            Decay::Step => 1.0,
            Decay::Gaussian { sigma } => (-cost * cost / (2.0 * sigma * sigma)).exp(),
        }
    }
}

/// An origin-service pair within reach, with its travel cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub origin: u32,
    pub service: u32,
    pub cost: f64,
}

/// Accessibility per origin and supply-to-demand ratio per service.
#[derive(Debug, Clone, PartialEq)]
pub struct Accessibility {
    /// `A_i` per origin (0 when no service is in reach).
    pub access: Vec<f64>,
    /// `R_j` per service (0 when no demand is in its catchment).
    pub ratio: Vec<f64>,
    /// Services with no demand in their catchment.
    pub services_without_demand: usize,
    /// Origins with no service in their catchment.
    pub origins_without_service: usize,
}

fn clean(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        v
    } else {
        0.0
    }
}

/// Floating catchment accessibility over `pairs` (cost `<= max_cost` kept).
///
/// Cost is linear in the number of pairs, so callers should pass only pairs
/// found through a spatial index or a bounded search, never all pairs.
///
/// ```
/// use needmap::gaps::{floating_catchment, Decay, Pair};
/// // Two origins of 100 and 300 people share one service of capacity 2.
/// let pairs = [Pair { origin: 0, service: 0, cost: 1.0 }, Pair { origin: 1, service: 0, cost: 1.5 }];
/// let a = floating_catchment(&[100.0, 300.0], &[2.0], &pairs, 2.0, Decay::Step);
/// assert_eq!(a.ratio, vec![2.0 / 400.0]);
/// assert_eq!(a.access, vec![0.005, 0.005]);
/// ```
pub fn floating_catchment(demand: &[f64], supply: &[f64], pairs: &[Pair], max_cost: f64, decay: Decay) -> Accessibility {
    let in_reach = |p: &&Pair| p.cost <= max_cost && (p.origin as usize) < demand.len() && (p.service as usize) < supply.len();
    let mut weighted_demand = vec![0.0; supply.len()];
    for p in pairs.iter().filter(in_reach) {
        weighted_demand[p.service as usize] += decay.weight(p.cost) * clean(demand[p.origin as usize]);
    }
    let mut services_without_demand = 0;
    let ratio: Vec<f64> = supply
        .iter()
        .zip(&weighted_demand)
        .map(|(&s, &d)| {
            if d > 0.0 && d.is_finite() {
                clean(s) / d
            } else {
                services_without_demand += 1;
                0.0
            }
        })
        .collect();
    let mut access = vec![0.0; demand.len()];
    let mut reached = vec![false; demand.len()];
    for p in pairs.iter().filter(in_reach) {
        access[p.origin as usize] += decay.weight(p.cost) * ratio[p.service as usize];
        reached[p.origin as usize] = true;
    }
    Accessibility {
        origins_without_service: reached.iter().filter(|r| !**r).count(),
        access,
        ratio,
        services_without_demand,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catchment_is_inclusive_and_zero_demand_gives_zero_ratio() {
        let pairs = [
            Pair { origin: 0, service: 0, cost: 2.0 },
            Pair { origin: 1, service: 1, cost: 0.5 },
            Pair { origin: 2, service: 0, cost: 2.0000001 },
        ];
        let a = floating_catchment(&[10.0, 0.0, 5.0], &[1.0, 3.0], &pairs, 2.0, Decay::Step);
        assert_eq!(a.ratio, vec![0.1, 0.0]);
        assert_eq!(a.access, vec![0.1, 0.0, 0.0]);
        assert_eq!(a.services_without_demand, 1);
        assert_eq!(a.origins_without_service, 1);
        assert!(a.access.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn bad_supply_and_demand_count_as_zero() {
        let pairs = [Pair { origin: 0, service: 0, cost: 0.0 }, Pair { origin: 1, service: 0, cost: 0.0 }];
        let a = floating_catchment(&[f64::NAN, 4.0], &[f64::INFINITY], &pairs, 1.0, Decay::Step);
        assert_eq!(a.access, vec![0.0, 0.0]);
        let b = floating_catchment(&[-3.0, 4.0], &[2.0], &pairs, 1.0, Decay::Step);
        assert_eq!(b.access, vec![0.5, 0.5]);
    }
}
