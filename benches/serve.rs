//! Map-server benchmarks: rendering tiles without the cache, building the
//! ward GeoJSON, and a cached tile through the whole router (middleware
//! included). Load under concurrency is measured by `make loadtest` (wrk).

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::http::Request;
use needmap::serve::query::AreaQuery;
use needmap::serve::AppState;
use tower::ServiceExt;

fn main() {
    divan::main();
}

static STATE: LazyLock<Arc<AppState>> = LazyLock::new(|| {
    let loc = needmap::dataset::locate(None).expect("dataset");
    let engine = Arc::new(needmap::Engine::load(&loc).expect("engine"));
    Arc::new(AppState::new(engine, PathBuf::from("web"), "127.0.0.1:8080".into()).expect("state"))
});

/// (layer, z, x, y): Bradford centre at z12, the whole district at z8.
const TILES: [(&str, u8, u32, u32); 4] =
    [("lsoa", 12, 2028, 1318), ("lsoa", 8, 126, 82), ("oa", 8, 126, 82), ("services", 12, 2028, 1318)];

#[divan::bench(args = TILES)]
fn render_tile_uncached(bencher: divan::Bencher, tile: (&str, u8, u32, u32)) {
    let s = &*STATE;
    let (layer, z, x, y) = tile;
    let li = s.tiles.layer_index(layer).expect("layer");
    let table = s.engine.level_index(layer).map(|l| s.table(l, &AreaQuery::default()).expect("table"));
    // The first render at a zoom simplifies the whole level; not part of a tile's cost.
    assert!(s.tiles.render(&s.engine, li, z, x, y, table.as_deref()).is_some());
    bencher.bench(|| s.tiles.render(&s.engine, li, z, x, y, table.as_deref()));
}

#[divan::bench]
fn ward_geojson_uncached(bencher: divan::Bencher) {
    let s = &*STATE;
    let ward = s.engine.level_index("ward").expect("ward");
    bencher.bench(|| needmap::serve::areas::areas_document(s, ward, &AreaQuery::default(), true, false).expect("document"));
}

#[divan::bench]
fn cached_tile_through_router(bencher: divan::Bencher) {
    let app = needmap::serve::router(STATE.clone());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let uri = "/tiles/lsoa/12/2028/1318.mvt";
    let get = || Request::get(uri).header("host", "127.0.0.1:8080").body(Body::empty()).expect("request");
    assert_eq!(rt.block_on(app.clone().oneshot(get())).expect("response").status(), 200);
    bencher.bench_local(|| rt.block_on(app.clone().oneshot(get())).expect("response"));
}

/// A new scenario version's first answer at `level`: apply the scenario (one new family hub),
/// build its view (`AppState::for_scenario`), then the two attribute-only documents the browser
/// asks for after an edit (`geometry=false&fields=services`: without and with the family hub gap fields).
#[divan::bench(args = ["ward", "oa"], sample_count = 20)]
fn scenario_edit_first_answer(bencher: divan::Bencher, level: &str) {
    let s = &*STATE;
    let l = s.engine.level_index(level).expect("level");
    let scenario: needmap::scenario::Scenario = serde_json::from_value(serde_json::json!({
        "needmap_scenario": 1, "id": "bench", "name": "Bench", "version": 1,
        "edits": [{ "op": "add", "name": "New hub", "lon": -1.75, "lat": 53.79, "category": "family_hub" }],
    }))
    .expect("scenario");
    let gaps = AreaQuery { categories: Some(vec!["family_hub".into()]), ..AreaQuery::default() };
    bencher.bench(|| {
        let applied = scenario.apply(&s.engine).expect("applies");
        let tag = needmap::serve::view::ScenarioTag {
            id: scenario.id.clone(),
            name: scenario.name.clone(),
            version: scenario.version,
            edits: scenario.edits.len(),
            warnings: applied.warnings,
        };
        let view = s.for_scenario(Arc::new(applied.engine), tag).expect("view");
        let all = needmap::serve::areas::areas_document(&view, l, &AreaQuery::default(), false, true).expect("document");
        let gap = needmap::serve::areas::areas_document(&view, l, &gaps, false, true).expect("document");
        (all.len(), gap.len())
    });
}
