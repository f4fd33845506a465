//! Squares of where people live on the real pack: postcode origins summed in
//! 500 m squares against the independent fixture (shapely point-in-polygon,
//! tests/fixtures/postcodes/squares_500m.csv), square values against a brute
//! force over the origins, the disclosure rule, and `/api/grid.geojson`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use needmap::gaps::{self, GapClass, GapQuery, GridRule, Method, Origins, Tercile};
use serde_json::Value;

use crate::common::{csv_rows, ctx, engine, oneshot_get};

const RULE: GridRule = GridRule { size_m: 500, min_population: 100.0, min_postcodes: 3 };

fn query(category: &str, method: Method) -> GapQuery {
    GapQuery { category: Some(category.into()), method, ..GapQuery::default() }
}

/// A square of the fixture: the served population (`column`), residents, units, area origins.
struct Want {
    pop: f64,
    residents: f64,
    units: usize,
    areas: usize,
}

impl Want {
    fn shown(&self) -> bool {
        self.residents >= 100.0 && (self.units >= 3 || self.areas > 0)
    }
}

fn fixture(column: &str) -> HashMap<String, Want> {
    csv_rows("tests/fixtures/postcodes/squares_500m.csv")
        .into_iter()
        .map(|r| {
            let want = Want {
                pop: r[column].parse().unwrap(),
                residents: r["population_total"].parse().unwrap(),
                units: r["postcode_units"].parse().unwrap(),
                areas: r["area_origins"].parse().unwrap(),
            };
            (r["code"].clone(), want)
        })
        .collect()
}

#[test]
fn squares_hold_the_fixture_populations_and_only_disclosable_ones_are_shown() {
    let e = engine();
    for (category, column) in [("gp", "population_total"), ("family_hub", "population_children")] {
        let want = fixture(column);
        let grid = gaps::compute_grid(e, ctx(), &query(category, Method::Nearest), &RULE).unwrap();
        let t = &grid.table;
        assert_eq!(t.origin_level, "postcode");
        assert_eq!(grid.squares.len(), t.rows.len());
        assert_eq!(grid.summary.squares, want.len(), "{category}: squares holding an origin");
        // Every published square: the fixture's population, units and area origins, and the rule holds.
        for (row, sq) in t.rows.iter().zip(&grid.squares) {
            let w = want.get(&row.code).unwrap_or_else(|| panic!("{category}: {} not in the fixture", row.code));
            assert!((row.population - w.pop).abs() < 1e-6, "{category} {}: {} vs {}", row.code, row.population, w.pop);
            assert!((sq.residents - w.residents).abs() < 1e-6, "{}", row.code);
            assert_eq!((sq.postcodes, sq.area_origins), (w.units, w.areas), "{}", row.code);
            assert_eq!(row.origins, w.units + w.areas);
            assert!(w.shown(), "{} shown against the rule", row.code);
        }
        // Exactly the squares the rule lets out (by residents, for every category), and what it withholds is counted.
        assert_eq!(t.rows.len(), want.values().filter(|w| w.shown()).count(), "{category}");
        let withheld = want.values().filter(|w| !w.shown());
        assert_eq!(grid.summary.withheld, withheld.clone().count());
        let (pop, residents) = withheld.fold((0.0, 0.0), |(p, r), w| (p + w.pop, r + w.residents));
        // The fixture writes 6 decimals: sums of a few hundred squares agree to 1e-3.
        assert!((grid.summary.withheld_population - pop).abs() < 1e-3, "{category}: withheld {} vs {pop}", grid.summary.withheld_population);
        assert!((grid.summary.withheld_residents - residents).abs() < 1e-3);
        let all: f64 = t.rows.iter().map(|r| r.population).sum::<f64>() + grid.summary.withheld_population;
        assert!((all - t.district.population).abs() < 1e-6, "{category}: nobody lost ({all} vs {})", t.district.population);
        assert!(t.notes.iter().any(|n| n.contains(&format!("{} squares with fewer than 100 residents", grid.summary.withheld))), "{:?}", t.notes);
    }
    // 898 squares of 500 m hold people; 576 hold at least 100 residents and 3 postcode units (or an area origin).
    let grid = gaps::compute_grid(e, ctx(), &query("gp", Method::Nearest), &RULE).unwrap();
    assert_eq!((grid.summary.squares, grid.summary.published), (898, 576));
}

/// A square's nearest distance is the population-weighted mean of its
/// origins' straight-line distances to the nearest GP, by brute force.
#[test]
fn square_nearest_distances_match_a_brute_force() {
    let e = engine();
    let grid = gaps::compute_grid(e, ctx(), &query("gp", Method::Nearest), &RULE).unwrap();
    let o = Origins::postcodes(e, "total").unwrap();
    let gps: Vec<geo::Coord<f64>> = e.services.iter().filter(|s| s.category == "gp" && !s.sensitive).map(|s| s.bng).collect();
    let mut sums: HashMap<(i64, i64), (f64, f64)> = HashMap::new();
    for (p, w) in o.bng().zip(&o.demand) {
        let d = gps.iter().map(|g| ((g.x - p.x).powi(2) + (g.y - p.y).powi(2)).sqrt()).fold(f64::INFINITY, f64::min);
        let key = ((p.x / 500.0).floor() as i64 * 500, (p.y / 500.0).floor() as i64 * 500);
        let s = sums.entry(key).or_default();
        s.0 += w * d;
        s.1 += w;
    }
    for (row, sq) in grid.table.rows.iter().zip(&grid.squares) {
        let (num, den) = sums[&(sq.easting, sq.northing)];
        let want = num / den;
        let got = row.nearest_m.unwrap();
        assert!((got - want).abs() < 1e-6 * want.max(1.0), "{}: {got} vs {want}", row.code);
    }
}

/// The rank among squares means what it says: 1 has the most unmet need,
/// ranks are 1..=n over the squares with unmet need, and a larger unmet need
/// never ranks below a smaller one.
#[test]
fn square_ranks_follow_unmet_need() {
    let grid = gaps::compute_grid(engine(), ctx(), &query("family_hub", Method::Nearest), &RULE).unwrap();
    let mut ranked: Vec<(u32, f64)> = grid.table.rows.iter().filter_map(|r| Some((r.gap_rank?, r.unmet_need?))).collect();
    ranked.sort_by_key(|r| r.0);
    assert!(ranked.len() > 100, "{} ranked squares", ranked.len());
    assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), (1..=ranked.len() as u32).collect::<Vec<_>>());
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1), "ranks out of unmet-need order");
    assert!(grid.table.rows.iter().any(|r| r.gap_class == GapClass::Class { need: Tercile::High, access: Tercile::Low }));
}

#[test]
fn other_sizes_and_bad_sizes() {
    let e = engine();
    let q = query("gp", Method::TwoStep);
    let (mut squares, mut people) = (Vec::new(), Vec::new());
    for size_m in [250, 1000] {
        let g = gaps::compute_grid(e, ctx(), &q, &GridRule { size_m, ..RULE }).unwrap();
        assert!(g.squares.iter().all(|s| s.size_m == size_m && s.easting % size_m as i64 == 0 && s.northing % size_m as i64 == 0));
        squares.push(g.summary.squares);
        people.push(g.table.rows.iter().map(|r| r.population).sum::<f64>() + g.summary.withheld_population);
    }
    assert!(squares[0] > 898 && squares[1] < 898, "{squares:?}");
    assert!((people[0] - people[1]).abs() < 1e-6);
    let err = gaps::compute_grid(e, ctx(), &q, &GridRule { size_m: 300, ..RULE }).unwrap_err();
    assert!(err.to_string().contains("250, 500 or 1000"), "{err}");
    let err = gaps::compute_grid(e, ctx(), &query("no_such_category", Method::Nearest), &RULE).unwrap_err();
    assert!(err.to_string().contains("unknown category"), "{err}");
}

#[test]
fn the_grid_endpoint_sends_rfc7946_squares_with_the_rule_and_counts() {
    let e = engine();
    let state = needmap::serve::AppState::new(Arc::new(e.with_services(e.services.clone())), PathBuf::from("/nonexistent-web"), "127.0.0.1:1".into()).unwrap();
    let app = needmap::serve::router(Arc::new(state));
    let (status, body) = oneshot_get(&app, "/api/grid.geojson?category=family_hub&method=nearest");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let lib = gaps::compute_grid(e, ctx(), &query("family_hub", Method::Nearest), &RULE).unwrap();
    let features = doc["features"].as_array().unwrap();
    assert_eq!(features.len(), lib.squares.len());
    assert_eq!(doc["grid"]["withheld"], lib.summary.withheld);
    assert_eq!(doc["grid"]["min_population"], 100.0);
    for (f, (row, sq)) in features.iter().zip(lib.table.rows.iter().zip(&lib.squares)) {
        assert_eq!(f["id"], sq.code());
        let p = &f["properties"];
        // Full precision (serde_json parses floats to within an ulp).
        assert!((p["population"].as_f64().unwrap() - row.population).abs() <= 1e-12 * row.population.max(1.0));
        assert_eq!(p["size_m"], 500);
        assert_eq!(p["gap_class"], row.gap_class.label());
        // One counter-clockwise ring of five CRS84 positions around Bradford.
        let ring = f["geometry"]["coordinates"][0][0].as_array().unwrap();
        assert_eq!(ring.len(), 5);
        let pts: Vec<(f64, f64)> = ring.iter().map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())).collect();
        assert!(pts.iter().all(|(x, y)| (-2.2..-1.6).contains(x) && (53.7..54.0).contains(y)));
        let area2: f64 = pts.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum();
        assert!(area2 > 0.0, "{}: exterior ring counter-clockwise", sq.code());
    }
    for (uri, name) in [
        ("/api/grid.geojson?category=family_hub&cell=300", "cell"),
        ("/api/grid.geojson?category=no_such_category", "category"),
        ("/api/grid.geojson", "category"),
        ("/api/grid.geojson?category=gp&level=ward", "level"),
    ] {
        let (status, body) = oneshot_get(&app, uri);
        assert_eq!(status, 400, "{uri}");
        let err: Value = serde_json::from_slice(&body).unwrap();
        assert!(err.to_string().contains(name), "{uri}: {err}");
    }
    let (status, body) = oneshot_get(&app, "/api/meta");
    assert_eq!(status, 200);
    let meta: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(meta["grid"]["available"], true);
    assert_eq!(meta["grid"]["sizes_m"], serde_json::json!([250, 500, 1000]));
}

#[test]
fn the_cli_writes_the_squares_the_library_computes() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_needmap"))
        .args(["gaps", "--category", "gp", "--method", "nearest", "--squares", "1000", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lib = gaps::compute_grid(engine(), ctx(), &query("gp", Method::Nearest), &GridRule { size_m: 1000, ..RULE }).unwrap();
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), lib.squares.len());
    for (rec, (row, sq)) in rows.iter().zip(lib.table.rows.iter().zip(&lib.squares)) {
        assert_eq!(&rec[col("code")], row.code);
        assert_eq!(rec[col("population")].parse::<f64>().unwrap(), row.population, "full precision in the CSV");
        assert_eq!(rec[col("size_m")], *"1000");
        assert_eq!(rec[col("postcodes")].parse::<usize>().unwrap(), sq.postcodes);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{} of {} squares of 1000 m shown", lib.summary.published, lib.summary.squares)), "{stderr}");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_needmap")).args(["gaps", "--category", "gp", "--squares", "300"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("250"), "{}", String::from_utf8_lossy(&bad.stderr));
}
