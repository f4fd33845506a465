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
