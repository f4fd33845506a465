//! Site suggestion and re-scoring benchmarks (`make bench`, divan; medians in
//! the README).
//!
//! - `suggest_add5`: `--add 5` over about 1,000 candidates (a 600 m grid inside
//!   the district) and the 1,528 OA origins, both objectives, preparing the
//!   instance (R-tree pairs) included. Aim < 1 s.
//! - `rescore_one_edit`: after one edit (add, move or close a GP), re-score
//!   Bradford at OA origins (nearest + 2SFCA + coverage + gap) with
//!   `gaps::Rescore`. Aim < 5 ms.
//! - `full_compute_after_edit`: the same edit done the slow way, a scenario
//!   engine (`Engine::with_services`) and a full `gaps::compute_with`; the
//!   ratio to `rescore_one_edit` is in the README.

use std::sync::OnceLock;

use geo::Coord;
use needmap::dataset::locate;
use needmap::gaps::{self, GapContext, GapQuery, Rescore, ServiceEdit};
use needmap::suggest::{self, CandidateSpec, Objective, SuggestQuery};
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

#[divan::bench(args = [Objective::Coverage, Objective::Pmedian], sample_count = 10)]
fn suggest_add5(bencher: divan::Bencher, objective: Objective) {
    let (e, c) = engine();
    let mut q = SuggestQuery::new("library", 5, CandidateSpec::Grid { metres: 600.0 });
    q.objective = objective;
    let n = suggest::prepare(e, c, &q).expect("instance").candidates.sites.len();
    assert!((900..1200).contains(&n), "{n} candidates");
    bencher.bench(|| suggest::suggest(e, c, divan::black_box(&q)).expect("suggestion"));
}

fn gp_query() -> GapQuery {
    GapQuery { level: "oa".into(), category: Some("gp".into()), ..GapQuery::default() }
}

fn baseline() -> &'static Rescore {
    static R: OnceLock<Rescore> = OnceLock::new();
    R.get_or_init(|| {
        let (e, c) = engine();
        Rescore::new(e, c, &gp_query()).expect("baseline")
    })
}

fn edit(kind: &str) -> ServiceEdit {
    // Near Bradford city centre; site 10 of the GP list.
    let p = Coord { x: 416_500.0, y: 433_300.0 };
    match kind {
        "add" => ServiceEdit::Add { bng: p, capacity: 1.0 },
        "move" => ServiceEdit::Move { service: 10, bng: p },
        _ => ServiceEdit::Close { service: 10 },
    }
}

#[divan::bench(args = ["add", "move", "close"])]
fn rescore_one_edit(bencher: divan::Bencher, kind: &str) {
    let base = baseline();
    let e = edit(kind);
    bencher.with_inputs(|| base.clone()).bench_local_refs(|r| r.apply(divan::black_box(e)).expect("edit"));
}

#[divan::bench(args = ["add", "move", "close"], sample_count = 20)]
fn full_compute_after_edit(bencher: divan::Bencher, kind: &str) {
    let (e, c) = engine();
    let q = gp_query();
    let gp: Vec<usize> = e.services.iter().enumerate().filter(|(_, s)| s.category == "gp" && !s.sensitive).map(|(i, _)| i).collect();
    let mut services = e.services.clone();
    match edit(kind) {
        ServiceEdit::Add { bng, capacity } => {
            let mut s = e.services[gp[0]].clone();
            s.id = "bench-add".into();
            s.bng = bng;
            s.capacity = capacity;
            services.push(s);
        }
        ServiceEdit::Move { service, bng } => services[gp[service]].bng = bng,
        ServiceEdit::Close { service } => {
            services.remove(gp[service]);
        }
    }
    bencher.bench(|| {
        let edited = e.with_services(divan::black_box(services.clone()));
        gaps::compute_with(&edited, c, &q).expect("scores")
    });
}
