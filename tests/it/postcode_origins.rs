//! `--origins postcode` on the real pack: every postcode unit in an LSOA is
//! an origin with an equal share of its LSOA's population; LSOAs with no
//! unit are one area origin each.

use needmap::gaps::{self, GapQuery, Method, OriginPoints, Origins};

use crate::common::{csv_rows, ctx, engine};

fn postcode_query(level: &str, category: &str, method: Method) -> GapQuery {
    GapQuery {
        level: level.into(),
        category: Some(category.into()),
        method,
        origin_points: OriginPoints::Postcodes,
        ..GapQuery::default()
    }
}

#[test]
fn demand_totals_equal_the_lsoa_totals() {
    let e = engine();
    let lsoa = e.level_index("lsoa").unwrap();
    for pop in ["total", "children"] {
        let o = Origins::postcodes(e, pop).unwrap();
        let u = o.units.as_ref().unwrap();
        assert_eq!(o.level, lsoa);
        // 13,506 units lie in an LSOA; the 20 LSOAs without a BD unit are area origins.
        assert_eq!((o.len(), u.area_fallback, u.units_outside, u.units_read), (13_506 + 20, 20, 16_903 - 13_506, 16_903));
        let published = e.population_of(lsoa, pop).unwrap();
        let mut per_lsoa = vec![0.0; published.len()];
        for (k, &h) in u.home.iter().enumerate() {
            per_lsoa[h] += o.demand[k];
        }
        for (a, (ours, theirs)) in per_lsoa.iter().zip(published).enumerate() {
            let theirs = theirs.unwrap();
            assert!((ours - theirs).abs() <= 1e-9 * theirs.max(1.0), "{} {pop}: {ours} vs {theirs}", e.levels[lsoa].areas[a].code);
        }
        let total: f64 = o.demand.iter().sum();
        let want: f64 = published.iter().flatten().sum();
        assert!((total - want).abs() < 1e-6, "{pop}: {total} vs {want}");
    }
}

/// Ward nearest distances, coverage and people in need from postcode
/// origins, against a brute force over every GP for every origin.
#[test]
fn ward_values_match_a_brute_force_over_the_origins() {
    let e = engine();
    let table = gaps::compute_with(e, ctx(), &postcode_query("ward", "gp", Method::Nearest)).unwrap();
    assert_eq!(table.origin_level, "postcode");
    assert!(table.notes.iter().any(|n| n.contains("20 lsoa area(s) hold no postcode unit")), "{:?}", table.notes);
    let o = Origins::postcodes(e, "total").unwrap();
    let u = o.units.as_ref().unwrap();
    let gps: Vec<geo::Coord<f64>> = e.services.iter().filter(|s| s.category == "gp" && !s.sensitive).map(|s| s.bng).collect();
    assert_eq!(table.services, gps.len());
    let ward = e.level_index("ward").unwrap();
    let (lsoa, nw) = (e.level_index("lsoa").unwrap(), e.levels[ward].len());
    let overlay = e.overlay(lsoa, ward);
    let mut num = vec![0.0; nw];
    let mut den = vec![0.0; nw];
    let mut within_800 = vec![0.0; nw];
    for (k, p) in o.points.iter().enumerate() {
        let near = gps.iter().map(|g| ((g.x - p.bng.x).powi(2) + (g.y - p.bng.y).powi(2)).sqrt()).fold(f64::INFINITY, f64::min);
        let wards: Vec<(usize, f64)> = match u.unit[k] {
            Some(unit) => e.postcode_units().unwrap().unwrap().areas[ward][unit].map(|w| (w, 1.0)).into_iter().collect(),
            None => overlay.pieces.iter().filter(|pc| pc.source == u.home[k]).map(|pc| (pc.target, pc.share)).collect(),
        };
        for (w, share) in wards {
            let d = o.demand[k] * share;
            num[w] += d * near;
            den[w] += d;
            if near <= 800.0 {
                within_800[w] += d;
            }
        }
    }
    let pc_weights = csv_rows("tests/fixtures/postcodes/ward_population.csv");
    for (w, row) in table.rows.iter().enumerate() {
        let area = &e.levels[ward].areas[w];
        assert_eq!(row.code, area.code);
        let mean = num[w] / den[w];
        let ours = row.nearest_m.unwrap();
        assert!((ours - mean).abs() <= 1e-9 * mean, "{}: {ours} vs brute force {mean}", row.code);
        assert!((row.population - den[w]).abs() <= 1e-6 * den[w]);
        assert!((row.coverage[0].unwrap() - within_800[w] / den[w]).abs() < 1e-9, "{}", row.code);
        // Every unit lies in a piece of its LSOA, so the ward's share of the
        // postcode origins is its population under postcode weights.
        let want: f64 = pc_weights.iter().find(|r| r["code"] == row.code).unwrap()["population_postcode"].parse().unwrap();
        assert!((row.population - want).abs() <= 1e-6 * want, "{}: {} vs {want}", row.code, row.population);
    }
}

#[test]
fn ward_values_differ_from_area_origins_within_plausible_bounds() {
    let e = engine();
    for method in [Method::Nearest, Method::TwoStep] {
        let pc = gaps::compute_with(e, ctx(), &postcode_query("ward", "gp", method)).unwrap();
        let area = gaps::compute_with(e, ctx(), &GapQuery { origin_points: OriginPoints::Areas, ..postcode_query("ward", "gp", method) }).unwrap();
        assert_eq!(area.origin_level, "oa");
        let (mut differ, mut in_need_pc, mut in_need_area) = (0, 0.0, 0.0);
        for (a, b) in pc.rows.iter().zip(&area.rows) {
            assert_eq!(a.code, b.code);
            let (da, db) = (a.nearest_m.unwrap(), b.nearest_m.unwrap());
            if (da - db).abs() > 1.0 {
                differ += 1;
            }
            // From where people live, a ward's mean distance to its nearest GP
            // stays within a kilometre of the area-point figure.
            assert!((da - db).abs() < 1000.0, "{}: {da} vs {db}", a.code);
            if method == Method::TwoStep {
                let (xa, xb) = (a.access.unwrap(), b.access.unwrap());
                assert!(xa > 0.0 && xa < 3.0 * xb && xb < 3.0 * xa, "{}: access {xa} vs {xb}", a.code);
            }
            in_need_pc += a.in_need.unwrap_or(0.0);
            in_need_area += b.in_need.unwrap_or(0.0);
        }
        assert!(differ >= 20, "{method:?}: only {differ} of 30 wards differ");
        // People in need: each origin takes its LSOA's rate, so the district
        // total is the same from both kinds of origin.
        assert!((in_need_pc - in_need_area).abs() < 1e-6 * in_need_area, "{in_need_pc} vs {in_need_area}");
        assert!((pc.district.population - area.district.population).abs() < 1e-6);
    }
}

#[test]
fn lsoa_rows_from_postcode_origins_keep_their_populations() {
    let e = engine();
    let t = gaps::compute_with(e, ctx(), &postcode_query("lsoa", "library", Method::TwoStep)).unwrap();
    let lsoa = e.level_index("lsoa").unwrap();
    for (row, pop) in t.rows.iter().zip(e.population(lsoa)) {
        let pop = pop.unwrap();
        assert!((row.population - pop).abs() <= 1e-9 * pop, "{}: {} vs {pop}", row.code, row.population);
    }
    // Rows are aggregates of many origins, never one origin's point.
    assert!(t.rows.iter().all(|r| r.rep.is_none()));
    assert!(t.rows.iter().map(|r| r.origins).sum::<usize>() == 13_526);
}

mod server {
    use std::path::PathBuf;
    use std::sync::{Arc, LazyLock};

    use axum::http::StatusCode;
    use axum::Router;
    use needmap::gaps::{self, Method};
    use serde_json::Value;

    use crate::common::{ctx, engine};

    static APP: LazyLock<Router> = LazyLock::new(|| {
        let loc = needmap::dataset::locate(Some(&crate::common::root().join("../shared/geodata/bradford"))).unwrap();
        let engine = Arc::new(needmap::Engine::load(&loc).unwrap());
        needmap::serve::build(engine, PathBuf::from("/nonexistent-web"), "needmap.test:8080").unwrap()
    });

    fn json(uri: &str) -> Value {
        let (status, body) = crate::common::oneshot_get(&APP, uri);
        assert_eq!(status, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }

    #[test]
    fn gap_fields_from_postcode_origins() {
        let want = gaps::compute_with(engine(), ctx(), &super::postcode_query("ward", "gp", Method::Nearest)).unwrap();
        let v = json("/api/areas/ward.geojson?category=gp&method=nearest&origins=postcode&geometry=false");
        let area = json("/api/areas/ward.geojson?category=gp&method=nearest&origins=area&geometry=false");
        let default = json("/api/areas/ward.geojson?category=gp&method=nearest&geometry=false");
        let features = v["features"].as_array().unwrap();
        assert_eq!(features.len(), 30);
        let mut differ = 0;
        for (f, (a, d)) in features.iter().zip(area["features"].as_array().unwrap().iter().zip(default["features"].as_array().unwrap())) {
            let p = &f["properties"];
            let row = want.rows.iter().find(|r| r.code == p["code"]).unwrap();
            let ours = p["nearest_m"].as_f64().unwrap();
            assert!((ours - row.nearest_m.unwrap()).abs() < 0.01, "{}: {ours}", row.code);
            assert_eq!(a["properties"]["nearest_m"], d["properties"]["nearest_m"]);
            if (ours - a["properties"]["nearest_m"].as_f64().unwrap()).abs() > 1.0 {
                differ += 1;
            }
        }
        assert!(differ >= 20, "{differ}");
        let (status, body) = crate::common::oneshot_get(&APP, "/api/areas/ward.geojson?category=gp&origins=households");
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let e: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(e["parameter"], "origins", "{e}");
    }
}
