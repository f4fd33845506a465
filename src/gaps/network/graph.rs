//! A routable road graph for one way of travelling: segments between nodes,
//! an R-tree over segments for snapping, and a reverse adjacency list for
//! Dijkstra searches that end at services.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use geo::{Coord, Line};
use rstar::primitives::GeomWithData;
use rstar::RTree;

use crate::gaps::Travel;

/// Metres per minute of the walk from a point to the nearest road.
const ACCESS_M_PER_MIN: f64 = crate::gaps::WALK_SPEED_KMH * 1000.0 / 60.0;

/// A straight piece of road between two nodes. Minutes are `None` in a
/// direction that cannot be travelled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub a: u32,
    pub b: u32,
    pub metres: f64,
    /// Minutes from `a` to `b`.
    pub forward_min: Option<f64>,
    /// Minutes from `b` to `a`.
    pub backward_min: Option<f64>,
}

/// Where a point joins the network: on segment `segment`, at fraction `t`
/// from its `a` end, `off_m` metres (straight line) from the point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    pub segment: u32,
    pub t: f64,
    pub off_m: f64,
}

/// Which edge weight a search uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Metres,
    Minutes,
}

#[derive(Debug, Clone, Copy)]
struct Arc {
    to: u32,
    metres: f64,
    minutes: f64,
}

/// Nearest and k-th nearest service by network, per origin.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NetworkNearest {
    pub nearest_min: Vec<Option<f64>>,
    pub nearest_m: Vec<Option<f64>>,
    pub kth_min: Vec<Option<f64>>,
    pub kth_m: Vec<Option<f64>>,
    /// Nearest service (position in the service list).
    pub service: Vec<Option<usize>>,
}

/// A road graph for walking or driving (BNG metres).
#[derive(Debug, Clone)]
pub struct RoadGraph {
    pub travel: Travel,
    pub nodes: Vec<Coord<f64>>,
    pub segments: Vec<Segment>,
    /// For node `x`, arcs `x <- y` stored as `y` (reverse graph, CSR).
    rev_start: Vec<u32>,
    rev: Vec<Arc>,
    tree: RTree<GeomWithData<Line<f64>, u32>>,
}

/// Minutes to travel a fraction of a segment in a direction (`None` if that
/// direction is closed; a point on the node itself needs no travel).
fn along(minutes: Option<f64>, fraction: f64) -> Option<f64> {
    if fraction <= 0.0 {
        Some(0.0)
    } else {
        minutes.map(|m| fraction * m)
    }
}

fn key(v: f64) -> u64 {
    // Non-negative finite floats order like their bit patterns.
    v.max(0.0).to_bits()
}

impl RoadGraph {
    /// Build from nodes and segments (segments naming missing nodes, with
    /// no usable direction or a non-finite length are dropped).
    pub fn new(travel: Travel, nodes: Vec<Coord<f64>>, segments: Vec<Segment>) -> RoadGraph {
        let n = nodes.len();
        let ok = |m: Option<f64>| m.filter(|m| m.is_finite() && *m >= 0.0);
        let segments: Vec<Segment> = segments
            .into_iter()
            .filter(|s| (s.a as usize) < n && (s.b as usize) < n && s.metres.is_finite() && s.metres >= 0.0)
            .map(|s| Segment { forward_min: ok(s.forward_min), backward_min: ok(s.backward_min), ..s })
            .filter(|s| s.forward_min.is_some() || s.backward_min.is_some())
            .collect();
        let mut count = vec![0u32; n + 1];
        for s in &segments {
            if s.forward_min.is_some() {
                count[s.b as usize] += 1;
            }
            if s.backward_min.is_some() {
                count[s.a as usize] += 1;
            }
        }
        let mut rev_start = vec![0u32; n + 1];
        for i in 0..n {
            rev_start[i + 1] = rev_start[i] + count[i];
        }
        let mut fill = rev_start.clone();
        let mut rev = vec![Arc { to: 0, metres: 0.0, minutes: 0.0 }; rev_start[n] as usize];
        for s in &segments {
            if let Some(m) = s.forward_min {
                rev[fill[s.b as usize] as usize] = Arc { to: s.a, metres: s.metres, minutes: m };
                fill[s.b as usize] += 1;
            }
            if let Some(m) = s.backward_min {
                rev[fill[s.a as usize] as usize] = Arc { to: s.b, metres: s.metres, minutes: m };
                fill[s.a as usize] += 1;
            }
        }
        let tree = RTree::bulk_load(
            segments
                .iter()
                .enumerate()
                .map(|(i, s)| GeomWithData::new(Line::new(nodes[s.a as usize], nodes[s.b as usize]), i as u32))
                .collect(),
        );
        RoadGraph { travel, nodes, segments, rev_start, rev, tree }
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Snap a point to the nearest segment within `max_m` metres.
    pub fn snap(&self, p: Coord<f64>, max_m: f64) -> Option<Snap> {
        let q = geo::Point(p);
        let best = self.tree.nearest_neighbor(&q)?;
        let s = &self.segments[best.data as usize];
        let (a, b) = (self.nodes[s.a as usize], self.nodes[s.b as usize]);
        let (dx, dy) = (b.x - a.x, b.y - a.y);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 { (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
        let (cx, cy) = (a.x + t * dx, a.y + t * dy);
        let off_m = ((p.x - cx).powi(2) + (p.y - cy).powi(2)).sqrt();
        (off_m <= max_m).then_some(Snap { segment: best.data, t, off_m })
    }

    pub fn snap_all(&self, points: &[Coord<f64>], max_m: f64) -> Vec<Option<Snap>> {
        points.iter().map(|p| self.snap(*p, max_m)).collect()
    }

    fn cost(w: Weight, metres: f64, minutes: f64) -> f64 {
        match w {
            Weight::Metres => metres,
            Weight::Minutes => minutes,
        }
    }

    /// Nodes from which a service at `s` is reached, with (metres, minutes)
    /// from the node to the service (including the walk off the road).
    fn service_entries(&self, s: &Snap) -> [Option<(u32, f64, f64)>; 2] {
        let seg = &self.segments[s.segment as usize];
        let off = (s.off_m, s.off_m / ACCESS_M_PER_MIN);
        [
            along(seg.forward_min, s.t).map(|m| (seg.a, s.t * seg.metres + off.0, m + off.1)),
            along(seg.backward_min, 1.0 - s.t).map(|m| (seg.b, (1.0 - s.t) * seg.metres + off.0, m + off.1)),
        ]
    }

    /// Nodes an origin at `o` reaches first, with (metres, minutes) to them.
    fn origin_exits(&self, o: &Snap) -> [Option<(u32, f64, f64)>; 2] {
        let seg = &self.segments[o.segment as usize];
        let off = (o.off_m, o.off_m / ACCESS_M_PER_MIN);
        [
            along(seg.backward_min, o.t).map(|m| (seg.a, o.t * seg.metres + off.0, m + off.1)),
            along(seg.forward_min, 1.0 - o.t).map(|m| (seg.b, (1.0 - o.t) * seg.metres + off.0, m + off.1)),
        ]
    }

    /// Travel along one segment between two snapped points, if allowed.
    fn same_segment(&self, o: &Snap, s: &Snap) -> Option<(f64, f64)> {
        if o.segment != s.segment {
            return None;
        }
        let seg = &self.segments[o.segment as usize];
        let dt = s.t - o.t;
        let off_m = o.off_m + s.off_m;
        let along = if dt >= 0.0 { seg.forward_min } else { seg.backward_min }?;
        Some((dt.abs() * seg.metres + off_m, dt.abs() * along + off_m / ACCESS_M_PER_MIN))
    }

    /// Nearest and k-th nearest service (by time) from every origin in one
    /// multi-source Dijkstra over the reverse graph: each node keeps the k
    /// best distinct services. Unsnapped origins get `None`.
    pub fn nearest_k(&self, origins: &[Option<Snap>], services: &[Option<Snap>], k: usize) -> NetworkNearest {
        let k = k.max(1);
        let n = self.nodes.len();
        // labels: per node up to k (minutes, metres, service)
        let mut labels: Vec<Vec<(f64, f64, u32)>> = vec![Vec::new(); n];
        // (minutes, node, service, metres along that path)
        let mut heap: BinaryHeap<Reverse<(u64, u32, u32, u64)>> = BinaryHeap::new();
        for (j, s) in services.iter().enumerate() {
            let Some(s) = s else { continue };
            for (node, m, t) in self.service_entries(s).into_iter().flatten() {
                heap.push(Reverse((key(t), node, j as u32, key(m))));
            }
        }
        while let Some(Reverse((tk, x, j, mk))) = heap.pop() {
            let (t, m) = (f64::from_bits(tk), f64::from_bits(mk));
            let lx = &mut labels[x as usize];
            if lx.len() >= k || lx.iter().any(|l| l.2 == j) {
                continue;
            }
            lx.push((t, m, j));
            for arc in &self.rev[self.rev_start[x as usize] as usize..self.rev_start[x as usize + 1] as usize] {
                let ly = &labels[arc.to as usize];
                if ly.len() >= k || ly.iter().any(|l| l.2 == j) {
                    continue;
                }
                heap.push(Reverse((key(t + arc.minutes), arc.to, j, key(m + arc.metres))));
            }
        }
        self.collect_nearest(origins, services, k, |x| labels[x as usize].clone())
    }

    /// Nearest service only: a plain multi-source Dijkstra (one label per
    /// node), the fast path for k = 1. Returns minutes and metres per origin.
    pub fn nearest(&self, origins: &[Option<Snap>], services: &[Option<Snap>]) -> NetworkNearest {
        #[derive(Clone, Copy)]
        struct Label {
            minutes: f64,
            metres: f64,
            service: u32,
        }
        let n = self.nodes.len();
        let mut label = vec![Label { minutes: f64::INFINITY, metres: f64::INFINITY, service: u32::MAX }; n];
        // Heap entries pack (time as f32 bits, node) in one u64: half the memory
        // of (f64, u32) and one comparison. Ties within f32 rounding may pop out
        // of order; a later improvement re-queues the node, so labels stay exact.
        let mut heap: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(n / 8 + 16);
        let pack = |t: f64, node: u32| ((t as f32).to_bits() as u64) << 32 | node as u64;
        for (j, s) in services.iter().enumerate() {
            let Some(s) = s else { continue };
            for (node, m, t) in self.service_entries(s).into_iter().flatten() {
                let l = &mut label[node as usize];
                if t < l.minutes {
                    *l = Label { minutes: t, metres: m, service: j as u32 };
                    heap.push(Reverse(pack(t, node)));
                }
            }
        }
        while let Some(Reverse(entry)) = heap.pop() {
            let xu = (entry & 0xffff_ffff) as usize;
            let lx = label[xu];
            if entry != pack(lx.minutes, xu as u32) {
                continue; // stale entry: x was settled with a smaller time
            }
            let (from, to) = (self.rev_start[xu] as usize, self.rev_start[xu + 1] as usize);
            for arc in &self.rev[from..to] {
                let ny = lx.minutes + arc.minutes;
                let ly = &mut label[arc.to as usize];
                if ny < ly.minutes {
                    *ly = Label { minutes: ny, metres: lx.metres + arc.metres, service: lx.service };
                    heap.push(Reverse(pack(ny, arc.to)));
                }
            }
        }
        self.collect_nearest(origins, services, 1, |x| {
            let l = label[x as usize];
            if l.minutes.is_finite() { vec![(l.minutes, l.metres, l.service)] } else { vec![] }
        })
    }

    fn collect_nearest(
        &self,
        origins: &[Option<Snap>],
        services: &[Option<Snap>],
        k: usize,
        labels: impl Fn(u32) -> Vec<(f64, f64, u32)>,
    ) -> NetworkNearest {
        let mut by_segment: std::collections::HashMap<u32, Vec<usize>> = Default::default();
        for (j, s) in services.iter().enumerate() {
            if let Some(s) = s {
                by_segment.entry(s.segment).or_default().push(j);
            }
        }
        let mut out = NetworkNearest::default();
        for o in origins {
            let mut cands: Vec<(f64, f64, u32)> = Vec::new();
            if let Some(o) = o {
                for (node, m, t) in self.origin_exits(o).into_iter().flatten() {
                    cands.extend(labels(node).into_iter().map(|(lt, lm, j)| (lt + t, lm + m, j)));
                }
                for &j in by_segment.get(&o.segment).map(Vec::as_slice).unwrap_or(&[]) {
                    if let Some((m, t)) = services[j].as_ref().and_then(|s| self.same_segment(o, s)) {
                        cands.push((t, m, j as u32));
                    }
                }
            }
            cands.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut seen: Vec<u32> = Vec::with_capacity(k);
            let mut best: Vec<(f64, f64, u32)> = Vec::with_capacity(k);
            for c in cands {
                if !seen.contains(&c.2) {
                    seen.push(c.2);
                    best.push(c);
                    if best.len() == k {
                        break;
                    }
                }
            }
            out.nearest_min.push(best.first().map(|b| b.0));
            out.nearest_m.push(best.first().map(|b| b.1));
            out.service.push(best.first().map(|b| b.2 as usize));
            out.kth_min.push(best.get(k - 1).map(|b| b.0));
            out.kth_m.push(best.get(k - 1).map(|b| b.1));
        }
        out
    }

    /// Origin-service pairs within `bound` (metres or minutes), with their
    /// cost, from one bounded Dijkstra per service (cost grows with services
    /// x catchment size, not with all pairs).
    pub fn pairs_within(&self, origins: &[Option<Snap>], services: &[Option<Snap>], w: Weight, bound: f64) -> Vec<(u32, u32, f64)> {
        let n = self.nodes.len();
        let mut at_node: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
        let mut by_segment: std::collections::HashMap<u32, Vec<usize>> = Default::default();
        for (i, o) in origins.iter().enumerate() {
            let Some(o) = o else { continue };
            by_segment.entry(o.segment).or_default().push(i);
            for (node, m, t) in self.origin_exits(o).into_iter().flatten() {
                at_node[node as usize].push((i as u32, Self::cost(w, m, t)));
            }
        }
        let mut dist = vec![f64::INFINITY; n];
        let mut touched: Vec<u32> = Vec::new();
        let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
        let mut best: std::collections::HashMap<u32, f64> = Default::default();
        let mut out = Vec::new();
        for (j, s) in services.iter().enumerate() {
            let Some(s) = s else { continue };
            for x in touched.drain(..) {
                dist[x as usize] = f64::INFINITY;
            }
            best.clear();
            for (node, m, t) in self.service_entries(s).into_iter().flatten() {
                let c = Self::cost(w, m, t);
                if c <= bound && c < dist[node as usize] {
                    if dist[node as usize].is_infinite() {
                        touched.push(node);
                    }
                    dist[node as usize] = c;
                    heap.push(Reverse((key(c), node)));
                }
            }
            while let Some(Reverse((ck, x))) = heap.pop() {
                let c = f64::from_bits(ck);
                let xu = x as usize;
                if c > dist[xu] {
                    continue;
                }
                for &(o, leg) in &at_node[xu] {
                    let total = c + leg;
                    if total <= bound {
                        let e = best.entry(o).or_insert(f64::INFINITY);
                        *e = e.min(total);
                    }
                }
                for arc in &self.rev[self.rev_start[xu] as usize..self.rev_start[xu + 1] as usize] {
                    let y = arc.to as usize;
                    let ny = c + Self::cost(w, arc.metres, arc.minutes);
                    if ny <= bound && ny < dist[y] {
                        if dist[y].is_infinite() {
                            touched.push(arc.to);
                        }
                        dist[y] = ny;
                        heap.push(Reverse((key(ny), arc.to)));
                    }
                }
            }
            for &i in by_segment.get(&s.segment).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some((m, t)) = origins[i].as_ref().and_then(|o| self.same_segment(o, s)) {
                    let c = Self::cost(w, m, t);
                    if c <= bound {
                        let e = best.entry(i as u32).or_insert(f64::INFINITY);
                        *e = e.min(c);
                    }
                }
            }
            let mut found: Vec<(u32, f64)> = best.iter().map(|(o, c)| (*o, *c)).collect();
            found.sort_by_key(|f| f.0);
            out.extend(found.into_iter().map(|(o, c)| (o, j as u32, c)));
        }
        out
    }

    /// 2SFCA pairs for a catchment (km -> cost in km; minutes -> minutes).
    pub fn catchment_pairs(&self, origins: &[Option<Snap>], services: &[Option<Snap>], c: crate::gaps::Catchment) -> Vec<crate::gaps::Pair> {
        let (w, bound, scale) = match c {
            crate::gaps::Catchment::Km(km) => (Weight::Metres, km * 1000.0, 1e-3),
            crate::gaps::Catchment::Minutes(m) => (Weight::Minutes, m, 1.0),
        };
        self.pairs_within(origins, services, w, bound)
            .into_iter()
            .map(|(o, s, cost)| crate::gaps::Pair { origin: o, service: s, cost: cost * scale })
            .collect()
    }
}
