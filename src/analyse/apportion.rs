//! Apportioning small-area values to other levels by area share.
//!
//! Each source area's counts are split across target areas by the share of
//! its area lying in each (shares normalised over the parts inside any target
//! area, so totals are preserved exactly). Scores and rates become
//! population-weighted means over the pieces. Ranks and deciles are never
//! averaged: [`decile1_share`] gives the share of population in decile 1.

use std::collections::BTreeMap;

use super::Overlay;

/// Values of one level: populations, indicators and decile-1 shares.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct LevelValues {
    /// Population id -> value per area.
    pub populations: BTreeMap<String, Vec<Option<f64>>>,
    /// Indicator index (engine order) -> value per area.
    pub indicators: Vec<Vec<Option<f64>>>,
    /// Indicator index of a decile indicator -> share of population in decile 1.
    pub decile1: BTreeMap<usize, Vec<Option<f64>>>,
}

/// Split counts across targets: `sum(share * value)`. A target with no
/// piece carrying a value gets `None`.
///
/// ```
/// use needmap::analyse::{apportion_counts, Overlay, Piece};
/// // source 0 is split 3:1 between targets 0 and 1; source 1 lies in target 1.
/// let overlay = Overlay {
///     pieces: vec![
///         Piece { source: 0, target: 0, area_m2: 3.0, share: 0.75 },
///         Piece { source: 0, target: 1, area_m2: 1.0, share: 0.25 },
///         Piece { source: 1, target: 1, area_m2: 2.0, share: 1.0 },
///     ],
///     inside_m2: vec![4.0, 2.0],
/// };
/// let out = apportion_counts(&overlay, &[Some(100.0), Some(10.0)], 2);
/// assert_eq!(out, vec![Some(75.0), Some(35.0)]);
/// ```
pub fn apportion_counts(overlay: &Overlay, source: &[Option<f64>], targets: usize) -> Vec<Option<f64>> {
    let mut out: Vec<Option<f64>> = vec![None; targets];
    for p in &overlay.pieces {
        if let Some(v) = source[p.source] {
            *out[p.target].get_or_insert(0.0) += p.share * v;
        }
    }
    out
}

/// Population-weighted mean over pieces: `sum(share*pop*v) / sum(share*pop)`.
/// Where the pieces carry no population (all zero), the mean is weighted by
/// area share instead, so a value is still given.
pub fn apportion_means(
    overlay: &Overlay,
    source: &[Option<f64>],
    weight: &[Option<f64>],
    targets: usize,
) -> Vec<Option<f64>> {
    let mut num = vec![0.0; targets];
    let mut den = vec![0.0; targets];
    let mut anum = vec![0.0; targets];
    let mut aden = vec![0.0; targets];
    for p in &overlay.pieces {
        let Some(v) = source[p.source] else { continue };
        let w = weight[p.source].unwrap_or(0.0).max(0.0) * p.share;
        num[p.target] += w * v;
        den[p.target] += w;
        anum[p.target] += p.share * v;
        aden[p.target] += p.share;
    }
    (0..targets)
        .map(|t| {
            if den[t] > 0.0 {
                Some(num[t] / den[t])
            } else if aden[t] > 0.0 {
                Some(anum[t] / aden[t])
            } else {
                None
            }
        })
        .collect()
}

/// Population-weighted share of population living in decile 1.
pub fn decile1_share(
    overlay: &Overlay,
    decile: &[Option<f64>],
    weight: &[Option<f64>],
    targets: usize,
) -> Vec<Option<f64>> {
    low_decile_share(overlay, decile, weight, targets, 1)
}

/// Population-weighted share of population living in deciles 1 to `upto`
/// (`upto = 2`: the most deprived 20% nationally). Areas without a decile
/// count in neither the share nor its base.
pub fn low_decile_share(
    overlay: &Overlay,
    decile: &[Option<f64>],
    weight: &[Option<f64>],
    targets: usize,
    upto: u8,
) -> Vec<Option<f64>> {
    let low: Vec<Option<f64>> = decile
        .iter()
        .map(|d| d.map(|d| if d <= f64::from(upto) + 1e-9 { 1.0 } else { 0.0 }))
        .collect();
    apportion_means(overlay, &low, weight, targets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::Piece;
    use proptest::prelude::*;

    fn overlay_from(shares: &[Vec<f64>]) -> Overlay {
        let mut pieces = Vec::new();
        for (s, row) in shares.iter().enumerate() {
            let total: f64 = row.iter().sum();
            for (t, &a) in row.iter().enumerate() {
                if a > 0.0 {
                    pieces.push(Piece { source: s, target: t, area_m2: a, share: a / total });
                }
            }
        }
        Overlay { inside_m2: shares.iter().map(|r| r.iter().sum()).collect(), pieces }
    }

    proptest! {
        #[test]
        fn counts_preserve_totals(
            rows in prop::collection::vec(
                (prop::collection::vec(0.0f64..1e6, 4), 0.0f64..1e5), 1..40)
        ) {
            // every source overlaps at least one target
            let shares: Vec<Vec<f64>> = rows.iter().map(|(r, _)| {
                let mut r = r.clone();
                if r.iter().sum::<f64>() <= 0.0 { r[0] = 1.0; }
                r
            }).collect();
            let values: Vec<Option<f64>> = rows.iter().map(|(_, v)| Some(*v)).collect();
            let overlay = overlay_from(&shares);
            let out = apportion_counts(&overlay, &values, 4);
            let before: f64 = values.iter().flatten().sum();
            let after: f64 = out.iter().flatten().sum();
            prop_assert!((before - after).abs() <= 1e-9 * before.max(1.0));
        }

        #[test]
        fn means_lie_within_source_range(
            rows in prop::collection::vec(
                (prop::collection::vec(0.0f64..10.0, 3), -50.0f64..50.0, 0.0f64..1000.0), 1..30)
        ) {
            let shares: Vec<Vec<f64>> = rows.iter().map(|(r, _, _)| {
                let mut r = r.clone();
                if r.iter().sum::<f64>() <= 0.0 { r[0] = 1.0; }
                r
            }).collect();
            let v: Vec<Option<f64>> = rows.iter().map(|(_, v, _)| Some(*v)).collect();
            let w: Vec<Option<f64>> = rows.iter().map(|(_, _, w)| Some(*w)).collect();
            let out = apportion_means(&overlay_from(&shares), &v, &w, 3);
            let lo = v.iter().flatten().cloned().fold(f64::INFINITY, f64::min);
            let hi = v.iter().flatten().cloned().fold(f64::NEG_INFINITY, f64::max);
            for m in out.into_iter().flatten() {
                prop_assert!(m >= lo - 1e-9 && m <= hi + 1e-9);
            }
        }
    }

    #[test]
    fn zero_population_falls_back_to_area_weights() {
        let overlay = overlay_from(&[vec![1.0], vec![3.0]]);
        let out = apportion_means(&overlay, &[Some(10.0), Some(20.0)], &[Some(0.0), Some(0.0)], 1);
        assert_eq!(out, vec![Some(15.0)]);
    }

    #[test]
    fn decile_share_counts_population_in_decile_one() {
        let overlay = overlay_from(&[vec![1.0], vec![1.0]]);
        let out = decile1_share(&overlay, &[Some(1.0), Some(5.0)], &[Some(300.0), Some(100.0)], 1);
        assert_eq!(out, vec![Some(0.75)]);
    }

    #[test]
    fn low_decile_share_counts_deciles_up_to_the_bound() {
        let overlay = overlay_from(&[vec![1.0], vec![1.0], vec![1.0], vec![1.0]]);
        let deciles = [Some(1.0), Some(2.0), Some(3.0), None];
        let w = [Some(100.0), Some(100.0), Some(200.0), Some(1000.0)];
        assert_eq!(low_decile_share(&overlay, &deciles, &w, 1, 2), vec![Some(0.5)]);
        assert_eq!(low_decile_share(&overlay, &deciles, &w, 1, 1), vec![Some(0.25)]);
    }
}
