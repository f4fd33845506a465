//! Apportionment weights from where people live: an area's counts split over
//! its pieces by the share of its postcode units lying in each piece.
//!
//! A postcode unit (the centroid of about 15 addresses) is placed in a piece
//! when it lies in the piece's source area and in its target area (point in
//! polygon on both levels). A source area with no unit in any of its pieces
//! keeps its area shares. Units in a source area that lie in no piece of it
//! (outside every target area, or in a sliver overlap too small to be a
//! piece) are counted in [`PostcodeWeightStats::outside_pieces`], never
//! silently dropped.

use std::collections::HashMap;

use super::{Overlay, Piece};

/// What weighting one overlay by postcode units found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostcodeWeightStats {
    /// Postcode units lying in some source area.
    pub units: usize,
    /// Units given to a piece (counted in its share).
    pub in_pieces: usize,
    /// Units in a source area but in no piece of it (not used for weights).
    pub outside_pieces: usize,
    /// Source areas with pieces but no unit in any of them: area shares kept.
    pub area_fallback: usize,
    /// Source areas whose shares come from postcode units.
    pub weighted: usize,
}

/// An overlay weighted by postcode units, with what was found.
#[derive(Debug, Clone, Default)]
pub struct PostcodeWeighting {
    /// The pieces of the area overlay with postcode-unit shares.
    pub overlay: Overlay,
    pub stats: PostcodeWeightStats,
    /// Indices (into `located`) of the units in a source area but in no
    /// piece of it, in input order.
    pub outside: Vec<usize>,
}

/// The overlay with each source area's shares replaced by its postcode-unit
/// shares. `located[k]` is unit `k`'s (source area, target area), either
/// `None` when it lies outside that level. Pieces keep their `area_m2`; a
/// piece holding no unit of a weighted source gets share 0.
///
/// ```
/// use needmap::analyse::{postcode_weighted, Overlay, Piece};
/// // Source 0 is split 1:1 by area between targets 0 and 1, but 3 of its 4
/// // postcode units are in target 1; source 1 has no unit.
/// let overlay = Overlay {
///     pieces: vec![
///         Piece { source: 0, target: 0, area_m2: 5.0, share: 0.5 },
///         Piece { source: 0, target: 1, area_m2: 5.0, share: 0.5 },
///         Piece { source: 1, target: 1, area_m2: 2.0, share: 1.0 },
///     ],
///     inside_m2: vec![10.0, 2.0],
/// };
/// let units = [(Some(0), Some(0)), (Some(0), Some(1)), (Some(0), Some(1)), (Some(0), Some(1)), (None, Some(1))];
/// let w = postcode_weighted(&overlay, &units, 2);
/// let (weighted, stats) = (w.overlay, w.stats);
/// let shares: Vec<f64> = weighted.pieces.iter().map(|p| p.share).collect();
/// assert_eq!(shares, vec![0.25, 0.75, 1.0]);
/// assert_eq!((stats.units, stats.in_pieces, stats.area_fallback, stats.weighted), (4, 4, 1, 1));
/// ```
pub fn postcode_weighted(
    overlay: &Overlay,
    located: &[(Option<usize>, Option<usize>)],
    sources: usize,
) -> PostcodeWeighting {
    let piece_of: HashMap<(usize, usize), usize> =
        overlay.pieces.iter().enumerate().map(|(i, p)| ((p.source, p.target), i)).collect();
    let mut per_piece = vec![0usize; overlay.pieces.len()];
    let mut per_source = vec![0usize; sources];
    let mut stats = PostcodeWeightStats::default();
    let mut outside = Vec::new();
    for (k, &(source, target)) in located.iter().enumerate() {
        let Some(s) = source else { continue };
        stats.units += 1;
        match target.and_then(|t| piece_of.get(&(s, t))) {
            Some(&i) => {
                per_piece[i] += 1;
                per_source[s] += 1;
                stats.in_pieces += 1;
            }
            None => {
                stats.outside_pieces += 1;
                outside.push(k);
            }
        }
    }
    let mut has_pieces = vec![false; sources];
    for p in &overlay.pieces {
        has_pieces[p.source] = true;
    }
    for s in 0..sources {
        if has_pieces[s] {
            if per_source[s] > 0 {
                stats.weighted += 1;
            } else {
                stats.area_fallback += 1;
            }
        }
    }
    let pieces = overlay
        .pieces
        .iter()
        .zip(&per_piece)
        .map(|(p, &n)| {
            let total = per_source[p.source];
            Piece {
                share: if total > 0 { n as f64 / total as f64 } else { p.share },
                ..*p
            }
        })
        .collect();
    PostcodeWeighting { overlay: Overlay { pieces, inside_m2: overlay.inside_m2.clone() }, stats, outside }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::apportion_counts;
    use proptest::prelude::*;

    fn overlay(pieces: &[(usize, usize, f64)], sources: usize) -> Overlay {
        let mut inside = vec![0.0; sources];
        for &(s, _, a) in pieces {
            inside[s] += a;
        }
        Overlay {
            pieces: pieces
                .iter()
                .map(|&(source, target, area_m2)| Piece { source, target, area_m2, share: area_m2 / inside[source] })
                .collect(),
            inside_m2: inside,
        }
    }

    #[test]
    fn units_outside_the_pieces_are_counted_not_used() {
        // Source 0 has pieces in targets 0 and 1 only; one unit lies in target
        // 2 (a sliver, no piece) and one in no target at all.
        let o = overlay(&[(0, 0, 1.0), (0, 1, 3.0)], 1);
        let units = [(Some(0), Some(0)), (Some(0), Some(2)), (Some(0), None)];
        let PostcodeWeighting { overlay: w, stats, outside } = postcode_weighted(&o, &units, 1);
        assert_eq!(stats, PostcodeWeightStats { units: 3, in_pieces: 1, outside_pieces: 2, area_fallback: 0, weighted: 1 });
        assert_eq!(outside, vec![1, 2]);
        assert_eq!(w.pieces[0].share, 1.0);
        assert_eq!(w.pieces[1].share, 0.0);
    }

    #[test]
    fn a_source_without_units_keeps_area_shares() {
        let o = overlay(&[(0, 0, 1.0), (0, 1, 3.0)], 1);
        let PostcodeWeighting { overlay: w, stats, .. } = postcode_weighted(&o, &[(Some(0), None)], 1);
        assert_eq!(stats.area_fallback, 1);
        assert_eq!(w.pieces.iter().map(|p| p.share).collect::<Vec<_>>(), vec![0.25, 0.75]);
    }

    proptest! {
        /// Totals are preserved whatever the units, and every weighted
        /// source's shares are its unit counts over its units in pieces.
        #[test]
        fn totals_are_preserved(
            units in prop::collection::vec((0usize..5, 0usize..4), 0..60),
            values in prop::collection::vec(0.0f64..1e4, 5),
        ) {
            // every source has pieces in targets 0..=2 (target 3 is outside)
            let pieces: Vec<(usize, usize, f64)> = (0..5).flat_map(|s| (0..3).map(move |t| (s, t, 1.0 + (s * 3 + t) as f64))).collect();
            let o = overlay(&pieces, 5);
            let located: Vec<_> = units.iter().map(|&(s, t)| (Some(s), (t < 3).then_some(t))).collect();
            let PostcodeWeighting { overlay: w, stats, .. } = postcode_weighted(&o, &located, 5);
            let v: Vec<Option<f64>> = values.iter().map(|&x| Some(x)).collect();
            let before: f64 = values.iter().sum();
            let after: f64 = apportion_counts(&w, &v, 3).iter().flatten().sum();
            prop_assert!((before - after).abs() <= 1e-9 * before.max(1.0));
            prop_assert_eq!(stats.in_pieces + stats.outside_pieces, units.len());
            prop_assert_eq!(stats.weighted + stats.area_fallback, 5);
            for s in 0..5 {
                let n = located.iter().filter(|&&(a, t)| a == Some(s) && t.is_some()).count();
                for p in w.pieces.iter().filter(|p| p.source == s) {
                    let k = located.iter().filter(|&&(a, t)| a == Some(s) && t == Some(p.target)).count();
                    let want = if n > 0 { k as f64 / n as f64 } else { o.pieces.iter().find(|q| q.source == s && q.target == p.target).unwrap().share };
                    prop_assert!((p.share - want).abs() < 1e-12);
                }
            }
        }
    }
}
