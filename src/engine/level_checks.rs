//! Checks across the areas of one level: a feature far from all the others,
//! and areas that overlap (a duplicated LSOA under another code counts its
//! people twice). Both are warnings; the areas are kept.

use geo::{Area as _, BooleanOps, BoundingRect, Contains, CoordsIter, Point};
use rstar::{primitives::GeomWithData, RTree};

use crate::index::AreaIndex;
use crate::load::Diagnostics;
use crate::model::Level;

/// A feature whose nearest neighbour is further away than this (km, beyond
/// both areas' extents) is reported as outside the district.
pub const OUTLIER_GAP_KM: f64 = 20.0;

/// Overlaps smaller than this share of the smaller area are ignored
/// (boundaries digitised separately meet with slivers).
pub const OVERLAP_TOLERANCE: f64 = 0.01;

/// Run both checks on a level loaded from `file`.
pub fn check_level(level: &Level, index: &AreaIndex, file: &str, diags: &mut Diagnostics) {
    outliers(level, file, diags);
    overlaps(level, index, file, diags);
}

/// Half the bounding-box diagonal: how far an area reaches from its middle.
fn reach_m(level: &Level, i: usize) -> f64 {
    level.areas[i]
        .bng
        .bounding_rect()
        .map_or(0.0, |r| 0.5 * r.width().hypot(r.height()))
}

fn outliers(level: &Level, file: &str, diags: &mut Diagnostics) {
    if level.len() < 3 {
        return;
    }
    let points: Vec<GeomWithData<[f64; 2], usize>> = level
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| GeomWithData::new([a.interior_bng.x, a.interior_bng.y], i))
        .collect();
    let tree = RTree::bulk_load(points);
    for (i, a) in level.areas.iter().enumerate() {
        let p = [a.interior_bng.x, a.interior_bng.y];
        let Some(nearest) = tree.nearest_neighbor_iter(&p).find(|e| e.data != i) else { continue };
        let d = (nearest.geom()[0] - p[0]).hypot(nearest.geom()[1] - p[1]);
        let gap_km = (d - reach_m(level, i) - reach_m(level, nearest.data)) / 1000.0;
        if gap_km > OUTLIER_GAP_KM {
            diags.warn(
                file,
                format!("area {}", a.code),
                format!(
                    "lies {gap_km:.0} km from every other area of level `{}`; it looks like a feature from elsewhere (or with wrong coordinates). Check it belongs to this dataset",
                    level.id
                ),
            );
        }
    }
}

/// Vertices of each area tried against its neighbours (evenly spaced).
const PROBES_PER_AREA: usize = 8;

/// Whether one area's interior point, or one of its sampled vertices, lies
/// strictly inside the other: the cheap test that picks the pairs worth an
/// exact intersection. Neighbours that only share edges never pass (shared
/// vertices lie on the boundary, which `contains` excludes); a duplicate or
/// a substantial overlap does.
fn may_overlap(level: &Level, a: usize, b: usize) -> bool {
    let (pa, pb) = (&level.areas[a], &level.areas[b]);
    let probes_in = |from: &crate::model::Area, into: &crate::model::Area| {
        let Some(r) = into.bng.bounding_rect() else { return false };
        let step = (from.bng.coords_count() / PROBES_PER_AREA).max(1);
        std::iter::once(from.interior_bng)
            .chain(from.bng.coords_iter().step_by(step))
            .filter(|c| r.min().x < c.x && c.x < r.max().x && r.min().y < c.y && c.y < r.max().y)
            .any(|c| into.bng.contains(&Point(c)))
    };
    probes_in(pb, pa) || probes_in(pa, pb)
}

fn overlaps(level: &Level, index: &AreaIndex, file: &str, diags: &mut Diagnostics) {
    for (a, area) in level.areas.iter().enumerate() {
        let Some(rect) = area.bng.bounding_rect() else { continue };
        for b in index.candidates(rect).filter(|&b| b > a) {
            // The overlap is no larger than the boxes' overlap: most
            // neighbours are ruled out here without touching a vertex.
            let other_rect = level.areas[b].bng.bounding_rect();
            let boxes = other_rect.map_or(0.0, |o| box_overlap_m2(rect, o));
            if boxes <= OVERLAP_TOLERANCE * area.area_m2.min(level.areas[b].area_m2) || !may_overlap(level, a, b) {
                continue;
            }
            let other = &level.areas[b];
            let shared = area.bng.intersection(&other.bng).unsigned_area();
            let smaller = area.area_m2.min(other.area_m2);
            if smaller > 0.0 && shared > OVERLAP_TOLERANCE * smaller {
                diags.warn(
                    file,
                    format!("areas {} and {}", area.code, other.code),
                    format!(
                        "overlap by {:.0} m² ({:.0}% of the smaller); people and services there can be counted in both. Check for a duplicated feature or a boundary from another vintage",
                        shared,
                        100.0 * shared / smaller
                    ),
                );
            }
        }
    }
}

fn box_overlap_m2(a: geo::Rect<f64>, b: geo::Rect<f64>) -> f64 {
    let w = a.max().x.min(b.max().x) - a.min().x.max(b.min().x);
    let h = a.max().y.min(b.max().y) - a.min().y.max(b.min().y);
    w.max(0.0) * h.max(0.0)
}
