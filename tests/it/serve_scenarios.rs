//! HTTP tests of the scenario API and `scenario=ID` (issue 10) on the real
//! pack: the write guard (editing off, token, origin), create / read /
//! update / delete with versions, stale writes and racing writers (no update
//! lost), per-scenario answers on every endpoint (areas, services, tiles,
//! TileJSON, OGC, report, exports, meta) with no stale or baseline cache
//! entry served, sensitive sites, and random bodies.

use std::path::PathBuf;
use std::sync::{Arc, Barrier, LazyLock};

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use needmap::serve::{AppState, EditSettings, ServeConfig};
use needmap::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};
use tower::ServiceExt;

static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());

const TOKEN: &str = "test-editor-token-0123456789abcdef";
const ORIGIN: &str = "http://needmap.test:8080";

fn load(sensitive: &[&str]) -> Engine {
    let mut loc = needmap::dataset::locate(None).expect("the Bradford pack (../shared/geodata/bradford)");
    for c in sensitive {
        loc.manifest.categories.get_mut(*c).expect("category").sensitive = true;
    }
    Engine::load(&loc).expect("engine loads")
}

static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| Arc::new(load(&[])));

/// An app with editing on (or off), its state and its scenario folder.
struct App {
    router: Router,
    state: Arc<AppState>,
    dir: tempfile::TempDir,
}

fn app_on(engine: Arc<Engine>, allowed: bool) -> App {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::new("needmap.test:8080").unwrap();
    config.edits = EditSettings { allowed, token: Some(TOKEN.into()), scenarios_dir: Some(dir.path().to_path_buf()) };
    let state = Arc::new(AppState::with_config(engine, PathBuf::from("/nonexistent-web"), config).unwrap());
    App { router: needmap::serve::router(state.clone()), state, dir }
}

fn app(allowed: bool) -> App {
    app_on(ENGINE.clone(), allowed)
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

fn send(router: &Router, method: &str, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Resp {
    let mut b = Request::builder().method(method).uri(uri).header(header::HOST, "needmap.test:8080");
    for (k, v) in headers {
        b = b.header(*k, *v);
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

const AUTH: (&str, &str) = ("authorization", "Bearer test-editor-token-0123456789abcdef");
const JSON_BODY: (&str, &str) = ("content-type", "application/json");

fn get(a: &App, uri: &str) -> Resp {
    send(&a.router, "GET", uri, &[], Body::empty())
}

fn write(a: &App, method: &str, uri: &str, extra: &[(&str, &str)], body: &Value) -> Resp {
    let mut headers = vec![AUTH, JSON_BODY];
    headers.extend_from_slice(extra);
    send(&a.router, method, uri, &headers, body.to_string())
}

fn assert_status(r: &Resp, status: u16, what: &str) -> Value {
    assert_eq!(r.status.as_u16(), status, "{what}: {}", r.text());
    let v = if r.body.is_empty() { Value::Null } else { r.json() };
    if status >= 400 {
        assert_eq!(v["status"], status, "{what}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {v}");
    }
    v
}

/// A baseline service outside the family hub category, where the tests add a hub.
fn site() -> &'static needmap::model::Service {
    ENGINE.services.iter().find(|s| s.category != "family_hub" && s.areas.iter().all(Option::is_some)).unwrap()
}

fn ward() -> usize {
    ENGINE.level_index("ward").unwrap()
}

fn hub_scenario(id: &str, lon: f64, lat: f64) -> Value {
    json!({
        "needmap_scenario": 1, "id": id, "name": "Extra family hub",
        "edits": [{"op": "add", "id": "new-hub-1", "name": "Scenario Test Hub", "category": "family_hub", "lon": lon, "lat": lat}]
    })
}

/// Features of a GeoJSON answer by id.
fn features(r: &Resp) -> std::collections::HashMap<String, Value> {
    let v = r.json();
    v["features"].as_array().unwrap().iter().map(|f| (f["id"].as_str().unwrap().to_string(), f["properties"].clone())).collect()
}

/// The tile at zoom `z` holding point (lon, lat).
fn tile_of(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let (x, y, _, _) = needmap::serve::tiles::mercator::tiles_covering(geo::Rect::new((lon, lat), (lon, lat)), z);
    (x, y)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

// ------------------------------------------------------------------ the write guard

#[test]
fn writes_need_editing_on_the_token_and_the_own_origin() {
    let off = app(false);
    let body = hub_scenario("s1", site().wgs84.x, site().wgs84.y);
    let v = assert_status(&write(&off, "POST", "/api/scenarios", &[], &body), 403, "editing off");
    assert!(v["message"].as_str().unwrap().contains("--allow-edits"), "{v}");
    assert_status(&write(&off, "DELETE", "/api/scenarios/s1?version=1", &[], &body), 403, "editing off");
    assert_eq!(off.state.edit_token(), None);

    let on = app(true);
    let no_token = send(&on.router, "POST", "/api/scenarios", &[JSON_BODY], body.to_string());
    assert_status(&no_token, 401, "no token");
    assert!(no_token.header("www-authenticate").starts_with("Bearer"));
    let wrong = send(&on.router, "POST", "/api/scenarios", &[JSON_BODY, ("authorization", "Bearer test-editor-token-0123456789abcdeX")], body.to_string());
    assert_status(&wrong, 401, "wrong token");
    let short = send(&on.router, "POST", "/api/scenarios", &[JSON_BODY, ("authorization", "Bearer test")], body.to_string());
    assert_status(&short, 401, "a prefix of the token");
    let foreign = write(&on, "POST", "/api/scenarios", &[("origin", "http://evil.example")], &body);
    assert_status(&foreign, 403, "another origin");
    assert_status(&write(&on, "POST", "/api/scenarios", &[("origin", "null")], &body), 403, "opaque origin");
    assert!(std::fs::read_dir(on.dir.path()).unwrap().filter_map(Result::ok).all(|e| e.file_name().to_string_lossy().starts_with('.')));
    assert_status(&write(&on, "POST", "/api/scenarios", &[("origin", ORIGIN)], &body), 201, "own origin");
    // A cross-origin preflight for a write is not allowed.
    let pre = send(
        &on.router,
        "OPTIONS",
        "/api/scenarios/s1",
        &[("origin", "http://evil.example"), ("access-control-request-method", "PUT")],
        Body::empty(),
    );
    assert!(!pre.header("access-control-allow-methods").contains("PUT"), "{:?}", pre.headers);
    // A random token when none is given.
    let mut config = ServeConfig::new("x:1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    config.edits = EditSettings { allowed: true, token: None, scenarios_dir: Some(dir.path().to_path_buf()) };
    let s = AppState::with_config(ENGINE.clone(), PathBuf::from("/nonexistent-web"), config).unwrap();
    assert_eq!(s.edit_token().unwrap().len(), 64);
}

// ------------------------------------------------------------------ CRUD

#[test]
fn create_read_update_delete_with_versions() {
    let a = app(true);
    let (lon, lat) = (site().wgs84.x, site().wgs84.y);
    assert_eq!(get(&a, "/api/scenarios").json(), json!({"scenarios": []}));
    let created = write(&a, "POST", "/api/scenarios", &[], &hub_scenario("hub-test", lon, lat));
    let v = assert_status(&created, 201, "create");
    assert_eq!(v["version"], 1);
    assert_eq!(created.header("etag"), "\"1\"");
    assert_eq!(created.header("location"), "http://needmap.test:8080/api/scenarios/hub-test");
    assert!(a.dir.path().join("hub-test.json").is_file());
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &hub_scenario("hub-test", lon, lat)), 409, "id taken");

    let read = get(&a, "/api/scenarios/hub-test");
    assert_eq!(assert_status(&read, 200, "read")["edits"][0]["name"], "Scenario Test Hub");
    assert_eq!(read.header("etag"), "\"1\"");
    assert_eq!(send(&a.router, "GET", "/api/scenarios/hub-test", &[("if-none-match", "\"1\"")], Body::empty()).status, 304);
    let list = get(&a, "/api/scenarios").json();
    assert_eq!(list["scenarios"][0]["id"], "hub-test");
    assert_eq!(list["scenarios"][0]["edits"], 1);
    assert_eq!(list["scenarios"][0]["url"], "http://needmap.test:8080/api/scenarios/hub-test");

    // Update by If-Match, then by the body's version.
    let mut s = read.json();
    s["name"] = json!("Renamed");
    let up = write(&a, "PUT", "/api/scenarios/hub-test", &[("if-match", "\"1\"")], &s);
    assert_eq!(assert_status(&up, 200, "update")["version"], 2);
    assert_eq!(up.header("etag"), "\"2\"");
    s["version"] = json!(2);
    s["description"] = json!("second");
    assert_eq!(assert_status(&write(&a, "PUT", "/api/scenarios/hub-test", &[], &s), 200, "update by body")["version"], 3);
    // No version at all: 428; header and body disagreeing: 400; another id: 400.
    s["version"] = json!(0);
    assert_status(&write(&a, "PUT", "/api/scenarios/hub-test", &[], &s), 428, "no version");
    s["version"] = json!(3);
    assert_status(&write(&a, "PUT", "/api/scenarios/hub-test", &[("if-match", "\"2\"")], &s), 400, "two versions");
    assert_status(&write(&a, "PUT", "/api/scenarios/hub-test", &[("if-match", "three")], &s), 400, "bad If-Match");
    assert_status(&write(&a, "PUT", "/api/scenarios/other", &[], &s), 400, "id mismatch");

    // Delete: needs the version; stale is 409.
    assert_status(&write(&a, "DELETE", "/api/scenarios/hub-test", &[], &json!(null)), 428, "delete without version");
    assert_status(&write(&a, "DELETE", "/api/scenarios/hub-test?version=2", &[], &json!(null)), 409, "stale delete");
    assert_status(&write(&a, "DELETE", "/api/scenarios/hub-test", &[("if-match", "\"3\"")], &json!(null)), 204, "delete");
    assert_status(&get(&a, "/api/scenarios/hub-test"), 404, "deleted");
    assert_status(&write(&a, "DELETE", "/api/scenarios/nope?version=1", &[], &json!(null)), 404, "unknown");
}

#[test]
fn bad_bodies_are_400_naming_the_problem_and_large_ones_413() {
    let a = app(true);
    let (lon, lat) = (site().wgs84.x, site().wgs84.y);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"needmap_scenario": 1, "id": "x", "name": "n", "edits": [{"op": "add", "name": "a", "category": "family_hub", "lon": lon, "lat": lat, "colour": "red"}]}), "colour"),
        (json!({"needmap_scenario": 1, "id": "x", "name": "n", "edits": [{"op": "close", "service": "no-such-service"}]}), "edit 1 (close)"),
        (json!({"needmap_scenario": 1, "id": "x", "name": "n", "edits": [{"op": "add", "name": "a", "category": "nope", "lon": lon, "lat": lat}]}), "edit 1 (add)"),
        (json!({"needmap_scenario": 1, "id": "x", "name": "n", "edits": [{"op": "add", "name": "a", "category": "gp", "lon": 500.0, "lat": lat}]}), "edit 1 (add)"),
        (json!({"needmap_scenario": 1, "id": "Bad Id", "name": "n", "edits": []}), "Bad Id"),
        (json!({"needmap_scenario": 7, "id": "x", "name": "n", "edits": []}), "needmap_scenario"),
        (json!([1, 2]), "request body"),
        (json!({"needmap_scenario": 1, "id": "x", "name": "n", "edits": [{"op": "add", "name": "a", "category": "gp", "postcode": "ZZ9 9ZZ"}]}), "ZZ9 9ZZ"),
    ];
    for (body, named) in cases {
        let v = assert_status(&write(&a, "POST", "/api/scenarios", &[], &body), 400, named);
        let message = v["message"].as_str().unwrap();
        assert!(message.contains(named), "{named}: {v}");
        assert!(!message.contains(&ENGINE.data_dir.display().to_string()), "a server path in {v}");
    }
    let r = send(&a.router, "POST", "/api/scenarios", &[AUTH], vec![0xffu8, 0xfe, 0x00]);
    assert_status(&r, 400, "not UTF-8");
    // More than 10,000 edits: 400; more than 2 MiB: 413.
    let close = json!({"op": "capacity", "service": site().id, "capacity": 2.0});
    let many = json!({"needmap_scenario": 1, "id": "many", "name": "n", "edits": vec![close; 10_001]});
    let v = assert_status(&write(&a, "POST", "/api/scenarios", &[], &many), 400, "10,001 edits");
    assert!(v["message"].as_str().unwrap().contains("10000"), "{v}");
    let huge = json!({"needmap_scenario": 1, "id": "huge", "name": "n", "description": "x".repeat(3 << 20)});
    // Without Content-Length (read up to the limit) and with it (refused at once).
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &huge), 413, "3 MiB");
    let declared = (3usize << 20).to_string();
    assert_status(&write(&a, "PUT", "/api/scenarios/huge", &[("content-length", &declared)], &huge), 413, "3 MiB declared");
    // Up to 2 MiB is accepted (the other routes take no body).
    let big = json!({"needmap_scenario": 1, "id": "big", "name": "n", "description": "x".repeat(1 << 20)});
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &big), 201, "1 MiB");
    assert!(a.dir.path().join("big.json").is_file());
    std::fs::remove_file(a.dir.path().join("big.json")).unwrap();
    assert!(std::fs::read_dir(a.dir.path()).unwrap().filter_map(Result::ok).all(|e| e.file_name().to_string_lossy().starts_with('.')));
}

#[test]
fn a_stale_update_is_409_and_loses_nothing() {
    let a = app(true);
    let (lon, lat) = (site().wgs84.x, site().wgs84.y);
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &hub_scenario("stale", lon, lat)), 201, "create");
    let mut first = get(&a, "/api/scenarios/stale").json();
    let mut second = first.clone();
    first["name"] = json!("First writer");
    assert_status(&write(&a, "PUT", "/api/scenarios/stale", &[("if-match", "\"1\"")], &first), 200, "first");
    second["name"] = json!("Second writer");
    let v = assert_status(&write(&a, "PUT", "/api/scenarios/stale", &[("if-match", "\"1\"")], &second), 409, "second");
    assert_eq!(v["current_version"], 2);
    assert_eq!(v["error"], "stale_version");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(a.dir.path().join("stale.json")).unwrap()).unwrap();
    assert_eq!(saved["name"], "First writer");
    assert_eq!(saved["version"], 2);
}

#[test]
fn racing_writers_never_lose_an_update() {
    let a = Arc::new(app(true));
    let (lon, lat) = (site().wgs84.x, site().wgs84.y);
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &hub_scenario("race", lon, lat)), 201, "create");
    const ROUNDS: usize = 12;
    const WRITERS: usize = 3;
    let barrier = Arc::new(Barrier::new(WRITERS));
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (a, barrier) = (a.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut won = Vec::new();
                for round in 0..ROUNDS {
                    barrier.wait();
                    let read = get(&a, "/api/scenarios/race");
                    let version = read.header("etag").to_string();
                    let mut s = read.json();
                    barrier.wait();
                    // A capacity unique to this writer and round marks the edit.
                    let marker = 1.0 + (w * 1000 + round) as f64;
                    s["edits"].as_array_mut().unwrap().push(json!({"op": "capacity", "service": "new-hub-1", "capacity": marker}));
                    let r = write(&a, "PUT", "/api/scenarios/race", &[("if-match", &version)], &s);
                    match r.status.as_u16() {
                        200 => won.push(marker),
                        409 => assert!(r.json()["current_version"].as_u64().is_some()),
                        other => panic!("writer {w} round {round}: {other} {}", r.text()),
                    }
                }
                won
            })
        })
        .collect();
    let won: Vec<f64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    // Every round starts from one version, so exactly one writer wins it.
    assert_eq!(won.len(), ROUNDS, "one success per round: {won:?}");
    let saved = get(&a, "/api/scenarios/race").json();
    assert_eq!(saved["version"], 1 + ROUNDS as u64);
    let in_file: Vec<f64> = saved["edits"].as_array().unwrap().iter().filter_map(|e| e["capacity"].as_f64()).collect();
    for m in &won {
        assert!(in_file.contains(m), "update {m} was lost: {in_file:?}");
    }
    assert_eq!(in_file.len(), ROUNDS);
}

// ------------------------------------------------------------------ scenario=ID on every endpoint

#[test]
fn a_scenario_changes_areas_services_tiles_and_never_gets_baseline_entries() {
    let a = app(true);
    let s = site();
    let (lon, lat) = (s.wgs84.x + 0.0004, s.wgs84.y + 0.0002);
    let ward_code = ENGINE.levels[ward()].areas[s.areas[ward()].unwrap()].code.clone();
    // The baseline first, so its caches are warm.
    let base_areas = features(&get(&a, "/api/areas/ward.geojson"));
    let base_selected = features(&get(&a, "/api/areas/ward.geojson?category=family_hub"));
    let z = 14;
    let (x, y) = tile_of(z, lon, lat);
    let tile_uri = format!("/tiles/services/{z}/{x}/{y}.mvt");
    let area_tile_uri = format!("/tiles/ward/{z}/{x}/{y}.mvt?category=family_hub");
    let base_tile = get(&a, &tile_uri);
    let base_area_tile = get(&a, &area_tile_uri);
    assert!(!contains(&base_tile.body, "Scenario Test Hub"));
    let base_etag = get(&a, "/api/areas/ward.geojson").header("etag").to_string();

    assert_status(&write(&a, "POST", "/api/scenarios", &[], &hub_scenario("hub", lon, lat)), 201, "create");
    let areas = features(&get(&a, "/api/areas/ward.geojson?scenario=hub"));
    assert_eq!(areas.len(), base_areas.len());
    let hubs = |f: &std::collections::HashMap<String, Value>| f[&ward_code]["services_family_hub"].as_u64().unwrap();
    assert_eq!(hubs(&areas), hubs(&base_areas) + 1, "the added hub is counted in its ward");
    let others: usize = areas.iter().filter(|(k, v)| *k != &ward_code && v["services_family_hub"] != base_areas[*k]["services_family_hub"]).count();
    assert_eq!(others, 0, "no other ward changes");
    // With the gap fields.
    let selected = features(&get(&a, "/api/areas/ward.geojson?category=family_hub&scenario=hub"));
    let sel = |f: &std::collections::HashMap<String, Value>| f[&ward_code]["services_selected"].as_u64().unwrap();
    assert_eq!(sel(&selected), sel(&base_selected) + 1);
    assert!(selected[&ward_code].get("gap_class").is_some());
    assert_ne!(selected[&ward_code]["access_2sfca"], base_selected[&ward_code]["access_2sfca"], "access improves where the hub is");
    // Services GeoJSON and OGC items list the added site; the baseline does not.
    let svc = get(&a, "/api/services.geojson?category=family_hub&scenario=hub").json();
    assert!(svc["features"].as_array().unwrap().iter().any(|f| f["id"] == "new-hub-1" && f["properties"]["ward_code"] == json!(ward_code)));
    assert!(!get(&a, "/api/services.geojson?category=family_hub").text().contains("new-hub-1"));
    assert_status(&get(&a, "/ogc/collections/services/items/new-hub-1?scenario=hub"), 200, "OGC item");
    assert_status(&get(&a, "/ogc/collections/services/items/new-hub-1"), 404, "not in the baseline");
    let ogc = get(&a, "/ogc/collections/ward/items?limit=5&scenario=hub").json();
    let next = ogc["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next").expect("a next page");
    assert!(next["href"].as_str().unwrap().contains("scenario=hub"), "{next}");
    // Tiles: the scenario's tile has the hub, the baseline tile is unchanged.
    let tile = get(&a, &format!("{tile_uri}?scenario=hub"));
    assert_eq!(tile.status, 200);
    assert!(contains(&tile.body, "Scenario Test Hub"));
    assert_eq!(get(&a, &tile_uri).body, base_tile.body, "the baseline tile is never the scenario's");
    let area_tile = get(&a, &format!("{area_tile_uri}&scenario=hub"));
    assert_ne!(area_tile.body, base_area_tile.body, "area tile attributes change");
    assert_eq!(get(&a, &area_tile_uri).body, base_area_tile.body);
    let tj = get(&a, "/tiles/services.json?scenario=hub").json();
    assert!(tj["tiles"][0].as_str().unwrap().ends_with("?scenario=hub"), "{tj}");
    // Report CSV and exports.
    let report = get(&a, "/api/report/ward.csv?scenario=hub").text();
    assert_ne!(report, get(&a, "/api/report/ward.csv").text());
    let export = get(&a, "/api/export/ward.csv?category=family_hub&scenario=hub");
    assert_eq!(export.status, 200, "{}", export.text());
    assert_ne!(export.body, get(&a, "/api/export/ward.csv?category=family_hub").body);
    let pts = get(&a, "/api/export/ward.geojson?layer=services&scenario=hub").text();
    assert!(pts.contains("new-hub-1"));
    let provenance = get(&a, "/api/export/ward.csv?scenario=hub&provenance=true").json();
    assert_eq!(provenance["parameters"]["scenario"]["id"], "hub", "{provenance}");
    assert_eq!(provenance["parameters"]["scenario"]["version"], 1);
    let pdf = get(&a, "/api/print/ward.pdf?scenario=hub");
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert!(pdf.body.starts_with(b"%PDF"));
    // Meta says which scenario; ETags differ.
    let meta = get(&a, "/api/meta?scenario=hub").json();
    assert_eq!(meta["scenario"]["id"], "hub");
    assert_eq!(meta["scenario"]["version"], 1);
    assert_eq!(meta["scenario"]["name"], "Extra family hub");
    assert!(get(&a, "/api/meta").json()["scenario"].is_null());
    assert_eq!(meta["scenarios"]["editing"], true);
    assert!(meta["levels"][0]["geojson"].as_str().unwrap().ends_with("?scenario=hub"));
    let r = get(&a, "/api/areas/ward.geojson?scenario=hub");
    assert_eq!(r.header("cache-control"), "no-cache", "browsers revalidate scenario answers");
    let etag1 = r.header("etag").to_string();
    assert_ne!(etag1, base_etag);

    // An update (the hub moves to another site): no stale entry anywhere.
    let other = ENGINE.services.iter().find(|o| o.areas[ward()].is_some() && o.areas[ward()] != s.areas[ward()]).unwrap();
    let mut sc = get(&a, "/api/scenarios/hub").json();
    sc["edits"].as_array_mut().unwrap().push(json!({"op": "move", "service": "new-hub-1", "lon": other.wgs84.x, "lat": other.wgs84.y}));
    let closed = ENGINE.services.iter().find(|o| o.category == "library").unwrap();
    sc["edits"].as_array_mut().unwrap().push(json!({"op": "close", "service": closed.id}));
    assert_status(&write(&a, "PUT", "/api/scenarios/hub", &[("if-match", "\"1\"")], &sc), 200, "move the hub, close a library");
    let libraries = get(&a, "/api/services.geojson?category=library&scenario=hub").text();
    assert!(!libraries.contains(&format!("\"{}\"", closed.id)), "a closed service vanishes");
    assert!(get(&a, "/api/services.geojson?category=library").text().contains(&format!("\"{}\"", closed.id)));
    assert_status(&get(&a, &format!("/ogc/collections/services/items/{}?scenario=hub", closed.id)), 404, "closed item");
    let moved = get(&a, &format!("{tile_uri}?scenario=hub"));
    assert!(!contains(&moved.body, "Scenario Test Hub"), "a stale tile was served after the update");
    let (x2, y2) = tile_of(z, other.wgs84.x, other.wgs84.y);
    assert!(contains(&get(&a, &format!("/tiles/services/{z}/{x2}/{y2}.mvt?scenario=hub")).body, "Scenario Test Hub"));
    let areas2 = features(&get(&a, "/api/areas/ward.geojson?scenario=hub"));
    assert_eq!(hubs(&areas2), hubs(&base_areas), "the hub left the first ward");
    assert_eq!(get(&a, "/api/meta?scenario=hub").json()["scenario"]["version"], 2);
    let etag2 = get(&a, "/api/areas/ward.geojson?scenario=hub").header("etag").to_string();
    assert_ne!(etag2, etag1);
    let not_modified = send(&a.router, "GET", "/api/areas/ward.geojson?scenario=hub", &[("if-none-match", &etag1)], Body::empty());
    assert_eq!(not_modified.status, 200, "the old ETag no longer matches");
    // A change on disk by another process is seen too.
    let mut on_disk: Value = serde_json::from_str(&std::fs::read_to_string(a.dir.path().join("hub.json")).unwrap()).unwrap();
    on_disk["edits"] = json!([]);
    on_disk["version"] = json!(3);
    std::fs::write(a.dir.path().join("hub.json"), on_disk.to_string()).unwrap();
    assert_eq!(get(&a, "/api/meta?scenario=hub").json()["scenario"]["version"], 3);
    assert_eq!(hubs(&features(&get(&a, "/api/areas/ward.geojson?scenario=hub"))), hubs(&base_areas));
    assert!(a.state.scenarios.as_ref().unwrap().views_held() <= 1, "older versions are dropped");
}

/// The printed map of a scenario: titled "Scenario: <name>", and a gap map
/// carries the committee summary as a table with the compare endpoint's figures.
#[test]
fn a_scenario_print_carries_the_summary_table() {
    let a = app(true);
    let s = site();
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &hub_scenario("hub", s.wgs84.x, s.wgs84.y)), 201, "create");
    let compare = get(&a, "/api/scenarios/hub/compare?level=ward&category=family_hub");
    let summary = assert_status(&compare, 200, "compare")["summary"].clone();
    let gained = needmap::scenario::signed(summary["thresholds"][0]["gained_population"].as_f64().unwrap());
    let unmet = needmap::scenario::thousands(summary["unmet_need"]["baseline"].as_f64().unwrap());
    let text_of = |uri: &str| {
        let pdf = get(&a, uri);
        assert_eq!(pdf.status, 200, "{uri}: {}", pdf.text());
        let path = a.dir.path().join("print.pdf");
        std::fs::write(&path, &pdf.body).unwrap();
        let out = std::process::Command::new("pdftotext").args(["-raw"]).arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
        String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
    };
    for extra in ["", "&paper=a3&landscape=true"] {
        let text = text_of(&format!("/api/print/ward.pdf?scenario=hub&gap=true&category=family_hub{extra}"));
        assert!(text.contains("Scenario: Extra family hub"), "title missing: {text}");
        assert!(text.contains("Baseline Scenario Change"), "table header missing: {text}");
        assert!(text.contains(&format!("Residents newly within {gained}")), "`Residents newly within {gained}` missing: {text}");
        assert!(text.contains(&format!("Unmet need (people) {unmet}")), "unmet need {unmet} missing: {text}");
    }
    // A title given wins; an indicator map of a scenario has no table.
    let text = text_of("/api/print/ward.pdf?scenario=hub&title=Hub+options");
    assert!(text.contains("Hub options") && !text.contains("Scenario: Extra family hub"), "{text}");
    assert!(!text.contains("Baseline Scenario Change"), "{text}");
    // The baseline print has neither.
    let text = text_of("/api/print/ward.pdf?gap=true&category=family_hub");
    assert!(!text.contains("Scenario:") && !text.contains("Baseline Scenario Change"), "{text}");
}

#[test]
fn unknown_scenarios_are_404_everywhere_and_bad_ids_400() {
    let a = app(true);
    for uri in [
        "/api/meta?scenario=nope",
        "/api/areas/ward.geojson?scenario=nope",
        "/api/services.geojson?scenario=nope",
        "/api/report/ward.csv?scenario=nope",
        "/api/export/ward.csv?scenario=nope",
        "/tiles/ward.json?scenario=nope",
        "/tiles/ward/10/507/330.mvt?scenario=nope",
        "/ogc/collections/ward/items?scenario=nope",
        "/api/scenarios/nope",
        "/api/scenarios/nope/compare?level=ward&category=gp",
    ] {
        let v = assert_status(&get(&a, uri), 404, uri);
        assert!(v["message"].as_str().unwrap().contains("nope"), "{uri}: {v}");
    }
    for uri in ["/api/areas/ward.geojson?scenario=..%2Fetc", "/tiles/ward.json?scenario=UPPER", "/api/scenarios/Bad%20Id"] {
        assert_status(&get(&a, uri), 400, uri);
    }
    // Unknown parameters are still refused, and `scenario` is not a parameter of the scenario API.
    assert_status(&get(&a, "/api/areas/ward.geojson?scenaro=x"), 400, "typo");
    assert_status(&get(&a, "/api/scenarios?scenario=x"), 400, "scenario on the list");
    // Without a scenario folder (editing off, none made): no scenarios, 404, and no folder made.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("scenarios");
    let mut config = ServeConfig::new("x:1").unwrap();
    config.edits.scenarios_dir = Some(missing.clone());
    let state = Arc::new(AppState::with_config(ENGINE.clone(), PathBuf::from("/nonexistent-web"), config).unwrap());
    let off = needmap::serve::router(state);
    assert_eq!(send(&off, "GET", "/api/scenarios", &[], Body::empty()).json(), json!({"scenarios": []}));
    assert_status(&send(&off, "GET", "/api/areas/ward.geojson?scenario=x", &[], Body::empty()), 404, "no folder");
    assert!(!missing.exists());
}

#[test]
fn a_stored_scenario_that_no_longer_applies_is_409_naming_the_edit() {
    let a = app(true);
    let bad = json!({"needmap_scenario": 1, "id": "gone", "name": "n", "version": 4, "edits": [{"op": "close", "service": "no-such-service"}]});
    std::fs::write(a.dir.path().join("gone.json"), bad.to_string()).unwrap();
    let v = assert_status(&get(&a, "/api/areas/ward.geojson?scenario=gone"), 409, "no longer applies");
    assert!(v["message"].as_str().unwrap().contains("edit 1 (close)"), "{v}");
    // A file that is not a scenario is reported in the list, not skipped silently.
    std::fs::write(a.dir.path().join("junk.json"), "{").unwrap();
    let list = get(&a, "/api/scenarios").json();
    assert_eq!(list["unreadable"], 1, "{list}");
    assert_eq!(list["scenarios"][0]["id"], "gone");
    assert!(!list.to_string().contains(&a.dir.path().display().to_string()));
}

#[test]
fn compare_checks_its_parameters() {
    let a = app(true);
    let s = site();
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &hub_scenario("cmp", s.wgs84.x, s.wgs84.y)), 201, "create");
    let v = assert_status(&get(&a, "/api/scenarios/cmp/compare?category=family_hub"), 400, "no level");
    assert_eq!(v["parameter"], "level");
    assert_eq!(assert_status(&get(&a, "/api/scenarios/cmp/compare?level=nope&category=family_hub"), 400, "bad level")["parameter"], "level");
    assert_eq!(assert_status(&get(&a, "/api/scenarios/cmp/compare?level=ward&category=nope"), 400, "bad category")["parameter"], "category");
    assert_eq!(assert_status(&get(&a, "/api/scenarios/cmp/compare?level=ward&method=x&category=gp"), 400, "bad method")["parameter"], "method");
    assert_status(&get(&a, "/api/scenarios/cmp/compare?level=ward&category=gp&colour=red"), 400, "unknown parameter");
    let c = get(&a, "/api/scenarios/cmp/compare?level=ward&category=family_hub");
    let v = assert_status(&c, 200, "compare");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), ENGINE.levels[ward()].len());
    let code = &ENGINE.levels[ward()].areas[s.areas[ward()].unwrap()].code;
    let row = rows.iter().find(|r| r["code"] == json!(code)).unwrap();
    assert_ne!(row["access"]["baseline"], row["access"]["scenario"], "{row}");
    assert!(v["summary"].is_object());
}

// ------------------------------------------------------------------ sensitive sites

#[test]
fn sensitive_sites_never_appear_in_a_scenario() {
    let engine = Arc::new(load(&["family_hub"]));
    let a = app_on(engine.clone(), true);
    let hub = engine.services.iter().find(|s| s.category == "family_hub").unwrap();
    let s = site();
    let body = json!({
        "needmap_scenario": 1, "id": "secret", "name": "Sensitive edits",
        "edits": [
            {"op": "add", "id": "new-refuge", "name": "Hidden New Hub", "category": "family_hub", "lon": s.wgs84.x, "lat": s.wgs84.y},
            {"op": "move", "service": hub.id, "lon": s.wgs84.x + 0.001, "lat": s.wgs84.y},
            {"op": "capacity", "service": "new-refuge", "capacity": 3.0},
            {"op": "add", "id": "public-gp", "name": "Public New GP", "category": "gp", "lon": s.wgs84.x, "lat": s.wgs84.y}
        ]
    });
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &body), 201, "create");
    let svc = get(&a, "/api/services.geojson?scenario=secret").text();
    assert!(svc.contains("Public New GP"));
    assert!(!svc.contains("Hidden New Hub") && !svc.contains(&hub.id) && !svc.contains("family_hub\""));
    let ogc = get(&a, "/ogc/collections/services/items?limit=10000&scenario=secret").text();
    assert!(!ogc.contains("Hidden New Hub") && !ogc.contains(&hub.id));
    assert_status(&get(&a, "/ogc/collections/services/items/new-refuge?scenario=secret"), 404, "sensitive item");
    let pts = get(&a, "/api/export/ward.geojson?layer=services&scenario=secret").text();
    assert!(!pts.contains("Hidden New Hub") && pts.contains("Public New GP"));
    for z in [12u8, 14] {
        let (x, y) = tile_of(z, s.wgs84.x, s.wgs84.y);
        let t = get(&a, &format!("/tiles/services/{z}/{x}/{y}.mvt?scenario=secret"));
        assert!(contains(&t.body, "Public New GP") && !contains(&t.body, "Hidden New Hub"));
    }
    // The scenario itself: readers do not see the sensitive edits, editors do.
    let public = get(&a, "/api/scenarios/secret");
    assert_eq!(public.header("needmap-withheld-edits"), "3");
    let text = public.text();
    assert!(!text.contains("Hidden New Hub") && !text.contains(&hub.id) && text.contains("Public New GP"));
    let editor = send(&a.router, "GET", "/api/scenarios/secret", &[AUTH], Body::empty());
    assert_eq!(editor.header("needmap-withheld-edits"), "0");
    assert_eq!(editor.json()["edits"].as_array().unwrap().len(), 4);
}

// ------------------------------------------------------------------ robustness

fn edit_strategy() -> impl Strategy<Value = Value> {
    let op = prop_oneof![Just("add"), Just("move"), Just("close"), Just("capacity"), Just("demolish"), Just("")];
    let num = prop_oneof![Just(json!(-1.75)), Just(json!(53.8)), Just(json!(416500.0)), Just(json!(1e308)), Just(json!(-0.0)), Just(json!("1")), Just(json!(null)), (-200.0f64..200.0).prop_map(|v| json!(v))];
    let text = prop_oneof![Just(json!("gp")), Just(json!("family_hub")), Just(json!("new-1")), Just(json!("BD5 7AA")), Just(json!("")), Just(json!(7)), "[a-z0-9 -]{0,12}".prop_map(|s| json!(s))];
    let field = prop_oneof![Just("id"), Just("name"), Just("category"), Just("tier"), Just("capacity"), Just("lon"), Just("lat"), Just("easting"), Just("northing"), Just("postcode"), Just("service"), Just("extra")];
    (op, prop::collection::vec((field, prop_oneof![num, text]), 0..7)).prop_map(|(op, fields)| {
        let mut e = serde_json::Map::new();
        e.insert("op".into(), json!(op));
        for (k, v) in fields {
            e.insert(k.into(), v);
        }
        Value::Object(e)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_scenario_bodies_never_break_the_server(
        edits in prop::collection::vec(edit_strategy(), 0..6),
        id in prop_oneof![Just("p".to_string()), "[a-z0-9_-]{1,8}", ".{0,10}"],
        junk in prop::option::of(prop::collection::vec(any::<u8>(), 0..64)),
    ) {
        static A: LazyLock<App> = LazyLock::new(|| app(true));
        let body = match &junk {
            Some(bytes) => bytes.clone(),
            None => json!({"needmap_scenario": 1, "id": id, "name": "random", "edits": edits}).to_string().into_bytes(),
        };
        for (method, uri) in [("POST", "/api/scenarios".to_string()), ("PUT", "/api/scenarios/p".to_string())] {
            let r = send(&A.router, method, &uri, &[AUTH, JSON_BODY, ("if-match", "\"1\"")], body.clone());
            let code = r.status.as_u16();
            prop_assert!([200, 201, 400, 404, 409].contains(&code), "{method} {uri}: {code} {}", r.text());
            if code >= 400 {
                prop_assert!(r.json()["message"].as_str().is_some_and(|m| !m.is_empty()));
            }
        }
        // Whatever was stored answers on the map endpoints.
        let ids: Vec<String> = get(&A, "/api/scenarios").json()["scenarios"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
        if let Some(sid) = ids.last() {
            for uri in [format!("/api/areas/ward.geojson?scenario={sid}"), format!("/tiles/services/10/507/330.mvt?scenario={sid}")] {
                let code = get(&A, &uri).status.as_u16();
                prop_assert!(code == 200 || code == 204, "{uri}: {code}");
            }
        }
    }
}

#[test]
fn scenario_views_are_bounded_in_number() {
    let a = app(true);
    let s = site();
    let limit = a.state.config.limits.scenario_views;
    for i in 0..limit + 3 {
        let id = format!("v{i}");
        assert_status(&write(&a, "POST", "/api/scenarios", &[], &hub_scenario(&id, s.wgs84.x, s.wgs84.y)), 201, &id);
        assert_eq!(get(&a, &format!("/api/meta?scenario={id}")).json()["scenario"]["id"], json!(id));
        assert!(a.state.scenarios.as_ref().unwrap().views_held() <= limit);
    }
    // An evicted view is built again on demand.
    assert_eq!(get(&a, "/api/meta?scenario=v0").json()["scenario"]["id"], "v0");
}

/// The browser redraws a scenario from the baseline's unfiltered answer (boundaries and every
/// indicator, held already) with the scenario's filtered answer laid over it
/// (`geometry=false&fields=services`). That is right only if every column a scenario can change is in the
/// filtered answer, even when it names one need indicator: checked here for adds and closes.
#[test]
fn a_filtered_scenario_answer_carries_every_column_the_scenario_changes() {
    let a = app(true);
    let s = site();
    let closed = ENGINE.services.iter().find(|x| x.category == "family_hub").unwrap();
    let doc = json!({
        "needmap_scenario": 1, "id": "contract", "name": "Contract",
        "edits": [
            {"op": "add", "name": "Hub A", "category": "family_hub", "lon": s.wgs84.x, "lat": s.wgs84.y},
            {"op": "add", "name": "GP B", "category": "gp", "lon": s.wgs84.x + 0.01, "lat": s.wgs84.y},
            {"op": "close", "service": closed.id},
        ]
    });
    assert_status(&write(&a, "POST", "/api/scenarios", &[], &doc), 201, "create");
    for level in ["ward", "lsoa"] {
        let base = features(&get(&a, &format!("/api/areas/{level}.geojson")));
        let scen = features(&get(&a, &format!("/api/areas/{level}.geojson?scenario=contract&geometry=false")));
        let r = get(&a, &format!("/api/areas/{level}.geojson?scenario=contract&geometry=false&fields=services&category=family_hub&indicator=children_income_deprived_2019"));
        let filtered = features(&r);
        assert!(r.json()["features"].as_array().unwrap().iter().all(|f| f["geometry"].is_null()));
        // `fields=services` leaves out what a scenario never changes, so the answer is small.
        let some = filtered.values().next().unwrap().as_object().unwrap();
        for gone in ["name", "population", "imd_score", "children_income_deprived_2019", "imd_decile1_pop_share", "place"] {
            assert!(!some.contains_key(gone), "{level}: {gone} is not a field that depends on the services");
        }
        for kept in ["code", "services_family_hub", "services_total", "services_selected", "unmet_need", "gap_class"] {
            assert!(some.contains_key(kept), "{level}: {kept} kept");
        }
        let q = format!("/api/areas/{level}.geojson?scenario=contract&geometry=false&category=family_hub");
        let (few, all) = (get(&a, &format!("{q}&fields=services")), get(&a, &q));
        assert!(few.body.len() * 3 < all.body.len() * 2, "{level}: {} bytes against {} with every field", few.body.len(), all.body.len());
        let mut changed = std::collections::BTreeSet::new();
        for (code, b) in &base {
            for (k, v) in b.as_object().unwrap() {
                if scen[code][k] != *v {
                    changed.insert(k.clone());
                    assert_eq!(filtered[code][k], scen[code][k], "{level} {code} {k}: the filtered answer has the scenario's value");
                }
            }
        }
        assert!(changed.contains("services_family_hub") && changed.contains("services_gp") && changed.contains("services_total"), "{level}: {changed:?}");
    }
}
