//! The service register (issue 12): a GeoPackage that GDAL reads without
//! warnings, seeded with the same services as the files, read by the
//! engine through `[register]`, crash-safe writes, postcodes and dedupe.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use needmap::dataset::locate;
use needmap::load::Diagnostics;
use needmap::register::{seed_services, DedupeRule, LocatedBy, Register, SourceRecord, MAX_MERGE_DISTANCE_M};
use needmap::Engine;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/geodata/bradford")
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_needmap")
}

/// A register seeded from the Bradford pack's files, in a temp dir.
fn seeded(dir: &Path) -> PathBuf {
    let loc = locate(Some(&shared())).unwrap();
    let mut diags = Diagnostics::default();
    let services = seed_services(&loc, &mut diags).unwrap();
    let path = dir.join("register.gpkg");
    Register::create_with(&path, false, |r| r.add_services(&services, "test", None)).unwrap();
    path
}

/// A copy of the pack with the project manifest plus `extra` in its own dataset.toml.
fn pack_copy(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(shared()).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("geodata/bradford/dataset.toml")).unwrap();
    std::fs::write(dir.path().join("dataset.toml"), format!("{manifest}\n{extra}\n")).unwrap();
    dir
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(bin()).args(args).output().unwrap()
}

#[test]
fn init_writes_a_geopackage_gdal_reads_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("register.gpkg");
    let data = shared();
    let out = run(&["register", "init", "--data", data.to_str().unwrap(), "--out", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let register = Register::open_read_only(&path).unwrap();
    let services = register.services().unwrap();
    assert_eq!(services.len(), 984, "751 rows of services.csv and 233 schools");

    let info = Command::new("ogrinfo").args(["-ro", "-al", "-so"]).arg(&path).output().expect("ogrinfo (gdal-bin) is installed");
    let (stdout, stderr) = (String::from_utf8_lossy(&info.stdout), String::from_utf8_lossy(&info.stderr));
    assert!(info.status.success(), "{stderr}");
    assert!(!stderr.contains("Warning") && !stderr.contains("ERROR"), "ogrinfo complains: {stderr}");
    let services_layer = stdout.split("Layer name: ").find(|l| l.starts_with("services\n")).expect("a services layer");
    assert!(services_layer.contains("Geometry: Point"), "{services_layer}");
    assert!(services_layer.contains("Feature Count: 984"), "{services_layer}");
    assert!(services_layer.contains("\"EPSG\",\"27700\"") || services_layer.contains("EPSG\",27700"), "{services_layer}");
    for layer in ["partners", "changes", "submissions"] {
        assert!(stdout.contains(&format!("Layer name: {layer}\n")), "{layer} is listed: {stdout}");
    }

    // GDAL's own validator of the standard (python3-gdal comes with gdal-bin).
    let validate = Command::new("/usr/bin/python3").args(["-m", "osgeo_utils.samples.validate_gpkg"]).arg(&path).output().unwrap();
    assert!(
        validate.status.success() && validate.stderr.is_empty() && validate.stdout.is_empty(),
        "validate_gpkg: {}{}",
        String::from_utf8_lossy(&validate.stdout),
        String::from_utf8_lossy(&validate.stderr)
    );

    // The points GDAL reads are ours, in British National Grid.
    let geojson = dir.path().join("services.geojson");
    let conv = Command::new("ogr2ogr").args(["-f", "GeoJSON"]).arg(&geojson).arg(&path).arg("services").output().unwrap();
    assert!(conv.status.success() && !String::from_utf8_lossy(&conv.stderr).contains("Warning"), "{}", String::from_utf8_lossy(&conv.stderr));
    let fc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), services.len());
    let by_id: HashMap<&str, &needmap::register::RegisteredService> = services.iter().map(|s| (s.id.as_str(), s)).collect();
    for f in features {
        let s = by_id[f["properties"]["id"].as_str().unwrap()];
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        assert!((c[0].as_f64().unwrap() - s.easting).abs() < 1e-6 && (c[1].as_f64().unwrap() - s.northing).abs() < 1e-6, "{f}");
        assert_eq!(f["properties"]["category"].as_str().unwrap(), s.category);
        assert!((f["properties"]["lon"].as_f64().unwrap() - s.lon).abs() < 1e-9);
    }
}

#[test]
fn qgis_opens_the_register_when_installed() {
    // PyQGIS is installed by `make qgis-deps`; without it this test says so and checks nothing.
    if Command::new("/usr/bin/python3").args(["-c", "import qgis.core"]).output().map(|o| !o.status.success()).unwrap_or(true) {
        eprintln!("python3-qgis is not installed: QGIS check skipped (make qgis-deps installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let script = r#"
import sys
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False); app.initQgis()
layer = QgsVectorLayer(sys.argv[1] + "|layername=services", "services", "ogr")
assert layer.isValid(), "not valid"
assert layer.crs().authid() == "EPSG:27700", layer.crs().authid()
print(layer.featureCount())
"#;
    let out = Command::new("/usr/bin/python3").args(["-c", script]).arg(&path).env("QT_QPA_PLATFORM", "offscreen").env("HOME", dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().lines().last(), Some("984"));
}

#[test]
fn the_engine_reads_the_same_services_from_the_register() {
    let files = Engine::load(&locate(Some(&shared())).unwrap()).unwrap();
    let pack = pack_copy("[register]\nfile = \"register.gpkg\"\n");
    let loc = locate(Some(pack.path())).unwrap();
    assert!(loc.manifest.register.is_some());
    // Seeded from the copy's own files (the manifest's register is not read when seeding).
    let mut diags = Diagnostics::default();
    let seed = seed_services(&loc, &mut diags).unwrap();
    Register::create_with(&pack.path().join("register.gpkg"), false, |r| r.add_services(&seed, "test", None)).unwrap();
    let from_register = Engine::load(&loc).unwrap();
    assert_eq!(from_register.services.len(), files.services.len());
    for (a, b) in files.services.iter().zip(&from_register.services) {
        assert_eq!((&a.id, &a.name, &a.category, &a.tier, &a.subcategory), (&b.id, &b.name, &b.category, &b.tier, &b.subcategory));
        assert_eq!((a.capacity, a.sensitive, &a.partner, &a.source_file), (b.capacity, b.sensitive, &b.partner, &b.source_file));
        assert!((a.wgs84.x - b.wgs84.x).abs() < 1e-6 && (a.wgs84.y - b.wgs84.y).abs() < 1e-6, "{} {:?} {:?}", a.id, a.wgs84, b.wgs84);
        assert!((a.bng.x - b.bng.x).abs() < 1e-6 && (a.bng.y - b.bng.y).abs() < 1e-6);
        assert_eq!(a.areas, b.areas, "{} lies in the same areas", a.id);
    }
    assert_eq!(files.outside, from_register.outside);
    // A missing register is a clear error, not an empty service list.
    std::fs::remove_file(pack.path().join("register.gpkg")).unwrap();
    let Err(e) = Engine::load(&loc) else { panic!("loaded without its register file") };
    let e = e.to_string();
    assert!(e.contains("register.gpkg") && e.contains("needmap register init"), "{e}");
}

#[test]
fn a_killed_writer_loses_no_committed_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let seeded_count = Register::open_read_only(&path).unwrap().count().unwrap();
    let data = shared();
    let mut child = Command::new(bin())
        .args(["register", "write-test", "--writes", "100000", "--data", data.to_str().unwrap(), "--register", path.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = Vec::new();
    let started = std::time::Instant::now();
    while committed.len() < 300 {
        assert!(started.elapsed().as_secs() < 120, "the writer is too slow: {} commits", committed.len());
        let line = lines.next().expect("the writer stopped early").unwrap();
        committed.push(line.strip_prefix("committed ").expect("committed <id>").to_string());
    }
    child.kill().unwrap(); // SIGKILL, part-way through a later write
    child.wait().unwrap();
    // Lines the child printed before it died are committed too.
    committed.extend(lines.map_while(Result::ok).filter_map(|l| l.strip_prefix("committed ").map(String::from)));
    let register = Register::open(&path).unwrap();
    assert_eq!(register.integrity_check().unwrap(), "ok");
    let ids: BTreeSet<String> = register.services().unwrap().into_iter().map(|s| s.id).collect();
    for id in &committed {
        assert!(ids.contains(id), "committed row {id} is lost");
    }
    let added = ids.len() - seeded_count;
    assert!(added == committed.len() || added == committed.len() + 1, "{added} rows added, {} reported committed", committed.len());
    let adds = register.changes().unwrap().iter().filter(|c| c.who == "write-test").count();
    assert_eq!(adds, added, "every committed row has its audit-log row, in the same transaction");
}

#[test]
fn import_places_by_postcode_lists_unknown_postcodes_and_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let csv = dir.path().join("new.csv");
    std::fs::write(
        &csv,
        "Name,Category,Postcode,lon,lat,Opening_Hours,notes\n\
         Hub at the mill,family_hub,,-1.75,53.79,Mon-Fri 9-5,x\n\
         Pop-up pharmacy,pharmacy,bd71lg,,,,\n\
         Nowhere surgery,gp,BD99 9ZZ,,,,\n\
         Odd place,not_a_category,BD1 2EP,,,,\n",
    )
    .unwrap();
    let data = shared();
    let args = |extra: &[&str]| {
        let mut a = vec!["register", "import", csv.to_str().unwrap(), "--data", data.to_str().unwrap(), "--register", path.to_str().unwrap()];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let out = Command::new(bin()).args(args(&[])).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("row 4: postcode: BD99 9ZZ is not in the postcode lookup"), "{stderr}");
    assert!(stderr.contains("1 postcode(s) not in the lookup, not placed: BD99 9ZZ (row 4)"), "{stderr}");
    assert!(stderr.contains("row 5: category: `not_a_category` is not a category"), "{stderr}");
    assert!(stderr.contains("columns ignored (not import columns): notes"), "{stderr}");
    assert_eq!(Register::open_read_only(&path).unwrap().count().unwrap(), 984, "nothing imported");

    let out = Command::new(bin()).args(args(&["--skip-bad", "--who", "J Smith"])).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let register = Register::open_read_only(&path).unwrap();
    let all = register.services().unwrap();
    assert_eq!(all.len(), 986);
    let pharmacy = all.iter().find(|s| s.name == "Pop-up pharmacy").unwrap();
    assert_eq!((pharmacy.located_by, pharmacy.postcode.as_deref()), (LocatedBy::Postcode, Some("BD7 1LG")));
    // Code-Point Open row: BD7 1LG,10,415154,433071
    assert_eq!((pharmacy.easting, pharmacy.northing), (415154.0, 433071.0));
    assert_eq!(pharmacy.tier, "1", "the category's tier");
    let hub = all.iter().find(|s| s.name == "Hub at the mill").unwrap();
    assert_eq!((hub.located_by, hub.lon, hub.lat, hub.opening_hours.as_deref()), (LocatedBy::Coordinates, -1.75, 53.79, Some("Mon-Fri 9-5")));
    assert!((hub.easting - 416_500.0).abs() < 2_000.0, "{}", hub.easting);
    let log = register.changes().unwrap();
    let imported: Vec<_> = log.iter().filter(|c| c.who == "J Smith").collect();
    assert_eq!(imported.len(), 2);
    assert!(imported.iter().all(|c| c.action == "add" && c.before.is_none() && c.after.is_some()));
}

#[test]
fn dedupe_on_the_pack_merges_nhs_and_osm_duplicates_within_200_m_keeping_every_source_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = seeded(dir.path());
    let loc = locate(Some(&shared())).unwrap();
    let rule = loc.manifest.register.as_ref().map(|r| DedupeRule::from_spec(&r.dedupe)).unwrap_or_default();
    let mut register = Register::open(&path).unwrap();
    let before = register.services().unwrap();
    let records_before: BTreeSet<SourceRecord> = before.iter().flat_map(|s| s.source_ids.clone()).collect();
    let outcome = register.dedupe(&rule, true, "test").unwrap();
    assert!(!outcome.groups.is_empty());
    for g in &outcome.groups {
        for &i in &g.members {
            for &j in &g.members {
                let (a, b) = (&before[i], &before[j]);
                assert!((a.easting - b.easting).hypot(a.northing - b.northing) <= MAX_MERGE_DISTANCE_M, "{} {}", a.id, b.id);
            }
        }
    }
    let after = register.services().unwrap();
    assert_eq!(after.len(), before.len() - outcome.removed);
    let records_after: BTreeSet<SourceRecord> = after.iter().flat_map(|s| s.source_ids.clone()).collect();
    assert_eq!(records_after, records_before, "a merge keeps every source id");
    assert_eq!(after.iter().map(|s| s.source_ids.len()).sum::<usize>(), before.len(), "each record once");
    let merges = register.changes().unwrap().into_iter().filter(|c| c.action == "merge").collect::<Vec<_>>();
    assert_eq!(merges.len(), outcome.groups.len(), "each merge decision is in the audit log");
    assert!(merges.iter().all(|c| c.before.as_ref().and_then(|b| b.as_array()).is_some_and(|b| b.len() >= 2)));
    let count = |list: &[needmap::register::RegisteredService]| {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for s in list {
            *m.entry(s.category.clone()).or_default() += 1;
        }
        m
    };
    let (cb, ca) = (count(&before), count(&after));
    eprintln!("gp {} -> {}, pharmacy {} -> {}", cb["gp"], ca["gp"], cb["pharmacy"], ca["pharmacy"]);
    let sources = |g: &needmap::register::dedupe::MergeGroup| g.members.iter().map(|&i| before[i].source.as_str()).collect::<BTreeSet<_>>();
    let cross = outcome.groups.iter().filter(|g| sources(g).len() > 1).count();
    eprintln!("{} groups, {} across sources, {} candidates", outcome.groups.len(), cross, outcome.candidates.len());
    // A second run finds nothing more to merge.
    assert!(register.dedupe(&rule, false, "test").unwrap().groups.is_empty());
}
