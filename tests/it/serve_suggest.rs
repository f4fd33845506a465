//! `GET /api/suggest`: the suggestion JSON of `needmap suggest`, checked
//! parameters, bounded work (add <= 20, the downloads work limit: 503 when
//! busy).

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use needmap::gaps::GapContext;
use needmap::suggest::{self, CandidateSpec, SuggestQuery};
use needmap::Engine;
use serde_json::Value;
use tower::ServiceExt;

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());

static ENGINE: LazyLock<Arc<Engine>> =
    LazyLock::new(|| Arc::new(Engine::load(&needmap::dataset::locate(None).expect("the Bradford pack")).expect("engine loads")));

fn app(max_downloads: usize) -> Router {
    app_in(max_downloads, None)
}

fn app_in(max_downloads: usize, scenarios: Option<&std::path::Path>) -> Router {
    let mut c = needmap::serve::ServeConfig::new("needmap.test:8080").unwrap();
    c.limits.max_downloads = max_downloads;
    c.edits.scenarios_dir = scenarios.map(|p| p.to_path_buf());
    let state = Arc::new(needmap::serve::AppState::with_config(ENGINE.clone(), PathBuf::from("/nonexistent-web"), c).unwrap());
    needmap::serve::router(state)
}

fn get(app: &Router, uri: &str) -> (u16, Option<String>, Value) {
    let (status, retry, _, v) = get_text(app, uri);
    (status, retry, v)
}

fn get_text(app: &Router, uri: &str) -> (u16, Option<String>, String, Value) {
    RT.block_on(async {
        let res = app.clone().oneshot(Request::get(uri).header(header::HOST, "needmap.test:8080").body(Body::empty()).unwrap()).await.unwrap();
        let status = res.status().as_u16();
        let retry = res.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_string());
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        let text = String::from_utf8_lossy(&body).to_string();
        (status, retry, text, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e}): {}", String::from_utf8_lossy(&body))))
    })
}

#[test]
fn suggest_answers_the_suggestion_json_of_the_library() {
    let app = app(2);
    let (status, _, text, v) = get_text(&app, "/api/suggest?category=family_hub&add=2&candidates=services:library,community_centre&threshold=20min");
    assert_eq!(status, 200, "{v}");
    let q = SuggestQuery::new("family_hub", 2, CandidateSpec::parse("services:library,community_centre").unwrap());
    let ctx = GapContext::new(&ENGINE, false).unwrap();
    let lib = suggest::suggest(&ENGINE, &ctx, &q).unwrap();
    // Full precision: the body is exactly the library's answer.
    assert_eq!(text, serde_json::to_string(&lib).unwrap());
    assert_eq!(v["sites"].as_array().unwrap().len(), 2);
    assert_eq!(v["parameters"]["objective"], "coverage");
    assert!(v["objective"]["after"].as_f64().unwrap() > v["objective"]["before"].as_f64().unwrap());
    // The scenario member is a scenario the store accepts.
    let s = needmap::scenario::Scenario::from_json(&v["scenario"].to_string(), "answer").unwrap();
    assert_eq!(s.edits.len(), 2);
    assert!(s.edits.iter().all(|e| e.op() == "add"));
    assert!(s.apply(&ENGINE).is_ok());

    let (status, _, v) = get(&app, "/api/suggest?category=gp&add=1&objective=pmedian&candidates=services:pharmacy&travel=drive&demand=total");
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["parameters"]["travel"], "drive");
    assert_eq!(v["parameters"]["cost_unit"], "minutes");
    assert!(v["objective"]["unit"].as_str().unwrap().contains("minutes"));
}

#[test]
fn bad_suggest_parameters_are_400_naming_them() {
    let app = app(2);
    for (uri, parameter) in [
        ("/api/suggest?add=2", "category"),
        ("/api/suggest?category=family_hub&add=21", "add"),
        ("/api/suggest?category=family_hub&add=0", "add"),
        ("/api/suggest?category=family_hub&add=two", "add"),
        ("/api/suggest?category=unicorn", "category"),
        ("/api/suggest?category=family_hub&objective=best", "objective"),
        ("/api/suggest?category=family_hub&threshold=5parsecs", "threshold"),
        ("/api/suggest?category=family_hub&candidates=/etc/passwd", "candidates"),
        ("/api/suggest?category=family_hub&candidates=services:unicorn", "candidates"),
        ("/api/suggest?category=family_hub&need_weight=imd_rank", "indicator"),
        ("/api/suggest?category=family_hub&travel=fly", "travel"),
        ("/api/suggest?category=family_hub&colour=red", "colour"),
    ] {
        let (status, _, v) = get(&app, uri);
        assert_eq!(status, 400, "{uri}: {v}");
        assert_eq!(v["parameter"], parameter, "{uri}: {v}");
    }
}

#[test]
fn suggestions_beyond_the_work_limit_get_503() {
    let app = app(1);
    let results: Vec<(u16, Option<String>)> = RT.block_on(async {
        let jobs: Vec<_> = (0..4)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move {
                    let req = Request::get("/api/suggest?category=library&add=5&candidates=grid:600m").body(Body::empty()).unwrap();
                    let res = app.oneshot(req).await.unwrap();
                    (res.status().as_u16(), res.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_string()))
                })
            })
            .collect();
        let mut out = Vec::new();
        for j in jobs {
            out.push(j.await.unwrap());
        }
        out
    });
    let ok = results.iter().filter(|r| r.0 == 200).count();
    let busy: Vec<_> = results.iter().filter(|r| r.0 == 503).collect();
    assert!(ok >= 1 && !busy.is_empty() && ok + busy.len() == 4, "{results:?}");
    assert!(busy.iter().all(|b| b.1.as_deref() == Some("5")));
    assert_eq!(get(&app, "/api/suggest?category=library&add=1&candidates=services:community_centre").0, 200);
}

#[test]
fn suggest_with_a_scenario_keeps_the_scenario_sites() {
    let dir = tempfile::tempdir().unwrap();
    let store = needmap::scenario::ScenarioStore::open(dir.path()).unwrap();
    let text = r#"{"needmap_scenario": 1, "id": "hub-in-bowling", "name": "Extra hub", "edits": [
        {"op": "add", "id": "new-hub", "name": "New hub", "category": "family_hub", "easting": 416500, "northing": 431300}]}"#;
    let scenario = store.create(needmap::scenario::Scenario::from_json(text, "test").unwrap()).unwrap();
    let app = app_in(2, Some(dir.path()));
    let uri = "/api/suggest?category=family_hub&add=1&candidates=services:library,community_centre";
    let (status, _, base) = get(&app, uri);
    assert_eq!(status, 200, "{base}");
    let (status, _, v) = get(&app, &format!("{uri}&scenario=hub-in-bowling"));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["parameters"]["existing_sites"].as_u64().unwrap(), base["parameters"]["existing_sites"].as_u64().unwrap() + 1);
    assert_eq!(v["parameters"]["scenario"], "hub-in-bowling");
    let applied = scenario.apply(&ENGINE).unwrap();
    let ctx = GapContext::new(&applied.engine, false).unwrap();
    let mut q = SuggestQuery::new("family_hub", 1, CandidateSpec::parse("services:library,community_centre").unwrap());
    q.scenario = Some("hub-in-bowling".into());
    let lib = suggest::suggest(&applied.engine, &ctx, &q).unwrap();
    assert_eq!(v["objective"]["before"].as_f64().unwrap(), lib.objective.before.unwrap());
    assert_eq!(v["sites"][0]["candidate_id"], lib.sites[0].candidate_id.as_str());
    assert!(v["objective"]["before"].as_f64().unwrap() > base["objective"]["before"].as_f64().unwrap());
    let (status, _, v) = get(&app, &format!("{uri}&scenario=no-such-scenario"));
    assert_eq!(status, 404, "{v}");
}
