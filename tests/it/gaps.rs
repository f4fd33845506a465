//! Integration tests of the gap analysis (`needmap::gaps`): floating
//! catchments against PySAL `access` 1.1 fixtures (tests/fixtures/fca), the
//! engine on the real Bradford pack, road networks (a real OSM extract,
//! tiny PBFs with known tags, synthetic grids checked against petgraph), the
//! `needmap gaps` command, and every bad input of issue 3.

use std::collections::HashMap;

use geo::{Area as _, BooleanOps, Coord};
use needmap::dataset::locate;
use needmap::gaps::network::{RoadGraph, RoadNetwork, Snap, Weight};
use needmap::gaps::{
    self, floating_catchment, Catchment, Decay, GapContext, GapQuery, Method, Mode, Pair, Thresholds, Travel,
    TravelModel,
};
use needmap::index::ServiceIndex;
use needmap::report::Cell;
use needmap::Engine;

use crate::common::{csv_rows, ctx, engine, root};

fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col].parse().unwrap_or_else(|_| panic!("{col} = {:?}", row[col]))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) || (a - b).abs() < 1e-15
}

fn query(level: &str, category: &str, method: Method) -> GapQuery {
    GapQuery { level: level.into(), category: Some(category.into()), method, ..GapQuery::default() }
}

// ---------------------------------------------------------------- PySAL

#[test]
fn floating_catchments_equal_pysal_access_on_bradford_inputs() {
    let origins = csv_rows("tests/fixtures/fca/origins.csv");
    let services = csv_rows("tests/fixtures/fca/services.csv");
    let expected = csv_rows("tests/fixtures/fca/expected.csv");
    let cases = csv_rows("tests/fixtures/fca/cases.csv");
    assert_eq!(origins.len(), 310);
    assert_eq!(cases.len(), 6);
    let pts: Vec<Coord<f64>> = origins.iter().map(|o| Coord { x: num(o, "x"), y: num(o, "y") }).collect();
    for case in &cases {
        let name = &case["case"];
        let svc: Vec<&HashMap<String, String>> = services.iter().filter(|s| s["category"] == case["category"]).collect();
        let index = ServiceIndex::new(svc.iter().enumerate().map(|(j, s)| (j, Coord { x: num(s, "x"), y: num(s, "y") })));
        let max_km = num(case, "max_km");
        // Pairs through the R-tree (never all pairs), cost in km.
        let mut pairs = Vec::new();
        for (i, p) in pts.iter().enumerate() {
            for (j, d) in index.within(*p, max_km * 1000.0 + 1.0) {
                pairs.push(Pair { origin: i as u32, service: j as u32, cost: d / 1000.0 });
            }
        }
        let demand: Vec<f64> = origins.iter().map(|o| num(o, &case["demand"])).collect();
        let supply: Vec<f64> = svc.iter().map(|s| num(s, "capacity")).collect();
        let decay = match case["method"].as_str() {
            "2sfca" => Decay::Step,
            _ => Decay::Gaussian { sigma: num(case, "sigma_km") },
        };
        let a = floating_catchment(&demand, &supply, &pairs, max_km, decay);
        let mut reached = 0;
        for (i, row) in expected.iter().enumerate() {
            assert_eq!(row["code"], origins[i]["code"]);
            let want = num(row, name);
            assert!(close(a.access[i], want, 1e-6), "{name} {}: needmap {} PySAL {want}", row["code"], a.access[i]);
            reached += num(row, &format!("{name}_reached")) as usize;
        }
        assert_eq!(a.origins_without_service, 310 - reached, "{name}");
        assert!(a.access.iter().any(|v| *v > 0.0), "{name}: all zero");
    }
}

#[test]
fn engine_lsoa_scores_equal_pysal_on_the_same_inputs() {
    // Libraries have capacity 1 in the engine and in the fixture: the whole
    // pipeline (centroids, populations, PROJ-projected services) must agree.
    let expected = csv_rows("tests/fixtures/fca/expected.csv");
    let want: HashMap<&str, (f64, f64)> = expected
        .iter()
        .map(|r| (r["code"].as_str(), (num(r, "library_2sfca_3km"), num(r, "library_e2sfca_5km"))))
        .collect();
    for (method, km, sigma, pick) in [(Method::TwoStep, 3.0, None, 0), (Method::Enhanced, 5.0, Some(2.0), 1)] {
        let q = GapQuery { catchment: Catchment::Km(km), sigma, ..query("lsoa", "library", method) };
        let t = gaps::compute_with(engine(), ctx(), &q).unwrap();
        assert_eq!(t.origin_level, "lsoa");
        assert_eq!(t.rep_kind, "published");
        assert_eq!(t.services, 61);
        for r in &t.rows {
            let w = want[r.code.as_str()];
            let w = if pick == 0 { w.0 } else { w.1 };
            let got = r.access.unwrap();
            assert!(close(got, w, 1e-6), "{:?} {}: needmap {got} PySAL {w}", method, r.code);
        }
    }
}

// ---------------------------------------------------------------- engine

#[test]
fn ward_scores_are_population_weighted_means_of_oa_scores() {
    let e = engine();
    let oa = gaps::compute_with(e, ctx(), &GapQuery { origins: None, ..query("oa", "gp", Method::TwoStep) }).unwrap();
    let ward = gaps::compute_with(e, ctx(), &query("ward", "gp", Method::TwoStep)).unwrap();
    assert_eq!(oa.origin_level, "oa");
    assert_eq!(ward.origin_level, "oa");
    assert_eq!(oa.rep_kind, "interior");
    assert_eq!(oa.rows.len(), 1528);
    assert_eq!(ward.rows.len(), 30);
    let (oal, wl) = (e.level_index("oa").unwrap(), e.level_index("ward").unwrap());
    // Split each OA across wards by area share, by brute-force polygon
    // intersection of every OA with every ward (independent of the engine's
    // indexed overlay).
    let mut acc: HashMap<usize, (f64, f64, f64, f64)> = HashMap::new();
    for (o, r) in oa.rows.iter().enumerate() {
        let og = &e.levels[oal].areas[o].bng;
        let parts: Vec<(usize, f64)> = e.levels[wl]
            .areas
            .iter()
            .enumerate()
            .map(|(w, wa)| (w, og.intersection(&wa.bng).unsigned_area()))
            .filter(|(_, a)| *a > 1.0)
            .collect();
        let inside: f64 = parts.iter().map(|(_, a)| a).sum();
        for (a, area) in parts {
            let w = r.population * area / inside;
            let x = acc.entry(a).or_default();
            x.0 += w;
            x.1 += w * r.nearest_m.unwrap();
            x.2 += w * r.access.unwrap();
            x.3 += w * r.coverage[0].unwrap();
        }
    }
    // Ward populations equal the area report's (both split LSOAs by area).
    let report = needmap::report::area_report(e, "ward").unwrap();
    for (a, r) in ward.rows.iter().enumerate() {
        let Cell::Number(Some(p)) = report.rows[a][3] else { panic!() };
        assert!(close(r.population, p, 1e-3), "{}: {} vs {p}", r.code, r.population);
    }
    let total: f64 = ward.rows.iter().map(|r| r.population).sum();
    assert!((total - ward.district.population).abs() < 1e-6 * total);
    for (a, r) in ward.rows.iter().enumerate() {
        let (p, d, ac, c) = acc[&a];
        assert!(close(r.population, p, 1e-9), "{}", r.code);
        assert!(close(r.nearest_m.unwrap(), d / p, 1e-9), "{}", r.code);
        assert!(close(r.access.unwrap(), ac / p, 1e-9), "{}", r.code);
        assert!(close(r.coverage[0].unwrap(), c / p, 1e-9), "{}", r.code);
    }
    // Ranks are 1..n, the gap class exists, scores are finite.
    let mut ranks: Vec<u32> = ward.rows.iter().filter_map(|r| r.gap_rank).collect();
    ranks.sort();
    assert_eq!(ranks, (1..=30).collect::<Vec<_>>());
    assert!(ward.rows.iter().any(|r| r.gap_class.is_gap()));
    let top = ward.rows.iter().find(|r| r.gap_rank == Some(1)).unwrap();
    assert!(ward.rows.iter().all(|r| r.unmet_need.unwrap() <= top.unmet_need.unwrap()));
    // District coverage is monotone in distance, the curve ends at 1.
    let c = &ward.district.coverage;
    assert!(c[0].unwrap() <= c[1].unwrap());
    assert!(close(ward.district.curve.last().unwrap().1, 1.0, 1e-12));
}

#[test]
fn nearest_equals_brute_force_and_outputs_hold_no_nan() {
    let e = engine();
    let t = gaps::compute_with(e, ctx(), &GapQuery { k: 2, ..query("lsoa", "family_hub", Method::Nearest) }).unwrap();
    let hubs: Vec<Coord<f64>> = e.services.iter().filter(|s| s.category == "family_hub").map(|s| s.bng).collect();
    assert!(!hubs.is_empty());
    for r in &t.rows {
        let p = r.rep.unwrap().bng;
        let mut d: Vec<f64> = hubs.iter().map(|h| ((h.x - p.x).powi(2) + (h.y - p.y).powi(2)).sqrt()).collect();
        d.sort_by(f64::total_cmp);
        assert!((r.nearest_m.unwrap() - d[0]).abs() < 1e-6);
        assert!((r.kth_m.unwrap() - d[1]).abs() < 1e-6);
        let walk = d[0] / 1000.0 * 1.3 / 4.8 * 60.0;
        assert!((r.nearest_min.unwrap() - walk).abs() < 1e-9);
        assert!(r.access.is_none());
    }
    // Every method, level and travel: no NaN/inf anywhere in CSV or JSON.
    for (level, method, travel) in [
        ("oa", Method::Enhanced, Travel::Drive),
        ("constituency", Method::TwoStep, Travel::Walk),
        ("locality", Method::Nearest, Travel::Drive),
        ("msoa", Method::Enhanced, Travel::Walk),
    ] {
        let q = GapQuery { travel, catchment: Catchment::Minutes(15.0), ..query(level, "early_years", method) };
        let t = gaps::compute_with(e, ctx(), &q).unwrap();
        assert_eq!(t.population_id, "children");
        let mut csv = Vec::new();
        t.to_report().write_csv(&mut csv).unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert!(!text.to_lowercase().contains("nan") && !text.contains("inf"), "{level}");
        let json = serde_json::to_string(&t.to_json()).unwrap();
        assert!(!json.contains("NaN"));
    }
}

#[test]
fn driving_model_fit_is_reported() {
    let m = TravelModel::calibrate(engine()).unwrap();
    let f = m.drive.fit.as_ref().unwrap();
    assert_eq!(f.pairs, 2480);
    assert_eq!(f.skipped, 0);
    assert!(f.r2 > 0.9 && f.r2 < 1.0, "R^2 {}", f.r2);
    assert!(f.median_abs_error_min > 1.0 && f.median_abs_error_min < 3.5, "MAE {}", f.median_abs_error_min);
    // the built-in default is this fit, rounded
    let d = gaps::DriveModel::default();
    assert!((d.a - m.drive.a).abs() < 1e-3 && (d.b - m.drive.b).abs() < 1e-4 && (d.c - m.drive.c).abs() < 1e-3);
}

// ---------------------------------------------------------------- unmet need (issue 9)

fn report_number(report: &needmap::report::Report, row: usize, col: &str) -> Option<f64> {
    match &report.rows[row][report.column(col).unwrap_or_else(|| panic!("no column {col}"))] {
        Cell::Number(v) => *v,
        Cell::Count(n) => Some(*n as f64),
        Cell::Text(_) => None,
    }
}

/// Every `high-need/*` area ranks above every `low-need/*` one, and ranks are 1..n.
fn assert_list_agrees_with_classes(t: &gaps::GapTable) {
    let need_of = |r: &gaps::GapRow| match r.gap_class {
        gaps::GapClass::Class { need, .. } => Some(need),
        _ => None,
    };
    let worst_high = t.rows.iter().filter(|r| need_of(r) == Some(gaps::Tercile::High)).filter_map(|r| r.gap_rank).max();
    let best_low = t.rows.iter().filter(|r| need_of(r) == Some(gaps::Tercile::Low)).filter_map(|r| r.gap_rank).min();
    if let (Some(h), Some(l)) = (worst_high, best_low) {
        assert!(h < l, "{} {:?}: a high-need area ranks {h}, a low-need one {l}", t.query.level, t.query.category);
    }
    let gap_cell: Vec<&gaps::GapRow> = t.rows.iter().filter(|r| r.gap_class.is_gap()).collect();
    for g in &gap_cell {
        assert!(t.rows.iter().filter(|r| need_of(r) == Some(gaps::Tercile::Low)).all(|l| l.gap_rank > g.gap_rank));
    }
    let mut ranks: Vec<u32> = t.rows.iter().filter_map(|r| r.gap_rank).collect();
    ranks.sort();
    assert_eq!(ranks, (1..=ranks.len() as u32).collect::<Vec<_>>());
    let mut by_rank: Vec<&gaps::GapRow> = t.rows.iter().filter(|r| r.gap_rank.is_some()).collect();
    by_rank.sort_by_key(|r| r.gap_rank);
    assert!(by_rank.windows(2).all(|w| w[0].unmet_need.unwrap() >= w[1].unmet_need.unwrap()), "ranked by unmet need");
}

#[test]
fn unmet_need_defaults_and_counts_people() {
    let e = engine();
    let gp = gaps::compute_with(e, ctx(), &query("lsoa", "gp", Method::Nearest)).unwrap();
    assert_eq!(gp.query.indicator.as_deref(), Some("imd2025_decile"));
    let hubs = gaps::compute_with(e, ctx(), &query("lsoa", "family_hub", Method::Nearest)).unwrap();
    assert_eq!(hubs.query.indicator.as_deref(), Some("children_income_deprived_2019"));
    assert_eq!(hubs.population_id, "children");
    // At LSOA (the published level) people in need are the published count,
    // and unmet need is that count exactly where the nearest hub is beyond 20 minutes' walk.
    // (35 of the 310 LSOAs have no value in the pack: no people in need counted there, with a note.)
    let csv = csv_rows("../shared/geodata/bradford/imd2019_children_lsoa.csv");
    let want: HashMap<&str, Option<f64>> =
        csv.iter().map(|r| (r["lsoa11cd"].as_str(), r["children_income_deprived_2019"].parse().ok())).collect();
    assert_eq!(hubs.rows.iter().filter(|r| r.in_need.is_none()).count(), want.values().filter(|v| v.is_none()).count());
    assert!(hubs.notes.iter().any(|n| n.contains("have no `children_income_deprived_2019` value")), "{:?}", hubs.notes);
    let mut beyond = 0;
    for r in hubs.rows.iter().filter(|r| r.in_need.is_some()) {
        let w = want[r.code.as_str()].unwrap();
        assert!(close(r.in_need.unwrap(), w, 1e-9), "{}: {:?} vs {w}", r.code, r.in_need);
        let far = r.nearest_min.unwrap() > 20.0;
        beyond += far as usize;
        assert_eq!(r.unmet_need.unwrap(), if far { r.in_need.unwrap() } else { 0.0 }, "{}", r.code);
        assert!(close(r.unmet_need_per_1k.unwrap(), r.unmet_need.unwrap() / r.population * 1000.0, 1e-12));
    }
    assert!(beyond > 0 && beyond < hubs.rows.len(), "{beyond} LSOAs beyond 20 minutes");
    let total: f64 = want.values().flatten().sum();
    assert!(close(hubs.district.in_need.unwrap(), total, 1e-9), "{:?} vs {total}", hubs.district.in_need);
    // A score is read per 100 residents: IMD 2025 score x population / 100.
    let lsoa = e.level_index("lsoa").unwrap();
    let k = e.indicator_index("imd2025_score").unwrap();
    let scored = gaps::compute_with(e, ctx(), &GapQuery { indicator: Some("imd2025_score".into()), ..query("lsoa", "gp", Method::Nearest) }).unwrap();
    for (a, r) in scored.rows.iter().enumerate() {
        if let Some(v) = e.values[lsoa].indicators[k][a] {
            assert!(close(r.in_need.unwrap(), r.population * v / 100.0, 1e-12), "{}", r.code);
        }
    }
    // --unmet-min moves the threshold; driving defaults to 15 minutes.
    let ten = gaps::compute_with(e, ctx(), &GapQuery { unmet_minutes: Some(10.0), ..query("lsoa", "family_hub", Method::Nearest) }).unwrap();
    assert!(ten.district.unmet_need.unwrap() > hubs.district.unmet_need.unwrap());
    let drive = gaps::compute_with(e, ctx(), &GapQuery { travel: Travel::Drive, ..query("lsoa", "family_hub", Method::Nearest) }).unwrap();
    assert_eq!(drive.district.rule, Some(gaps::UnmetRule::Beyond { minutes: 15.0 }));
    // The default for GPs: residents of LSOAs in IMD 2025 deciles 1-2 (two LSOAs have no 2025 decile).
    let d25 = e.indicator_index("imd2025_decile").unwrap();
    for (a, r) in gp.rows.iter().enumerate() {
        let want = e.values[lsoa].indicators[d25][a].map(|d| if d <= 2.0 { r.population } else { 0.0 });
        assert_eq!(r.in_need, want, "{}", r.code);
    }
    assert_eq!(gp.rows.iter().filter(|r| r.in_need.is_none()).count(), 2);
    // Deciles: people living in national deciles 1-2.
    let dec = gaps::compute_with(e, ctx(), &GapQuery { indicator: Some("imd_decile".into()), ..query("ward", "gp", Method::Nearest) }).unwrap();
    let dk = e.indicator_index("imd_decile").unwrap();
    let in_12: f64 = (0..e.levels[lsoa].len())
        .filter(|&a| e.values[lsoa].indicators[dk][a].is_some_and(|d| d <= 2.0))
        .map(|a| e.population(lsoa)[a].unwrap())
        .sum();
    assert!(close(dec.district.in_need.unwrap(), in_12, 1e-9), "{:?} vs {in_12}", dec.district.in_need);
    // OA: nothing is published there, so access is computed and unmet need left empty, with a note.
    let oa = gaps::compute_with(e, ctx(), &query("oa", "gp", Method::Nearest)).unwrap();
    assert!(oa.rows.iter().all(|r| r.unmet_need.is_none() && r.gap_rank.is_none() && r.nearest_m.is_some()));
    assert!(oa.notes.iter().any(|n| n.contains("no default need indicator is offered for output areas")), "{:?}", oa.notes);
}

#[test]
fn unmet_need_adds_up_from_origins_to_wards_constituencies_and_the_district() {
    let e = engine();
    for (category, method) in [("gp", Method::Nearest), ("family_hub", Method::TwoStep), ("library", Method::Enhanced)] {
        for origins in ["lsoa", "oa"] {
            let at = |level: &str| {
                let q = GapQuery { origins: Some(origins.into()), ..query(level, category, method) };
                gaps::compute_with(e, ctx(), &q).unwrap()
            };
            let tables: Vec<gaps::GapTable> = if origins == "lsoa" { vec![at("lsoa"), at("ward"), at("constituency"), at("locality")] } else { vec![at("ward"), at("constituency"), at("msoa")] };
            let district = tables[0].district.unmet_need.unwrap();
            let need = tables[0].district.in_need.unwrap();
            assert!(district > 0.0 && district < need, "{category}: {district} of {need}");
            for t in &tables {
                assert_eq!(t.district.unmet_need, tables[0].district.unmet_need);
                let sum: f64 = t.rows.iter().filter_map(|r| r.unmet_need).sum();
                let sum_need: f64 = t.rows.iter().filter_map(|r| r.in_need).sum();
                assert!(close(sum, district, 1e-9), "{category} {origins} -> {}: {sum} vs {district}", t.query.level);
                assert!(close(sum_need, need, 1e-9), "{category} {origins} -> {}", t.query.level);
                assert!(t.rows.iter().all(|r| r.unmet_need.unwrap_or(0.0) <= r.in_need.unwrap_or(0.0) + 1e-9));
                assert_list_agrees_with_classes(t);
            }
        }
    }
}

#[test]
fn bradford_gp_nearest_top_ten_wards_all_hold_decile_one_neighbourhoods() {
    let e = engine();
    let t = gaps::compute_with(e, ctx(), &query("ward", "gp", Method::Nearest)).unwrap();
    let report = needmap::report::area_report(e, "ward").unwrap();
    let mut rows: Vec<(u32, &str, f64, f64)> = t
        .rows
        .iter()
        .enumerate()
        .map(|(a, r)| (r.gap_rank.unwrap(), r.name.as_str(), r.unmet_need.unwrap(), report_number(&report, a, "imd_decile1_pop_share").unwrap()))
        .collect();
    rows.sort_by_key(|r| r.0);
    for (rank, name, unmet, share) in &rows[..10] {
        assert!(*share > 0.0, "rank {rank} {name} (unmet {unmet:.0}) has no decile-1 LSOA: {rows:?}");
    }
    // The two least deprived wards (IMD 5.9 and 7.8; first and second by gap_score for family hubs by nearest).
    for name in ["Wharfedale", "Ilkley"] {
        let r = rows.iter().find(|r| r.1 == name).unwrap();
        assert!(r.0 > 10, "{name} ranks {}", r.0);
    }
    assert_list_agrees_with_classes(&t);
    let hubs = gaps::compute_with(e, ctx(), &query("ward", "family_hub", Method::TwoStep)).unwrap();
    assert_list_agrees_with_classes(&hubs);
    let top = hubs.rows.iter().find(|r| r.gap_rank == Some(1)).unwrap();
    assert!(matches!(top.gap_class, gaps::GapClass::Class { need: gaps::Tercile::High, .. }), "{}", top.gap_class.label());
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_input_gets_clear_messages_or_documented_values() {
    let e = engine();
    let err = |q: GapQuery| gaps::compute_with(e, ctx(), &q).map(|_| ()).unwrap_err().to_string();
    // Empty filter: a known category with no services.
    let m = err(query("ward", "youth_service", Method::TwoStep));
    assert!(m.contains("no services match category `youth_service`"), "{m}");
    let m = err(GapQuery { tier: Some("3".into()), ..GapQuery::default() });
    assert!(m.contains("tier `3`"), "{m}");
    assert!(err(query("ward", "gpp", Method::TwoStep)).contains("unknown category `gpp`; categories are:"));
    assert!(err(GapQuery { tier: Some("9".into()), ..GapQuery::default() }).contains("unknown tier `9`"));
    assert!(err(GapQuery::default()).contains("--category"));
    assert!(err(query("parish", "gp", Method::TwoStep)).contains("unknown level `parish`"));
    assert!(err(GapQuery { indicator: Some("imd".into()), ..query("ward", "gp", Method::TwoStep) }).contains("unknown indicator `imd`"));
    // Section 2: an LSOA indicator is not a need at OA, a constituency one not at ward.
    let m = err(GapQuery { indicator: Some("imd_score".into()), ..query("oa", "gp", Method::TwoStep) });
    assert!(m.contains("published for LSOAs") && m.contains("--level lsoa"), "{m}");
    let m = err(GapQuery { indicator: Some("children_in_poverty_pct".into()), ..query("ward", "family_hub", Method::Nearest) });
    assert!(m.contains("published for constituencies") && m.contains("not offered at level `ward`"), "{m}");
    let m = err(GapQuery { indicator: Some("imd_rank".into()), ..query("lsoa", "gp", Method::Nearest) });
    assert!(m.contains("cannot be a gap need") && m.contains("rank"), "{m}");
    let m = err(GapQuery { indicator: Some("life_expectancy_male".into()), ..query("constituency", "gp", Method::Nearest) });
    assert!(m.contains("cannot be a gap need") && m.contains("less need"), "{m}");
    let m = err(GapQuery { indicator: Some("crime_rate".into()), ..query("constituency", "gp", Method::Nearest) });
    assert!(m.contains("unit `per 1,000`"), "{m}");
    assert!(err(GapQuery { unmet_minutes: Some(-3.0), ..query("ward", "gp", Method::Nearest) }).contains("unmet_minutes"));
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(err(GapQuery { catchment: Catchment::Km(bad), ..query("ward", "gp", Method::TwoStep) }).contains("catchment"));
    }
    assert!(err(GapQuery { sigma: Some(0.0), ..query("ward", "gp", Method::Enhanced) }).contains("sigma"));
    assert!(err(GapQuery { k: 0, ..query("ward", "gp", Method::Nearest) }).contains("k-th"));
    let m = err(GapQuery { origins: Some("ward".into()), ..query("lsoa", "gp", Method::TwoStep) });
    assert!(m.contains("not a parent level"), "{m}");
    assert!(Thresholds::parse("800 furlongs").unwrap_err().to_string().contains("800 furlongs"));
    assert!(Thresholds::parse("-5min").is_err());
    assert!(Thresholds::parse("").is_err());
    // Network mode with no [network] in the manifest.
    let m = err(GapQuery { mode: Mode::Network, ..query("ward", "gp", Method::TwoStep) });
    assert!(m.contains("[network] osm_pbf"), "{m}");

    // Zero-population areas and services with zero capacity: documented values.
    let pairs = [Pair { origin: 0, service: 0, cost: 1.0 }, Pair { origin: 1, service: 1, cost: 1.0 }];
    let a = floating_catchment(&[0.0, 100.0], &[5.0, 0.0], &pairs, 2.0, Decay::Step);
    assert_eq!(a.access, vec![0.0, 0.0]);
    assert_eq!(a.ratio, vec![0.0, 0.0]);
    assert_eq!(a.services_without_demand, 1);
    let g = gaps::gap_index(&[Some(1.0), Some(2.0)], &[Some(1.0), Some(2.0)], &[Some(0.0), Some(0.0)], &[0.0, 10.0], &["a", "b"]);
    assert_eq!(g.class[0].label(), "no-population");
    assert_eq!(g.rank[0], None);
}

#[test]
fn pbf_problems_are_explained() {
    let no_roads = RoadNetwork::from_pbf(&root().join("tests/fixtures/network/no_roads.osm.pbf")).unwrap_err();
    let m = no_roads.to_string();
    assert!(m.contains("no_roads.osm.pbf") && m.contains("no routable ways"), "{m}");
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.osm.pbf");
    std::fs::write(&junk, b"this is not a protocol buffer").unwrap();
    let m = RoadNetwork::from_pbf(&junk).unwrap_err().to_string();
    assert!(m.contains("junk.osm.pbf") && m.contains("valid .osm.pbf"), "{m}");
    let m = RoadNetwork::from_pbf(&dir.path().join("missing.osm.pbf")).unwrap_err().to_string();
    assert!(m.contains("missing.osm.pbf"), "{m}");

    // A manifest naming the Leeds extract (13 km from Bradford's services):
    // the network loads through GapContext, nothing can snap, and the message says so.
    let mut loc = locate(Some(&root().join("../shared/geodata/bradford"))).unwrap();
    let leeds = root().join("../shared/geodata/osm/leeds_university_example.osm.pbf");
    loc.manifest.network = Some(needmap::dataset::NetworkSpec { osm_pbf: leeds.display().to_string() });
    let with_net = Engine::load(&loc).unwrap();
    let ctx = GapContext::new(&with_net, true).unwrap();
    assert!(ctx.network.as_ref().is_some_and(|n| !n.walk.is_empty()));
    let q = GapQuery { mode: Mode::Network, ..query("lsoa", "library", Method::TwoStep) };
    let m = gaps::compute_with(&with_net, &ctx, &q).map(|_| ()).unwrap_err().to_string();
    assert!(m.contains("none of the 61 service(s)") && m.contains("--mode estimated"), "{m}");
    // Origins that cannot snap (with services that can) get empty values, counted in a note.
    let net = ctx.network.as_ref().unwrap();
    let near_leeds = net.walk.nodes[net.walk.segments[0].a as usize];
    let o = net.walk.snap_all(&[near_leeds, Coord { x: near_leeds.x + 5000.0, y: near_leeds.y }], 500.0);
    assert!(o[0].is_some() && o[1].is_none());
    let n = net.walk.nearest_k(&o, &o[..1], 1);
    assert_eq!(n.nearest_min[1], None);
    assert_eq!(n.nearest_min[0], Some(0.0));
    // A manifest naming a PBF without roads fails with the file and the reason.
    // (the engine is immutable: load it again with that manifest)
    loc.manifest.network = Some(needmap::dataset::NetworkSpec {
        osm_pbf: root().join("tests/fixtures/network/no_roads.osm.pbf").display().to_string(),
    });
    let with_net = Engine::load(&loc).unwrap();
    let m = GapContext::new(&with_net, true).unwrap_err().to_string();
    assert!(m.contains("no_roads.osm.pbf") && m.contains("no routable ways"), "{m}");
}

// ---------------------------------------------------------------- networks

#[test]
fn small_pbf_follows_highway_oneway_and_access_tags() {
    let net = RoadNetwork::from_pbf(&root().join("tests/fixtures/network/small_roads.osm.pbf")).unwrap();
    assert_eq!(net.stats.highways, 5);
    assert_eq!(net.walk.segments.len(), 3, "residential, primary, footway");
    assert_eq!(net.drive.segments.len(), 3, "residential, primary, motorway");
    let oneway = net.drive.segments.iter().filter(|s| s.backward_min.is_none()).count();
    assert_eq!(oneway, 2);
    assert!(net.walk.segments.iter().all(|s| s.forward_min.is_some() && s.backward_min.is_some()));
    // Each segment is 0.001 degree of longitude at 53.79N: about 65.9 m in BNG.
    for s in &net.walk.segments {
        assert!((s.metres - 65.9).abs() < 1.0, "{}", s.metres);
    }
}

/// Brute force: petgraph Dijkstra from the origin's node to every node.
fn petgraph_minutes(g: &RoadGraph, from: u32) -> HashMap<petgraph::graph::NodeIndex, f64> {
    let mut pg = petgraph::graph::DiGraph::<(), f64>::new();
    let ids: Vec<_> = (0..g.nodes.len()).map(|_| pg.add_node(())).collect();
    for s in &g.segments {
        if let Some(m) = s.forward_min {
            pg.add_edge(ids[s.a as usize], ids[s.b as usize], m);
        }
        if let Some(m) = s.backward_min {
            pg.add_edge(ids[s.b as usize], ids[s.a as usize], m);
        }
    }
    petgraph::algo::dijkstra(&pg, ids[from as usize], None, |e| *e.weight()).into_iter().collect()
}

fn snap_at_node(g: &RoadGraph, node: u32) -> Snap {
    g.snap(g.nodes[node as usize], 0.001).expect("a node lies on its segments")
}

#[test]
fn leeds_network_nearest_equals_petgraph_dijkstra() {
    let net = RoadNetwork::from_pbf(&root().join("../shared/geodata/osm/leeds_university_example.osm.pbf")).unwrap();
    assert!(net.walk.segments.len() > 500, "{}", net.walk.segments.len());
    assert!(net.drive.segments.len() > 100);
    assert!(net.drive.segments.iter().any(|s| s.backward_min.is_none()), "the extract has one-way streets");
    assert!(net.walk.segments.len() > net.drive.segments.len(), "footways are walkable only");
    for g in [&net.walk, &net.drive] {
        let used: Vec<u32> = {
            let mut v: Vec<u32> = g.segments.iter().flat_map(|s| [s.a, s.b]).collect();
            v.sort();
            v.dedup();
            v
        };
        let services: Vec<u32> = used.iter().step_by(97).copied().take(6).collect();
        let origins: Vec<u32> = used.iter().skip(13).step_by(41).copied().take(25).collect();
        let s_snap: Vec<Option<Snap>> = services.iter().map(|&n| Some(snap_at_node(g, n))).collect();
        let o_snap: Vec<Option<Snap>> = origins.iter().map(|&n| Some(snap_at_node(g, n))).collect();
        let fast = g.nearest(&o_snap, &s_snap);
        let k2 = g.nearest_k(&o_snap, &s_snap, 2);
        for (i, &o) in origins.iter().enumerate() {
            let d = petgraph_minutes(g, o);
            let mut best: Vec<f64> = services
                .iter()
                .filter_map(|&s| d.get(&petgraph::graph::NodeIndex::new(s as usize)).copied())
                .collect();
            best.sort_by(f64::total_cmp);
            let want = best.first().copied();
            let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (None, None) => true,
                _ => false,
            };
            assert!(close(fast.nearest_min[i], want), "{:?} origin {o}: {:?} vs {want:?}", g.travel, fast.nearest_min[i]);
            assert!(close(k2.nearest_min[i], want));
            assert!(close(k2.kth_min[i], best.get(1).copied()), "{:?}: {:?} vs {:?}", g.travel, k2.kth_min[i], best.get(1));
        }
    }
}

#[test]
fn grid_network_gives_known_answers() {
    // 21 x 21 grid, 100 m blocks, 6 km/h = 1 minute per block.
    let g = RoadGraph::grid(Travel::Walk, 21, 21, 100.0, 6.0, Coord { x: 0.0, y: 0.0 });
    let at = |x: f64, y: f64| g.snap(Coord { x, y }, 60.0);
    let services = [at(0.0, 0.0), at(2000.0, 2000.0), at(1000.0, 0.0)];
    // An origin 30 m off the street halfway along a block.
    let origins = [at(550.0, 30.0), at(1000.0, 1000.0), at(5000.0, 5000.0)];
    assert!(origins[2].is_none(), "3 km from the grid cannot snap");
    let n = g.nearest_k(&origins, &services, 2);
    // (550, 30) snaps to (550, 0): 450 m along the street to (1000, 0), plus the 30 m walk.
    let walk_off = 30.0 / (4.8 * 1000.0 / 60.0);
    assert!((n.nearest_m[0].unwrap() - 480.0).abs() < 1e-9);
    assert!((n.nearest_min[0].unwrap() - (4.5 + walk_off)).abs() < 1e-9);
    assert!((n.kth_m[0].unwrap() - 580.0).abs() < 1e-9, "{:?}", n.kth_m[0]);
    assert!((n.nearest_m[1].unwrap() - 1000.0).abs() < 1e-9);
    assert_eq!(n.nearest_min[2], None);
    let one = g.nearest(&origins, &services);
    assert_eq!(one.nearest_min, n.nearest_min);
    // Catchment pairs: bounded searches equal brute force over Manhattan distance.
    let pts: Vec<Coord<f64>> = (0..40).map(|i| Coord { x: (i * 137 % 2000) as f64, y: (i * 251 % 2000) as f64 }).collect();
    // Origins on grid nodes, so that the brute force is Manhattan distance.
    let o: Vec<Option<Snap>> = pts.iter().map(|p| g.snap(Coord { x: (p.x / 100.0).round() * 100.0, y: (p.y / 100.0).round() * 100.0 }, 1.0)).collect();
    assert!(o.iter().all(Option::is_some));
    let s = [at(500.0, 500.0), at(1500.0, 1200.0)];
    let pairs = g.pairs_within(&o, &s, Weight::Metres, 800.0);
    let mut want = Vec::new();
    for (j, sp) in [(500.0, 500.0), (1500.0, 1200.0)].iter().enumerate() {
        for (i, p) in pts.iter().enumerate() {
            let (x, y) = ((p.x / 100.0).round() * 100.0, (p.y / 100.0).round() * 100.0);
            let d: f64 = (x - sp.0).abs() + (y - sp.1).abs();
            if d <= 800.0 {
                want.push((i as u32, j as u32, d));
            }
        }
    }
    let mut got = pairs.clone();
    got.sort_by_key(|a| (a.1, a.0));
    want.sort_by_key(|a| (a.1, a.0));
    assert_eq!(got.len(), want.len());
    for (a, b) in got.iter().zip(&want) {
        assert_eq!((a.0, a.1), (b.0, b.1));
        assert!((a.2 - b.2).abs() < 1e-9);
    }
    let timed = g.pairs_within(&o, &s, Weight::Minutes, 8.0);
    assert_eq!(timed.len(), want.len(), "8 minutes = 800 m at 6 km/h");
}

#[test]
fn network_mode_on_bradford_with_a_synthetic_street_grid() {
    // A 200 m street grid over the district: network distance can never be
    // shorter than the straight line, and is at most sqrt(2) x it plus the snaps.
    let grid = RoadGraph::grid(Travel::Walk, 150, 150, 200.0, 4.8, Coord { x: 400_000.0, y: 425_000.0 });
    let net = RoadNetwork { source: "synthetic grid".into(), walk: grid.clone(), drive: grid, stats: Default::default() };
    let ctx_n = GapContext { network: Some(net), ..GapContext::new(engine(), false).unwrap() };
    let q = GapQuery { mode: Mode::Network, ..query("lsoa", "library", Method::TwoStep) };
    let tn = gaps::compute_with(engine(), &ctx_n, &q).unwrap();
    let te = gaps::compute_with(engine(), ctx(), &GapQuery { mode: Mode::Estimated, ..q.clone() }).unwrap();
    let mut report = Vec::new();
    tn.to_report().write_csv(&mut report).unwrap();
    assert!(String::from_utf8(report).unwrap().contains(",network,walk,"));
    for (n, e) in tn.rows.iter().zip(&te.rows) {
        let (dn, de) = (n.nearest_m.unwrap(), e.nearest_m.unwrap());
        assert!(dn >= de - 1e-6, "{}: network {dn} < straight {de}", n.code);
        assert!(dn <= de * 2f64.sqrt() + 400.0, "{}: {dn} vs {de}", n.code);
        assert!(n.access.unwrap().is_finite());
    }
}

// ---------------------------------------------------------------- CLI

#[test]
fn gaps_command_writes_the_issue_columns() {
    let exe = env!("CARGO_BIN_EXE_needmap");
    let data = root().join("../shared/geodata/bradford");
    let out = std::process::Command::new(exe)
        .args(["gaps", "--level", "lsoa", "--category", "gp", "--method", "e2sfca", "--catchment-km", "2", "--format", "csv", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    for col in [
        "code", "name", "rep_lon", "rep_lat", "population", "need", "nearest_m", "nearest_min", "mode",
        "coverage_800m", "coverage_1600m", "coverage_10min", "coverage_20min", "access_e2sfca", "in_need", "unmet_need",
        "unmet_need_per_1k", "gap_class", "gap_rank",
    ] {
        assert!(header.split(',').any(|c| c == col), "missing {col} in {header}");
    }
    assert_eq!(text.lines().count(), 311);
    assert!(text.contains(",estimated,walk,"));
    assert!(text.contains("high-need/low-access"));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("origins=lsoa at published points"), "{err}");

    let bad = std::process::Command::new(exe).args(["gaps", "--category", "youth_service", "--data"]).arg(&data).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no services match category `youth_service`"));

    let help = std::process::Command::new(exe).args(["gaps", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(help.contains("Examples:") && help.contains("--catchment-km") && help.contains("high-need/low-access"));
    let _ = Cell::Count(0);
}

#[test]
fn csv_and_json_text_keep_full_precision_against_pysal() {
    // From the text a user gets, not the in-memory values: 2SFCA access of
    // libraries (3 km) per LSOA, as `needmap gaps` writes it, equals PySAL at
    // 1e-6 relative (6-decimal rounding gave two significant digits).
    let expected = csv_rows("tests/fixtures/fca/expected.csv");
    let want: HashMap<&str, f64> = expected.iter().map(|r| (r["code"].as_str(), num(r, "library_2sfca_3km"))).collect();
    let exe = env!("CARGO_BIN_EXE_needmap");
    let data = root().join("../shared/geodata/bradford");
    let run = |format: &str| {
        let out = std::process::Command::new(exe)
            .args(["gaps", "--level", "lsoa", "--category", "library", "--method", "2sfca", "--catchment-km", "3", "--format", format, "--data"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let csv_text = run("csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let h = reader.headers().unwrap().clone();
    let (c, a) = (h.iter().position(|x| x == "code").unwrap(), h.iter().position(|x| x == "access_2sfca").unwrap());
    let mut n = 0;
    for rec in reader.records() {
        let rec = rec.unwrap();
        let (got, w): (f64, f64) = (rec[a].parse().unwrap(), want[&rec[c]]);
        assert!(close(got, w, 1e-6), "{}: CSV {} PySAL {w}", &rec[c], &rec[a]);
        n += 1;
    }
    assert_eq!(n, 310);
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    for r in json["rows"].as_array().unwrap() {
        let (got, w) = (r["access_2sfca"].as_f64().unwrap(), want[r["code"].as_str().unwrap()]);
        assert!(close(got, w, 1e-6), "{}: JSON {got} PySAL {w}", r["code"]);
    }
}

// ---------------------------------------------------------------- properties

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// The textbook definition over all pairs, written independently.
    fn all_pairs(o: &[(f64, f64, f64)], s: &[(f64, f64, f64)], max_km: f64, sigma: Option<f64>) -> Vec<f64> {
        let w = |d: f64| sigma.map(|g| (-d * d / (2.0 * g * g)).exp()).unwrap_or(1.0);
        let dist = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() / 1000.0;
        let ratio: Vec<f64> = s
            .iter()
            .map(|sv| {
                let demand: f64 = o.iter().map(|ov| dist((ov.0, ov.1), (sv.0, sv.1))).zip(o).filter(|(d, _)| *d <= max_km).map(|(d, ov)| w(d) * ov.2).sum();
                if demand > 0.0 { sv.2 / demand } else { 0.0 }
            })
            .collect();
        o.iter()
            .map(|ov| {
                s.iter().zip(&ratio).map(|(sv, r)| (dist((ov.0, ov.1), (sv.0, sv.1)), r)).filter(|(d, _)| *d <= max_km).map(|(d, r)| w(d) * r).sum()
            })
            .collect()
    }

    /// Synthetic areas of one origin each: people in need, minutes to the nearest service, access.
    fn areas() -> impl Strategy<Value = Vec<(f64, f64, f64)>> {
        prop::collection::vec((prop_oneof![Just(0.0), 0.0..5_000.0f64], 0.0..60.0f64, prop_oneof![Just(0.0), 0.0..0.01f64]), 2..40)
    }

    fn scored(a: &[(f64, f64, f64)], nearest: bool) -> (Vec<Option<f64>>, Vec<Option<f64>>, gaps::GapIndex) {
        let in_need: Vec<Option<f64>> = a.iter().map(|v| Some(v.0)).collect();
        let access: Vec<Option<f64>> = a.iter().map(|v| Some(if nearest { -v.1 } else { v.2 })).collect();
        let rule = if nearest {
            gaps::UnmetRule::Beyond { minutes: 20.0 }
        } else {
            gaps::UnmetRule::Shortfall { district_access: gaps::district_access(&access, &vec![1.0; a.len()]) }
        };
        let unmet: Vec<Option<f64>> = a.iter().map(|v| rule.unmet(v.0, Some(v.1), Some(v.2))).collect();
        let codes: Vec<String> = (0..a.len()).map(|i| format!("E{i:08}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let g = gaps::gap_index(&unmet, &in_need, &access, &vec![100.0; a.len()], &codes);
        (unmet, access, g)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn more_need_and_no_better_access_never_ranks_below(a in areas(), nearest in any::<bool>()) {
            let (unmet, access, g) = scored(&a, nearest);
            for i in 0..a.len() {
                for j in 0..a.len() {
                    let more_need = a[i].0 >= a[j].0;
                    let no_better = access[i].unwrap() <= access[j].unwrap();
                    let differ = a[i].0 != a[j].0 || access[i] != access[j];
                    if more_need && no_better && differ {
                        prop_assert!(g.rank[i] < g.rank[j], "{:?} (unmet {:?}) ranks {:?} below {:?} (unmet {:?}) at {:?}", a[i], unmet[i], g.rank[i], a[j], unmet[j], g.rank[j]);
                    }
                }
            }
        }

        #[test]
        fn nobody_in_need_means_no_unmet_need(a in areas(), nearest in any::<bool>()) {
            let (unmet, _, _) = scored(&a, nearest);
            for (v, u) in a.iter().zip(&unmet) {
                if v.0 == 0.0 {
                    prop_assert_eq!(*u, Some(0.0));
                }
                prop_assert!(u.unwrap() >= 0.0 && u.unwrap() <= v.0);
            }
        }

        #[test]
        fn ranked_list_agrees_with_the_classes(a in areas(), nearest in any::<bool>()) {
            let (_, _, g) = scored(&a, nearest);
            let need = |i: usize| match g.class[i] { gaps::GapClass::Class { need, .. } => Some(need), _ => None };
            for h in (0..a.len()).filter(|&i| need(i) == Some(gaps::Tercile::High)) {
                for l in (0..a.len()).filter(|&i| need(i) == Some(gaps::Tercile::Low)) {
                    prop_assert!(g.rank[h] < g.rank[l], "high-need {:?} ranks {:?}, low-need {:?} ranks {:?}", a[h], g.rank[h], a[l], g.rank[l]);
                }
            }
        }

        #[test]
        fn unmet_totals_add_up_over_any_split(parts in prop::collection::vec((0.0..1_000.0f64, 0.0..40.0f64, 0usize..5, 0.0..1.0f64), 1..60)) {
            // Origins split over 5 areas by a share (the rest to area 0): area sums add to the origin total.
            let rule = gaps::UnmetRule::Beyond { minutes: 20.0 };
            let mut areas = [0.0f64; 5];
            let mut total = 0.0;
            for (need, min, area, share) in &parts {
                let u = rule.unmet(*need, Some(*min), None).unwrap();
                total += u;
                areas[*area] += u * share;
                areas[0] += u * (1.0 - share);
            }
            prop_assert!(close(areas.iter().sum::<f64>(), total, 1e-9));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn rtree_pairs_equal_all_pairs(
            o in prop::collection::vec((0.0..10_000.0f64, 0.0..10_000.0f64, prop_oneof![Just(0.0), 1.0..5_000.0f64]), 1..60),
            s in prop::collection::vec((0.0..10_000.0f64, 0.0..10_000.0f64, prop_oneof![Just(0.0), 0.5..20.0f64]), 1..20),
            max_km in 0.3..6.0f64,
            gaussian in any::<bool>(),
        ) {
            let sigma = gaussian.then_some(max_km / 2.0);
            let index = ServiceIndex::new(s.iter().enumerate().map(|(j, v)| (j, Coord { x: v.0, y: v.1 })));
            let mut pairs = Vec::new();
            for (i, v) in o.iter().enumerate() {
                for (j, d) in index.within(Coord { x: v.0, y: v.1 }, max_km * 1000.0 + 1.0) {
                    pairs.push(Pair { origin: i as u32, service: j as u32, cost: d / 1000.0 });
                }
            }
            let demand: Vec<f64> = o.iter().map(|v| v.2).collect();
            let supply: Vec<f64> = s.iter().map(|v| v.2).collect();
            let decay = sigma.map(|sigma| Decay::Gaussian { sigma }).unwrap_or(Decay::Step);
            let got = floating_catchment(&demand, &supply, &pairs, max_km, decay);
            let want = all_pairs(&o, &s, max_km, sigma);
            for (g, w) in got.access.iter().zip(&want) {
                prop_assert!(g.is_finite());
                prop_assert!(close(*g, *w, 1e-9), "{} vs {}", g, w);
            }
        }
    }
}
