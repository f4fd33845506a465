//! `gaps::Rescore` (re-scoring after an edit) against a full
//! `gaps::compute_with` on the edited service set: equal to 1e-9 relative
//! for random sequences of add, move and close on the real Bradford pack.

use std::sync::OnceLock;

use geo::Coord;
use needmap::dataset::locate;
use needmap::gaps::{self, Catchment, GapContext, GapQuery, GapTable, Method, Rescore, ServiceEdit};
use needmap::model::Service;
use needmap::Engine;
use proptest::prelude::*;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/geodata/bradford");
        Engine::load(&locate(Some(&dir)).expect("data pack")).expect("engine")
    })
}

fn ctx() -> &'static GapContext {
    static CTX: OnceLock<GapContext> = OnceLock::new();
    CTX.get_or_init(|| GapContext::new(engine(), false).expect("travel model"))
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) || (a - b).abs() < 1e-12,
        _ => false,
    }
}

/// Whether some other row has (nearly) the same sort key, so that an order
/// difference between two equal values in exact arithmetic is rounding.
fn tied(t: &GapTable, i: usize) -> bool {
    let key = |r: &gaps::GapRow| (r.unmet_need, r.access.or(r.nearest_min.map(|m| -m)));
    let (u, a) = key(&t.rows[i]);
    t.rows.iter().enumerate().any(|(j, r)| j != i && { let (u2, a2) = key(r); close(u, u2) || close(a, a2) })
}

fn assert_same(fast: &GapTable, full: &GapTable, what: &str) {
    assert_eq!(fast.rows.len(), full.rows.len());
    assert_eq!(fast.services, full.services, "{what}: services");
    for (i, (a, b)) in fast.rows.iter().zip(&full.rows).enumerate() {
        let c = &a.code;
        assert_eq!(a.code, b.code);
        for (name, x, y) in [
            ("nearest_m", a.nearest_m, b.nearest_m),
            ("nearest_min", a.nearest_min, b.nearest_min),
            ("kth_m", a.kth_m, b.kth_m),
            ("kth_min", a.kth_min, b.kth_min),
            ("access", a.access, b.access),
            ("in_need", a.in_need, b.in_need),
            ("unmet_need", a.unmet_need, b.unmet_need),
            ("unmet_need_per_1k", a.unmet_need_per_1k, b.unmet_need_per_1k),
        ] {
            assert!(close(x, y), "{what}: {c} {name} {x:?} vs {y:?}");
        }
        assert_eq!(a.coverage, b.coverage, "{what}: {c} coverage");
        if a.gap_class != b.gap_class || a.gap_rank != b.gap_rank {
            assert!(tied(full, i), "{what}: {c} class {:?}/{:?} rank {:?}/{:?} without a tie", a.gap_class, b.gap_class, a.gap_rank, b.gap_rank);
        }
    }
    for (x, y) in fast.district.coverage.iter().zip(&full.district.coverage) {
        assert!(close(*x, *y), "{what}: district coverage {x:?} vs {y:?}");
    }
    for (x, y) in fast.district.coverage_children.iter().zip(&full.district.coverage_children) {
        assert!(close(*x, *y), "{what}: district child coverage");
    }
    assert!(close(fast.district.unmet_need, full.district.unmet_need), "{what}: district unmet {:?} vs {:?}", fast.district.unmet_need, full.district.unmet_need);
    assert_eq!(fast.district.curve.len(), full.district.curve.len(), "{what}: curve");
    for (x, y) in fast.district.curve.iter().zip(&full.district.curve) {
        assert!(x.0 == y.0 && close(Some(x.1), Some(y.1)), "{what}: curve {x:?} vs {y:?}");
    }
}

#[derive(Debug, Clone)]
enum Step {
    /// Add at an origin's point plus an offset (metres), with a capacity.
    Add { origin: usize, dx: f64, dy: f64, capacity: f64 },
    /// Move the k-th open site (mod the count) by an offset.
    Move { k: usize, dx: f64, dy: f64 },
    /// Close the k-th open site.
    Close { k: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0usize..1528, -800.0f64..800.0, -800.0f64..800.0, prop_oneof![Just(0.0), Just(1.0), 0.5f64..4.0])
            .prop_map(|(origin, dx, dy, capacity)| Step::Add { origin, dx, dy, capacity }),
        (0usize..10_000, -3000.0f64..3000.0, -3000.0f64..3000.0).prop_map(|(k, dx, dy)| Step::Move { k, dx, dy }),
        (0usize..10_000).prop_map(|k| Step::Close { k }),
    ]
}

/// Apply `steps` to a Rescore and to a plain service list; compare after each.
fn check(method: Method, category: &str, catchment: Catchment, steps: &[Step]) {
    let e = engine();
    let q = GapQuery { level: "oa".into(), category: Some(category.into()), method, catchment, ..GapQuery::default() };
    let mut fast = Rescore::new(e, ctx(), &q).expect("baseline");
    let others: Vec<Service> = e.services.iter().filter(|s| s.category != category || s.sensitive).cloned().collect();
    let mut sites: Vec<Option<Service>> = e.services.iter().filter(|s| s.category == category && !s.sensitive).cloned().map(Some).collect();
    let template = sites[0].clone().expect("a site");
    let oa = e.level_index("oa").unwrap();
    let points = gaps::rep_points(e, oa);
    for (n, st) in steps.iter().enumerate() {
        let open: Vec<usize> = (0..sites.len()).filter(|&i| sites[i].is_some()).collect();
        let edit = match *st {
            Step::Add { origin, dx, dy, capacity } => {
                let p = points[origin].0.bng;
                let bng = Coord { x: p.x + dx, y: p.y + dy };
                let mut s = template.clone();
                s.id = format!("test-add-{n}");
                s.bng = bng;
                s.capacity = capacity;
                s.areas = Vec::new();
                sites.push(Some(s));
                ServiceEdit::Add { bng, capacity }
            }
            Step::Move { k, dx, dy } if open.len() > 1 => {
                let i = open[k % open.len()];
                let s = sites[i].as_mut().unwrap();
                s.bng = Coord { x: s.bng.x + dx, y: s.bng.y + dy };
                ServiceEdit::Move { service: i, bng: s.bng }
            }
            Step::Close { k } if open.len() > 1 => {
                let i = open[k % open.len()];
                sites[i] = None;
                ServiceEdit::Close { service: i }
            }
            _ => continue,
        };
        let pos = fast.apply(edit).expect("edit applies");
        assert!(pos < sites.len());
        let mut services = others.clone();
        services.extend(sites.iter().flatten().cloned());
        let edited = e.with_services(services);
        let full = gaps::compute_with(&edited, ctx(), &q).expect("full compute");
        assert_same(fast.table(), &full, &format!("{category} {method:?} after step {n} {st:?}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rescore_equals_a_full_compute_for_gp_2sfca(steps in proptest::collection::vec(step(), 1..5)) {
        check(Method::TwoStep, "gp", Catchment::Km(2.0), &steps);
    }

    #[test]
    fn rescore_equals_a_full_compute_for_family_hubs_nearest_and_e2sfca(steps in proptest::collection::vec(step(), 1..4), enhanced in proptest::bool::ANY) {
        let (method, catchment) = if enhanced { (Method::Enhanced, Catchment::Minutes(20.0)) } else { (Method::Nearest, Catchment::Km(2.0)) };
        check(method, "family_hub", catchment, &steps);
    }
}

#[test]
fn rescore_refuses_what_it_cannot_do() {
    let q = GapQuery { level: "ward".into(), category: Some("gp".into()), ..GapQuery::default() };
    assert!(Rescore::new(engine(), ctx(), &q).unwrap_err().to_string().contains("origin level"));
    let q = GapQuery { level: "oa".into(), category: Some("gp".into()), ..GapQuery::default() };
    let mut r = Rescore::new(engine(), ctx(), &q).unwrap();
    let n = r.sites();
    r.apply(ServiceEdit::Close { service: 0 }).unwrap();
    assert!(r.apply(ServiceEdit::Close { service: 0 }).is_err(), "closing a closed site");
    assert!(r.apply(ServiceEdit::Move { service: n + 5, bng: Coord { x: 0.0, y: 0.0 } }).is_err());
    assert!(r.apply(ServiceEdit::Add { bng: Coord { x: f64::NAN, y: 0.0 }, capacity: 1.0 }).is_err());
}
