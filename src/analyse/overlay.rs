//! Polygon overlay of two levels: the pieces where a source area and a
//! target area overlap, with areas in square metres (BNG).

use geo::{Area as _, BooleanOps, Contains, CoordsIter, MultiPolygon};

use super::edges::{bbox, EdgeIndex};
use super::shared_boundary::{relate, Relation};

use crate::index::AreaIndex;
use crate::model::{Area, Level};

/// Part of a source area lying in a target area.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Piece {
    pub source: usize,
    pub target: usize,
    /// Overlap area, m².
    pub area_m2: f64,
    /// Share of the source area's inside-target-level area that lies in this
    /// target: shares of one source sum to 1 (or the source has no pieces).
    pub share: f64,
}

/// All pieces of `source` x `target`.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Overlay {
    pub pieces: Vec<Piece>,
    /// Per source area: overlap area with the whole target level, m².
    pub inside_m2: Vec<f64>,
}

/// Overlaps smaller than this (m²) are slivers from generalised boundaries and
/// are ignored: 1 m² is far below any boundary's positional accuracy.
const SLIVER_M2: f64 = 1.0;

impl Overlay {
    /// Intersect every source area with the target areas whose boxes it meets.
    ///
    /// Where one area's boundary does not pass through the other's bounding
    /// box, the pair is either nested or disjoint and is settled with one
    /// point-in-polygon test instead of a polygon intersection. Candidates are
    /// tried from the one holding the source's interior point, and the search
    /// stops once the pieces account for the whole source area (areas of one
    /// level are assumed not to overlap each other).
    ///
    /// `source_edges`/`target_edges` come from [`edge_indexes`] of each level.
    pub fn compute(
        source: &Level,
        source_edges: &[EdgeIndex],
        target: &Level,
        target_edges: &[EdgeIndex],
        target_index: &AreaIndex,
    ) -> Overlay {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
        let chunk = source.len().div_ceil(threads).max(1);
        let parts: Vec<Vec<Piece>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..source.len())
                .step_by(chunk)
                .map(|start| {
                    let (se, te) = (source_edges, target_edges);
                    scope.spawn(move || {
                        let mut pieces = Vec::new();
                        for s in start..(start + chunk).min(source.len()) {
                            let sa = &source.areas[s];
                            let mut candidates: Vec<usize> = target_index.candidates(bbox(&sa.bng)).collect();
                            // Start with the target holding the source's interior point.
                            let inner = geo::Point(sa.interior_bng);
                            if let Some(k) = candidates.iter().position(|&t| target.areas[t].bng.contains(&inner)) {
                                candidates.swap(0, k);
                            }
                            let mut remaining = sa.area_m2;
                            for t in candidates {
                                // Target areas do not overlap one another, so once the
                                // pieces found cover the source, the rest are slivers.
                                if remaining <= SLIVER_M2 {
                                    break;
                                }
                                let area = overlap_m2(sa, &se[s], &target.areas[t], &te[t]);
                                remaining -= area;
                                if area > SLIVER_M2 {
                                    pieces.push(Piece { source: s, target: t, area_m2: area, share: 0.0 });
                                }
                            }
                        }
                        pieces
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut pieces: Vec<Piece> = parts.into_iter().flatten().collect();
        let mut inside_m2 = vec![0.0; source.len()];
        for p in &pieces {
            inside_m2[p.source] += p.area_m2;
        }
        for p in &mut pieces {
            p.share = p.area_m2 / inside_m2[p.source];
        }
        Overlay { pieces, inside_m2 }
    }

    /// For each source area, the target with the largest overlap.
    pub fn largest_target(&self, sources: usize) -> Vec<Option<usize>> {
        let mut best: Vec<Option<(usize, f64)>> = vec![None; sources];
        for p in &self.pieces {
            let b = &mut best[p.source];
            if b.is_none_or(|(_, a)| p.area_m2 > a) {
                *b = Some((p.target, p.area_m2));
            }
        }
        best.into_iter().map(|b| b.map(|(t, _)| t)).collect()
    }
}

/// Boundary-segment indexes of every area of a level.
pub fn edge_indexes(level: &Level) -> Vec<EdgeIndex> {
    level.areas.iter().map(|a| EdgeIndex::new(&a.bng)).collect()
}

/// Overlap area of two areas.
fn overlap_m2(a: &Area, a_edges: &EdgeIndex, b: &Area, b_edges: &EdgeIndex) -> f64 {
    if !b_edges.touches(bbox(&a.bng)) {
        // `a` is wholly inside `b` or wholly outside it.
        return if inside(&b.bng, &a.bng) { a.area_m2 } else { 0.0 };
    }
    if !a_edges.touches(bbox(&b.bng)) {
        return if inside(&a.bng, &b.bng) { b.area_m2 } else { 0.0 };
    }
    // Boundaries that meet only in shared segments and vertices (a ward and
    // its constituency) are nested or disjoint too, settled by a few points.
    match relate(&a.bng, a_edges, &b.bng, b_edges) {
        Relation::Inside => a.area_m2,
        Relation::Contains => b.area_m2,
        Relation::Disjoint => 0.0,
        Relation::Unknown => a.bng.intersection(&b.bng).unsigned_area(),
    }
}

/// Whether the first vertex of `inner` lies inside `outer`.
fn inside(outer: &MultiPolygon<f64>, inner: &MultiPolygon<f64>) -> bool {
    inner
        .coords_iter()
        .next()
        .is_some_and(|c| outer.contains(&geo::Point(c)))
}

impl Overlay {
    /// The overlay of a level with itself: each area is one whole piece.
    pub fn identity(level: &Level) -> Overlay {
        Overlay {
            pieces: level
                .areas
                .iter()
                .enumerate()
                .map(|(i, a)| Piece {
                    source: i,
                    target: i,
                    area_m2: a.area_m2,
                    share: 1.0,
                })
                .collect(),
            inside_m2: level.areas.iter().map(|a| a.area_m2).collect(),
        }
    }
}

impl Overlay {
    /// Map the targets of this overlay into groups of targets (a custom level
    /// built from the target level), merging pieces that land in one group.
    pub fn grouped(&self, group_of: Vec<Option<usize>>) -> Overlay {
        let mut merged: std::collections::BTreeMap<(usize, usize), f64> = Default::default();
        for p in &self.pieces {
            if let Some(g) = group_of[p.target] {
                *merged.entry((p.source, g)).or_default() += p.area_m2;
            }
        }
        let mut inside_m2 = vec![0.0; self.inside_m2.len()];
        for (&(s, _), a) in &merged {
            inside_m2[s] += a;
        }
        let pieces = merged
            .into_iter()
            .map(|((source, target), area_m2)| Piece {
                source,
                target,
                area_m2,
                share: area_m2 / inside_m2[source],
            })
            .collect();
        Overlay { pieces, inside_m2 }
    }

    /// The same pieces seen from the other level: shares renormalised per new
    /// source area. `sources` is the number of areas of the new source level.
    pub fn reversed(&self, sources: usize) -> Overlay {
        let mut inside_m2 = vec![0.0; sources];
        for p in &self.pieces {
            inside_m2[p.target] += p.area_m2;
        }
        let mut pieces: Vec<Piece> = self
            .pieces
            .iter()
            .map(|p| Piece {
                source: p.target,
                target: p.source,
                area_m2: p.area_m2,
                share: p.area_m2 / inside_m2[p.target],
            })
            .collect();
        pieces.sort_by_key(|p| (p.source, p.target));
        Overlay { pieces, inside_m2 }
    }
}
