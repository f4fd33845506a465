//! `needmap publish` on the Bradford pack: the site's files, `meta.json`,
//! the area tables, and PMTiles archives read back with the pmtiles crate's
//! reader, whose tiles decode (the MVT reader of `serve.rs`), carry only the
//! published fields and equal the server's tiles.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use needmap::publish::{publish, PublishError, PublishOptions, TILE_FIELDS};
use needmap::serve::tiles::{mercator, AreaAttributes};
use needmap::Engine;
use pmtiles::{AsyncPmTilesReader, Compression, TileCoord, TileType};
use serde_json::Value;

use crate::serve::{check_tile, MvtValue};

fn engine() -> Arc<Engine> {
    let loc = needmap::dataset::locate(None).expect("the Bradford pack");
    Arc::new(Engine::load(&loc).expect("engine loads"))
}

fn options(out: PathBuf, categories: &[&str]) -> PublishOptions {
    PublishOptions {
        levels: vec!["ward".into(), "lsoa".into()],
        categories: categories.iter().map(|c| c.to_string()).collect(),
        web_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web"),
        out,
        max_zoom: Some(13),
    }
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b).read_to_end(&mut out).expect("gzip tile");
    out
}

#[test]
fn published_archives_read_back_and_hold_the_servers_tiles() {
    let web = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web");
    if !web.join("vendor/pmtiles.js").is_file() {
        panic!("web/vendor is missing: run `make web-vendor` first");
    }
    let engine = engine();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("site");
    let mut lines = Vec::new();
    let summary = publish(engine.clone(), &options(out.clone(), &["family_hub"]), |l| lines.push(l.to_string())).expect("publish");
    assert!(lines.iter().any(|l| l.starts_with("ward: zoom 10,")), "{lines:?}");
    let ids: Vec<&str> = summary.archives.iter().map(|(id, _, _)| id.as_str()).collect();
    assert_eq!(ids, ["ward", "lsoa", "services"]);

    // meta.json: the server's /api/meta for the published levels, marked static.
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["static"], true);
    assert_eq!(meta["name"], engine.manifest.dataset.name.as_str());
    let levels: Vec<&str> = meta["levels"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(levels, ["ward", "lsoa"]);
    assert_eq!(meta["levels"][0]["areas"], 30);
    assert_eq!(meta["levels"][0]["categories"][0]["geojson"], "data/areas/ward.category-family_hub.geojson");
    assert!(meta["indicators"].as_array().unwrap().iter().all(|i| i["levels"].as_array().unwrap().iter().all(|l| l == "ward" || l == "lsoa")));
    // The levels above the published ones, by name only, for the profiles' "in <place>".
    let names: Vec<&str> = meta["published"]["names"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert!(names.contains(&"constituency"), "{names:?}");
    assert!(!names.contains(&"ward") && !names.contains(&"lsoa") && !names.contains(&"oa"), "{names:?}");
    let cons: Value = serde_json::from_str(&std::fs::read_to_string(out.join("data/names/constituency.json")).unwrap()).unwrap();
    let c = engine.level_index("constituency").unwrap();
    assert_eq!(cons["features"].as_array().unwrap().len(), engine.levels[c].len());
    for (f, a) in cons["features"].as_array().unwrap().iter().zip(&engine.levels[c].areas) {
        assert_eq!(f["properties"]["code"], a.code.as_str());
        assert_eq!(f["properties"]["name"], a.name.as_str());
        assert!(f["geometry"].is_null() && f["properties"].get("imd_score").is_none());
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains(needmap::publish::site::PUBLISHED_TAG));
    assert!(!out.join("README.md").exists(), "the web folder's documentation is not published");

    // The area tables are the server's answers: 30 wards with the report's numbers and geometry.
    let wards: Value = serde_json::from_str(&std::fs::read_to_string(out.join("data/areas/ward.geojson")).unwrap()).unwrap();
    let features = wards["features"].as_array().unwrap();
    assert_eq!(features.len(), 30);
    let report = needmap::report::area_report(&engine, "ward").unwrap();
    let score = report.column("imd_score").unwrap();
    for (f, row) in features.iter().zip(&report.rows) {
        let needmap::report::Cell::Number(Some(v)) = row[score] else { panic!("ward score") };
        assert!((f["properties"]["imd_score"].as_f64().unwrap() - v).abs() < 1e-9);
        assert!(f["geometry"]["type"].as_str().unwrap().ends_with("Polygon"));
    }
    let gaps: Value = serde_json::from_str(&std::fs::read_to_string(out.join("data/areas/ward.category-family_hub.geojson")).unwrap()).unwrap();
    assert!(gaps["features"].as_array().unwrap().iter().all(|f| f["properties"]["gap_class"].is_string()));

    // The archives, read with the pmtiles crate.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let state = needmap::serve::AppState::new(engine.clone(), PathBuf::from("/nonexistent-web"), "127.0.0.1:1".into()).unwrap();
    let fields: Vec<String> = TILE_FIELDS.iter().map(|s| s.to_string()).collect();
    for (id, (min_zoom, max_zoom), s) in &summary.archives {
        let path = out.join(format!("tiles/{id}.pmtiles"));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), s.file_bytes);
        let reader = rt.block_on(AsyncPmTilesReader::new_with_path(&path)).expect("archive opens");
        let h = reader.get_header();
        assert_eq!(h.tile_type, TileType::Mvt);
        assert_eq!(h.tile_compression, Compression::Gzip);
        assert_eq!((h.min_zoom, h.max_zoom), (*min_zoom, *max_zoom));
        assert_eq!((*min_zoom, *max_zoom), (0, 13));
        let layer = state.tiles.layer_index(id).unwrap();
        let area = state.engine.level_index(id);
        let table = area.map(|l| state.reports[l].clone());
        let columns = table.as_ref().map(|t| needmap::serve::tiles::field_columns(t, &fields).unwrap());
        let mut found = 0;
        for z in [*min_zoom, 8, 11, *max_zoom] {
            let (x0, y0, x1, y1) = mercator::tiles_covering(state.bounds, z);
            for x in x0..=x1 {
                for y in y0..=y1 {
                    let stored = rt.block_on(reader.get_tile(TileCoord::new(z, x, y).unwrap())).expect("tile reads");
                    let attributes = AreaAttributes { table: table.as_deref(), columns: columns.as_deref() };
                    let expected = state.tiles.render_with(&state.engine, layer, z, x, y, attributes, None);
                    match (stored, expected) {
                        (None, None) => {}
                        (Some(b), Some(e)) => {
                            let raw = gunzip(&b);
                            assert_eq!(raw, e, "{id}/{z}/{x}/{y}: the server's tile");
                            let layers = check_tile(&raw, id);
                            for f in &layers[0].features {
                                let keys: BTreeSet<String> = layers[0].props(f).into_keys().collect();
                                if area.is_some() {
                                    assert_eq!(keys, TILE_FIELDS.iter().map(|s| s.to_string()).collect(), "{id}: code and name only");
                                    assert!(matches!(layers[0].props(f)["code"], MvtValue::Str(_)));
                                } else {
                                    assert!(keys.contains("category") && keys.contains("name"));
                                }
                            }
                            found += 1;
                        }
                        (s, e) => panic!("{id}/{z}/{x}/{y}: stored {:?} bytes, server {:?}", s.map(|b| b.len()), e.map(|b| b.len())),
                    }
                }
            }
        }
        assert!(found >= 4, "{id}: tiles found at four zooms: {found}");
    }
    // The services archive never holds a sensitive site (none are sensitive here: every public one is there).
    let services: Value = serde_json::from_str(&std::fs::read_to_string(out.join("data/services.geojson")).unwrap()).unwrap();
    assert_eq!(services["features"].as_array().unwrap().len(), needmap::serve::tiles::visible_services(&engine).count());
}

#[test]
fn publish_refuses_bad_choices_with_words() {
    let mut loc = needmap::dataset::locate(None).expect("the Bradford pack");
    loc.manifest.categories.get_mut("family_hub").unwrap().sensitive = true;
    let engine = Arc::new(Engine::load(&loc).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let run = |o: PublishOptions| publish(engine.clone(), &o, |_| {}).unwrap_err();
    let e = run(options(dir.path().join("a"), &["family_hub"]));
    assert!(matches!(e, PublishError::SensitiveCategory { .. }), "{e}");
    assert!(e.to_string().contains("sensitive"));
    let mut o = options(dir.path().join("b"), &[]);
    o.levels = vec!["county".into()];
    let e = run(o);
    assert!(e.to_string().contains("unknown level `county`") && e.to_string().contains("ward"), "{e}");
    let e = run(options(dir.path().join("c"), &["nope"]));
    assert!(matches!(e, PublishError::UnknownCategory { .. }), "{e}");
    // A folder with other files is not overwritten.
    let busy = dir.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let e = run(options(busy.clone(), &[]));
    assert!(matches!(e, PublishError::OutputNotEmpty { .. }), "{e}");
    assert_eq!(std::fs::read_to_string(busy.join("notes.txt")).unwrap(), "mine");
    // With family_hub sensitive, its sites are in neither the services table nor the archive.
    let out = dir.path().join("site");
    let mut o = options(out.clone(), &[]);
    o.max_zoom = Some(10);
    publish(engine.clone(), &o, |_| {}).unwrap();
    let services = std::fs::read_to_string(out.join("data/services.geojson")).unwrap();
    assert!(!services.contains("\"category\":\"family_hub\""));
    assert!(services.contains("\"category\":\"gp\""));
    // Publishing again into the site replaces it: the files of levels no longer chosen go.
    assert!(out.join("tiles/lsoa.pmtiles").is_file());
    let mut o = options(out.clone(), &[]);
    o.levels = vec!["ward".into()];
    o.max_zoom = Some(9);
    publish(engine.clone(), &o, |_| {}).unwrap();
    assert!(out.join("tiles/ward.pmtiles").is_file() && !out.join("tiles/lsoa.pmtiles").exists());
    assert!(!out.join("data/areas/lsoa.geojson").exists());
}
