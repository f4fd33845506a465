//! The gap index: standardised need minus standardised access, the bivariate
//! need x access tercile class, and the rank by gap.
//!
//! Need is oriented so that higher = more need, access so that higher =
//! better access (for the nearest-service method access is minus the minutes
//! to the nearest service). Both are standardised to population-weighted
//! z-scores over the areas that have a value and population; an area missing
//! either gets no score, class `no-data` (or `no-population`) and no rank.

/// Need or access tercile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Tercile {
    Low,
    Mid,
    High,
}

impl Tercile {
    pub fn as_str(&self) -> &'static str {
        match self {
            Tercile::Low => "low",
            Tercile::Mid => "mid",
            Tercile::High => "high",
        }
    }
}

/// Bivariate class of an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum GapClass {
    /// Need tercile and access tercile.
    Class { need: Tercile, access: Tercile },
    /// Need or access is missing.
    NoData,
    /// Nobody lives here.
    NoPopulation,
}

impl GapClass {
    /// `high-need/low-access` (the gap), ..., `no-data`, `no-population`.
    pub fn label(&self) -> String {
        match self {
            GapClass::Class { need, access } => format!("{}-need/{}-access", need.as_str(), access.as_str()),
            GapClass::NoData => "no-data".into(),
            GapClass::NoPopulation => "no-population".into(),
        }
    }

    /// Whether this is the gap class (high need, low access).
    pub fn is_gap(&self) -> bool {
        matches!(self, GapClass::Class { need: Tercile::High, access: Tercile::Low })
    }
}

/// Population-weighted z-scores; `None` where the value is missing or the
/// weight is not positive. A constant variable standardises to 0.
///
/// ```
/// use needmap::gaps::standardise;
/// let z = standardise(&[Some(1.0), Some(3.0), None], &[1.0, 1.0, 1.0]);
/// assert_eq!(z, vec![Some(-1.0), Some(1.0), None]);
/// ```
pub fn standardise(values: &[Option<f64>], weights: &[f64]) -> Vec<Option<f64>> {
    let ok = |i: usize| values[i].filter(|v| v.is_finite()).filter(|_| weights[i].is_finite() && weights[i] > 0.0);
    let (mut sw, mut sx) = (0.0, 0.0);
    for i in 0..values.len() {
        if let Some(v) = ok(i) {
            sw += weights[i];
            sx += weights[i] * v;
        }
    }
    if sw <= 0.0 {
        return vec![None; values.len()];
    }
    let mean = sx / sw;
    let var = (0..values.len()).filter_map(|i| ok(i).map(|v| weights[i] * (v - mean).powi(2))).sum::<f64>() / sw;
    let sd = var.sqrt();
    (0..values.len())
        .map(|i| ok(i).map(|v| if sd > 1e-12 * mean.abs().max(1.0) { (v - mean) / sd } else { 0.0 }))
        .collect()
}

/// Terciles by rank among present values (ties share the lower rank).
pub fn terciles(values: &[Option<f64>]) -> Vec<Option<Tercile>> {
    let mut present: Vec<f64> = values.iter().flatten().copied().filter(|v| v.is_finite()).collect();
    present.sort_by(f64::total_cmp);
    let n = present.len();
    values
        .iter()
        .map(|v| {
            let v = v.filter(|v| v.is_finite())?;
            let rank = present.partition_point(|x| *x < v);
            Some(match 3 * rank / n {
                0 => Tercile::Low,
                1 => Tercile::Mid,
                _ => Tercile::High,
            })
        })
        .collect()
}

/// Gap score, class and rank (1 = largest gap) per area.
#[derive(Debug, Clone, PartialEq)]
pub struct GapIndex {
    pub score: Vec<Option<f64>>,
    pub class: Vec<GapClass>,
    pub rank: Vec<Option<u32>>,
}

/// Combine need (higher = more need) and access (higher = better).
///
/// ```
/// use needmap::gaps::gap_index;
/// let g = gap_index(&[Some(10.0), Some(20.0), Some(30.0)], &[Some(3.0), Some(2.0), Some(1.0)], &[1.0, 1.0, 1.0]);
/// assert_eq!(g.rank, vec![Some(3), Some(2), Some(1)]);
/// assert_eq!(g.class[2].label(), "high-need/low-access");
/// ```
pub fn gap_index(need: &[Option<f64>], access: &[Option<f64>], population: &[f64]) -> GapIndex {
    let n = need.len();
    let zn = standardise(need, population);
    let za = standardise(access, population);
    let has_pop = |i: usize| population[i].is_finite() && population[i] > 0.0;
    let score: Vec<Option<f64>> = (0..n).map(|i| Some(zn[i]? - za[i]?)).collect();
    let keep = |v: &[Option<f64>]| -> Vec<Option<f64>> { (0..n).map(|i| if has_pop(i) { v[i] } else { None }).collect() };
    let tn = terciles(&keep(need));
    let ta = terciles(&keep(access));
    let class = (0..n)
        .map(|i| match (has_pop(i), tn[i], ta[i]) {
            (false, _, _) => GapClass::NoPopulation,
            (true, Some(need), Some(access)) => GapClass::Class { need, access },
            _ => GapClass::NoData,
        })
        .collect();
    let mut order: Vec<usize> = (0..n).filter(|&i| score[i].is_some()).collect();
    order.sort_by(|&a, &b| score[b].unwrap_or(0.0).total_cmp(&score[a].unwrap_or(0.0)).then(a.cmp(&b)));
    let mut rank = vec![None; n];
    for (r, i) in order.into_iter().enumerate() {
        rank[i] = Some(r as u32 + 1);
    }
    GapIndex { score, class, rank }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_zero_population_are_classed_not_scored() {
        let g = gap_index(&[Some(1.0), None, Some(2.0), Some(5.0)], &[Some(1.0), Some(1.0), Some(1.0), Some(0.0)], &[1.0, 1.0, 0.0, 2.0]);
        assert_eq!(g.class[1], GapClass::NoData);
        assert_eq!(g.class[2], GapClass::NoPopulation);
        assert_eq!(g.score[2], None);
        assert_eq!(g.rank[1], None);
        assert!(g.score.iter().flatten().all(|s| s.is_finite()));
        assert_eq!(g.rank[3], Some(1));
    }

    #[test]
    fn terciles_split_evenly() {
        let v: Vec<Option<f64>> = (0..9).map(|i| Some(i as f64)).collect();
        let t = terciles(&v);
        assert_eq!(t.iter().filter(|t| **t == Some(Tercile::Low)).count(), 3);
        assert_eq!(t[8], Some(Tercile::High));
        let same = terciles(&[Some(1.0); 4]);
        assert!(same.iter().all(|t| *t == Some(Tercile::Low)));
    }
}
