//! Gap-analysis benchmarks (`make bench`, divan; medians in the README).
//!
//! - `oa_rescore`: full re-score of all 1,528 Bradford OAs against every GP
//!   (nearest + 2SFCA + coverage + gap index, estimated mode). Aim < 10 ms.
//! - `postcode_origins`: the same at ward and LSOA level from every postcode
//!   unit (13,506 units in an LSOA + 20 LSOAs without one as area origins)
//!   against every GP: nearest + 2SFCA + coverage + gap index and the
//!   aggregation to the level. Aim < 20 ms.
//! - `fca_pysal_inputs`: 2SFCA / E2SFCA on exactly the inputs PySAL `access`
//!   is timed on in tests/fixtures/fca/make_fca_fixtures.py (310 LSOAs x 147
//!   GPs, 2 km), pair finding included: the ratio is in the README.
//! - `network_nearest_250k`: multi-source nearest on a synthetic 500 x 500
//!   street grid (250,000 nodes). Aim < 50 ms.
//! - `scaling_estimated` / `scaling_network`: 1x, 4x, 16x synthetic sizes at
//!   constant density: cost should grow ~4x per step (origins x services in
//!   catchment), not 16x (all pairs).

use std::sync::OnceLock;

use geo::Coord;
use needmap::dataset::locate;
use needmap::gaps::network::{RoadGraph, Snap};
use needmap::gaps::{self, floating_catchment, nearest_straight_line, Decay, GapContext, GapQuery, Method, Pair, Travel};
use needmap::index::ServiceIndex;
use needmap::Engine;

fn main() {
    divan::main();
}

fn engine() -> &'static (Engine, GapContext) {
    static E: OnceLock<(Engine, GapContext)> = OnceLock::new();
    E.get_or_init(|| {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/geodata/bradford");
        let e = Engine::load(&locate(Some(&dir)).expect("data pack")).expect("engine");
        let c = GapContext::new(&e, false).expect("context");
        (e, c)
    })
}

#[divan::bench(args = [Method::TwoStep, Method::Nearest, Method::Enhanced])]
fn oa_rescore(bencher: divan::Bencher, method: Method) {
    let (e, c) = engine();
    let q = GapQuery { level: "oa".into(), category: Some("gp".into()), method, ..GapQuery::default() };
    bencher.bench(|| gaps::compute_with(e, c, divan::black_box(&q)).expect("scores"));
}

/// The 2SFCA step alone at OA scale (pair search + ratios), the work PySAL's
/// `two_stage_fca` does on the same 1,528 OAs x 147 GPs in the fixture script.
#[divan::bench]
fn oa_2sfca_only(bencher: divan::Bencher) {
    let (e, _) = engine();
    let oa = e.level_index("oa").expect("oa level");
    let origins = gaps::Origins::new(e, oa, "total");
    let gp: Vec<(usize, Coord<f64>)> = e.services.iter().filter(|s| s.category == "gp").map(|s| s.bng).enumerate().collect();
    let supply = vec![1.0; gp.len()];
    bencher.bench(|| {
        let index = ServiceIndex::new(gp.iter().copied());
        let mut pairs = Vec::new();
        for (i, p) in origins.bng().enumerate() {
            for (j, d) in index.within(p, 2000.0) {
                pairs.push(Pair { origin: i as u32, service: j as u32, cost: d / 1000.0 });
            }
        }
        floating_catchment(&origins.demand, &supply, &pairs, 2.0, Decay::Step)
    });
}

#[divan::bench]
fn ward_rescore_from_oas(bencher: divan::Bencher) {
    let (e, c) = engine();
    let q = GapQuery { level: "ward".into(), category: Some("gp".into()), ..GapQuery::default() };
    bencher.bench(|| gaps::compute_with(e, c, divan::black_box(&q)).expect("scores"));
}

#[divan::bench(args = ["ward", "lsoa"])]
fn postcode_origins(bencher: divan::Bencher, level: &str) {
    let (e, c) = engine();
    // Placing the units in every level happens once per engine (first use).
    e.postcode_units().expect("[postcodes]").expect("postcode file");
    let q = GapQuery {
        level: level.into(),
        category: Some("gp".into()),
        origin_points: gaps::OriginPoints::Postcodes,
        ..GapQuery::default()
    };
    bencher.bench(|| gaps::compute_with(e, c, divan::black_box(&q)).expect("scores"));
}

fn read_fixture(name: &str) -> Vec<csv::StringRecord> {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fca").join(name);
    csv::Reader::from_path(p).expect("fixture").records().map(|r| r.expect("row")).collect()
}

#[divan::bench(args = ["2sfca", "e2sfca"])]
fn fca_pysal_inputs(bencher: divan::Bencher, method: &str) {
    let origins = read_fixture("origins.csv");
    let services: Vec<_> = read_fixture("services.csv").into_iter().filter(|s| &s[1] == "gp").collect();
    let f = |s: &str| s.parse::<f64>().expect("number");
    let pts: Vec<Coord<f64>> = origins.iter().map(|o| Coord { x: f(&o[1]), y: f(&o[2]) }).collect();
    let demand: Vec<f64> = origins.iter().map(|o| f(&o[3])).collect();
    let svc: Vec<(usize, Coord<f64>)> = services.iter().enumerate().map(|(j, s)| (j, Coord { x: f(&s[2]), y: f(&s[3]) })).collect();
    let supply: Vec<f64> = services.iter().map(|s| f(&s[4])).collect();
    let decay = if method == "2sfca" { Decay::Step } else { Decay::Gaussian { sigma: 1.0 } };
    bencher.bench(|| {
        let index = ServiceIndex::new(svc.iter().copied());
        let mut pairs = Vec::new();
        for (i, p) in pts.iter().enumerate() {
            for (j, d) in index.within(*p, 2000.0) {
                pairs.push(Pair { origin: i as u32, service: j as u32, cost: d / 1000.0 });
            }
        }
        floating_catchment(&demand, &supply, &pairs, 2.0, decay)
    });
}

/// Deterministic pseudo-random points in a box.
fn scatter(n: usize, w: f64, h: f64, seed: u64) -> Vec<Coord<f64>> {
    let mut s = seed;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n).map(|_| Coord { x: next() * w, y: next() * h }).collect()
}

fn grid_case(side: usize, services: usize) -> (RoadGraph, Vec<Option<Snap>>, Vec<Option<Snap>>) {
    let g = RoadGraph::grid(Travel::Drive, side, side, 100.0, 30.0, Coord { x: 0.0, y: 0.0 });
    let ext = (side - 1) as f64 * 100.0;
    let s = g.snap_all(&scatter(services, ext, ext, 7), 100.0);
    let o = g.snap_all(&scatter(1528, ext, ext, 11), 100.0);
    (g, o, s)
}

#[divan::bench(sample_count = 20)]
fn network_nearest_250k(bencher: divan::Bencher) {
    let (g, o, s) = grid_case(500, 150);
    bencher.bench(|| g.nearest(&o, &s));
}

/// Base: 1,528 origins and 150 services over 30 x 25 km (Bradford-like),
/// 2 km catchment; size multiplies area, origins and services.
#[divan::bench(args = [1, 4, 16])]
fn scaling_estimated(bencher: divan::Bencher, size: usize) {
    let k = (size as f64).sqrt();
    let (w, h) = (30_000.0 * k, 25_000.0 * k);
    let origins = scatter(1528 * size, w, h, 3);
    let svc = scatter(150 * size, w, h, 5);
    let demand = vec![300.0; origins.len()];
    let supply = vec![1.0; svc.len()];
    bencher.bench(|| {
        let index = ServiceIndex::new(svc.iter().copied().enumerate());
        let near = nearest_straight_line(&index, origins.iter().copied(), 3);
        let mut pairs = Vec::new();
        for (i, p) in origins.iter().enumerate() {
            for (j, d) in index.within(*p, 2000.0) {
                pairs.push(Pair { origin: i as u32, service: j as u32, cost: d / 1000.0 });
            }
        }
        (near, floating_catchment(&demand, &supply, &pairs, 2.0, Decay::Step))
    });
}

/// Grid of 125 x 125 (15,625 nodes) x size, services x size, 2 km catchment:
/// multi-source nearest plus bounded catchment searches.
#[divan::bench(args = [1, 4, 16], sample_count = 10)]
fn scaling_network(bencher: divan::Bencher, size: usize) {
    let side = (125.0 * (size as f64).sqrt()) as usize;
    let (g, o, s) = grid_case(side, 10 * size);
    bencher.bench(|| {
        let n = g.nearest(&o, &s);
        let p = g.catchment_pairs(&o, &s, gaps::Catchment::Km(2.0));
        (n, p)
    });
}
