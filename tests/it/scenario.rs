//! What-if scenarios on the real Bradford pack (../shared/geodata/bradford):
//! the scenario engine, every edit error, provision counts against brute
//! force, the comparison and its summary, the versioned store (concurrent
//! updates, killed writes) and sensitive sites.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier, LazyLock};

use geo::{Contains, Point};
use needmap::gaps::{self, GapContext, GapQuery, Method};
use needmap::report::area_report;
use needmap::scenario::{compare, Edit, Place, Scenario, ScenarioError, ScenarioStore, Status};
use needmap::Engine;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/geodata/bradford")
}

static ENGINE: LazyLock<Engine> = LazyLock::new(|| {
    let loc = needmap::dataset::locate(Some(&shared())).expect("the Bradford pack is at ../shared/geodata/bradford");
    Engine::load(&loc).expect("the Bradford pack loads")
});
static CTX: LazyLock<GapContext> = LazyLock::new(|| GapContext::new(&ENGINE, false).unwrap());

fn scenario(edits: serde_json::Value) -> Result<Scenario, ScenarioError> {
    let doc = serde_json::json!({"needmap_scenario": 1, "id": "test", "name": "Test", "edits": edits});
    Scenario::from_json(&doc.to_string(), "test.json")
}

/// The message of applying `edits` (parse or apply), which must fail.
fn refused(edits: serde_json::Value) -> String {
    let shown = edits.to_string().chars().take(300).collect::<String>();
    match scenario(edits).and_then(|s| s.apply(&ENGINE).map(|_| ())) {
        Ok(()) => panic!("accepted: {shown}"),
        Err(e) => e.to_string(),
    }
}

fn ward() -> usize {
    ENGINE.level_index("ward").unwrap()
}

fn first_of(category: &str) -> &'static needmap::model::Service {
    ENGINE.services.iter().find(|s| s.category == category).unwrap()
}

/// Services of `category` per ward by brute force: every ward polygon tested.
fn brute_counts(engine: &Engine, category: &str) -> Vec<u32> {
    let level = &engine.levels[ward()];
    level
        .areas
        .iter()
        .map(|a| {
            engine.services.iter().filter(|s| s.category == category && a.bng.contains(&Point::from(s.bng))).count() as u32
        })
        .collect()
}

fn ward_containing(p: geo::Coord<f64>) -> usize {
    ENGINE.levels[ward()].areas.iter().position(|a| a.bng.contains(&Point::from(p))).unwrap()
}

fn same_report(a: &needmap::report::Report, b: &needmap::report::Report) -> bool {
    a.columns == b.columns && a.rows == b.rows
}

#[test]
fn scenario_engine_with_baseline_services_is_identical_and_shared() {
    let e = &*ENGINE;
    let same = e.with_services(e.services.clone());
    assert!(same.shares_with(e));
    assert!(std::ptr::eq(&e.levels, &same.levels), "levels are shared, not copied");
    assert!(std::ptr::eq(&e.values, &same.values));
    for level in &e.levels {
        assert!(same_report(&area_report(e, &level.id).unwrap(), &area_report(&same, &level.id).unwrap()), "{}", level.id);
    }
    assert_eq!(e.outside, same.outside);
    for (a, b) in e.services.iter().zip(&same.services) {
        assert_eq!(a.areas, b.areas);
    }
    let q = GapQuery { level: "ward".into(), category: Some("family_hub".into()), ..Default::default() };
    let (ta, tb) = (gaps::compute_with(e, &CTX, &q).unwrap(), gaps::compute_with(&same, &CTX, &q).unwrap());
    assert!(same_report(&ta.to_report(), &tb.to_report()));
    // An empty scenario too.
    let applied = scenario(serde_json::json!([])).unwrap().apply(e).unwrap();
    assert!(applied.changed.is_empty() && applied.warnings.is_empty());
    assert!(same_report(&area_report(e, "ward").unwrap(), &area_report(&applied.engine, "ward").unwrap()));
}

#[test]
fn json_round_trips_with_stable_keys() {
    let text = r#"{"needmap_scenario": 1, "id": "hub-in-bowling", "name": "Extra hub", "version": 3,
      "edits": [{"op": "add", "id": "new-hub-1", "name": "New hub", "category": "family_hub", "tier": "2", "capacity": 1.5, "lon": -1.75, "lat": 53.78},
                {"op": "add", "name": "By postcode", "category": "family_hub", "postcode": "BD5 7AA"},
                {"op": "add", "name": "By grid", "category": "family_hub", "easting": 416500, "northing": 433300},
                {"op": "move", "service": "new-hub-1", "lon": -1.76, "lat": 53.79},
                {"op": "capacity", "service": "new-hub-1", "capacity": 2.0},
                {"op": "close", "service": "new-hub-1"}]}"#;
    let s = Scenario::from_json(text, "body").unwrap();
    assert_eq!(s.version, 3);
    assert_eq!(s.edits.len(), 6);
    assert!(matches!(&s.edits[1], Edit::Add { place: Place::Postcode { postcode }, .. } if postcode == "BD5 7AA"));
    let json = s.to_json();
    assert_eq!(Scenario::from_json(&json, "again").unwrap(), s);
    let keys: Vec<usize> = ["needmap_scenario", "\"id\"", "\"name\"", "\"version\"", "\"edits\""].iter().map(|k| json.find(k).unwrap()).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "stable key order: {json}");
    // serde's own Deserialize goes through the same checks.
    let via_serde: Scenario = serde_json::from_str(text).unwrap();
    assert_eq!(via_serde, s);
}

#[test]
fn every_bad_edit_is_refused_naming_the_edit() {
    let hub = &first_of("family_hub").id;
    let at = |lon: f64, lat: f64| serde_json::json!({"op": "add", "name": "x", "category": "family_hub", "lon": lon, "lat": lat});
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (serde_json::json!([{"op": "move", "service": "no-such-id", "lon": -1.75, "lat": 53.78}]), "edit 1 (move): no service has id `no-such-id`"),
        (serde_json::json!([{"op": "close", "service": "nope"}]), "edit 1 (close): no service has id"),
        (serde_json::json!([{"op": "capacity", "service": "nope", "capacity": 2}]), "edit 1 (capacity): no service has id"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "spaceport", "lon": -1.75, "lat": 53.78}]), "edit 1 (add): unknown category `spaceport`"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "family_hub", "tier": "9", "lon": -1.75, "lat": 53.78}]), "unknown tier `9`"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "family_hub"}]), "edit 1 (add): no place"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "family_hub", "lon": -1.75, "lat": 53.78, "postcode": "BD1 1AA"}]), "edit 1 (add): two places"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "family_hub", "lon": -1.75}]), "give both `lon` and `lat`"),
        (serde_json::json!([{"op": "move", "service": hub, "easting": 416500}]), "edit 1 (move): give both `easting` and `northing`"),
        (serde_json::json!([at(-1.75, 53.78), at(200.0, 53.78)]), "edit 2 (add): lon/lat (200, 53.78) are out of range"),
        (serde_json::json!([at(-1.75, 95.0)]), "out of range"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "family_hub", "easting": 416500, "northing": -50000}]), "outside the British National Grid"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "family_hub", "postcode": "ZZ9 9ZZ"}]), "postcode ZZ9 9ZZ is not in /"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "family_hub", "postcode": "hello"}]), "`hello` is not a postcode"),
        (serde_json::json!([{"op": "capacity", "service": hub, "capacity": -1}]), "edit 1 (capacity): capacity -1 is negative"),
        (serde_json::json!([{"op": "add", "name": "x", "category": "family_hub", "capacity": -0.5, "lon": -1.75, "lat": 53.78}]), "capacity -0.5 is negative"),
        (serde_json::json!([{"op": "add", "id": hub, "name": "x", "category": "family_hub", "lon": -1.75, "lat": 53.78}]), "edit 1 (add): id"),
        (serde_json::json!([{"op": "close", "service": hub}, {"op": "move", "service": hub, "lon": -1.75, "lat": 53.78}]), "edit 2 (move): service"),
        (serde_json::json!([{"op": "close", "service": hub}, {"op": "close", "service": hub}]), "is closed by an earlier edit"),
        (serde_json::json!([{"op": "close", "service": hub, "capacity": 3}]), "edit 1 (close): `capacity` does not belong to a close edit"),
        (serde_json::json!([{"op": "demolish", "service": hub}]), "edit 1 (demolish): `op` must be one of"),
        (serde_json::json!([{"op": "add", "category": "family_hub", "lon": -1.75, "lat": 53.78}]), "edit 1 (add): `name` is required"),
    ];
    for (edits, expected) in cases {
        let msg = refused(edits.clone());
        assert!(msg.contains(expected), "{edits}: `{msg}` lacks `{expected}`");
    }
    // Default ids are `scenario-<n>`: two adds get different ones, an explicit id may clash.
    assert!(scenario(serde_json::json!([at(-1.75, 53.78), at(-1.76, 53.78)])).unwrap().apply(&ENGINE).is_ok());
    let msg = refused(serde_json::json!([at(-1.75, 53.78), {"op": "add", "id": "scenario-1", "name": "y", "category": "family_hub", "lon": -1.7, "lat": 53.8}]));
    assert!(msg.contains("edit 2 (add): id `scenario-1` is already used"), "{msg}");
    // Non-finite values cannot be written in JSON; the Rust API refuses them.
    let mut s = Scenario::new("nan", "NaN");
    s.edits.push(Edit::Add { id: None, name: "x".into(), category: "family_hub".into(), tier: None, capacity: None, place: Place::LonLat { lon: f64::NAN, lat: 53.0 } });
    assert!(s.apply(&ENGINE).unwrap_err().to_string().contains("edit 1 (add): lon/lat (NaN, 53) are not numbers"));
    s.edits[0] = Edit::Capacity { service: first_of("family_hub").id.clone(), capacity: f64::INFINITY };
    assert!(s.apply(&ENGINE).unwrap_err().to_string().contains("edit 1 (capacity): capacity inf is not a number"));
    // Too many edits, bad ids, unknown fields and schema versions.
    let many: Vec<serde_json::Value> = (0..10_001).map(|_| serde_json::json!({"op": "close", "service": "x"})).collect();
    assert!(refused(serde_json::Value::Array(many)).contains("10001 edits is over the limit of 10000"));
    let bad = |doc: serde_json::Value| Scenario::from_json(&doc.to_string(), "body.json").unwrap_err().to_string();
    assert!(bad(serde_json::json!({"id": "Bad Id", "name": "x"})).contains("scenario id `Bad Id` has characters"));
    assert!(bad(serde_json::json!({"id": "../../etc", "name": "x"})).contains("has characters other than"));
    assert!(bad(serde_json::json!({"id": "x", "name": "x", "needmap_scenario": 2})).contains("needmap_scenario is 2"));
    assert!(bad(serde_json::json!({"id": "x", "name": "x", "colour": "red"})).contains("body.json: not valid scenario JSON"));
    assert!(bad(serde_json::json!({"id": "x", "name": " "})).contains("no `name`"));
}

#[test]
fn sites_by_postcode_grid_reference_and_outside_the_district() {
    let s = scenario(serde_json::json!([
        {"op": "add", "id": "pc", "name": "By postcode", "category": "family_hub", "postcode": "bd11aa"},
        {"op": "add", "id": "grid", "name": "By grid", "category": "family_hub", "easting": 416515, "northing": 433357},
        {"op": "add", "id": "london", "name": "Far away", "category": "family_hub", "lon": -0.1276, "lat": 51.5072},
    ]))
    .unwrap();
    let a = s.apply(&ENGINE).unwrap();
    let get = |id: &str| a.engine.services.iter().find(|s| s.id == id).unwrap();
    // postcodes_bd_2014.csv row 2: BD1 1AA,10,416515,433357
    assert_eq!((get("pc").bng.x, get("pc").bng.y), (416515.0, 433357.0));
    assert_eq!(get("pc").areas, get("grid").areas);
    assert!(get("pc").areas.iter().all(|a| a.is_some()));
    assert!((get("pc").wgs84.x - -1.7525).abs() < 0.01 && (get("pc").wgs84.y - 53.7955).abs() < 0.01, "{:?}", get("pc").wgs84);
    assert_eq!(a.warnings.len(), 1, "{:?}", a.warnings);
    assert!(a.warnings[0].starts_with("scenario") || a.warnings[0].contains("edit 3 (add): `Far away` lies outside every area"), "{:?}", a.warnings);
    assert_eq!(a.engine.outside[ward()], ENGINE.outside[ward()] + 1);
    assert_eq!(a.engine.services.len(), ENGINE.services.len() + 3);
    let p = ENGINE.postcodes().unwrap().unwrap();
    assert!(p.len() > 16_000 && p.rows == 16_903, "{} of {}", p.len(), p.rows);
}

#[test]
fn add_move_close_capacity_change_provision_exactly() {
    let ward = ward();
    let base_counts = brute_counts(&ENGINE, "family_hub");
    assert_eq!(ENGINE.provision[ward].by_category["family_hub"], base_counts, "baseline agrees with brute force");
    let hubs: Vec<&needmap::model::Service> = ENGINE.services.iter().filter(|s| s.category == "family_hub").collect();
    let (moved, closed, recap) = (hubs[0], hubs[1], hubs[2]);
    // New points: the interior points of two wards with no hub... or any ward.
    let target = ENGINE.levels[ward].areas.iter().position(|a| !a.bng.contains(&Point::from(moved.bng))).unwrap();
    let add_ward = (0..ENGINE.levels[ward].len()).rev().find(|&w| w != target).unwrap();
    let (tp, ap) = (ENGINE.levels[ward].areas[target].interior_bng, ENGINE.levels[ward].areas[add_ward].interior_bng);
    let s = scenario(serde_json::json!([
        {"op": "add", "id": "new-hub", "name": "New hub", "category": "family_hub", "easting": ap.x, "northing": ap.y},
        {"op": "move", "service": moved.id, "easting": tp.x, "northing": tp.y},
        {"op": "close", "service": closed.id},
        {"op": "capacity", "service": recap.id, "capacity": 3.5},
    ]))
    .unwrap();
    let a = s.apply(&ENGINE).unwrap();
    let counts = &a.engine.provision[ward].by_category["family_hub"];
    assert_eq!(*counts, brute_counts(&a.engine, "family_hub"), "scenario agrees with brute force");
    let mut expected = base_counts.clone();
    expected[add_ward] += 1;
    expected[ward_containing(moved.bng)] -= 1;
    expected[target] += 1;
    expected[ward_containing(closed.bng)] -= 1;
    assert_eq!(*counts, expected);
    let total: u32 = counts.iter().sum();
    assert_eq!(total, base_counts.iter().sum::<u32>());
    assert_eq!(a.engine.services.iter().find(|s| s.id == recap.id).unwrap().capacity, 3.5);
    assert!(!a.engine.services.iter().any(|s| s.id == closed.id));
    // Unchanged services keep their areas (same indices) and other categories are untouched.
    for c in ENGINE.categories.keys().filter(|c| *c != "family_hub") {
        assert_eq!(a.engine.provision[ward].by_category[c], ENGINE.provision[ward].by_category[c], "{c}");
    }
    assert_eq!(a.changed.iter().map(|c| c.op).collect::<Vec<_>>(), ["add", "move", "close", "capacity"]);
    assert_eq!(a.changed[3].old_capacity, Some(recap.capacity));
    assert!(a.changed[1].old.is_some() && a.changed[1].new.is_some());
    // The baseline engine is unchanged.
    assert_eq!(ENGINE.provision[ward].by_category["family_hub"], base_counts);
    assert!(ENGINE.services.iter().any(|s| s.id == closed.id));
    // Capacity changes 2SFCA access around the site.
    let q = GapQuery { level: "ward".into(), category: Some("family_hub".into()), method: Method::TwoStep, ..Default::default() };
    let only_capacity = scenario(serde_json::json!([{"op": "capacity", "service": recap.id, "capacity": 3.5}])).unwrap().apply(&ENGINE).unwrap();
    let c = compare(&ENGINE, &only_capacity.engine, &CTX, &q).unwrap();
    assert!(c.rows.iter().any(|r| r.access.direction() > 0), "more capacity raises access somewhere");
    assert_eq!(only_capacity.engine.provision[ward].by_category["family_hub"], base_counts);
}

/// The ward ranked first by unmet need for family hubs (nearest), and a scenario adding a hub there.
fn known_gap() -> (usize, Scenario, GapQuery) {
    let q = GapQuery { level: "ward".into(), category: Some("family_hub".into()), method: Method::Nearest, ..Default::default() };
    let t = gaps::compute_with(&ENGINE, &CTX, &q).unwrap();
    let first = t.rows.iter().position(|r| r.gap_rank == Some(1)).unwrap();
    let p = ENGINE.levels[ward()].areas[first].interior_wgs84;
    let s = scenario(serde_json::json!([{"op": "add", "id": "gap-hub", "name": "Hub in the gap", "category": "family_hub", "lon": p.x, "lat": p.y}])).unwrap();
    (first, s, q)
}

#[test]
fn a_site_in_the_worst_gap_improves_that_ward_and_the_summary_shows_a_gain() {
    let (first, s, q) = known_gap();
    let a = s.apply(&ENGINE).unwrap();
    let c = compare(&ENGINE, &a.engine, &CTX, &q).unwrap();
    let row = &c.rows[first];
    assert_eq!(row.status, Status::Improved, "{row:?}");
    assert!(row.unmet_need.change.unwrap() < 0.0, "{row:?}");
    assert!(row.nearest_min.change.unwrap() < 0.0);
    assert_eq!(row.gap_rank[0], Some(1));
    assert!(c.rows.iter().all(|r| r.status != Status::Worse), "adding a site makes nothing worse");
    let sum = &c.summary;
    assert!(sum.thresholds.iter().any(|t| t.reach.gained_population > 0.0), "{sum:?}");
    assert!(sum.thresholds.iter().all(|t| t.reach.lost_population == 0.0));
    assert!(sum.unmet_need.change.unwrap() < 0.0);
    assert!(sum.most_improved.iter().any(|n| n.code == row.code));
    assert!(sum.worse_areas.is_empty());
    assert!(sum.sentences.iter().any(|l| l.contains("more residents")), "{:?}", sum.sentences);
    assert!(sum.sentences.iter().any(|l| l.contains("Unmet need falls by")), "{:?}", sum.sentences);
    // Thousands separators in the words.
    assert!(sum.sentences.iter().any(|l| regex_like_thousands(l)), "{:?}", sum.sentences);
    assert_eq!(sum.equity_indicator.as_deref(), Some("imd2025_decile"));
    println!("{}", sum.sentences.join("\n"));
}

/// Under 2SFCA an added site only adds supply, so no area's access falls; with
/// unmet need measured against the baseline's district rate no area may
/// come out worse. The need indicator (published for LSOAs) is not offered at
/// the OA origins: the comparison still runs with it.
#[test]
fn opening_a_site_under_2sfca_makes_no_area_worse() {
    let (first, s, q) = known_gap();
    let q = GapQuery { method: Method::TwoStep, indicator: Some("imd_score".into()), ..q };
    let a = s.apply(&ENGINE).unwrap();
    let c = compare(&ENGINE, &a.engine, &CTX, &q).unwrap();
    let worse: Vec<_> = c.rows.iter().filter(|r| r.status == Status::Worse).map(|r| r.name.clone()).collect();
    assert!(worse.is_empty(), "worse after opening a site: {worse:?}");
    assert!(c.rows.iter().all(|r| r.access.change.is_none_or(|d| d >= -1e-12)), "access fell somewhere");
    assert_eq!(c.rows[first].status, Status::Improved, "{:?}", c.rows[first]);
    assert!(c.summary.unmet_need.change.unwrap() < 0.0, "{:?}", c.summary.unmet_need);
    // Against its own (higher) district rate the scenario would show areas worse:
    // the reference rate is what keeps them unchanged.
    let own = gaps::compute_with(&a.engine, &CTX, &q).unwrap();
    let base = gaps::compute_with(&ENGINE, &CTX, &q).unwrap();
    let rate = |t: &gaps::GapTable| match t.district.rule {
        Some(gaps::UnmetRule::Shortfall { district_access }) => district_access,
        _ => panic!("2SFCA counts unmet need as a shortfall"),
    };
    assert!(rate(&own) > rate(&base));
}

/// Whether a sentence holds a number written with a thousands separator.
fn regex_like_thousands(s: &str) -> bool {
    let b = s.as_bytes();
    (1..b.len().saturating_sub(3)).any(|i| b[i] == b',' && b[i - 1].is_ascii_digit() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit))
}

#[test]
fn closing_a_site_gives_the_reverse() {
    let (first, add, q) = known_gap();
    // Baseline with the gap hub added, then that hub closed: exactly the reverse.
    let with_hub = add.apply(&ENGINE).unwrap();
    let close = scenario(serde_json::json!([{"op": "close", "service": "gap-hub"}])).unwrap().apply(&with_hub.engine).unwrap();
    let forward = compare(&ENGINE, &with_hub.engine, &CTX, &q).unwrap();
    let back = compare(&with_hub.engine, &close.engine, &CTX, &q).unwrap();
    assert_eq!(back.rows[first].status, Status::Worse);
    for (f, b) in forward.rows.iter().zip(&back.rows) {
        assert_eq!(f.unmet_need.baseline, b.unmet_need.scenario);
        match f.status {
            Status::Improved => assert_eq!(b.status, Status::Worse, "{}", f.code),
            Status::Worse => assert_eq!(b.status, Status::Improved, "{}", f.code),
            Status::Unchanged => assert_eq!(b.status, Status::Unchanged, "{}", f.code),
        }
    }
    for (f, b) in forward.summary.thresholds.iter().zip(&back.summary.thresholds) {
        assert_eq!(f.reach.gained_population, b.reach.lost_population);
        assert_eq!(f.reach.gained_children, b.reach.lost_children);
    }
    assert!(back.summary.worse_areas.iter().any(|n| n.code == back.rows[first].code));
    assert!(back.summary.sentences.iter().any(|l| l.contains("Unmet need rises by")));
    // Closing a real hub: someone loses reach, nobody gains.
    let hub = &first_of("family_hub").id;
    let closed = scenario(serde_json::json!([{"op": "close", "service": hub}])).unwrap().apply(&ENGINE).unwrap();
    let c = compare(&ENGINE, &closed.engine, &CTX, &q).unwrap();
    assert!(c.summary.thresholds.iter().any(|t| t.reach.lost_population > 0.0));
    assert!(c.summary.thresholds.iter().all(|t| t.reach.gained_population == 0.0));
    assert!(c.rows.iter().all(|r| r.status != Status::Improved));
}

#[test]
fn summary_totals_add_up_from_origins() {
    let (_, s, q) = known_gap();
    let hub = &first_of("family_hub").id;
    let mut s = s;
    s.edits.push(Edit::Close { service: hub.clone() });
    let a = s.apply(&ENGINE).unwrap();
    let c = compare(&ENGINE, &a.engine, &CTX, &q).unwrap();
    // Origin-level tables computed independently.
    let oq = GapQuery { level: c.summary.origin_level.clone(), ..q.clone() };
    let (ob, oa) = (gaps::compute_with(&ENGINE, &CTX, &oq).unwrap(), gaps::compute_with(&a.engine, &CTX, &oq).unwrap());
    let ol = ENGINE.level_index(&c.summary.origin_level).unwrap();
    let pop = ENGINE.population(ol);
    for (t, th) in c.summary.thresholds.iter().enumerate() {
        let covered_pop = |tab: &gaps::GapTable| -> f64 {
            tab.rows.iter().enumerate().filter(|(_, r)| r.coverage[t] == Some(1.0)).map(|(o, _)| pop[o].unwrap_or(0.0)).sum()
        };
        let net = covered_pop(&oa) - covered_pop(&ob);
        let r = &th.reach;
        assert!((r.gained_population - r.lost_population - net).abs() < 1e-6, "{}: {net} vs {r:?}", th.threshold);
        let by: f64 = th.by_decile.iter().map(|d| d.reach.gained_population).sum();
        assert!((by - r.gained_population).abs() < 1e-6 * r.gained_population.max(1.0), "{}: deciles {by} vs {}", th.threshold, r.gained_population);
        let lost: f64 = th.by_decile.iter().map(|d| d.reach.lost_children).sum();
        assert!((lost - r.lost_children).abs() < 1e-6 * r.lost_children.max(1.0));
        assert!(th.by_decile.iter().all(|d| d.decile.is_none_or(|d| (1..=10).contains(&d))));
    }
    // District unmet need: the sum over origins, and the wards' changes add up to it.
    // (the district figures of a gap table are sums over its origins)
    let d = c.summary.unmet_need;
    let district = |e: &Engine| gaps::compute_with(e, &CTX, &q).unwrap().district.unmet_need.unwrap();
    assert!((d.baseline.unwrap() - district(&ENGINE)).abs() < 1e-6);
    assert!((d.scenario.unwrap() - district(&a.engine)).abs() < 1e-6);
    assert!(d.change.unwrap() != 0.0);
    let wards: f64 = c.rows.iter().filter_map(|r| r.unmet_need.change).sum();
    assert!((wards - d.change.unwrap()).abs() < 1e-6 * d.baseline.unwrap().max(1.0), "{wards} vs {:?}", d.change);
    assert_eq!(c.summary.improved + c.summary.worse + c.summary.unchanged, c.rows.len());
    let gap = |i: usize| c.rows.iter().filter(|r| r.gap_class[i] == "high-need/low-access").count();
    assert_eq!(c.summary.gap_areas, [gap(0), gap(1)]);
}

#[test]
fn oversubscribed_catchments_are_listed_with_old_and_new_ratio() {
    // In 2SFCA a site's ratio (capacity per person in its catchment) falls when
    // its capacity falls or it moves to where more people live around it.
    let hubs: Vec<&needmap::model::Service> = ENGINE.services.iter().filter(|s| s.category == "family_hub").collect();
    let s = scenario(serde_json::json!([
        {"op": "capacity", "service": hubs[0].id, "capacity": hubs[0].capacity / 2.0},
        {"op": "add", "id": "twin", "name": "Twin hub", "category": "family_hub", "easting": hubs[1].bng.x + 50.0, "northing": hubs[1].bng.y},
    ]))
    .unwrap();
    let a = s.apply(&ENGINE).unwrap();
    let q = GapQuery { level: "ward".into(), category: Some("family_hub".into()), method: Method::TwoStep, ..Default::default() };
    let c = compare(&ENGINE, &a.engine, &CTX, &q).unwrap();
    let r = c.summary.oversubscribed.iter().find(|r| r.id == hubs[0].id).expect("the halved hub is listed");
    assert!((r.ratio.scenario.unwrap() - r.ratio.baseline.unwrap() / 2.0).abs() < 1e-12 * r.ratio.baseline.unwrap());
    assert_eq!(c.summary.oversubscribed.len(), 1, "{:?}", c.summary.oversubscribed);
    // With a nearest query the ratios come from a 2SFCA run too.
    let qn = GapQuery { method: Method::Nearest, ..q };
    let cn = compare(&ENGINE, &a.engine, &CTX, &qn).unwrap();
    assert_eq!(cn.summary.oversubscribed, c.summary.oversubscribed);
    assert!(cn.summary.sentences.iter().any(|l| l.contains("1 service(s) become more over-subscribed")), "{:?}", cn.summary.sentences);
}

fn store() -> (tempfile::TempDir, ScenarioStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = ScenarioStore::open(&dir.path().join("scenarios")).unwrap();
    (dir, store)
}

#[test]
fn store_versions_and_refuses_stale_updates() {
    let (_dir, store) = store();
    let s = Scenario::new("plan-a", "Plan A");
    let saved = store.create(s.clone()).unwrap();
    assert_eq!(saved.version, 1);
    assert!(saved.updated.is_some());
    assert!(matches!(store.create(s.clone()), Err(ScenarioError::Exists { version: 1, .. })));
    let mut next = saved.clone();
    next.edits.push(Edit::Close { service: "x".into() });
    let v2 = store.update("plan-a", 1, next.clone()).unwrap();
    assert_eq!(v2.version, 2);
    match store.update("plan-a", 1, next.clone()) {
        Err(ScenarioError::Stale { expected: 1, current: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(store.get("plan-a").unwrap(), v2);
    assert!(matches!(store.get("plan-b"), Err(ScenarioError::NotFound { .. })));
    assert!(matches!(store.get("../x"), Err(ScenarioError::BadId { .. })));
    assert!(matches!(store.delete("plan-a", 1), Err(ScenarioError::Stale { .. })));
    store.create(Scenario::new("plan-b", "Plan B")).unwrap();
    assert_eq!(store.list().unwrap().iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["plan-a", "plan-b"]);
    store.delete("plan-a", 2).unwrap();
    assert_eq!(store.list().unwrap().len(), 1);
    // An unreadable file is reported by name, not skipped.
    std::fs::write(store.dir().join("broken.json"), "{ not json").unwrap();
    let err = store.list().unwrap_err().to_string();
    assert!(err.contains("broken.json") && err.contains("not valid scenario JSON"), "{err}");
    let (ok, problems) = store.list_with_problems().unwrap();
    assert_eq!((ok.len(), problems.len()), (1, 1));
}

#[test]
fn two_threads_updating_from_the_same_version_one_wins_the_other_is_stale() {
    let (_dir, store) = store();
    store.create(Scenario::new("shared", "Shared")).unwrap();
    for round in 0..20u64 {
        let base = store.get("shared").unwrap();
        assert_eq!(base.version, round + 1);
        let barrier = Arc::new(Barrier::new(2));
        let results: Vec<Result<Scenario, ScenarioError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = ["alice", "bob"]
                .into_iter()
                .map(|who| {
                    let (store, barrier, mut mine) = (store.clone(), barrier.clone(), base.clone());
                    mine.author = Some(who.into());
                    mine.edits.push(Edit::Close { service: format!("{who}-{round}") });
                    scope.spawn(move || {
                        barrier.wait();
                        store.update("shared", base.version, mine)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let winners: Vec<&Scenario> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let loser = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert!(matches!(loser, ScenarioError::Stale { expected, current, .. } if *expected == round + 1 && *current == round + 2), "{loser}");
        let saved = store.get("shared").unwrap();
        assert_eq!(&saved, winners[0], "the saved file is the winner's, whole");
        // Nothing lost: every earlier winner's edit is still there.
        assert_eq!(saved.edits.len() as u64, round + 1);
    }
}

/// Child half of `a_killed_write_leaves_the_old_file_intact`: starts writing
/// a new version and hangs before the rename, until killed.
#[test]
#[ignore]
fn child_write_and_hang() {
    let Ok(dir) = std::env::var("NEEDMAP_TEST_STORE_DIR") else { return };
    let path = Path::new(&dir).join("plan.json");
    let mut set = needmap::export::atomic::FileSet::new(true);
    set.add(&path, |w| {
        w.write_all(b"{\"needmap_scenario\": 1, \"id\": \"plan\", \"name\": \"half writ")?;
        Ok(())
    })
    .unwrap();
    std::fs::write(Path::new(&dir).join("child-ready"), "").unwrap();
    std::thread::sleep(std::time::Duration::from_secs(60));
    set.commit().unwrap();
}

#[test]
fn a_killed_write_leaves_the_old_file_intact() {
    let (_dir, store) = store();
    let saved = store.create(Scenario::new("plan", "The real plan")).unwrap();
    let before = std::fs::read(store.dir().join("plan.json")).unwrap();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        // The test binary holds every integration module: the name carries its path.
        .args(["--exact", "scenario::child_write_and_hang", "--ignored", "--nocapture"])
        .env("NEEDMAP_TEST_STORE_DIR", store.dir())
        .spawn()
        .unwrap();
    let ready = store.dir().join("child-ready");
    let started = std::time::Instant::now();
    while !ready.exists() {
        assert!(started.elapsed().as_secs() < 30, "the child never started writing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial: Vec<PathBuf> = std::fs::read_dir(store.dir()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".needmap-partial")).collect();
    assert_eq!(partial.len(), 1, "the killed writer's temporary file is left behind, never renamed");
    assert_eq!(std::fs::read(store.dir().join("plan.json")).unwrap(), before, "old file intact");
    assert_eq!(store.get("plan").unwrap(), saved);
    assert_eq!(store.list().unwrap().len(), 1, "the temporary file is not a scenario");
    // The next write sweeps it.
    store.update("plan", 1, saved).unwrap();
    assert!(!partial[0].exists(), "swept by the next write");
}

/// The pack with `library` marked sensitive.
static SENSITIVE: LazyLock<(tempfile::TempDir, Engine)> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(shared()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let manifest = std::fs::read_to_string(root.join("geodata/bradford/dataset.toml")).unwrap();
    let manifest = manifest.replacen("[categories.library]\n", "[categories.library]\nsensitive = true\n", 1);
    std::fs::write(dir.path().join("dataset.toml"), manifest).unwrap();
    let engine = Engine::load(&needmap::dataset::locate(Some(dir.path())).unwrap()).unwrap();
    (dir, engine)
});

#[test]
fn a_scenario_never_reveals_a_sensitive_site() {
    let engine = &SENSITIVE.1;
    let library = engine.services.iter().find(|s| s.category == "library").unwrap();
    assert!(library.sensitive);
    let (e, n) = (library.bng.x + 300.0, library.bng.y + 200.0);
    let s = scenario(serde_json::json!([
        {"op": "add", "id": "secret-new", "name": "New refuge", "category": "library", "easting": 412345, "northing": 434567},
        {"op": "move", "service": library.id, "easting": e, "northing": n},
        {"op": "capacity", "service": library.id, "capacity": 4},
    ]))
    .unwrap();
    let a = s.apply(engine).unwrap();
    let (shown, withheld) = needmap::serve::scenarios::without_sensitive(engine, &s);
    assert_eq!((shown.edits.len(), withheld), (0, 3), "the published scenario document withholds them too");
    assert!(a.changed.iter().all(|c| c.sensitive && c.old.is_none() && c.new.is_none()), "{:?}", a.changed);
    let changed = serde_json::to_string(&a.changed).unwrap();
    assert!(!changed.contains("-1.") && !changed.contains("53."), "no coordinates: {changed}");
    // Service points: no library anywhere in the scenario's services export.
    let mut request = needmap::export::ExportRequest::new("ward");
    request.layer = needmap::export::Layer::Services;
    let mut out = Vec::new();
    needmap::export::write(&a.engine, &request, needmap::export::Format::Geojson, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    for needle in ["\"category\":\"library\"", "\"category\": \"library\"", "New refuge", &library.id] {
        assert!(!text.contains(needle), "a sensitive site is exported: `{needle}` in the services GeoJSON");
    }
    // Gaps and comparisons for the category are refused.
    let q = GapQuery { level: "ward".into(), category: Some("library".into()), ..Default::default() };
    let ctx = GapContext::new(engine, false).unwrap();
    assert!(matches!(compare(engine, &a.engine, &ctx, &q), Err(ScenarioError::Gap(gaps::GapError::SensitiveCategory { .. }))));
    // Counts only where the area is large enough, as in the baseline.
    for (l, level) in engine.levels.iter().enumerate() {
        let pop = engine.population(l);
        let counts = &a.engine.provision[l].by_category["library"];
        for (i, c) in counts.iter().enumerate() {
            if pop[i].is_none_or(|p| p < engine.manifest.disclosure.sensitive_min_population) {
                assert_eq!(*c, 0, "{} {}", level.id, level.areas[i].code);
            }
        }
        let report = area_report(&a.engine, &level.id).unwrap();
        assert_eq!(report.columns, area_report(engine, &level.id).unwrap().columns);
    }
    // A tier filter leaves the sensitive sites out of distances in the scenario too.
    let tier = engine.categories["library"].tier.clone();
    let t = gaps::compute_with(&a.engine, &ctx, &GapQuery { level: "ward".into(), tier: Some(tier), ..Default::default() });
    if let Ok(t) = t {
        assert!(t.notes.iter().any(|n| n.contains("sensitive")), "{:?}", t.notes);
    }
}

#[test]
fn postcode_file_normalises_and_counts_bad_and_duplicate_rows() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pc.csv"),
        "pc,e,n\nbd57aa,416000,431000\nBD5 7AA,1,1\nnot a postcode,416000,431000\nBD1 1AA,,431000\nBD1 1AB,x,y\n BD11AE ,416508,433243\n",
    )
    .unwrap();
    let spec = needmap::dataset::PostcodeSpec {
        file: "pc.csv".into(),
        postcode_column: "pc".into(),
        x_column: "e".into(),
        y_column: "n".into(),
        crs: needmap::dataset::CrsSpec::Bng,
    };
    let p = needmap::load::Postcodes::read(dir.path(), &spec).unwrap();
    assert_eq!((p.rows, p.len(), p.duplicates, p.bad_rows), (6, 2, 1, 3));
    assert_eq!(p.get("bd5 7aa").unwrap().bng, geo::Coord { x: 416000.0, y: 431000.0 }, "the first row of a duplicate is kept");
    assert_eq!(p.get("BD1 1AE").unwrap().line, 7);
    let messages: Vec<String> = p.diagnostics.problems.iter().map(|m| m.to_string()).collect();
    for (row, text) in [(3, "listed again (first at row 2)"), (4, "is not a postcode"), (5, "coordinates missing"), (6, "coordinates missing")] {
        assert!(messages.iter().any(|m| m.contains(&format!("row {row}: ")) && m.contains(text)), "row {row}: {messages:?}");
    }
    assert_eq!(p.diagnostics.skipped_total(), 4);
    // A missing column names the file and the columns there are.
    let bad = needmap::dataset::PostcodeSpec { postcode_column: "postcode".into(), ..spec };
    let e = needmap::load::Postcodes::read(dir.path(), &bad).unwrap_err().to_string();
    assert!(e.contains("pc.csv") && e.contains("no column `postcode`") && e.contains("pc, e, n"), "{e}");
}

#[test]
fn applying_a_scenario_is_cheap() {
    let hub = first_of("family_hub");
    let s = scenario(serde_json::json!([
        {"op": "add", "name": "New", "category": "family_hub", "lon": -1.75, "lat": 53.78},
        {"op": "move", "service": hub.id, "lon": -1.76, "lat": 53.79},
    ]))
    .unwrap();
    s.apply(&ENGINE).unwrap();
    let runs = 20;
    let started = std::time::Instant::now();
    for _ in 0..runs {
        s.apply(&ENGINE).unwrap();
    }
    let ms = started.elapsed().as_secs_f64() * 1e3 / runs as f64;
    println!("apply (2 edits, {} services): {ms:.2} ms", ENGINE.services.len());
    let cap = scenario(serde_json::json!([{"op": "capacity", "service": hub.id, "capacity": 2}])).unwrap();
    let started = std::time::Instant::now();
    for _ in 0..runs {
        cap.apply(&ENGINE).unwrap();
    }
    println!("apply (1 capacity edit): {:.2} ms", started.elapsed().as_secs_f64() * 1e3 / runs as f64);
    let started = std::time::Instant::now();
    let q = GapQuery { level: "ward".into(), category: Some("family_hub".into()), ..Default::default() };
    let a = s.apply(&ENGINE).unwrap();
    compare(&ENGINE, &a.engine, &CTX, &q).unwrap();
    println!("compare at ward level (2sfca): {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    assert!(ms < 1000.0, "{ms} ms");
}

#[test]
fn cli_new_list_apply_compare() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_needmap"))
            .args(args)
            .args(["--data", shared().to_str().unwrap(), "--scenarios", dir.path().to_str().unwrap()])
            .env("NEEDMAP_LOG", "warn")
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, out, err) = run(&["scenario", "new", "Extra family hub in Bowling"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "extra-family-hub-in-bowling");
    let (ok, _, err) = run(&["scenario", "new", "Extra family hub in Bowling"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    // Add an edit by hand, as a user would, then apply and compare.
    let path = dir.path().join("extra-family-hub-in-bowling.json");
    let mut s = Scenario::from_json(&std::fs::read_to_string(&path).unwrap(), "file").unwrap();
    s.edits.push(Edit::Add { id: Some("bowling-hub".into()), name: "Bowling hub".into(), category: "family_hub".into(), tier: None, capacity: None, place: Place::Postcode { postcode: "BD4 7AB".into() } });
    std::fs::write(&path, s.to_json()).unwrap();
    let (ok, out, err) = run(&["scenario", "list"]);
    assert!(ok && out.contains("extra-family-hub-in-bowling") && out.contains("Extra family hub in Bowling"), "{out}{err}");
    let csv = dir.path().join("services.csv");
    let (ok, out, err) = run(&["scenario", "apply", "extra-family-hub-in-bowling", "-o", csv.to_str().unwrap()]);
    assert!(ok && out.contains("bowling-hub"), "{out}{err}");
    let written = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(written.lines().count(), ENGINE.services.len() + 2, "header + baseline + the new hub");
    let (ok, out, err) = run(&["scenario", "compare", "extra-family-hub-in-bowling", "--category", "family_hub", "--method", "nearest", "--level", "ward", "--format", "json"]);
    assert!(ok, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["rows"].as_array().unwrap().len(), ENGINE.levels[ward()].len());
    assert!(json["summary"]["sentences"].as_array().unwrap().iter().any(|s| s.as_str().unwrap().contains("more residents")));
    let (ok, out, err) = run(&["gaps", "--level", "ward", "--category", "family_hub", "--scenario", "extra-family-hub-in-bowling"]);
    assert!(ok && err.contains("scenario `extra-family-hub-in-bowling`") && out.starts_with("code,"), "{err}");
    let (ok, _, err) = run(&["report", "--level", "ward", "--scenario", "no-such-scenario"]);
    assert!(!ok && err.contains("no scenario `no-such-scenario`"), "{err}");
}
