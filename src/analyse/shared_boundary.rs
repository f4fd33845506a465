//! Nested or disjoint without a polygon intersection, for two areas whose
//! boundaries meet only along whole shared segments and at shared vertices
//! (a ward and the constituency built from it, an OA and its LSOA).
//!
//! The test: every pair of boundary segments whose boxes meet must be the
//! same segment, share an endpoint and nothing else, or not meet at all
//! (exact predicates). Then neither boundary crosses the other, so each run
//! of the boundary between shared vertices lies wholly inside or wholly
//! outside the other area, and one point per run settles it. Anything else
//! (a crossing, a vertex on the other's segment, collinear overlap, a part
//! made only of shared segments) answers [`Relation::Unknown`] and the caller
//! intersects the polygons.

use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::line_intersection::line_intersection;
use geo::{Coord, Line, MultiPolygon};

use super::edges::{bbox, EdgeIndex};

/// How area `a` lies relative to area `b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// `a` lies inside `b` (the overlap is all of `a`).
    Inside,
    /// `a` and `b` do not overlap (they may share boundary).
    Disjoint,
    /// `b` lies inside `a` (the overlap is all of `b`).
    Contains,
    /// The boundaries cross or touch in another way: intersect the polygons.
    Unknown,
}

/// Which side of the other area the tested runs of one boundary lie on.
#[derive(Debug, Default)]
struct Sides {
    inside: bool,
    outside: bool,
}

/// How `a` lies relative to `b`; `a_edges`/`b_edges` index their boundaries.
pub fn relate(a: &MultiPolygon<f64>, a_edges: &EdgeIndex, b: &MultiPolygon<f64>, b_edges: &EdgeIndex) -> Relation {
    // Shared vertices, as exact coordinate bits.
    let mut touched: Vec<(u64, u64)> = Vec::new();
    let Some(a_sides) = walk(a, b, b_edges, |s, t| contact(s, t, &mut touched)) else {
        return Relation::Unknown;
    };
    touched.sort_unstable();
    let a_box = bbox(a);
    let is_touched = |c: Coord<f64>| touched.binary_search(&key(c)).is_ok();
    // Every pair of meeting segments was checked above; here only whether each
    // segment of `b` is one of `a`'s and which side of `a` its runs lie on.
    let b_sides = walk_b(b, a, a_edges, a_box, &is_touched);
    let Some(b_sides) = b_sides else { return Relation::Unknown };
    match (a_sides.inside, a_sides.outside, b_sides.inside, b_sides.outside) {
        (true, false, false, _) => Relation::Inside,
        (false, true, false, _) => Relation::Disjoint,
        (false, true, true, false) => Relation::Contains,
        _ => Relation::Unknown,
    }
}

fn key(c: Coord<f64>) -> (u64, u64) {
    (c.x.to_bits(), c.y.to_bits())
}

/// What one segment of `a` has to do with one segment of `b` whose box meets it.
enum Contact {
    /// The same segment (either direction).
    Same,
    /// They meet only at a common endpoint (or not at all).
    Allowed,
    /// Any other meeting: give up.
    Other,
}

fn contact(s: Line<f64>, t: Line<f64>, touched: &mut Vec<(u64, u64)>) -> Contact {
    if (s.start == t.start && s.end == t.end) || (s.start == t.end && s.end == t.start) {
        touched.push(key(s.start));
        touched.push(key(s.end));
        return Contact::Same;
    }
    // A common endpoint `v`: the segments meet only there unless they run
    // along each other from `v` (collinear, the other ends on the same side).
    let common = [(s.start, s.end), (s.end, s.start)]
        .into_iter()
        .find_map(|(v, s_far)| [(t.start, t.end), (t.end, t.start)].into_iter().find(|&(w, _)| w == v).map(|(_, t_far)| (v, s_far, t_far)));
    if let Some((v, s_far, t_far)) = common {
        let along = RobustKernel::orient2d(v, s_far, t_far) == Orientation::Collinear
            && (s_far.x - v.x) * (t_far.x - v.x) + (s_far.y - v.y) * (t_far.y - v.y) > 0.0;
        if along {
            return Contact::Other;
        }
        touched.push(key(v));
        return Contact::Allowed;
    }
    match line_intersection(s, t) {
        None => Contact::Allowed,
        Some(_) => Contact::Other,
    }
}

/// Walk the rings of `a`, checking each segment against the segments of `b`
/// near it and testing one point per run of free (unshared) segments.
/// `None` when the boundaries meet in a way [`contact`] does not allow, a
/// segment has no length, a tested point is on `b`'s boundary, or a part of
/// `a` has no free segment to test.
fn walk(
    a: &MultiPolygon<f64>,
    b: &MultiPolygon<f64>,
    b_edges: &EdgeIndex,
    mut check: impl FnMut(Line<f64>, Line<f64>) -> Contact,
) -> Option<Sides> {
    let mut sides = Sides::default();
    for polygon in &a.0 {
        let mut tested_part = false;
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            let mut need_test = true;
            for s in ring.lines() {
                if s.start == s.end {
                    return None;
                }
                let (mut same, mut end_touched) = (false, false);
                for t in b_edges.near(s) {
                    match check(s, t) {
                        Contact::Same => {
                            same = true;
                            end_touched = true;
                        }
                        Contact::Allowed => end_touched |= t.start == s.end || t.end == s.end,
                        Contact::Other => return None,
                    }
                }
                if !same && need_test {
                    side_of(midpoint(s), b, &mut sides)?;
                    tested_part = true;
                    need_test = false;
                }
                if same || end_touched {
                    need_test = true;
                }
            }
        }
        if !tested_part {
            return None;
        }
    }
    Some(sides)
}

/// The same walk over `b`'s rings against `a`, once every contact is known
/// to be allowed: segments outside `a`'s box are outside `a`.
fn walk_b(
    b: &MultiPolygon<f64>,
    a: &MultiPolygon<f64>,
    a_edges: &EdgeIndex,
    a_box: geo::Rect<f64>,
    is_touched: &impl Fn(Coord<f64>) -> bool,
) -> Option<Sides> {
    let mut sides = Sides::default();
    let (lo, hi) = (a_box.min(), a_box.max());
    for polygon in &b.0 {
        let mut tested_part = false;
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            let mut need_test = true;
            for t in ring.lines() {
                let near = t.start.x.max(t.end.x) >= lo.x
                    && t.start.x.min(t.end.x) <= hi.x
                    && t.start.y.max(t.end.y) >= lo.y
                    && t.start.y.min(t.end.y) <= hi.y;
                if !near {
                    sides.outside = true;
                    tested_part = true;
                    need_test = true;
                    continue;
                }
                let same = a_edges
                    .near(t)
                    .any(|s| (s.start == t.start && s.end == t.end) || (s.start == t.end && s.end == t.start));
                if !same && need_test {
                    side_of(midpoint(t), a, &mut sides)?;
                    tested_part = true;
                    need_test = false;
                }
                if same || is_touched(t.end) {
                    need_test = true;
                }
            }
        }
        if !tested_part {
            return None;
        }
    }
    Some(sides)
}

fn midpoint(s: Line<f64>) -> Coord<f64> {
    Coord { x: 0.5 * (s.start.x + s.end.x), y: 0.5 * (s.start.y + s.end.y) }
}

fn side_of(c: Coord<f64>, area: &MultiPolygon<f64>, sides: &mut Sides) -> Option<()> {
    match area.coordinate_position(&c) {
        CoordPos::Inside => sides.inside = true,
        CoordPos::Outside => sides.outside = true,
        CoordPos::OnBoundary => return None,
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, BooleanOps, LineString, Polygon};

    fn square(x0: f64, y0: f64, s: f64) -> Vec<(f64, f64)> {
        vec![(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s), (x0, y0)]
    }

    fn mp(rings: &[Vec<(f64, f64)>]) -> MultiPolygon<f64> {
        let ls = |r: &Vec<(f64, f64)>| LineString::from(r.clone());
        MultiPolygon(vec![Polygon::new(ls(&rings[0]), rings[1..].iter().map(ls).collect())])
    }

    fn rel(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> Relation {
        relate(a, &EdgeIndex::new(a), b, &EdgeIndex::new(b))
    }

    /// The overlap the relation implies, or the intersection when unknown.
    fn overlap(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
        match rel(a, b) {
            Relation::Inside => a.unsigned_area(),
            Relation::Disjoint => 0.0,
            Relation::Contains => b.unsigned_area(),
            Relation::Unknown => a.intersection(b).unsigned_area(),
        }
    }

    /// A 4 x 4 block of unit cells and its cells, with shared vertices.
    fn block() -> (MultiPolygon<f64>, Vec<MultiPolygon<f64>>) {
        let mut outline = Vec::new();
        for i in 0..4 {
            outline.push((i as f64, 0.0));
        }
        for j in 0..4 {
            outline.push((4.0, j as f64));
        }
        for i in (1..=4).rev() {
            outline.push((i as f64, 4.0));
        }
        for j in (1..=4).rev() {
            outline.push((0.0, j as f64));
        }
        outline.push((0.0, 0.0));
        let cells = (0..16).map(|k| mp(&[square((k % 4) as f64, (k / 4) as f64, 1.0)])).collect();
        (mp(&[outline]), cells)
    }

    #[test]
    fn cells_of_a_block_are_inside_it_and_the_block_contains_them() {
        let (outline, cells) = block();
        for c in &cells {
            assert_eq!(rel(c, &outline), Relation::Inside);
            assert_eq!(rel(&outline, c), Relation::Contains);
        }
        // Neighbouring cells share an edge or a corner and do not overlap.
        assert_eq!(rel(&cells[0], &cells[1]), Relation::Disjoint);
        assert_eq!(rel(&cells[0], &cells[5]), Relation::Disjoint);
    }

    #[test]
    fn crossings_t_junctions_and_collinear_overlaps_are_left_to_the_intersection() {
        let a = mp(&[square(0.0, 0.0, 2.0)]);
        // Crossing.
        assert_eq!(rel(&a, &mp(&[square(1.0, 1.0, 2.0)])), Relation::Unknown);
        // A vertex of one on the other's segment (a T-junction), collinear edge overlap.
        assert_eq!(rel(&mp(&[square(0.0, 0.5, 1.0)]), &a), Relation::Unknown);
        // Identical squares: every segment shared, nothing to test.
        assert_eq!(rel(&a, &a), Relation::Unknown);
    }

    #[test]
    fn a_hole_of_the_parent_inside_the_child_is_not_taken_for_nesting() {
        // b: a big square with a hole; a: a square around the hole, sharing no vertex.
        let b = mp(&[square(0.0, 0.0, 10.0), square(4.0, 4.0, 2.0)]);
        let a = mp(&[square(3.0, 3.0, 4.0)]);
        assert_eq!(rel(&a, &b), Relation::Unknown);
        assert!((overlap(&a, &b) - 12.0).abs() < 1e-9);
        // A hole crossing at shared vertices: a's boundary passes through b's vertex (X).
        let bow_b = mp(&[vec![(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]]);
        let through = mp(&[vec![(1.0, -1.0), (2.0, 0.0), (3.0, 1.0), (2.0, 2.0), (1.0, 3.0), (-1.0, 1.0), (1.0, -1.0)]]);
        assert!((overlap(&through, &bow_b) - through.intersection(&bow_b).unsigned_area()).abs() < 1e-9);
    }

    #[test]
    fn random_jittered_tessellations_agree_with_the_intersection() {
        // Cells of a jittered grid against blocks of them and against cells of another grid.
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) as f64 / (1u64 << 31) as f64) - 0.5
        };
        let n = 6;
        let v: Vec<Vec<(f64, f64)>> = (0..=n)
            .map(|j| {
                (0..=n)
                    .map(|i| {
                        let jx = if i == 0 || i == n { 0.0 } else { 0.4 * rnd() };
                        let jy = if j == 0 || j == n { 0.0 } else { 0.4 * rnd() };
                        (i as f64 + jx, j as f64 + jy)
                    })
                    .collect()
            })
            .collect();
        let block = |i0: usize, i1: usize, j0: usize, j1: usize| {
            let mut r = Vec::new();
            for i in i0..i1 {
                r.push(v[j0][i]);
            }
            for j in j0..j1 {
                r.push(v[j][i1]);
            }
            for i in (i0 + 1..=i1).rev() {
                r.push(v[j1][i]);
            }
            for j in (j0 + 1..=j1).rev() {
                r.push(v[j][i0]);
            }
            r.push(r[0]);
            mp(&[r])
        };
        let cells: Vec<_> = (0..n * n).map(|k| block(k % n, k % n + 1, k / n, k / n + 1)).collect();
        let blocks = [block(0, 2, 0, 3), block(2, 6, 0, 3), block(0, 3, 3, 6), block(3, 6, 3, 6)];
        let other: Vec<_> = (0..4).map(|k| mp(&[square(0.3 + 1.7 * (k % 2) as f64, 0.2 + 2.1 * (k / 2) as f64, 1.9)])).collect();
        let mut fast = 0;
        for c in &cells {
            for b in blocks.iter().chain(&other) {
                let want = c.intersection(b).unsigned_area();
                for (got, what) in [(overlap(c, b), "cell in b"), (overlap(b, c), "b over cell")] {
                    // i_overlay snaps to a fixed grid: its areas are about 1e-9 off.
                    assert!((got - want).abs() < 1e-7, "{what}: {got} vs {want}");
                }
                fast += (rel(c, b) != Relation::Unknown) as usize;
            }
        }
        // Every cell against every block is settled without an intersection.
        assert!(fast >= cells.len() * blocks.len(), "{fast}");
    }
}
