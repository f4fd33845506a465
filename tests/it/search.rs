//! `GET /api/search` on the Bradford pack: areas of every level by name
//! (with their place) and code, typo tolerance, choice lists when
//! ambiguous, bounded answers, clear 400s, and sensitive sites never found.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use needmap::Engine;
use serde_json::Value;
use tower::ServiceExt;

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());

fn load(sensitive: &[&str]) -> Arc<Engine> {
    let mut loc = needmap::dataset::locate(None).expect("the Bradford pack (../shared/geodata/bradford)");
    for c in sensitive {
        loc.manifest.categories.get_mut(*c).expect("category").sensitive = true;
    }
    Arc::new(Engine::load(&loc).expect("engine loads"))
}

static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| load(&[]));
static APP: LazyLock<Router> =
    LazyLock::new(|| needmap::serve::build(ENGINE.clone(), PathBuf::from("/nonexistent-web"), "needmap.test:8080").unwrap());

fn get_on(app: &Router, uri: &str) -> (StatusCode, Value) {
    RT.block_on(async {
        let res = app.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let status = res.status();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})")))
    })
}

fn search(q: &str) -> Value {
    let (status, v) = get_on(&APP, &format!("/api/search?q={}", q.replace(' ', "%20").replace('&', "%26")));
    assert_eq!(status, 200, "{q}: {v}");
    v
}

fn labels(v: &Value) -> Vec<String> {
    v["results"].as_array().unwrap().iter().map(|r| r["label"].as_str().unwrap().to_string()).collect()
}

#[test]
fn exact_names_of_every_level_are_found_first_without_a_choice() {
    for (q, level, code) in [
        ("Bradford East", "constituency", "E14000587"),
        ("Keighley Central", "ward", ""),
        ("Bradford Moor", "ward", ""),
        ("Tong", "ward", ""),
        ("Bradford 059D", "lsoa", ""),
    ] {
        let v = search(q);
        let top = &v["results"][0];
        assert_eq!(top["level"], level, "{q}: {v}");
        assert_eq!(top["name"], q, "{q}: {v}");
        assert_eq!(v["ambiguous"], false, "{q}: {v}");
        if !code.is_empty() {
            assert_eq!(top["code"], code);
        }
        let p = top["point"].as_array().unwrap();
        let b = top["bbox"].as_array().unwrap();
        let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
        assert!(b[0].as_f64().unwrap() <= x && x <= b[2].as_f64().unwrap() && b[1].as_f64().unwrap() <= y && y <= b[3].as_f64().unwrap());
    }
}

#[test]
fn lsoa_names_carry_their_ward_and_codes_are_found() {
    let e = &*ENGINE;
    let lsoa = e.level_index("lsoa").unwrap();
    let ward = e.level_index("ward").unwrap();
    let a = e.levels[lsoa].by_code["E01010677"];
    let w = e.ancestor(lsoa, a, ward).expect("every LSOA lies in a ward");
    let expected = format!("{}, {}", e.levels[lsoa].areas[a].name, e.levels[ward].areas[w].name);
    let v = search("e01010677");
    assert_eq!(v["results"][0]["code"], "E01010677");
    assert_eq!(v["results"][0]["label"], expected.as_str());
    assert_eq!(v["results"][0]["place"], e.levels[ward].areas[w].name.as_str());
    assert_eq!(v["ambiguous"], false);
    // Every LSOA and OA has its ward as place; wards have none.
    for l in [lsoa, e.level_index("oa").unwrap()] {
        for a in 0..e.levels[l].len() {
            let w = e.ancestor(l, a, ward).unwrap();
            assert_eq!(e.place_of(l, a), Some(e.levels[ward].areas[w].name.as_str()), "{}", e.levels[l].areas[a].code);
        }
    }
    assert_eq!(e.place_of(ward, 0), None);
    // The place column of the report.
    let r = needmap::report::area_report(e, "lsoa").unwrap();
    let col = r.columns.iter().position(|c| c == "place").unwrap();
    assert!(r.rows.iter().all(|row| matches!(&row[col], needmap::report::Cell::Text(Some(p)) if !p.is_empty())));
    // An output area by its code.
    let oa = &e.levels[e.level_index("oa").unwrap()].areas[0];
    let v = search(&oa.code.to_lowercase());
    assert_eq!(v["results"][0]["code"], oa.code.as_str());
    assert_eq!(v["results"][0]["level"], "oa");
}

#[test]
fn typos_find_the_place_and_ambiguous_queries_offer_a_choice() {
    for (typo, name) in [("Keighly Central", "Keighley Central"), ("bradfrod moor", "Bradford Moor"), ("Wharfdale", "Wharfedale"), ("ilkely", "Ilkley")] {
        let v = search(typo);
        assert_eq!(v["results"][0]["name"], name, "{typo}: {:?}", labels(&v));
        assert_eq!(v["results"][0]["level"], "ward", "{typo}");
    }
    // A name shared by a constituency prefix: a choice list, constituencies first.
    let v = search("Bradford");
    assert_eq!(v["ambiguous"], true);
    assert_eq!(v["results"].as_array().unwrap().len(), 10);
    assert!(v["more"].as_u64().unwrap() > 100);
    assert_eq!(v["results"][0]["level"], "constituency");
    // Nothing like it.
    let v = search("qqqqzzzz");
    assert!(v["results"].as_array().unwrap().is_empty());
    assert_eq!(v["ambiguous"], false);
}

#[test]
fn services_are_found_by_name_with_their_place() {
    let e = &*ENGINE;
    let s = e.services.iter().find(|s| s.category == "gp" && s.name.split(' ').count() >= 3).unwrap();
    let v = search(&s.name);
    let hit = v["results"].as_array().unwrap().iter().find(|r| r["kind"] == "service" && r["id"] == s.id.as_str()).expect("the service");
    assert_eq!(hit["score"], 1.0);
    assert_eq!(hit["point"][0].as_f64().unwrap(), s.wgs84.x);
    assert!(hit["label"].as_str().unwrap().starts_with(&s.name));
    assert!(hit["areas"].as_array().unwrap().iter().any(|a| a["level"] == "ward"));
}

#[test]
fn sensitive_sites_are_never_found() {
    let engine = load(&["gp"]);
    let app = needmap::serve::build(engine.clone(), PathBuf::from("/nonexistent-web"), "x:1").unwrap();
    let gps: Vec<_> = engine.services.iter().filter(|s| s.category == "gp").collect();
    assert!(gps.len() > 50);
    for s in gps.iter().take(20) {
        let (status, v) = get_on(&app, &format!("/api/search?q={}&limit=50", s.name.replace(' ', "%20").replace('&', "%26")));
        assert_eq!(status, 200);
        for r in v["results"].as_array().unwrap() {
            assert_ne!(r["category"], "gp", "{}: {r}", s.name);
            assert_ne!(r["id"], s.id.as_str());
        }
    }
    let (_, v) = get_on(&app, &format!("/api/search?q={}", gps[0].id));
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["kind"] != "service" || r["category"] != "gp"));
}

#[test]
fn bad_queries_are_refused_in_words_and_answers_are_bounded() {
    for (uri, parameter) in [
        ("/api/search", "q"),
        ("/api/search?q=", "q"),
        ("/api/search?q=%20%20", "q"),
        ("/api/search?q=tong&limit=0", "limit"),
        ("/api/search?q=tong&limit=51", "limit"),
        ("/api/search?q=tong&limit=ten", "limit"),
        ("/api/search?q=tong&nonsense=1", "nonsense"),
    ] {
        let (status, v) = get_on(&APP, uri);
        assert_eq!(status, 400, "{uri}: {v}");
        assert_eq!(v["parameter"], parameter, "{uri}: {v}");
    }
    let long = "a".repeat(101);
    let (status, v) = get_on(&APP, &format!("/api/search?q={long}"));
    assert_eq!((status, v["parameter"].as_str()), (StatusCode::BAD_REQUEST, Some("q")));
    let (_, v) = get_on(&APP, "/api/search?q=bradford&limit=50");
    assert_eq!(v["results"].as_array().unwrap().len(), 50);
}

#[test]
fn postcodes_are_found_in_any_spelling_with_their_areas_and_slips_offer_a_choice() {
    // From the pack's lookup: BD1 1AA at (416515, 433357), ward E05001347.
    for q in ["BD1 1AA", "bd11aa", " Bd1  1aA "] {
        let v = search(q);
        let top = &v["results"][0];
        assert_eq!(top["kind"], "postcode", "{q}: {v}");
        assert_eq!(top["postcode"], "BD1 1AA");
        assert_eq!(v["ambiguous"], false);
        let ward = top["areas"].as_array().unwrap().iter().find(|a| a["level"] == "ward").expect("in a ward");
        assert_eq!(ward["code"], "E05001347");
        assert!(top["label"].as_str().unwrap().starts_with("BD1 1AA, "));
        let (x, y) = (top["point"][0].as_f64().unwrap(), top["point"][1].as_f64().unwrap());
        assert!((-1.76..-1.74).contains(&x) && (53.78..53.80).contains(&y), "{x}, {y}");
    }
    // One character wrong: the postcodes one slip away, as a choice.
    let v = search("BD1 1AZ");
    let found: Vec<&str> = v["results"].as_array().unwrap().iter().filter_map(|r| r["postcode"].as_str()).collect();
    assert!(found.contains(&"BD1 1AA"), "{found:?}");
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["score"].as_f64().unwrap() < 1.0));
    assert_eq!(v["ambiguous"], true);
    // Not a postcode at all: no postcode results.
    assert!(search("Tong")["results"].as_array().unwrap().iter().all(|r| r["kind"] != "postcode"));
}
