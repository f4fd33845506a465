//! Sensitive sites (refuges and the like) can never be located from a public
//! output. The Bradford pack is copied to a temporary folder whose manifest
//! marks libraries `sensitive`; then a trilateration attack (circles of the
//! published nearest distance around each published origin, intersected
//! pairwise and confirmed by further circles) is run against every endpoint
//! that carries distances, and must locate no library within 1 km. The same
//! attack on the internal `--include-sensitive` figures locates most
//! libraries, so the attack is known to work.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, LazyLock};

use axum::http::StatusCode;
use axum::Router;
use needmap::gaps::{self, GapContext, GapQuery, Method};
use needmap::Engine;
use serde_json::Value;

const SENSITIVE: &str = "library";

/// The shared pack copied into a temporary folder, with a manifest that marks
/// `library` sensitive.
static DATA: LazyLock<tempfile::TempDir> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/geodata/bradford");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&shared).expect("the Bradford pack at ../shared/geodata/bradford") {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
    }
    let manifest = std::fs::read_to_string(root.join("geodata/bradford/dataset.toml")).unwrap();
    let header = format!("[categories.{SENSITIVE}]\n");
    assert!(manifest.contains(&header), "the manifest has a {SENSITIVE} category");
    let manifest = manifest.replacen(&header, &format!("{header}sensitive = true\n"), 1);
    std::fs::write(dir.path().join("dataset.toml"), manifest).unwrap();
    dir
});

static ENGINE: LazyLock<Arc<Engine>> = LazyLock::new(|| {
    let loc = needmap::dataset::locate(Some(DATA.path())).expect("the copied pack");
    assert!(loc.manifest.categories[SENSITIVE].sensitive);
    Arc::new(Engine::load(&loc).expect("engine loads"))
});
static CTX: LazyLock<GapContext> = LazyLock::new(|| GapContext::new(&ENGINE, false).unwrap());
static APP: LazyLock<Router> =
    LazyLock::new(|| needmap::serve::build(ENGINE.clone(), PathBuf::from("/nonexistent-web"), "127.0.0.1:8080").unwrap());
fn get(uri: &str) -> (StatusCode, Vec<u8>) {
    crate::common::oneshot_get(&APP, uri)
}

type Point = (f64, f64);

fn dist(a: Point, b: Point) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// Where published (origin, nearest distance) pairs put a service: every
/// intersection of two nearby circles that two more circles pass through
/// (within `TOL`), and that no circle contradicts (no origin would have the
/// point nearer than its published nearest distance).
fn trilaterate(obs: &[(Point, f64)]) -> Vec<Point> {
    const TOL: f64 = 0.5;
    let mut found: Vec<Point> = Vec::new();
    for (i, &(p, r)) in obs.iter().enumerate() {
        let mut near: Vec<usize> = (0..obs.len()).filter(|&j| j != i).collect();
        near.sort_by(|&a, &b| dist(obs[a].0, p).total_cmp(&dist(obs[b].0, p)));
        for &j in near.iter().take(8) {
            let (q, s) = obs[j];
            let d = dist(p, q);
            if d == 0.0 || d > r + s || d < (r - s).abs() {
                continue;
            }
            let a = (r * r - s * s + d * d) / (2.0 * d);
            let h = (r * r - a * a).max(0.0).sqrt();
            let (ux, uy) = ((q.0 - p.0) / d, (q.1 - p.1) / d);
            let mid = (p.0 + a * ux, p.1 + a * uy);
            for c in [(mid.0 - h * uy, mid.1 + h * ux), (mid.0 + h * uy, mid.1 - h * ux)] {
                let mut support = 0;
                let mut contradicted = false;
                for (m, &(o, e)) in obs.iter().enumerate() {
                    if m == i || m == j {
                        continue;
                    }
                    let dc = dist(c, o);
                    if (dc - e).abs() < TOL {
                        support += 1;
                    } else if dc < e - TOL {
                        contradicted = true;
                        break;
                    }
                }
                if support >= 2 && !contradicted && !found.iter().any(|f| dist(*f, c) < 5.0) {
                    found.push(c);
                }
            }
        }
    }
    found
}

fn sensitive_sites() -> Vec<Point> {
    ENGINE.services.iter().filter(|s| s.category == SENSITIVE).map(|s| (s.bng.x, s.bng.y)).collect()
}

/// Sensitive sites within 1 km of a located point that is not a public site.
fn located(found: &[Point], public: &[Point]) -> Vec<(Point, f64)> {
    let hidden: Vec<Point> = found.iter().copied().filter(|f| public.iter().all(|p| dist(*p, *f) > 25.0)).collect();
    sensitive_sites()
        .into_iter()
        .filter_map(|s| hidden.iter().map(|h| dist(*h, s)).min_by(f64::total_cmp).filter(|d| *d < 1000.0).map(|d| (s, d)))
        .collect()
}

/// Representative points of the origins of `level`, in British National Grid
/// metres, by area code: what an attacker has from `rep_lon`/`rep_lat`.
fn rep_points(level: &str) -> HashMap<String, Point> {
    let q = GapQuery { level: level.into(), tier: Some("0".into()), method: Method::Nearest, ..GapQuery::default() };
    let t = gaps::compute_with(&ENGINE, &CTX, &q).unwrap();
    t.rows.iter().filter_map(|r| r.rep.map(|p| (r.code.clone(), (p.bng.x, p.bng.y)))).collect()
}

/// Public sites of a selection, as the services endpoint lists them (by id,
/// placed with the engine's British National Grid coordinates).
fn public_sites(query: &str) -> Vec<Point> {
    let (status, body) = get(&format!("/api/services.geojson?{query}"));
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let ids: std::collections::HashSet<String> = doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["id"].as_str().map(String::from))
        .collect();
    assert!(!ids.is_empty());
    ENGINE.services.iter().filter(|s| ids.contains(&s.id)).map(|s| (s.bng.x, s.bng.y)).collect()
}

/// (code, nearest_m) from a GeoJSON document, OGC items or a CSV.
fn distances(body: &[u8], csv: bool) -> Vec<(String, f64)> {
    if csv {
        let mut r = csv::Reader::from_reader(body);
        let h = r.headers().unwrap().clone();
        let (c, d) = (h.iter().position(|x| x == "code").unwrap(), h.iter().position(|x| x == "nearest_m").expect("nearest_m column"));
        r.records()
            .filter_map(|rec| {
                let rec = rec.unwrap();
                Some((rec[c].to_string(), rec[d].parse().ok()?))
            })
            .collect()
    } else {
        let doc: Value = serde_json::from_slice(body).unwrap();
        doc["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| {
                let p = &f["properties"];
                let code = p["code"].as_str().map(String::from).or_else(|| f["id"].as_str().map(String::from))?;
                Some((code, p["nearest_m"].as_f64()?))
            })
            .collect()
    }
}

fn observations(reps: &HashMap<String, Point>, d: &[(String, f64)]) -> Vec<(Point, f64)> {
    d.iter().filter_map(|(c, m)| reps.get(c).map(|p| (*p, *m))).collect()
}

#[test]
fn the_attack_locates_sensitive_sites_from_internal_figures() {
    // Positive control: with --include-sensitive (internal use only) the
    // nearest distances from every Output Area do locate the libraries.
    let q = GapQuery {
        level: "oa".into(),
        category: Some(SENSITIVE.into()),
        method: Method::Nearest,
        include_sensitive: true,
        ..GapQuery::default()
    };
    let t = gaps::compute_with(&ENGINE, &CTX, &q).unwrap();
    assert!(t.notes.iter().any(|n| n.contains("never publish")), "{:?}", t.notes);
    let obs: Vec<(Point, f64)> = t.rows.iter().filter_map(|r| Some(((r.rep?.bng.x, r.rep?.bng.y), r.nearest_m?))).collect();
    let found = trilaterate(&obs);
    let sites = sensitive_sites();
    let exact = sites.iter().filter(|s| found.iter().any(|f| dist(*f, **s) < 1.0)).count();
    eprintln!("internal figures: {exact} of {} sensitive sites located to within 1 m", sites.len());
    assert!(exact * 2 > sites.len(), "the attack located only {exact} of {} sites", sites.len());
    assert!(!located(&found, &[]).is_empty());
}

#[test]
fn no_public_output_locates_a_sensitive_site() {
    let tier = ENGINE.categories[SENSITIVE].tier.clone();
    let public = public_sites(&format!("tier={tier}"));
    assert!(public.len() > 100, "tier {tier} has public sites to confuse with");
    assert!(sensitive_sites().iter().all(|s| !public.contains(s)), "sensitive sites are never listed");
    let mut attacked = 0;
    for level in ["oa", "lsoa"] {
        let reps = rep_points(level);
        for method in ["nearest", "2sfca", "e2sfca"] {
            // The sensitive category itself is refused wherever distances or access would be computed.
            for uri in [
                format!("/api/areas/{level}.geojson?category={SENSITIVE}&method={method}"),
                format!("/api/export/{level}.geojson?category={SENSITIVE}&method={method}"),
                format!("/api/export/{level}.csv?category={SENSITIVE}&method={method}"),
                format!("/api/export/{level}.zip?category={SENSITIVE}&method={method}"),
                format!("/ogc/collections/{level}/items?category={SENSITIVE}&method={method}&limit=10000"),
                format!("/tiles/{level}/12/2028/1319.mvt?category={SENSITIVE}&method={method}"),
                format!("/tiles/{level}.json?category={SENSITIVE}&method={method}"),
                format!("/api/print/{level}.pdf?gap=true&category={SENSITIVE}&method={method}"),
                format!("/api/grid.geojson?category={SENSITIVE}&method={method}&cell=250"),
            ] {
                let (status, body) = get(&uri);
                let text = String::from_utf8_lossy(&body);
                assert_eq!(status, 400, "{uri}: {}", &text[..text.len().min(300)]);
                assert!(text.contains("sensitive"), "{uri}: {text}");
            }
            // A tier that holds the sensitive category: its sites are left out of every distance.
            let q = format!("tier={tier}&method={method}");
            for (uri, csv) in [
                (format!("/api/areas/{level}.geojson?{q}"), false),
                (format!("/api/export/{level}.geojson?{q}"), false),
                (format!("/api/export/{level}.csv?{q}"), true),
                (format!("/ogc/collections/{level}/items?{q}&limit=10000"), false),
            ] {
                let (status, body) = get(&uri);
                assert_eq!(status, 200, "{uri}: {}", String::from_utf8_lossy(&body));
                let d = distances(&body, csv);
                assert_eq!(d.len(), reps.len(), "{uri}: one distance per origin");
                let found = trilaterate(&observations(&reps, &d));
                let hit = located(&found, &public);
                assert!(hit.is_empty(), "{uri}: sensitive sites located: {hit:?}");
                // From 1,528 Output Areas the attack does find public sites (so it would find hidden ones).
                assert!(level != "oa" || found.len() > 20, "{uri}: the attack found {} public sites", found.len());
                eprintln!("{uri}: {} point(s) located, none of them hidden", found.len());
                attacked += 1;
            }
        }
    }
    assert_eq!(attacked, 24);
}

#[test]
fn a_sensitive_category_alone_gives_counts_only_in_large_areas() {
    let min = ENGINE.manifest.disclosure.sensitive_min_population;
    let total = ENGINE.services.iter().filter(|s| s.category == SENSITIVE).count();
    assert!(total > 20);
    for level in ["constituency", "ward", "msoa", "lsoa", "oa"] {
        let (status, body) = get(&format!("/api/areas/{level}.geojson?category={SENSITIVE}"));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let doc: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(doc["selection"]["gap_fields"], false);
        let mut counted = 0;
        for f in doc["features"].as_array().unwrap() {
            let p = f["properties"].as_object().unwrap();
            for k in p.keys() {
                assert!(!k.starts_with("nearest") && !k.starts_with("access") && !k.starts_with("coverage"), "{level}: {k}");
            }
            let pop = p["population"].as_f64().unwrap_or(0.0);
            let n = &p["services_selected"];
            let c = &p[&format!("services_{SENSITIVE}")];
            if pop >= min {
                assert!(n.is_u64() && c == n, "{level} {}: {n} / {c}", p["code"]);
                counted += n.as_u64().unwrap() as usize;
            } else {
                assert!(n.is_null() && c.is_null(), "{level} {} ({pop} people): {n} / {c}", p["code"]);
            }
        }
        if level == "ward" || level == "constituency" {
            let outside = ENGINE.services.iter().filter(|s| s.category == SENSITIVE && ENGINE.counted_area(s, ENGINE.level_index(level).unwrap()).is_none()).count();
            assert_eq!(counted + outside, total, "{level}: every site counted once");
        }
        if level == "lsoa" || level == "oa" {
            assert_eq!(counted, 0, "{level}: areas are all smaller than {min}");
        }
    }
    // Totals in small areas leave the sensitive sites out, so no difference of columns recovers them.
    let report = needmap::report::area_report(&ENGINE, "lsoa").unwrap();
    let col = report.column("services_total").unwrap();
    let sum: u64 = report.rows.iter().map(|r| r[col].render().parse::<u64>().unwrap()).sum();
    let lsoa = ENGINE.level_index("lsoa").unwrap();
    let expected = ENGINE.services.iter().filter(|s| !s.sensitive && s.areas[lsoa].is_some()).count() as u64;
    assert_eq!(sum, expected);
}

#[test]
fn the_cli_refuses_a_sensitive_category_unless_asked_for_internal_use() {
    let bin = env!("CARGO_BIN_EXE_needmap");
    let run = |extra: &[&str]| {
        let mut args = vec!["gaps", "--data", DATA.path().to_str().unwrap(), "--level", "lsoa", "--category", SENSITIVE, "--method", "nearest"];
        args.extend_from_slice(extra);
        Command::new(bin).args(&args).output().unwrap()
    };
    let refused = run(&[]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(err.contains("sensitive") && err.contains("--include-sensitive"), "{err}");
    let internal = run(&["--include-sensitive"]);
    assert!(internal.status.success(), "{}", String::from_utf8_lossy(&internal.stderr));
    assert!(String::from_utf8_lossy(&internal.stderr).contains("never publish"));
    assert_eq!(String::from_utf8_lossy(&internal.stdout).lines().count(), 311);
    // Export and print have no such switch.
    for cmd in [
        vec!["export", "--level", "lsoa", "--category", SENSITIVE, "--method", "nearest", "--format", "csv", "-o"],
        vec!["print", "--level", "lsoa", "--gap", "--category", SENSITIVE, "-o"],
    ] {
        let out = DATA.path().join(if cmd[0] == "export" { "x.csv" } else { "x.pdf" });
        let o = Command::new(bin).args(&cmd).arg(&out).args(["--data", DATA.path().to_str().unwrap()]).output().unwrap();
        assert!(!o.status.success(), "{cmd:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("sensitive"));
        assert!(!out.exists());
    }
}
