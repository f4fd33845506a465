//! Polygon overlay of two levels: the pieces where a source area and a
//! target area overlap, with areas in square metres (BNG).

use geo::{Area as _, BooleanOps, BoundingRect};

use crate::index::AreaIndex;
use crate::model::Level;

/// Part of a source area lying in a target area.
#[derive(Debug, Clone, Copy, PartialEq)]
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
#[derive(Debug, Clone, Default)]
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
    pub fn compute(source: &Level, target: &Level, target_index: &AreaIndex) -> Overlay {
        let mut pieces = Vec::new();
        let mut inside_m2 = vec![0.0; source.len()];
        for (s, sa) in source.areas.iter().enumerate() {
            let Some(bbox) = sa.bng.bounding_rect() else { continue };
            let first = pieces.len();
            for t in target_index.candidates(bbox) {
                let ta = &target.areas[t];
                let area = overlap_m2(sa, ta);
                if area > SLIVER_M2 {
                    pieces.push(Piece {
                        source: s,
                        target: t,
                        area_m2: area,
                        share: 0.0,
                    });
                }
            }
            let total: f64 = pieces[first..].iter().map(|p| p.area_m2).sum();
            inside_m2[s] = total;
            for p in &mut pieces[first..] {
                p.share = p.area_m2 / total;
            }
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

/// Overlap area of two areas by polygon intersection.
fn overlap_m2(a: &crate::model::Area, b: &crate::model::Area) -> f64 {
    a.bng.intersection(&b.bng).unsigned_area()
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
