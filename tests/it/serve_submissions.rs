//! Partners' submissions over HTTP (issue 12): a partner logs in, uploads
//! a CSV of 20 services with real postcodes (3 bad rows, 2 duplicates of
//! GPs in the register), fixes a row and sends it; a reviewer decides the
//! duplicates and publishes; the gap map of the category changes for an
//! engine reading the register. A stranger, a partner of another
//! organisation and a partner trying to publish are refused; an upload
//! that is not a spreadsheet or is too large is refused in words.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use needmap::auth::{AccountStore, NewAccount, Role};
use needmap::load::Diagnostics;
use needmap::register::Register;
use needmap::serve::{EditSettings, ServeConfig};
use serde_json::{json, Value};
use tower::ServiceExt;

use super::common;
use super::submissions::{hub_postcodes, outside_postcode, partner_csv, postcode_file, seeded};

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());

const ORIGIN: &str = "http://needmap.test:8080";
const EDITOR: &str = "submissions-test-editor-token-0123456789";

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn send(router: &Router, method: &str, uri: &str, who: Option<&str>, body: impl Into<Body>) -> Resp {
    let mut b = Request::builder().method(method).uri(uri).header(header::HOST, "needmap.test:8080").header(header::ORIGIN, ORIGIN);
    if let Some(cookie) = who {
        b = b.header(header::COOKIE, format!("needmap_session={cookie}"));
    }
    let req = b.body(body.into()).unwrap();
    RT.block_on(async {
        let res = router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap().to_vec();
        Resp { status, headers, body }
    })
}

fn login(router: &Router, name: &str) -> String {
    let r = send(router, "POST", "/api/login", None, json!({"name": name, "password": format!("password of {name}!")}).to_string());
    assert_eq!(r.status, StatusCode::NO_CONTENT, "login {name}: {}", r.text());
    let cookie = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    cookie.split(';').next().unwrap().strip_prefix("needmap_session=").unwrap().to_string()
}

/// The reviewer's decisions on the two duplicates of [`partner_csv`]: row 20 merged into the GP it repeats, row 21 left out.
fn decide_duplicates(router: &Router, reviewer: &str) {
    for (row, decision) in [(20, "merge:bd-00134"), (21, "skip")] {
        let r = send(router, "PUT", &format!("/api/register/submissions/1/rows/{row}/decision"), Some(reviewer), json!({ "decision": decision }).to_string());
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
}

fn states(s: &Value) -> Vec<(u64, String)> {
    s["report"]["states"].as_array().unwrap().iter().map(|p| (p[0].as_u64().unwrap(), p[1].as_str().unwrap().to_string())).collect()
}

#[test]
fn a_partner_uploads_fixes_and_sends_a_reviewer_publishes_and_others_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let register_path = seeded(dir.path());
    let accounts = dir.path().join("accounts.sqlite");
    let store = AccountStore::open_or_create(&accounts).unwrap();
    for (name, role, org) in [("pam", Role::Partner, Some("family-hubs")), ("pete", Role::Partner, Some("other-org")), ("rita", Role::Reviewer, None)] {
        store.add(&NewAccount { name, role, org, password: &format!("password of {name}!") }).unwrap();
    }
    drop(store);
    let engine = common::engine();
    let mut config = ServeConfig::new("needmap.test:8080").unwrap();
    config.edits = EditSettings { allowed: true, token: Some(EDITOR.into()), scenarios_dir: Some(dir.path().join("scenarios")) };
    config.accounts.file = Some(accounts);
    config.accounts.register = Some(register_path.clone());
    let state = Arc::new(
        needmap::serve::AppState::with_config(Arc::new(engine.with_services(engine.services.clone())), PathBuf::from("/nonexistent-web"), config).unwrap(),
    );
    let router = needmap::serve::router(state);
    let file = postcode_file();
    let csv = partner_csv(&hub_postcodes(&file), &outside_postcode(&file));
    let upload = "/api/register/submissions?file=family%20hubs.csv";

    // Strangers and the wrong file are refused; nothing is saved.
    let r = send(&router, "POST", upload, None, csv.clone());
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text());
    let pam = login(&router, "pam");
    let pete = login(&router, "pete");
    let rita = login(&router, "rita");
    let png = send(&router, "POST", "/api/register/submissions?file=services.csv", Some(&pam), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec());
    assert_eq!(png.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", png.text());
    assert!(png.json()["message"].as_str().unwrap().contains("services.csv"), "{}", png.text());
    let big = send(&router, "POST", upload, Some(&pam), vec![b'a'; 20_000_001]);
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.text());
    let r = send(&router, "POST", &format!("{upload}&org=other-org"), Some(&pam), csv.clone());
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a partner submits for its own organisation only: {}", r.text());

    // The partner's upload: a draft with its report, nothing in the register yet.
    let r = send(&router, "POST", upload, Some(&pam), csv.clone());
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.headers.get(header::LOCATION).unwrap(), "/api/register/submissions/1");
    let s = r.json();
    assert_eq!((s["partner"].as_str(), s["status"].as_str(), s["rows"].as_array().unwrap().len()), (Some("family-hubs"), Some("draft"), 20));
    let expected: Vec<(u64, String)> =
        (2..=21).map(|row| (row, match row { 17..=19 => "error", 20 | 21 => "duplicate", _ => "ready" }.to_string())).collect();
    assert_eq!(states(&s), expected);
    assert_eq!(Register::open_read_only(&register_path).unwrap().count().unwrap(), 984);

    // Another organisation's partner sees none of it and cannot change it.
    assert_eq!(send(&router, "GET", "/api/register/submissions/1", Some(&pete), "").status, StatusCode::FORBIDDEN);
    assert_eq!(send(&router, "GET", "/api/register/submissions", Some(&pete), "").json()["count"], 0);
    let r = send(&router, "PUT", "/api/register/submissions/1/rows/18", Some(&pete), json!({"postcode": "BD7 1LG"}).to_string());
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(send(&router, "GET", "/api/register/submissions/1", None, "").status, StatusCode::UNAUTHORIZED);

    // The partner fixes row 18 (an unknown postcode), sends it, and may not publish it.
    let r = send(&router, "PUT", "/api/register/submissions/1/rows/18", Some(&pam), json!({"postcode": "BD7 1LG"}).to_string());
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(states(&r.json()).contains(&(18, "ready".to_string())));
    let r = send(&router, "PUT", "/api/register/submissions/1/rows/18", Some(&pam), json!({"colour": "red"}).to_string());
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text().contains("`colour` is not a field"), "{}", r.text());
    assert_eq!(send(&router, "POST", "/api/register/submissions/1/publish", Some(&pam), "").status, StatusCode::FORBIDDEN);
    let r = send(&router, "POST", "/api/register/submissions/1/send", Some(&pam), "");
    assert_eq!((r.status, r.json()["status"].as_str().map(str::to_string)), (StatusCode::OK, Some("submitted".into())), "{}", r.text());

    // The reviewer's queue; publication waits for the blocking rows.
    let queue = send(&router, "GET", "/api/register/submissions?status=submitted", Some(&rita), "").json();
    assert_eq!((queue["count"].as_u64(), queue["submissions"][0]["id"].as_u64()), (Some(1), Some(1)));
    let r = send(&router, "POST", "/api/register/submissions/1/publish", Some(&rita), "");
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert!(r.text().contains("row 17 (error), row 19 (error), row 20 (duplicate), row 21 (duplicate)"), "{}", r.text());
    assert_eq!(Register::open_read_only(&register_path).unwrap().count().unwrap(), 984, "a refused publication writes nothing");
    decide_duplicates(&router, &rita);
    let r = send(&router, "POST", "/api/register/submissions/1/publish?exclude_blocking=true", Some(&rita), "");
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let p = r.json();
    assert_eq!((p["added"].as_array().unwrap().len(), p["merged"].as_array().unwrap().len(), p["register_services"].as_u64()), (16, 1, Some(1000)));
    let audit = Register::open_read_only(&register_path).unwrap().changes().unwrap();
    assert!(audit.iter().any(|c| c.action == "publish" && c.who.starts_with("rita (reviewer")), "the audit log names the reviewer");
    assert!(audit.iter().any(|c| c.action == "fix" && c.who.starts_with("pam (partner, family-hubs")), "and the partner who fixed a row");
    let r = send(&router, "PUT", "/api/register/submissions/1/rows/17", Some(&pam), json!({"category": "family_hub"}).to_string());
    assert_eq!(r.status, StatusCode::CONFLICT, "a published submission is closed: {}", r.text());

    // The gap map for family hubs, from the register: the published hubs are in it.
    let register = Register::open_read_only(&register_path).unwrap();
    let mut diags = Diagnostics::default();
    let services = register.engine_services(&engine.manifest, &engine.categories, &mut diags).unwrap();
    let after = engine.with_services(services);
    let q = needmap::gaps::GapQuery { level: "ward".into(), category: Some("family_hub".into()), ..Default::default() };
    let before = needmap::gaps::compute(engine, &q).unwrap();
    let after = needmap::gaps::compute(&after, &q).unwrap();
    let unmet = |t: &needmap::gaps::GapTable| t.rows.iter().filter_map(|r| r.unmet_need).sum::<f64>();
    assert_eq!(after.services, before.services + 16, "{} -> {}", before.services, after.services);
    assert!(unmet(&after) < unmet(&before), "unmet need falls: {} -> {}", unmet(&before), unmet(&after));
}

/// With `[register]` in the manifest the map follows the register: after a
/// reviewer publishes, the services, the area counts and the gap fields the
/// server answers are the register's, under new ETags; a scenario is
/// applied to the republished baseline.
#[test]
fn the_map_follows_the_register_when_the_manifest_maps_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::copy_pack(dir.path());
    seeded(&data);
    let manifest = data.join("dataset.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, format!("{text}\n[register]\nfile = \"register.gpkg\"\n")).unwrap();
    let loc = needmap::dataset::locate(Some(&data)).unwrap();
    let engine = needmap::Engine::load(&loc).unwrap();
    assert_eq!(engine.services.len(), 984, "the engine reads the seeded register");
    let accounts = dir.path().join("accounts.sqlite");
    let store = AccountStore::open_or_create(&accounts).unwrap();
    for (name, role, org) in [("pam", Role::Partner, Some("family-hubs")), ("rita", Role::Reviewer, None)] {
        store.add(&NewAccount { name, role, org, password: &format!("password of {name}!") }).unwrap();
    }
    drop(store);
    let mut config = ServeConfig::new("needmap.test:8080").unwrap();
    config.edits = EditSettings { allowed: true, token: Some(EDITOR.into()), scenarios_dir: Some(dir.path().join("scenarios")) };
    config.accounts.file = Some(accounts);
    let router = needmap::serve::router(Arc::new(needmap::serve::AppState::with_config(Arc::new(engine), PathBuf::from("/nonexistent-web"), config).unwrap()));
    let hubs = |r: &Resp| r.json()["features"].as_array().unwrap().len();
    let ward_hubs = |r: &Resp| -> f64 { r.json()["features"].as_array().unwrap().iter().filter_map(|f| f["properties"]["services_selected"].as_f64()).sum() };
    let services = "/api/services.geojson?category=family_hub";
    let wards = "/api/areas/ward.geojson?category=family_hub&method=nearest";
    let (s0, w0) = (send(&router, "GET", services, None, ""), send(&router, "GET", wards, None, ""));
    assert_eq!((s0.status, w0.status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(s0.headers.get(header::CACHE_CONTROL).unwrap(), "no-cache", "a baseline that can change is revalidated");
    let unmet = |r: &Resp| -> f64 { r.json()["features"].as_array().unwrap().iter().filter_map(|f| f["properties"]["unmet_need"].as_f64()).sum() };

    // A partner's 20 rows; the reviewer publishes the ready ones.
    let (pam, rita) = (login(&router, "pam"), login(&router, "rita"));
    let file = postcode_file();
    let csv = partner_csv(&hub_postcodes(&file), &outside_postcode(&file));
    assert_eq!(send(&router, "POST", "/api/register/submissions?file=hubs.csv", Some(&pam), csv).status, StatusCode::CREATED);
    assert_eq!(send(&router, "POST", "/api/register/submissions/1/send", Some(&pam), "").status, StatusCode::OK);
    decide_duplicates(&router, &rita);
    let r = send(&router, "POST", "/api/register/submissions/1/publish?exclude_blocking=true", Some(&rita), "");
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let p = r.json();
    let added = p["added"].as_array().unwrap().len();
    assert_eq!((added, p["map_generation"].as_u64()), (15, Some(1)), "{p}");
    assert!(p["note"].as_str().unwrap().contains("the map now shows the register's 999 services"), "{p}");

    // Every later read is the register's: more hubs, counted in the wards, less unmet need, new ETags.
    let (s1, w1) = (send(&router, "GET", services, None, ""), send(&router, "GET", wards, None, ""));
    assert_eq!(hubs(&s1), hubs(&s0) + added, "the published hubs are on the map");
    // Row 7's postcode is outside the district (published, flagged): in no ward.
    assert_eq!(ward_hubs(&w1), ward_hubs(&w0) + (added - 1) as f64, "and counted in their wards");
    assert!(unmet(&w1) < unmet(&w0), "unmet need falls: {} -> {}", unmet(&w0), unmet(&w1));
    assert_ne!(s1.headers.get(header::ETAG), s0.headers.get(header::ETAG));
    let meta = send(&router, "GET", "/api/meta", None, "").json();
    assert_eq!(meta["services"]["total"], 999, "{}", meta["services"]);
    // A conditional request with the old ETag gets the new answer, not a 304.
    let mut b = Request::get(services).header(header::HOST, "needmap.test:8080");
    b = b.header(header::IF_NONE_MATCH, s0.headers.get(header::ETAG).unwrap().clone());
    let res = RT.block_on(router.clone().oneshot(b.body(Body::empty()).unwrap())).unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A scenario is applied to the register's services: closing a published hub removes it again.
    let published = p["added"][0]["service"].as_str().unwrap().to_string();
    let scenario = json!({ "id": "close-new-hub", "name": "close a new hub", "edits": [{ "op": "close", "service": published }] });
    let mut b = Request::post("/api/scenarios").header(header::HOST, "needmap.test:8080").header(header::ORIGIN, ORIGIN);
    b = b.header(header::AUTHORIZATION, format!("Bearer {EDITOR}")).header(header::CONTENT_TYPE, "application/json");
    let res = RT.block_on(router.clone().oneshot(b.body(Body::from(scenario.to_string())).unwrap())).unwrap();
    let status = res.status();
    let created: Value = serde_json::from_slice(&RT.block_on(axum::body::to_bytes(res.into_body(), usize::MAX)).unwrap()).unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let s2 = send(&router, "GET", &format!("{services}&scenario={}", created["id"].as_str().unwrap()), None, "");
    assert_eq!(s2.status, StatusCode::OK, "{}", s2.text());
    assert_eq!(hubs(&s2), hubs(&s1) - 1);
    // A reviewer's edit of a register service is on the map at once too.
    let r = send(&router, "PUT", &format!("/api/register/services/{published}"), Some(&rita), json!({ "name": "Renamed hub" }).to_string());
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(send(&router, "GET", services, None, "").text().contains("Renamed hub"), "the renamed hub is on the map");
    assert!(!s1.text().contains("Renamed hub"));
}
