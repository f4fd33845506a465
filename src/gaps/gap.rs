//! The bivariate need x access class and the rank by unmet need.
//!
//! Access is oriented so that higher = better (for the nearest-service method
//! access is minus the minutes to the nearest service). The need axis is the
//! tercile of unmet need ([`super::unmet`]), so that the ranked list and the
//! map agree. z-score differences (`z(need) - z(access)`) are no longer used:
//! with a small spread of need they ranked areas by remoteness alone.

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

/// Class and rank (1 = most unmet need) per area.
#[derive(Debug, Clone, PartialEq)]
pub struct GapIndex {
    pub class: Vec<GapClass>,
    pub rank: Vec<Option<u32>>,
}

/// Classes and ranks from unmet need (people in need who lack access), people
/// in need and access (higher = better) per area.
///
/// The need axis of the class is the tercile of **unmet need**, the access
/// axis the tercile of access, both among areas with population and both
/// values. The rank orders areas by unmet need, largest first; ties go to
/// more people in need, then to worse access, then to the smaller code. So
/// the list and the map agree: every `high-need/*` area ranks above every
/// `low-need/*` one. Areas without population get `no-population` and no
/// rank; areas without unmet need or access get `no-data` and no rank.
///
/// ```
/// use needmap::gaps::gap_index;
/// let g = gap_index(&[Some(10.0), Some(400.0), Some(90.0)], &[Some(50.0), Some(900.0), Some(100.0)],
///     &[Some(3.0), Some(1.0), Some(2.0)], &[1.0, 1.0, 1.0], &["A", "B", "C"]);
/// assert_eq!(g.rank, vec![Some(3), Some(1), Some(2)]);
/// assert_eq!(g.class[1].label(), "high-need/low-access");
/// ```
pub fn gap_index(unmet: &[Option<f64>], in_need: &[Option<f64>], access: &[Option<f64>], population: &[f64], codes: &[&str]) -> GapIndex {
    let n = unmet.len();
    let has_pop = |i: usize| population[i].is_finite() && population[i] > 0.0;
    let finite = |v: Option<f64>| v.filter(|v| v.is_finite());
    let scored = |i: usize| has_pop(i) && finite(unmet[i]).is_some() && finite(access[i]).is_some();
    let keep = |v: &[Option<f64>]| -> Vec<Option<f64>> { (0..n).map(|i| if scored(i) { finite(v[i]) } else { None }).collect() };
    let tn = terciles(&keep(unmet));
    let ta = terciles(&keep(access));
    let class = (0..n)
        .map(|i| match (has_pop(i), tn[i], ta[i]) {
            (false, _, _) => GapClass::NoPopulation,
            (true, Some(need), Some(access)) => GapClass::Class { need, access },
            _ => GapClass::NoData,
        })
        .collect();
    let mut order: Vec<usize> = (0..n).filter(|&i| scored(i)).collect();
    let val = |v: &[Option<f64>], i: usize| finite(v[i]).unwrap_or(0.0);
    order.sort_by(|&a, &b| {
        val(unmet, b)
            .total_cmp(&val(unmet, a))
            .then(val(in_need, b).total_cmp(&val(in_need, a)))
            .then(val(access, a).total_cmp(&val(access, b)))
            .then(codes[a].cmp(codes[b]))
            .then(a.cmp(&b))
    });
    let mut rank = vec![None; n];
    for (r, i) in order.into_iter().enumerate() {
        rank[i] = Some(r as u32 + 1);
    }
    GapIndex { class, rank }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_zero_population_are_classed_not_ranked() {
        let g = gap_index(
            &[Some(1.0), None, Some(2.0), Some(5.0)],
            &[Some(1.0), Some(1.0), Some(2.0), Some(5.0)],
            &[Some(1.0), Some(1.0), Some(1.0), Some(0.0)],
            &[1.0, 1.0, 0.0, 2.0],
            &["a", "b", "c", "d"],
        );
        assert_eq!(g.class[1], GapClass::NoData);
        assert_eq!(g.class[2], GapClass::NoPopulation);
        assert_eq!(g.rank[1], None);
        assert_eq!(g.rank[2], None);
        assert_eq!(g.rank[3], Some(1));
        assert_eq!(g.rank[0], Some(2));
    }

    #[test]
    fn ties_go_to_more_need_then_worse_access_then_code() {
        let g = gap_index(
            &[Some(5.0), Some(5.0), Some(5.0), Some(5.0)],
            &[Some(9.0), Some(10.0), Some(10.0), Some(10.0)],
            &[Some(1.0), Some(2.0), Some(1.0), Some(1.0)],
            &[1.0; 4],
            &["a", "b", "d", "c"],
        );
        assert_eq!(g.rank, vec![Some(4), Some(3), Some(2), Some(1)]);
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
