//! One test per bad input in tests/bad_inputs/: a clear message naming the
//! file and row or feature, never a panic, and skipped rows counted.

use std::path::{Path, PathBuf};

use needmap::dataset::locate;
use needmap::{Engine, EngineError};

const MANIFEST: &str = r#"
[dataset]
name = "Synthetic test district"

[[level]]
id = "ward"
label = "Ward"
file = "wards.geojson"
id_field = "code"
name_field = "name"

[[level]]
id = "lsoa"
label = "LSOA"
file = "lsoa.geojson"
id_field = "code"
parent = "ward"

[[indicator_table]]
file = "need.csv"
join_column = "code"
level = "lsoa"
[indicator_table.populations]
total = "pop"
children = "kids"
[[indicator_table.indicator]]
id = "score"
label = "Need score"
kind = "score"
direction = "higher_is_worse"

[[service_file]]
file = "services.csv"
category_column = "category"
x_column = "lon"
y_column = "lat"

[tiers.1]
label = "Tier 1"
[categories.library]
label = "Library"
tier = "1"
"#;

fn square(code: &str, x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}}}"#
    )
}

fn collection(features: &[String]) -> String {
    format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))
}

/// A valid dataset: wards W1, W2 each split into two LSOAs.
fn base_dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("dataset.toml"), MANIFEST).unwrap();
    std::fs::write(
        p.join("wards.geojson"),
        collection(&[square("W1", -1.80, 53.79, -1.79, 53.80), square("W2", -1.79, 53.79, -1.78, 53.80)]),
    )
    .unwrap();
    std::fs::write(
        p.join("lsoa.geojson"),
        collection(&[
            square("L1", -1.80, 53.79, -1.795, 53.80),
            square("L2", -1.795, 53.79, -1.79, 53.80),
            square("L3", -1.79, 53.79, -1.785, 53.80),
            square("L4", -1.785, 53.79, -1.78, 53.80),
        ]),
    )
    .unwrap();
    std::fs::write(p.join("need.csv"), "code,pop,kids,score\nL1,1000,200,10.5\nL2,1500,300,20\nL3,800,100,30\nL4,1200,250,40\n").unwrap();
    std::fs::write(
        p.join("services.csv"),
        "id,name,category,lon,lat\ns1,Library one,library,-1.797,53.795\ns2,Library two,library,-1.783,53.795\n",
    )
    .unwrap();
    dir
}

fn bad(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs").join(name)
}

fn load(dir: &Path) -> Result<Engine, EngineError> {
    Engine::load(&locate(Some(dir))?)
}

/// Replace `target` in a fresh base dataset with the bad file `name` and load.
fn load_with(name: &str, target: &str) -> Result<Engine, EngineError> {
    let dir = base_dataset();
    std::fs::copy(bad(name), dir.path().join(target)).unwrap();
    load(dir.path())
}

fn error_text(r: Result<Engine, EngineError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

fn warnings(e: &Engine) -> Vec<String> {
    e.diagnostics.problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn the_base_dataset_is_clean() {
    let dir = base_dataset();
    let e = load(dir.path()).unwrap();
    assert!(e.diagnostics.problems.is_empty(), "{:?}", warnings(&e));
    let pop: f64 = e.population(0).iter().flatten().sum();
    assert!((pop - 4500.0).abs() < 1e-6);
    // W1 = L1 + L2: score weighted by population (1000*10.5 + 1500*20) / 2500.
    let w1 = e.values[0].indicators[0][e.levels[0].by_code["W1"]].unwrap();
    assert!((w1 - 16.2).abs() < 1e-9, "{w1}");
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let msg = error_text(load_with("malformed.geojson", "wards.geojson"));
    assert!(msg.contains("wards.geojson") && msg.contains("not valid GeoJSON at line"), "{msg}");
}

#[test]
fn bng_metres_in_a_geojson_are_recognised() {
    let msg = error_text(load_with("bng_metres.geojson", "wards.geojson"));
    assert!(msg.contains("wards.geojson") && msg.contains("feature 0 (W1)"), "{msg}");
    assert!(msg.contains("British National Grid") && msg.contains("EPSG:27700"), "{msg}");
}

#[test]
fn self_intersecting_ring_is_repaired_with_a_warning() {
    let e = load_with("self_intersecting.geojson", "wards.geojson").unwrap();
    let w = warnings(&e);
    assert!(w.iter().any(|m| m.contains("wards.geojson") && m.contains("feature 0 (W1)") && m.contains("self-intersection")), "{w:?}");
    // The bow-tie's two triangles survive the repair: half the square's area.
    let w1 = &e.levels[0].areas[e.levels[0].by_code["W1"]];
    let w2 = &e.levels[0].areas[e.levels[0].by_code["W2"]];
    assert!((w1.area_m2 / w2.area_m2 - 0.5).abs() < 0.01, "{} vs {}", w1.area_m2, w2.area_m2);
}

#[test]
fn unclosed_ring_is_closed_with_a_warning() {
    let e = load_with("unclosed_ring.geojson", "wards.geojson").unwrap();
    let w = warnings(&e);
    assert!(w.iter().any(|m| m.contains("feature 0 (W1)") && m.contains("not closed")), "{w:?}");
    assert_eq!(e.levels[0].len(), 2);
}

#[test]
fn duplicate_area_codes_are_refused() {
    let msg = error_text(load_with("duplicate_codes.geojson", "wards.geojson"));
    assert!(msg.contains("wards.geojson") && msg.contains("`W1` appears twice (features 0 and 1)"), "{msg}");
}

#[test]
fn non_numeric_indicator_value_is_left_missing_with_a_warning() {
    let e = load_with("non_numeric.csv", "need.csv").unwrap();
    let w = warnings(&e);
    assert!(w.iter().any(|m| m.contains("need.csv") && m.contains("row 3") && m.contains("`n/a` is not a number")), "{w:?}");
    let lsoa = e.level_index("lsoa").unwrap();
    assert_eq!(e.values[lsoa].indicators[0][e.levels[lsoa].by_code["L2"]], None);
    // W1 is then L1's score alone: the missing value is excluded, not zero.
    let w1 = e.values[0].indicators[0][e.levels[0].by_code["W1"]].unwrap();
    assert!((w1 - 10.5).abs() < 1e-9, "{w1}");
}

#[test]
fn unknown_join_code_is_skipped_and_counted() {
    let e = load_with("unknown_join_code.csv", "need.csv").unwrap();
    let w = warnings(&e);
    assert!(w.iter().any(|m| m.contains("row 6") && m.contains("`X999` matches no area")), "{w:?}");
    assert_eq!(e.diagnostics.skipped_total(), 1);
}

#[test]
fn area_without_indicator_row_is_reported() {
    let e = load_with("missing_row.csv", "need.csv").unwrap();
    let w = warnings(&e);
    assert!(w.iter().any(|m| m.contains("area L4") && m.contains("has no row")), "{w:?}");
    let lsoa = e.level_index("lsoa").unwrap();
    assert_eq!(e.population(lsoa)[e.levels[lsoa].by_code["L4"]], None);
}

#[test]
fn malformed_csv_rows_are_skipped_and_counted() {
    let e = load_with("malformed_services.csv", "services.csv").unwrap();
    let w = warnings(&e);
    assert!(w.iter().any(|m| m.contains("services.csv") && m.contains("row 3")), "{w:?}");
    assert!(w.iter().any(|m| m.contains("row 5") && m.contains("not a number")), "{w:?}");
    assert_eq!(e.services.len(), 2);
    assert_eq!(e.diagnostics.skipped_total(), 2);
}

#[test]
fn empty_file_is_refused() {
    let msg = error_text(load_with("empty.csv", "need.csv"));
    assert!(msg.contains("need.csv") && msg.contains("empty"), "{msg}");
}

#[test]
fn missing_file_is_named() {
    let dir = base_dataset();
    std::fs::remove_file(dir.path().join("services.csv")).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("services.csv") && msg.contains("cannot read"), "{msg}");
}

#[test]
fn a_2_gb_file_is_refused_before_reading() {
    let dir = base_dataset();
    let f = std::fs::File::create(dir.path().join("lsoa.geojson")).unwrap();
    f.set_len(2 * 1024 * 1024 * 1024).unwrap(); // sparse: no disk used
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("lsoa.geojson") && msg.contains("over the") && msg.contains("limit"), "{msg}");
}

#[test]
fn manifest_typos_are_reported() {
    let dir = base_dataset();
    let text = MANIFEST.replace("join_column", "join_colum");
    std::fs::write(dir.path().join("dataset.toml"), text).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("dataset.toml") && msg.contains("join_colum"), "{msg}");
}

#[test]
fn default_need_must_name_an_indicator() {
    let dir = base_dataset();
    let text = MANIFEST.replace("name = \"Synthetic test district\"", "name = \"Synthetic test district\"\nneed_indicator = \"imd2025\"");
    std::fs::write(dir.path().join("dataset.toml"), text).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("dataset.toml") && msg.contains("need_indicator = `imd2025` names no indicator"), "{msg}");
}

#[test]
fn missing_column_lists_the_columns_there_are() {
    let dir = base_dataset();
    std::fs::write(dir.path().join("need.csv"), "lsoa,pop,kids,score\nL1,1,1,1\n").unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("need.csv") && msg.contains("no column `code`") && msg.contains("lsoa, pop, kids, score"), "{msg}");
}

fn needmap(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_needmap"))
        .args(args)
        .env("NEEDMAP_LOG", "off")
        .output()
        .unwrap()
}

#[test]
fn check_exits_non_zero_only_when_the_dataset_cannot_be_used() {
    let dir = base_dataset();
    let path = dir.path().to_str().unwrap();
    std::fs::copy(bad("unknown_join_code.csv"), dir.path().join("need.csv")).unwrap();
    let ok = needmap(&["check", "--data", path]);
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(ok.status.success(), "{out}");
    assert!(out.contains("`X999` matches no area") && out.contains("need.csv: 1"), "{out}");

    std::fs::copy(bad("duplicate_codes.geojson"), dir.path().join("wards.geojson")).unwrap();
    let fail = needmap(&["check", "--data", path]);
    assert!(!fail.status.success());
    assert!(String::from_utf8_lossy(&fail.stdout).contains("appears twice"));
}

#[test]
fn report_writes_csv_json_and_table() {
    let dir = base_dataset();
    let path = dir.path().to_str().unwrap();
    let csv = needmap(&["report", "--level", "ward", "--data", path]);
    assert!(csv.status.success());
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("code,name,parent_code,population,pop_children,score,services_library"), "{text}");
    assert!(text.contains("W1,W1,,2500,500,16.2,1"), "{text}");
    let json = needmap(&["report", "--level", "lsoa", "--format", "json", "--data", path]);
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4);
    assert_eq!(rows[0]["parent_code"], "W1");
    let bad_level = needmap(&["report", "--level", "county", "--data", path]);
    assert!(!bad_level.status.success());
    assert!(String::from_utf8_lossy(&bad_level.stderr).contains("unknown level `county`; levels are: ward, lsoa"));
}

// ---------------------------------------------------------------------------
// Hardening (issue 8, loaders): every case is generated here from the
// synthetic base dataset, so no fixture file is needed.

/// A fresh base dataset with one file replaced by `contents`.
fn with_file(target: &str, contents: impl AsRef<[u8]>) -> tempfile::TempDir {
    let dir = base_dataset();
    std::fs::write(dir.path().join(target), contents).unwrap();
    dir
}

/// A fresh base dataset whose manifest is `MANIFEST` edited by `edit`.
fn with_manifest(edit: impl FnOnce(String) -> String) -> tempfile::TempDir {
    let dir = base_dataset();
    std::fs::write(dir.path().join("dataset.toml"), edit(MANIFEST.to_string())).unwrap();
    dir
}

fn has(w: &[String], parts: &[&str]) -> bool {
    w.iter().any(|m| parts.iter().all(|p| m.contains(p)))
}

fn feature(code: &str, rings: &str) -> String {
    format!(r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{code}"}},"geometry":{{"type":"Polygon","coordinates":{rings}}}}}"#)
}

const W2: (&str, f64, f64, f64, f64) = ("W2", -1.79, 53.79, -1.78, 53.80);

fn w2() -> String {
    square(W2.0, W2.1, W2.2, W2.3, W2.4)
}

#[test]
fn a_position_with_one_or_zero_numbers_is_an_error_not_a_panic() {
    for bad_position in ["[-1.7]", "[]"] {
        let ring = format!("[[[-1.80,53.79],[-1.79,53.79],{bad_position},[-1.80,53.80],[-1.80,53.79]]]");
        let dir = with_file("wards.geojson", collection(&[feature("W1", &ring), w2()]));
        let msg = error_text(load(dir.path()));
        assert!(msg.contains("wards.geojson") && msg.contains("feature 0 (W1)") && msg.contains("position 2 has"), "{msg}");
    }
    // A service point with one number.
    let dir = with_manifest(|m| m.replace("file = \"services.csv\"", "file = \"services.geojson\""));
    std::fs::write(
        dir.path().join("services.geojson"),
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"a","name":"A","category":"library"},"geometry":{"type":"Point","coordinates":[-1.797]}},
          {"type":"Feature","properties":{"id":"b","name":"B","category":"library"},"geometry":{"type":"Point","coordinates":[-1.783,53.795]}}]}"#,
    )
    .unwrap();
    // The GeoJSON parser itself refuses a Point with one number: an error with its position.
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("services.geojson") && msg.contains("line 2") && msg.contains("two or more elements"), "{msg}");
}

#[test]
fn a_manifest_with_levels_and_no_indicator_table_loads() {
    let dir = base_dataset();
    let text = "[dataset]\nname = \"Boundaries only\"\n\n[[level]]\nid = \"ward\"\nlabel = \"Ward\"\nfile = \"wards.geojson\"\nid_field = \"code\"\n";
    std::fs::write(dir.path().join("dataset.toml"), text).unwrap();
    let e = load(dir.path()).unwrap();
    assert_eq!(e.population(0), &[None, None]);
    assert!(has(&warnings(&e), &["no indicator table gives the total population"]), "{:?}", warnings(&e));
}

/// W1 as a square whose edges carry `n` vertices in all.
fn dense_square(n: usize) -> String {
    let (x0, y0, x1, y1) = (-1.80, 53.79, -1.79, 53.80);
    let side = n / 4;
    let mut pts = Vec::with_capacity(n + 1);
    for k in 0..side {
        let t = k as f64 / side as f64;
        pts.push((x0 + t * (x1 - x0), y0));
    }
    for k in 0..side {
        let t = k as f64 / side as f64;
        pts.push((x1, y0 + t * (y1 - y0)));
    }
    for k in 0..side {
        let t = k as f64 / side as f64;
        pts.push((x1 - t * (x1 - x0), y1));
    }
    for k in 0..side {
        let t = k as f64 / side as f64;
        pts.push((x0, y1 - t * (y1 - y0)));
    }
    pts.push(pts[0]);
    let coords: Vec<String> = pts.iter().map(|(x, y)| format!("[{x},{y}]")).collect();
    feature("W1", &format!("[[{}]]", coords.join(",")))
}

#[test]
fn a_100k_vertex_boundary_loads_in_seconds_and_the_vertex_cap_is_clear() {
    let dir = with_file("wards.geojson", collection(&[dense_square(100_000), w2()]));
    let clock = std::time::Instant::now();
    let e = load(dir.path()).unwrap();
    let secs = clock.elapsed().as_secs_f64();
    assert!(secs < 20.0, "{secs} s");
    assert!(e.diagnostics.problems.is_empty(), "{:?}", warnings(&e));
    let pop: f64 = e.population(0).iter().flatten().sum();
    assert!((pop - 4500.0).abs() < 1e-6, "{pop}");

    let dir = with_file("wards.geojson", collection(&[dense_square(2_000), w2()]));
    let text = MANIFEST.replace("name_field = \"name\"\n", "name_field = \"name\"\nmax_vertices = 1000\n");
    std::fs::write(dir.path().join("dataset.toml"), text).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(
        msg.contains("wards.geojson") && msg.contains("feature 0 (W1) has 2001 vertices") && msg.contains("limit of 1000") && msg.contains("max_vertices"),
        "{msg}"
    );
}

#[test]
fn swapped_latitude_and_longitude_are_detected_and_read_swapped() {
    let dir = with_file(
        "services.csv",
        "id,name,category,lon,lat\ns1,Library one,library,53.795,-1.797\ns2,Library two,library,53.795,-1.783\n",
    );
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    assert!(has(&w, &["services.csv", "2 of 2 services lie outside every area", "wrong way round"]), "{w:?}");
    assert!(e.services.iter().all(|s| s.areas.iter().all(|a| a.is_some())), "services still outside");
    assert!((e.services[0].wgs84.x + 1.797).abs() < 1e-9 && (e.services[0].wgs84.y - 53.795).abs() < 1e-9);
}

#[test]
fn a_feature_far_from_the_others_is_reported() {
    let cornwall = square("W3", -5.10, 50.20, -5.09, 50.21);
    let dir = with_file("wards.geojson", collection(&[square("W1", -1.80, 53.79, -1.79, 53.80), w2(), cornwall]));
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    assert!(has(&w, &["wards.geojson", "area W3", "km from every other area"]), "{w:?}");
    assert!(!has(&w, &["area W1", "km from every"]) && !has(&w, &["area W2", "km from every"]), "{w:?}");
}

#[test]
fn a_zero_area_polygon_is_skipped_and_counted() {
    let flat = feature("W1", "[[[-1.80,53.79],[-1.79,53.79],[-1.785,53.79],[-1.80,53.79]]]");
    let dir = with_file("wards.geojson", collection(&[flat, w2()]));
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    assert!(has(&w, &["wards.geojson", "feature 0 (W1)", "zero area"]), "{w:?}");
    assert_eq!(e.levels[0].len(), 1);
    assert_eq!(e.diagnostics.skipped_total(), 1);
}

#[test]
fn overlapping_areas_of_one_level_are_reported() {
    // L5 duplicates L1 under another code: its people would be counted twice.
    let dir = with_file(
        "lsoa.geojson",
        collection(&[
            square("L1", -1.80, 53.79, -1.795, 53.80),
            square("L2", -1.795, 53.79, -1.79, 53.80),
            square("L3", -1.79, 53.79, -1.785, 53.80),
            square("L4", -1.785, 53.79, -1.78, 53.80),
            square("L5", -1.80, 53.79, -1.795, 53.80),
        ]),
    );
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    assert!(has(&w, &["lsoa.geojson", "areas L1 and L5", "overlap", "100%"]), "{w:?}");
    // Neighbours that only share an edge are not reported.
    assert!(!has(&w, &["areas L1 and L2"]), "{w:?}");
}

/// Write a Shapefile of squares (BNG metres) with a `code` field.
fn write_shapefile(path: &Path, codes: &[&str]) {
    use shapefile::{dbase, Point, Polygon, PolygonRing};
    let table = dbase::TableWriterBuilder::new().add_character_field("code".try_into().unwrap(), 20);
    let mut w = shapefile::Writer::from_path(path, table).unwrap();
    for (k, code) in codes.iter().enumerate() {
        let x0 = 413_000.0 + 300.0 * k as f64;
        let ring = vec![
            Point::new(x0, 433_000.0),
            Point::new(x0, 433_300.0),
            Point::new(x0 + 300.0, 433_300.0),
            Point::new(x0 + 300.0, 433_000.0),
            Point::new(x0, 433_000.0),
        ];
        let mut record = dbase::Record::default();
        record.insert("code".into(), dbase::FieldValue::Character(Some(code.to_string())));
        w.write_shape_and_record(&Polygon::new(PolygonRing::Outer(ring)), &record).unwrap();
    }
    drop(w);
    std::fs::write(path.with_extension("prj"), "EPSG:27700").unwrap();
}

fn shapefile_dataset(codes: &[&str]) -> tempfile::TempDir {
    let dir = with_manifest(|m| m.replace("file = \"lsoa.geojson\"", "file = \"lsoa.shp\""));
    write_shapefile(&dir.path().join("lsoa.shp"), codes);
    dir
}

#[test]
fn a_dbf_with_fewer_records_than_the_shp_is_refused() {
    let dir = shapefile_dataset(&["L1", "L2", "L3", "L4"]);
    let short = tempfile::tempdir().unwrap();
    write_shapefile(&short.path().join("lsoa.shp"), &["L1", "L2", "L3"]);
    std::fs::copy(short.path().join("lsoa.dbf"), dir.path().join("lsoa.dbf")).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("lsoa.shp") && msg.contains("4 shape(s) but the .dbf has 3 record(s)"), "{msg}");
    // Without the .shx the shapes are counted as read.
    std::fs::remove_file(dir.path().join("lsoa.shx")).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("4 shape(s) but the .dbf has 3 record(s)"), "{msg}");
}

#[test]
fn shapefile_errors_are_in_words() {
    let dir = shapefile_dataset(&["L1", "L2", "L3", "L4"]);
    assert!(load(dir.path()).is_ok());
    for part in ["shp", "dbf"] {
        let dir = shapefile_dataset(&["L1", "L2", "L3", "L4"]);
        let path = dir.path().join(format!("lsoa.{part}"));
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let msg = error_text(load(dir.path()));
        assert!(msg.contains("lsoa.shp"), "{msg}");
        for debug in ["Error {", "kind:", "IoError", "DbaseError"] {
            assert!(!msg.contains(debug), "{part}: {msg}");
        }
    }
}

#[test]
fn negative_and_absurd_populations_are_left_missing() {
    let dir = with_file("need.csv", "code,pop,kids,score\nL1,-1500,200,10.5\nL2,1e308,300,20\nL3,800,100,30\nL4,1200,250,40\n");
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    assert!(has(&w, &["need.csv", "row 2", "population -1500 is negative"]), "{w:?}");
    assert!(has(&w, &["need.csv", "row 3", "not plausible"]), "{w:?}");
    let lsoa = e.level_index("lsoa").unwrap();
    assert_eq!(e.population(lsoa)[e.levels[lsoa].by_code["L1"]], None);
    assert_eq!(e.population(lsoa)[e.levels[lsoa].by_code["L2"]], None);
    let total: f64 = e.population(0).iter().flatten().sum();
    assert!(total < 1e7, "{total}");
}

#[test]
fn deciles_outside_1_to_10_or_not_whole_are_left_missing() {
    let dir = with_manifest(|m| {
        m.replace(
            "direction = \"higher_is_worse\"\n",
            "direction = \"higher_is_worse\"\n[[indicator_table.indicator]]\nid = \"decile\"\nlabel = \"Decile\"\nkind = \"decile\"\ndirection = \"higher_is_better\"\n",
        )
    });
    std::fs::write(dir.path().join("need.csv"), "code,pop,kids,score,decile\nL1,1000,200,10.5,0\nL2,1500,300,20,3.5\nL3,800,100,30,11\nL4,1200,250,40,10\n").unwrap();
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    for (row, v) in [("row 2", "decile 0 "), ("row 3", "decile 3.5 "), ("row 4", "decile 11 ")] {
        assert!(has(&w, &["need.csv", row, v, "whole number from 1 to 10"]), "{w:?}");
    }
    let lsoa = e.level_index("lsoa").unwrap();
    let d = e.indicator_index("decile").unwrap();
    assert_eq!(e.values[lsoa].indicators[d], vec![None, None, None, Some(10.0)]);
}

#[test]
fn an_absurd_capacity_falls_back_to_the_default() {
    let dir = with_manifest(|m| m.replace("category_column = \"category\"\n", "category_column = \"category\"\ncapacity_column = \"capacity\"\n"));
    std::fs::write(
        dir.path().join("services.csv"),
        "id,name,category,lon,lat,capacity\ns1,Library one,library,-1.797,53.795,1e308\ns2,Library two,library,-1.783,53.795,40\n",
    )
    .unwrap();
    let e = load(dir.path()).unwrap();
    assert!(has(&warnings(&e), &["services.csv", "row 2", "capacity 1e308 is not plausible"]), "{:?}", warnings(&e));
    assert_eq!(e.services[0].capacity, 1.0);
    assert_eq!(e.services[1].capacity, 40.0);
}

#[test]
fn a_centroid_far_from_its_area_is_skipped() {
    let dir = with_manifest(|m| {
        m + "\n[[centroids]]\nlevel = \"lsoa\"\nfile = \"centroids.csv\"\nid_column = \"code\"\nx_column = \"lon\"\ny_column = \"lat\"\nkind = \"population_weighted\"\n"
    });
    std::fs::write(
        dir.path().join("centroids.csv"),
        "code,lon,lat\nL1,-1.7975,53.795\nL2,-1.7925,53.795\nL3,-1.0,60.0\nL4,-1.7825,53.795\n",
    )
    .unwrap();
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    assert!(has(&w, &["centroids.csv", "row 4", "km outside that area"]), "{w:?}");
    let (_, points) = &e.centroids["lsoa"];
    assert_eq!(points.iter().filter(|p| p.is_some()).count(), 3);
}

#[test]
fn duplicate_service_ids_are_reported_within_and_across_files() {
    let dir = with_manifest(|m| {
        m.replace(
            "[tiers.1]",
            "[[service_file]]\nfile = \"more.csv\"\ncategory_column = \"category\"\nx_column = \"lon\"\ny_column = \"lat\"\n\n[tiers.1]",
        )
    });
    std::fs::write(
        dir.path().join("services.csv"),
        "id,name,category,lon,lat\ns1,Library one,library,-1.797,53.795\ns1,Library one again,library,-1.797,53.795\ns2,Library two,library,-1.783,53.795\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("more.csv"), "id,name,category,lon,lat\ns2,Other library,library,-1.781,53.795\n").unwrap();
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    assert!(has(&w, &["services.csv", "row 3", "`s1` is used again (first at row 2)"]), "{w:?}");
    assert!(has(&w, &["more.csv", "row 2", "`s2` is also used in", "more.csv:s2"]), "{w:?}");
    let ids: Vec<&str> = e.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["s1", "s2", "more.csv:s2"]);
}

#[test]
fn bad_travel_time_rows_are_reported_by_row() {
    let dir = with_manifest(|m| {
        m + "\n[travel_times]\nfile = \"times.csv\"\norigin_column = \"code\"\norigin_level = \"lsoa\"\ndestination_column = \"dest\"\nminutes_column = \"minutes\"\ndestinations_file = \"dests.csv\"\ndestinations_id_column = \"id\"\ndestinations_x_column = \"lon\"\ndestinations_y_column = \"lat\"\n"
    });
    std::fs::write(dir.path().join("dests.csv"), "id,lon,lat\nD1,-1.79,53.795\n").unwrap();
    std::fs::write(
        dir.path().join("times.csv"),
        "code,dest,minutes\nL1,D1,5\nL2,D1,-3\nL3,D1,soon\nL4,D1,1e308\nL1,D1,12\n",
    )
    .unwrap();
    let e = load(dir.path()).unwrap();
    let w = warnings(&e);
    assert!(has(&w, &["times.csv", "row 3", "-3 minutes is negative"]), "{w:?}");
    assert!(has(&w, &["times.csv", "row 4", "`soon` is not a number"]), "{w:?}");
    assert!(has(&w, &["times.csv", "row 5", "not plausible"]), "{w:?}");
    let rows = needmap::load::read_travel_times(&dir.path().join("times.csv"), "code", "dest", "minutes", &mut Default::default()).unwrap();
    assert_eq!(rows.iter().map(|r| r.minutes).collect::<Vec<_>>(), [5.0, 12.0]);
}

#[test]
fn manifest_references_are_checked() {
    let cases: [(&str, Box<dyn Fn(String) -> String>); 4] = [
        ("serves unknown population `aliens`", Box::new(|m: String| m.replace("tier = \"1\"", "tier = \"1\"\nserves = \"aliens\""))),
        ("`child_population = \"kidz\"` names no population", Box::new(|m: String| m.replace("name = \"Synthetic test district\"", "name = \"Synthetic test district\"\nchild_population = \"kidz\""))),
        ("cycle (ward -> lsoa -> ward)", Box::new(|m: String| m.replace("name_field = \"name\"\n", "name_field = \"name\"\nparent = \"lsoa\"\n"))),
        ("`../elsewhere/need.csv` leads outside the data folder", Box::new(|m: String| m.replace("file = \"need.csv\"", "file = \"../elsewhere/need.csv\""))),
    ];
    for (expected, edit) in cases {
        let dir = with_manifest(edit);
        let msg = error_text(load(dir.path()));
        assert!(msg.contains("dataset.toml") && msg.contains(expected), "{expected}: {msg}");
    }
    // A path outside is read when explicitly allowed.
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let base = base_dataset();
    for f in ["wards.geojson", "lsoa.geojson", "services.csv"] {
        std::fs::copy(base.path().join(f), data.join(f)).unwrap();
    }
    std::fs::copy(base.path().join("need.csv"), root.path().join("need.csv")).unwrap();
    let text = MANIFEST
        .replace("file = \"need.csv\"", "file = \"../need.csv\"")
        .replace("name = \"Synthetic test district\"", "name = \"Synthetic test district\"\nallow_paths_outside = true");
    std::fs::write(data.join("dataset.toml"), text).unwrap();
    assert!(load(&data).is_ok());
}

#[test]
fn a_utf8_byte_order_mark_is_read() {
    let dir = base_dataset();
    for f in ["wards.geojson", "need.csv"] {
        let path = dir.path().join(f);
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(&path).unwrap());
        std::fs::write(&path, bytes).unwrap();
    }
    let e = load(dir.path()).unwrap();
    assert!(e.diagnostics.problems.is_empty(), "{:?}", warnings(&e));
    let pop: f64 = e.population(0).iter().flatten().sum();
    assert!((pop - 4500.0).abs() < 1e-6);
}

#[test]
fn utf16_csv_gets_save_as_utf8_advice_and_windows_1252_is_read() {
    let text = "code,pop,kids,score\nL1,1000,200,10.5\nL2,1500,300,20\nL3,800,100,30\nL4,1200,250,40\n";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    let dir = with_file("need.csv", utf16);
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("need.csv") && msg.contains("UTF-16") && msg.contains("Save it as UTF-8"), "{msg}");

    let dir = with_file(
        "services.csv",
        b"id,name,category,lon,lat\ns1,Caf\xE9 library,library,-1.797,53.795\ns2,Library two,library,-1.783,53.795\n".as_slice(),
    );
    let e = load(dir.path()).unwrap();
    assert_eq!(e.services[0].name, "Café library");
    assert!(has(&warnings(&e), &["services.csv", "not UTF-8", "Windows-1252"]), "{:?}", warnings(&e));
}

#[test]
fn a_wrong_id_field_names_the_property_and_lists_those_present() {
    let dir = with_manifest(|m| m.replacen("id_field = \"code\"", "id_field = \"WD13CD\"", 1));
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("wards.geojson") && msg.contains("`WD13CD`") && msg.contains("code, name"), "{msg}");
    let dir = shapefile_dataset(&["L1", "L2", "L3", "L4"]);
    let text = std::fs::read_to_string(dir.path().join("dataset.toml")).unwrap();
    std::fs::write(dir.path().join("dataset.toml"), text.replace("id_field = \"code\"\nparent", "id_field = \"LSOA11CD\"\nparent")).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("lsoa.shp") && msg.contains("`LSOA11CD`") && msg.contains("code"), "{msg}");
}

#[test]
fn invalid_utf8_in_the_manifest_gives_its_position() {
    let dir = base_dataset();
    let mut bytes = MANIFEST.as_bytes().to_vec();
    let at = MANIFEST.find("Synthetic").unwrap();
    bytes[at] = 0xFF;
    std::fs::write(dir.path().join("dataset.toml"), bytes).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("dataset.toml") && msg.contains("not UTF-8 text at line 3, column 9"), "{msg}");
}

#[test]
fn a_fifo_or_device_is_not_a_regular_file() {
    let dir = base_dataset();
    let path = dir.path().join("need.csv");
    std::fs::remove_file(&path).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("need.csv") && msg.contains("not a regular file") && msg.contains("FIFO"), "{msg}");

    let dir = base_dataset();
    let path = dir.path().join("wards.geojson");
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("wards.geojson") && msg.contains("not a regular file") && !msg.contains("empty"), "{msg}");
}

#[test]
fn the_bng_hint_is_given_only_for_numbers_that_look_like_bng() {
    let far = feature("W1", "[[[5000000,5000000],[5000100,5000000],[5000100,5000100],[5000000,5000000]]]");
    let dir = with_file("wards.geojson", collection(&[far, w2()]));
    let msg = error_text(load(dir.path()));
    assert!(msg.contains("wards.geojson") && msg.contains("not longitude/latitude degrees"), "{msg}");
    assert!(!msg.contains("British National Grid"), "{msg}");
}
