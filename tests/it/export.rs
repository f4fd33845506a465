//! Exports and printed maps: PDFs render and are the paper size asked for,
//! exports round-trip, and disclosure rules hold (these tests fail if a
//! small count or a sensitive location leaks).
//!
//! Needs poppler-utils (pdftoppm, pdftotext, pdfinfo) and fonts-dejavu-core
//! (`make deps`). The Bradford tests read `../shared/geodata/bradford`; the
//! disclosure tests build a small synthetic dataset in a temporary folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use needmap::dataset::locate;
use needmap::export::{self, shapefile::BNG_PRJ, Disclosure, ExportRequest, Format, Layer, OutputCrs};
use needmap::print::{self, Paper, PrintRequest, Theme, ATTRIBUTION};
use needmap::report::{area_report, Cell, Report};
use needmap::Engine;

// ------------------------------------------------------------------ helpers

fn bradford() -> Engine {
    let loc = locate(None).expect("the Bradford data pack (../shared/geodata/bradford) is needed for this test");
    Engine::load(&loc).expect("Bradford loads")
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd} (install poppler-utils: make deps): {e}"));
    assert!(out.status.success(), "{cmd} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Page sizes (points) of every page, from pdfinfo.
fn page_sizes(pdf: &Path) -> Vec<(f64, f64)> {
    let p = pdf.to_str().unwrap();
    let info = run("pdfinfo", &["-f", "1", "-l", "999", p]);
    info.lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .map(|l| {
            let rest = l.split("size:").nth(1).unwrap();
            let nums: Vec<f64> = rest.split_whitespace().filter_map(|t| t.parse().ok()).take(2).collect();
            (nums[0], nums[1])
        })
        .collect()
}

fn assert_paper(pdf: &Path, paper: Paper, landscape: bool) {
    let (w, h) = paper.mm();
    let (w, h) = if landscape { (h, w) } else { (w, h) };
    let want = (w * 72.0 / 25.4, h * 72.0 / 25.4);
    let sizes = page_sizes(pdf);
    assert!(!sizes.is_empty(), "no pages in {}", pdf.display());
    for s in sizes {
        assert!((s.0 - want.0).abs() < 0.01 && (s.1 - want.1).abs() < 0.01, "{}: page {s:?} pt, want {want:?}", pdf.display());
    }
}

/// Render page 1 with pdftoppm and return the standard deviation of grey levels.
fn pixel_spread(pdf: &Path, dir: &Path) -> f64 {
    let prefix = dir.join(pdf.file_stem().unwrap());
    run("pdftoppm", &["-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", pdf.to_str().unwrap(), prefix.to_str().unwrap()]);
    let png = prefix.with_extension("png");
    let pixmap = resvg::tiny_skia::Pixmap::load_png(&png).expect("pdftoppm wrote a PNG");
    let grey: Vec<f64> = pixmap
        .pixels()
        .iter()
        .map(|p| (p.red() as f64 + p.green() as f64 + p.blue() as f64) / 3.0)
        .collect();
    let mean = grey.iter().sum::<f64>() / grey.len() as f64;
    (grey.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / grey.len() as f64).sqrt()
}

fn pdf_text(pdf: &Path) -> String {
    collapse(&run("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]))
}

fn cell_f64(c: &Cell) -> Option<f64> {
    match c {
        Cell::Number(v) => v.filter(|x| x.is_finite()),
        Cell::Count(n) => Some(*n as f64),
        Cell::Text(_) => None,
    }
}

// ------------------------------------------------------------------ printed maps

#[test]
fn printed_maps_render_at_paper_size_with_title_legend_and_attribution() {
    let engine = bradford();
    let dir = tempfile::tempdir().unwrap();

    let cases = [
        (Some("Keighley"), Paper::A4, false, "imd_score"),
        (None, Paper::A3, true, "income_score_pct"),
        (Some("Bradford East"), Paper::A4, true, "employment_score_pct"),
    ];
    for (area, paper, landscape, indicator) in cases {
        let mut req = PrintRequest::new("ward", Theme::Indicator(Some(indicator.into())));
        req.area = area.map(String::from);
        req.paper = paper;
        req.landscape = landscape;
        let map = print::render_svg(&engine, &req).unwrap();
        let pdf = print::pdf_from_svg(&map.svg).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let path = dir.path().join(format!("{}-{indicator}.pdf", area.unwrap_or("district").replace(' ', "_")));
        std::fs::write(&path, &pdf).unwrap();

        assert_paper(&path, paper, landscape);
        let spread = pixel_spread(&path, dir.path());
        assert!(spread > 20.0, "{} looks blank: grey-level spread {spread:.1}", path.display());

        let text = pdf_text(&path);
        assert!(text.contains(&map.title), "title `{}` missing from {}", map.title, path.display());
        assert!(text.contains(ATTRIBUTION), "attribution missing from {}:\n{text}", path.display());
        assert!(text.contains("2019 (population mid-2015)"), "IMD vintage missing");
        assert!(text.contains("Printed "), "date printed missing");
        assert!(map.legend.len() >= 3, "legend has {:?}", map.legend);
        for entry in &map.legend {
            assert!(text.contains(&collapse(entry)), "legend entry `{entry}` missing from {}", path.display());
        }
        if let Some(committee) = area {
            assert_eq!(map.labels_placed.len(), 6, "{committee}: every ward labelled, got {:?}", map.labels_placed);
            assert_eq!(map.labels_dropped, 0);
            for ward in &map.labels_placed {
                assert!(text.contains(ward), "ward label {ward} missing");
            }
            assert!(map.legend.iter().any(|e| e == &format!("Outside {committee}")));
        }
    }

    // The Keighley committee's wards.
    let mut req = PrintRequest::new("ward", Theme::Indicator(None));
    req.area = Some("keighley".into());
    let map = print::render_svg(&engine, &req).unwrap();
    let mut wards = map.labels_placed.clone();
    wards.sort();
    assert_eq!(wards, ["Craven", "Ilkley", "Keighley Central", "Keighley East", "Keighley West", "Worth Valley"]);

    // Unknown committee: a clear error naming the real ones.
    req.area = Some("Atlantis".into());
    let err = print::render_svg(&engine, &req).unwrap_err().to_string();
    assert!(err.contains("Atlantis") && err.contains("Keighley"), "{err}");

    // A gap map: the gap_class column (here derived in the test from IMD and
    // library provision, only to exercise the drawing) as a bivariate map,
    // with the library points.
    let mut table = area_report(&engine, "ward").unwrap();
    let tercile = |col: &str, higher_is_more: bool, t: &Report| -> Vec<&'static str> {
        let c = t.column(col).unwrap();
        let v: Vec<f64> = t.rows.iter().map(|r| cell_f64(&r[c]).unwrap_or(0.0)).collect();
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|a, b| v[*a].total_cmp(&v[*b]));
        let mut out = vec![""; v.len()];
        for (rank, i) in order.into_iter().enumerate() {
            let k = rank * 3 / v.len();
            out[i] = if higher_is_more { ["low", "mid", "high"][k] } else { ["high", "mid", "low"][k] };
        }
        out
    };
    let need = tercile("imd_score", true, &table);
    let access = tercile("services_library", true, &table);
    table.columns.push("gap_class".into());
    for (i, row) in table.rows.iter_mut().enumerate() {
        row.push(Cell::Text(Some(format!("{}-need/{}-access", need[i], access[i]))));
    }
    let mut req = PrintRequest::new("ward", Theme::Gap { category: "library".into() });
    req.table = Some(table);
    req.area = Some("Shipley".into());
    let map = print::render_svg(&engine, &req).unwrap();
    assert!(map.points_drawn > 0);
    let path = dir.path().join("gap.pdf");
    std::fs::write(&path, print::pdf_from_svg(&map.svg).unwrap()).unwrap();
    assert_paper(&path, Paper::A4, false);
    let text = pdf_text(&path);
    assert!(text.contains("Coverage gaps: Library") && text.contains(ATTRIBUTION));
    assert!(text.contains(&format!("Library ({} shown)", map.points_drawn)));
    assert!(text.contains("Need") && text.contains("Access") && text.contains("= gap (high need,"));
    if let Some(keep) = std::env::var_os("NEEDMAP_KEEP_PRINTS") {
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), Path::new(&keep).join(e.file_name())).unwrap();
        }
    }

    // PNG output.
    let png = print::render_png(&engine, &PrintRequest::new("ward", Theme::Indicator(None)), 30.0).unwrap();
    let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png).unwrap();
    assert_eq!((pixmap.width(), pixmap.height()), ((210.0f64 / 25.4 * 30.0).ceil() as u32, (297.0f64 / 25.4 * 30.0).ceil() as u32));
}

#[test]
fn cli_writes_one_pdf_per_committee_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("committees");
    let bin = env!("CARGO_BIN_EXE_needmap");
    let status = Command::new(bin)
        .args(["print", "--level", "ward", "--all-committees", "--paper", "a3", "-o"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let mut pdfs: Vec<PathBuf> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().path()).collect();
    pdfs.sort();
    let names: Vec<String> = pdfs.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["bradford-east.pdf", "bradford-south.pdf", "bradford-west.pdf", "keighley.pdf", "shipley.pdf"]);
    for p in &pdfs {
        assert_paper(p, Paper::A3, false);
    }
    // A second run without --force fails and leaves the files as they were.
    let before = std::fs::read(&pdfs[0]).unwrap();
    let second = Command::new(bin).args(["print", "--all-committees", "-o"]).arg(&out).output().unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&pdfs[0]).unwrap(), before);

    // Gap map and gap export through the CLI, with the gaps module.
    let gap_pdf = dir.path().join("gap.pdf");
    let gap = Command::new(bin)
        .args(["print", "--gap", "--category", "library", "--area", "Shipley", "-o"])
        .arg(&gap_pdf)
        .output()
        .unwrap();
    assert!(gap.status.success(), "{}", String::from_utf8_lossy(&gap.stderr));
    assert_paper(&gap_pdf, Paper::A4, false);
    let text = pdf_text(&gap_pdf);
    assert!(text.contains("Coverage gaps: Library") && text.contains("Shipley Area Committee"), "{text}");
    let gap_json = dir.path().join("gaps.geojson");
    let out = Command::new(bin)
        .args(["export", "--level", "ward", "--category", "library", "--method", "e2sfca", "--format", "geojson", "-o"])
        .arg(&gap_json)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let fc: geojson::FeatureCollection = std::fs::read_to_string(&gap_json).unwrap().parse().unwrap();
    assert_eq!(fc.features.len(), 30);
    let props = fc.features[0].properties.as_ref().unwrap();
    assert!(props["gap_class"].is_string() && props.contains_key("access_e2sfca"), "{props:?}");
    assert_eq!(fc.foreign_members.as_ref().unwrap()["needmap"]["parameters"]["method"], "e2sfca");
    // A bad category is refused with its name in the message, never a panic.
    let bad = Command::new(bin)
        .args(["print", "--gap", "--category", "no_such_category", "-o"])
        .arg(dir.path().join("bad.pdf"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let msg = String::from_utf8_lossy(&bad.stderr);
    assert!(msg.contains("no_such_category") && !msg.contains("panicked"), "{msg}");
}

/// `needmap print --scenario` on a gap map: titled with the scenario's name,
/// with the committee summary as a table whose figures are the comparison's.
#[test]
fn cli_prints_a_scenario_with_its_summary_table() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hub.json");
    std::fs::write(
        &file,
        r#"{"needmap_scenario": 1, "id": "bowling-hub", "name": "Extra family hub in Bowling",
            "edits": [{"op": "add", "id": "bowling-hub", "name": "Bowling hub", "category": "family_hub", "postcode": "BD4 7AB"}]}"#,
    )
    .unwrap();
    // The comparison the CLI makes.
    let engine = bradford();
    let s = needmap::scenario::Scenario::from_json(&std::fs::read_to_string(&file).unwrap(), "hub.json").unwrap();
    let applied = s.apply(&engine).unwrap();
    let query = needmap::gaps::GapQuery { level: "ward".into(), category: Some("family_hub".into()), ..Default::default() };
    let ctx = needmap::gaps::GapContext::new(&engine, false).unwrap();
    let c = needmap::scenario::compare(&engine, &applied.engine, &ctx, &query).unwrap();
    let gained = needmap::scenario::signed(c.summary.thresholds[0].reach.gained_population);
    let unmet = needmap::scenario::thousands(c.summary.unmet_need.baseline.unwrap());
    assert!(c.summary.thresholds[0].reach.gained_population >= 1000.0, "a gain with a thousands separator: {gained}");

    for (paper, landscape) in [("a4", false), ("a3", true)] {
        let pdf = dir.path().join(format!("scenario-{paper}.pdf"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_needmap"));
        cmd.args(["print", "--gap", "--category", "family_hub", "--paper", paper, "--scenario"]).arg(&file).arg("-o").arg(&pdf);
        if landscape {
            cmd.arg("--landscape");
        }
        let out = cmd.env("NEEDMAP_LOG", "warn").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_paper(&pdf, if paper == "a4" { Paper::A4 } else { Paper::A3 }, landscape);
        let text = pdf_text(&pdf);
        assert!(text.contains("Scenario: Extra family hub in Bowling"), "title missing: {text}");
        assert!(text.contains("against the baseline: Family hub"), "table title missing: {text}");
        assert!(text.contains("800 m 1.6 km 10 min 20 min"), "threshold header missing: {text}");
        assert!(text.contains("Baseline Scenario Change"), "header missing: {text}");
        assert!(text.contains(&format!("Residents newly within {gained}")), "`Residents newly within {gained}` missing: {text}");
        assert!(text.contains(&format!("Unmet need (people) {unmet}")), "unmet need {unmet} missing: {text}");
        assert!(text.contains("deciles 1-2 (most deprived)"), "decile split missing: {text}");
        // The figures are not repeated in the notes; the areas named stay there.
        assert!(!text.contains("newly within reach"), "the old summary lines are still in the notes: {text}");
        assert!(text.contains("Most improved:"), "{text}");
    }
}

// ------------------------------------------------------------------ exports round-trip

#[test]
fn exports_round_trip_geojson_csv_and_shapefile() {
    let engine = bradford();
    let dir = tempfile::tempdir().unwrap();
    let mut request = ExportRequest::new("ward");
    request.generated_at = Some("2026-11-24T12:00:00Z".into());
    let mut expected = area_report(&engine, "ward").unwrap();
    let suppression = request.disclosure.apply(&engine, &mut expected);
    assert!(suppression.cells.is_empty(), "ward counts are all large");

    // GeoJSON, read back with the geojson crate.
    let gj_path = dir.path().join("wards.geojson");
    export::write_files(&engine, &request, Format::Geojson, &gj_path, false).unwrap();
    let text = std::fs::read_to_string(&gj_path).unwrap();
    let fc: geojson::FeatureCollection = text.parse().unwrap();
    assert_eq!(fc.features.len(), expected.rows.len());
    let prov = &fc.foreign_members.as_ref().unwrap()["needmap"];
    assert_eq!(prov["dataset"]["name"], "Bradford District (E08000032)");
    assert_eq!(prov["generated_at"], "2026-11-24T12:00:00Z");
    assert_eq!(prov["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(prov["parameters"]["level"], "ward");
    let sources = prov["sources"].as_array().unwrap();
    assert!(sources.iter().any(|s| s["vintage"] == "2019 (population mid-2015)" && s["licence"].as_str().unwrap().contains("OGL")));
    for (row, feature) in expected.rows.iter().zip(&fc.features) {
        let props = feature.properties.as_ref().unwrap();
        for (c, col) in expected.columns.iter().enumerate() {
            let got = &props[col];
            match &row[c] {
                Cell::Text(Some(t)) => assert_eq!(got.as_str(), Some(t.as_str()), "{col}"),
                Cell::Text(None) => assert!(got.is_null(), "{col}"),
                cell => match cell_f64(cell) {
                    Some(v) => assert!((got.as_f64().unwrap() - v).abs() <= 5e-7, "{col}: {got} vs {v}"),
                    None => assert!(got.is_null(), "{col}"),
                },
            }
        }
        // RFC 7946: 6 decimals, counter-clockwise exterior rings.
        let mp: geo::MultiPolygon<f64> = feature.geometry.as_ref().unwrap().try_into().unwrap();
        for poly in &mp.0 {
            use geo::Area;
            assert!(geo::Polygon::new(poly.exterior().clone(), vec![]).signed_area() > 0.0, "exterior ring is not counter-clockwise");
            for c in poly.exterior().coords() {
                assert!(((c.x * 1e6).round() - c.x * 1e6).abs() < 1e-3);
            }
        }
    }

    // CSV with BOM, read back with the csv crate.
    let csv_path = dir.path().join("wards.csv");
    request.csv_bom = true;
    request.indicator = Some("imd_score".into());
    request.category = Some("library".into());
    export::write_files(&engine, &request, Format::Csv, &csv_path, false).unwrap();
    let bytes = std::fs::read(&csv_path).unwrap();
    assert!(bytes.starts_with(export::csv::BOM));
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert!(headers.contains(&"imd_score".to_string()) && !headers.contains(&"imd_rank".to_string()));
    assert!(headers.contains(&"services_library".to_string()) && !headers.contains(&"services_gp".to_string()));
    let score_col = expected.column("imd_score").unwrap();
    for (rec, row) in rdr.records().zip(&expected.rows) {
        let rec = rec.unwrap();
        assert_eq!(&rec[0], row[0].render());
        let i = headers.iter().position(|h| h == "imd_score").unwrap();
        // Full precision: the text reads back as exactly the engine's value.
        assert_eq!(rec[i].parse::<f64>().unwrap(), cell_f64(&row[score_col]).unwrap());
        for field in rec.iter() {
            assert!(!field.contains("e+") && !field.contains("E+") && !field.contains("e-"), "`{field}` in exponent notation");
        }
    }
    let sidecar: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("wards.csv.provenance.json")).unwrap()).unwrap();
    assert_eq!(sidecar["parameters"]["indicator"], "imd_score");
    assert_eq!(sidecar["parameters"]["category"], "library");

    // Shapefile in BNG, read back with the shapefile crate; fields via the mapping table.
    request.indicator = None;
    request.category = None;
    request.crs = OutputCrs::Bng;
    // `-o wards.shp` writes the folder `wards/` holding wards.shp and the rest.
    let out_path = dir.path().join("wards.shp");
    let written = export::write_files(&engine, &request, Format::Shapefile, &out_path, false).unwrap();
    assert_eq!(written.files.len(), 7, "{:?}", written.files);
    let shp_path = dir.path().join("wards/wards.shp");
    let prj = std::fs::read_to_string(dir.path().join("wards/wards.prj")).unwrap();
    assert_eq!(prj, BNG_PRJ);
    // PROJ reads the .prj as British National Grid: the transform is the identity.
    let t = needmap::crs::Transform::new(&prj, "EPSG:27700").unwrap();
    let c = t.coord(geo::coord! { x: 415000.0, y: 432000.0 }).unwrap();
    assert!((c.x - 415000.0).abs() < 0.01 && (c.y - 432000.0).abs() < 0.01, "{c:?}");
    let sidecar: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("wards/wards.shp.provenance.json")).unwrap()).unwrap();
    let mapping: HashMap<String, String> = sidecar["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_string(), f["column"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(mapping.len(), expected.columns.len());
    assert!(mapping.keys().all(|k| k.len() <= 10));
    assert!(sidecar["fields"].as_array().unwrap().iter().any(|f| f["shortened"] == true));
    let mut reader = shapefile::Reader::from_path(&shp_path).unwrap();
    let mut n = 0;
    for (result, row) in reader.iter_shapes_and_records().zip(&expected.rows) {
        let (shape, record) = result.unwrap();
        n += 1;
        let code = match record.get("code") {
            Some(shapefile::dbase::FieldValue::Character(Some(c))) => c.clone(),
            other => panic!("code field: {other:?}"),
        };
        assert_eq!(Cell::Text(Some(code.clone())), row[0]);
        for (field, column) in &mapping {
            let c = expected.column(column).unwrap();
            match (record.get(field), &row[c]) {
                (Some(shapefile::dbase::FieldValue::Character(v)), Cell::Text(t)) => assert_eq!(v, t, "{column}"),
                (Some(shapefile::dbase::FieldValue::Numeric(v)), cell) => match (v, cell_f64(cell)) {
                    // At least 7 significant digits, however small the value.
                    (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-7 * b.abs().max(1e-7), "{column}: {a} vs {b}"),
                    (None, None) => {}
                    (a, b) => panic!("{column}: {a:?} vs {b:?}"),
                },
                (got, cell) => panic!("{column}: {got:?} vs {cell:?}"),
            }
        }
        // Geometry in BNG metres, the same area as the engine's.
        let area = engine.level("ward").unwrap().area(&code).unwrap();
        let mp: geo::MultiPolygon<f64> = match shape {
            shapefile::Shape::Polygon(p) => geo::MultiPolygon::<f64>::try_from(p).unwrap(),
            other => panic!("not a polygon: {other}"),
        };
        use geo::Area;
        let rel = (mp.unsigned_area() - area.area_m2).abs() / area.area_m2;
        assert!(rel < 1e-9, "{code}: area differs by {rel}");
    }
    assert_eq!(n, expected.rows.len());

    // Existing files are kept without --force.
    let again = export::write_files(&engine, &request, Format::Shapefile, &out_path, false);
    assert!(matches!(again, Err(export::ExportError::Exists { .. })));
    assert!(export::write_files(&engine, &request, Format::Shapefile, &out_path, true).is_ok());
}

// ------------------------------------------------------------------ disclosure control

const REFUGE: (f64, f64) = (-1.8712, 53.8311);

/// Four square wards in two constituencies; ward T04 has 4 residents and
/// ward T02 holds a refuge (category `refuge`, `sensitive = true`).
fn synthetic_dataset(dir: &Path) -> Engine {
    let square = |x0: f64, y0: f64| format!("[[[{x0},{y0}],[{},{y0}],[{},{}],[{x0},{}],[{x0},{y0}]]]", x0 + 0.02, x0 + 0.02, y0 + 0.02, y0 + 0.02);
    let wards = [
        ("T01", "Northwest", -1.90, 53.82, "C1"),
        ("T02", "Northeast", -1.88, 53.82, "C2"),
        ("T03", "Southwest", -1.90, 53.80, "C1"),
        ("T04", "Southeast", -1.88, 53.80, "C2"),
    ];
    let features: Vec<String> = wards
        .iter()
        .map(|(code, name, x, y, _)| {
            format!(
                r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
                square(*x, *y)
            )
        })
        .collect();
    std::fs::write(dir.join("wards.geojson"), format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))).unwrap();
    let cons = [("C1", "Westside", -1.90), ("C2", "Eastside", -1.88)];
    let features: Vec<String> = cons
        .iter()
        .map(|(code, name, x)| {
            format!(
                r#"{{"type":"Feature","properties":{{"code":"{code}","name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},53.80],[{},53.80],[{},53.84],[{x},53.84],[{x},53.80]]]}}}}"#,
                x + 0.02,
                x + 0.02
            )
        })
        .collect();
    std::fs::write(dir.join("constituencies.geojson"), format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(","))).unwrap();
    // T02: 7 people in need (a small count); T04: 4 residents in all.
    std::fs::write(
        dir.join("indicators.csv"),
        "code,pop_total,pop_children,score,people_in_need\nT01,5000,1200,20.5,340\nT02,3000,800,35.25,7\nT03,2500,600,12.75,120\nT04,4,2,41.5,3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("services.csv"),
        format!(
            "id,name,category,lon,lat\nL1,Town Library,library,-1.8950,53.8290\nL2,South Library,library,-1.8650,53.8050\nR1,Secret Refuge Alpha,refuge,{},{}\n",
            REFUGE.0, REFUGE.1
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("dataset.toml"),
        r#"
[dataset]
name = "Testshire (synthetic)"

[[level]]
id = "constituency"
label = "Constituency (Area Committee)"
file = "constituencies.geojson"
id_field = "code"
name_field = "name"

[[level]]
id = "ward"
label = "Ward"
file = "wards.geojson"
id_field = "code"
name_field = "name"
parent = "constituency"

[[indicator_table]]
file = "indicators.csv"
join_column = "code"
level = "ward"
[indicator_table.populations]
total = "pop_total"
children = "pop_children"

[[indicator_table.indicator]]
id = "score"
label = "Need score"
kind = "score"
direction = "higher_is_worse"

[[indicator_table.indicator]]
id = "people_in_need"
label = "People in need"
kind = "count"
direction = "higher_is_worse"

[[service_file]]
file = "services.csv"
category_column = "category"
x_column = "lon"
y_column = "lat"

[tiers.1]
label = "Tier 1"
[tiers.3]
label = "Tier 3"

[categories.library]
label = "Library"
tier = "1"
[categories.refuge]
label = "Refuge"
tier = "3"
sensitive = true

[[source]]
title = "Synthetic boundaries and counts"
files = ["wards.geojson", "constituencies.geojson", "indicators.csv", "services.csv"]
publisher = "needmap tests"
licence = "CC0"
vintage = "2099 test vintage"
"#,
    )
    .unwrap();
    let loc = locate(Some(dir)).unwrap();
    Engine::load(&loc).unwrap()
}

fn row_of(report: &Report, code: &str) -> usize {
    report.rows.iter().position(|r| r[0] == Cell::Text(Some(code.into()))).unwrap()
}

#[test]
fn small_counts_of_people_never_leak() {
    let data = tempfile::tempdir().unwrap();
    let engine = synthetic_dataset(data.path());
    let raw = area_report(&engine, "ward").unwrap();
    let (t02, t04) = (row_of(&raw, "T02"), row_of(&raw, "T04"));
    let pop = raw.column("population").unwrap();
    let need = raw.column("people_in_need").unwrap();
    assert_eq!(cell_f64(&raw.rows[t04][pop]), Some(4.0), "fixture: T04 has 4 residents");
    assert_eq!(cell_f64(&raw.rows[t02][need]), Some(7.0), "fixture: T02 has 7 people in need");

    let out = tempfile::tempdir().unwrap();
    let request = ExportRequest::new("ward");

    // GeoJSON: the small counts are null, the large ones intact.
    let mut buf = Vec::new();
    let prov = export::write(&engine, &request, Format::Geojson, &mut buf).unwrap();
    assert!(prov.disclosure.suppressed_cells >= 4);
    assert!(prov.disclosure.footnote.as_deref().unwrap_or("").contains("below 10"));
    let fc: geojson::FeatureCollection = String::from_utf8(buf).unwrap().parse().unwrap();
    let props = |code: &str| fc.features.iter().find(|f| f.id == Some(geojson::feature::Id::String(code.into()))).unwrap().properties.clone().unwrap();
    let p04 = props("T04");
    for col in ["population", "pop_children", "people_in_need", "services_per_10k", "services_children_per_1k"] {
        assert!(p04[col].is_null(), "T04 {col} leaked: {}", p04[col]);
    }
    assert!(props("T02")["people_in_need"].is_null(), "T02 people_in_need leaked");
    assert_eq!(props("T01")["population"].as_f64(), Some(5000.0));
    assert_eq!(props("T01")["people_in_need"].as_f64(), Some(340.0));

    // CSV: an empty cell and a `<column>_suppressed` flag, never the value;
    // the column stays numeric (every other cell parses as a number).
    let mut buf = Vec::new();
    export::write(&engine, &request, Format::Csv, &mut buf).unwrap();
    let mut rdr = csv::Reader::from_reader(buf.as_slice());
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        match &rec[0] {
            "T04" => {
                for c in ["population", "pop_children", "people_in_need", "services_per_10k"] {
                    assert!(rec[col(c)].is_empty(), "T04 {c} leaked: {}", &rec[col(c)]);
                    assert_eq!(&rec[col(&format!("{c}_suppressed"))], "1", "T04 {c} not flagged");
                }
            }
            "T02" => {
                assert_eq!(&rec[col("people_in_need")], "");
                assert_eq!(&rec[col("people_in_need_suppressed")], "1");
            }
            _ => {
                assert_eq!(&rec[col("people_in_need_suppressed")], "0");
                assert!(rec[col("people_in_need")].parse::<f64>().is_ok(), "{:?}", rec);
            }
        }
        for (h, v) in headers.iter().zip(rec.iter()) {
            assert!(!v.starts_with('<'), "{h}: `{v}` is text in a numeric column");
        }
    }

    // Shapefile: no value.
    export::write_files(&engine, &request, Format::Shapefile, &out.path().join("wards"), false).unwrap();
    let shp = out.path().join("wards/wards.shp");
    let sidecar: serde_json::Value = serde_json::from_slice(&std::fs::read(out.path().join("wards/wards.shp.provenance.json")).unwrap()).unwrap();
    let field_of: HashMap<String, String> = sidecar["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["column"].as_str().unwrap().to_string(), f["field"].as_str().unwrap().to_string()))
        .collect();
    let mut reader = shapefile::Reader::from_path(&shp).unwrap();
    let mut seen = 0;
    for result in reader.iter_shapes_and_records() {
        let (_, record) = result.unwrap();
        let code = format!("{:?}", record.get("code"));
        let small: &[&str] = if code.contains("T04") {
            &["population", "pop_children", "people_in_need", "services_per_10k", "services_children_per_1k"]
        } else if code.contains("T02") {
            &["people_in_need"]
        } else {
            &[]
        };
        for column in small {
            let v = record.get(&field_of[*column]).unwrap_or_else(|| panic!("no field for {column}"));
            assert!(matches!(v, shapefile::dbase::FieldValue::Numeric(None)), "{code} {column} leaked: {v:?}");
            seen += 1;
        }
    }
    assert_eq!(seen, 6);

    // Print: the count map shows T02 and T04 as suppressed, with a footnote.
    let req = PrintRequest::new("ward", Theme::Indicator(Some("people_in_need".into())));
    let map = print::render_svg(&engine, &req).unwrap();
    assert_eq!(map.suppressed_areas, 2);
    assert!(map.legend.iter().any(|e| e.starts_with("Suppressed")));
    assert!(map.svg.contains("counts of fewer than 10 people are suppressed"));
    let pdf_path = out.path().join("suppressed.pdf");
    std::fs::write(&pdf_path, print::pdf_from_svg(&map.svg).unwrap()).unwrap();
    let text = pdf_text(&pdf_path);
    assert!(text.contains("Suppressed (fewer than 10 people)") && text.contains("2 area(s) suppressed on this map"), "{text}");
    if let Some(keep) = std::env::var_os("NEEDMAP_KEEP_PRINTS") {
        std::fs::copy(&pdf_path, Path::new(&keep).join("suppressed.pdf")).unwrap();
    }
    // Class labels come from the unsuppressed values only.
    assert!(!map.legend.iter().any(|e| e.split(' ').any(|w| w == "7" || w == "3")), "{:?}", map.legend);

    // The threshold is configurable: at 3, T04's 4 residents are shown.
    let mut low = ExportRequest::new("ward");
    low.disclosure = Disclosure { threshold: 3 };
    let mut buf = Vec::new();
    export::write(&engine, &low, Format::Geojson, &mut buf).unwrap();
    let fc: geojson::FeatureCollection = String::from_utf8(buf).unwrap().parse().unwrap();
    let t04 = fc.features.iter().find(|f| f.id == Some(geojson::feature::Id::String("T04".into()))).unwrap();
    assert_eq!(t04.properties.as_ref().unwrap()["population"].as_f64(), Some(4.0));
}

#[test]
fn sensitive_sites_are_only_counted_in_their_area() {
    let data = tempfile::tempdir().unwrap();
    let engine = synthetic_dataset(data.path());
    let near_refuge = |x: f64, y: f64| (x - REFUGE.0).abs() < 0.01 && (y - REFUGE.1).abs() < 0.01;

    // Area table: ward T02 has fewer residents than `[disclosure]
    // sensitive_min_population` (10,000), so its refuge is not counted there
    // (the column is empty, and totals leave it out).
    let mut buf = Vec::new();
    export::write(&engine, &ExportRequest::new("ward"), Format::Geojson, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let fc: geojson::FeatureCollection = text.parse().unwrap();
    let t02 = fc.features.iter().find(|f| f.id == Some(geojson::feature::Id::String("T02".into()))).unwrap();
    let props = t02.properties.as_ref().unwrap();
    assert!(props["services_refuge"].is_null(), "{:?}", props["services_refuge"]);
    assert!(props["population"].as_f64().is_none_or(|p| p < 10_000.0));
    assert!(!text.contains("Secret Refuge Alpha"));

    // Services layer in every format: no refuge, no point near it.
    let mut services = ExportRequest::new("ward");
    services.layer = Layer::Services;
    let mut buf = Vec::new();
    let prov = export::write(&engine, &services, Format::Geojson, &mut buf).unwrap();
    assert_eq!(prov.disclosure.sensitive_services_withheld, 1);
    let text = String::from_utf8(buf).unwrap();
    assert!(!text.contains("Secret Refuge") && !text.contains("\"R1\"") && !text.contains("\"category\":\"refuge\""), "refuge leaked");
    let fc: geojson::FeatureCollection = text.parse().unwrap();
    assert_eq!(fc.features.len(), 2, "the two libraries only");
    for f in &fc.features {
        let p: geo::Point<f64> = f.geometry.as_ref().unwrap().try_into().unwrap();
        assert!(!near_refuge(p.x(), p.y()), "a point at the refuge's location leaked");
    }
    // Asking for the sensitive category gives nothing, not the refuge.
    services.category = Some("refuge".into());
    let mut buf = Vec::new();
    export::write(&engine, &services, Format::Csv, &mut buf).unwrap();
    let csv_text = String::from_utf8(buf).unwrap();
    assert_eq!(csv_text.lines().count(), 1, "header only: {csv_text}");
    services.category = None;
    let out = tempfile::tempdir().unwrap();
    export::write_files(&engine, &services, Format::Shapefile, &out.path().join("services"), false).unwrap();
    let shp = out.path().join("services/services.shp");
    let shapes = shapefile::read_shapes(&shp).unwrap();
    assert_eq!(shapes.len(), 2);
    for s in shapes {
        match s {
            shapefile::Shape::Point(p) => assert!(!near_refuge(p.x, p.y), "refuge location in the Shapefile"),
            other => panic!("{other}"),
        }
    }

    // Print a gap map for refuges: nothing drawn at the refuge, withheld count noted.
    let mut table = area_report(&engine, "ward").unwrap();
    table.columns.push("gap_class".into());
    for row in &mut table.rows {
        row.push(Cell::Text(Some("high-need/low-access".into())));
    }
    let mut req = PrintRequest::new("ward", Theme::Gap { category: "refuge".into() });
    req.table = Some(table.clone());
    let map = print::render_svg(&engine, &req).unwrap();
    assert_eq!(map.points_drawn, 0);
    assert_eq!(map.sensitive_withheld, 1);
    assert!(!map.svg.contains("<circle") || map.svg.matches("<circle").count() == 1, "only the legend symbol may be a circle");
    assert!(!map.svg.contains("Secret Refuge"));
    assert!(map.svg.contains(print::classes::BIVARIATE[2][2]), "gap class colour used");
    // The same map for libraries draws both libraries.
    let mut req = PrintRequest::new("ward", Theme::Gap { category: "library".into() });
    req.table = Some(table);
    let map = print::render_svg(&engine, &req).unwrap();
    assert_eq!(map.points_drawn, 2);
    assert_eq!(map.sensitive_withheld, 0);
    // A table without gap_class gives a clear error.
    let req = PrintRequest::new("ward", Theme::Gap { category: "library".into() });
    let err = print::render_svg(&engine, &req).unwrap_err().to_string();
    assert!(err.contains("gap_class"), "{err}");
    // Committee framing works on the synthetic set too, with its two wards labelled.
    let mut req = PrintRequest::new("ward", Theme::Indicator(Some("score".into())));
    req.area = Some("Eastside".into());
    let map = print::render_svg(&engine, &req).unwrap();
    let mut labels = map.labels_placed.clone();
    labels.sort();
    assert_eq!(labels, ["Northeast", "Southeast"]);
}
