//! Need over time on the real pack (issue 13): the IMD series 2015, 2019,
//! 2025, checked against counts and means computed here from the CSVs.

use std::collections::HashMap;

use needmap::gaps::{compute_with, GapClass, GapQuery, Tercile};
use needmap::model::Series;
use needmap::report::{emerging_gaps, need_change, ChangeClass, ChangeError, ChangeQuery};

use crate::common::{ctx, engine};

const PACK: &str = "../shared/geodata/bradford";

fn rows(file: &str) -> Vec<HashMap<String, String>> {
    crate::common::csv_rows(&format!("{PACK}/{file}"))
}

fn num(v: &str) -> Option<f64> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.parse().unwrap_or_else(|_| panic!("`{v}` is not a number")))
}

fn query(from: &str, to: &str, level: &str) -> ChangeQuery {
    ChangeQuery { series: Some("imd".into()), from: from.into(), to: to.into(), level: level.into() }
}

#[test]
fn the_manifest_marks_the_imd_series_2015_2019_2025() {
    let all = Series::of(&engine().indicators);
    assert_eq!(all.len(), 1);
    let imd = &all[0];
    assert_eq!(imd.id, "imd");
    assert_eq!(imd.labels(), "2015, 2019, 2025");
    let id = |k: Option<usize>| k.map(|k| engine().indicators[k].id.as_str());
    assert_eq!(id(imd.vintage("2015").unwrap().score), Some("imd2015_score"));
    assert_eq!(id(imd.vintage("2015").unwrap().decile), Some("imd2015_decile"));
    assert_eq!(id(imd.vintage("2019").unwrap().score), Some("imd_score"));
    assert_eq!(id(imd.vintage("2019").unwrap().decile), Some("imd_decile"));
    assert_eq!(id(imd.vintage("2025").unwrap().score), Some("imd2025_score"));
    assert_eq!(id(imd.vintage("2025").unwrap().decile), Some("imd2025_decile"));
}

#[test]
fn lsoas_whose_decile_fell_2019_to_2025_match_a_count_from_the_csv() {
    // Independent count: the trend file's own 2019 and 2025 deciles.
    let trend = rows("imd_trend_lsoa.csv");
    let mut fell = 0;
    let mut rose = 0;
    let mut same = 0;
    let mut unknown = 0;
    for r in &trend {
        match (num(&r["imd2019_decile"]), num(&r["imd2025_decile"])) {
            (Some(a), Some(b)) if b < a => fell += 1,
            (Some(a), Some(b)) if b > a => rose += 1,
            (Some(_), Some(_)) => same += 1,
            _ => unknown += 1,
        }
    }
    // The 2019 decile the engine uses comes from imd2019_lsoa.csv: the same values.
    let d2019: HashMap<String, Option<f64>> = rows("imd2019_lsoa.csv").into_iter().map(|r| (r["lsoa11cd"].clone(), num(&r["imd_decile"]))).collect();
    for r in &trend {
        assert_eq!(d2019[&r["lsoa11cd"]], num(&r["imd2019_decile"]), "{}", r["lsoa11cd"]);
    }
    let change = need_change(engine(), &query("2019", "2025", "lsoa")).unwrap();
    assert!(change.published_level);
    let count = |c: ChangeClass| change.areas.iter().filter(|a| a.class == c).count();
    assert_eq!(count(ChangeClass::NeedRose), fell);
    assert_eq!(count(ChangeClass::NeedFell), rose);
    assert_eq!(count(ChangeClass::NoChange), same);
    assert_eq!(count(ChangeClass::NoData), unknown);
    // The real figures of the pack: 47 of 310 LSOAs fell to a more deprived decile.
    assert_eq!((fell, rose, same, unknown), (47, 55, 206, 2));
    // Each LSOA's decile change is its own B - A.
    for r in &trend {
        let i = change.codes.iter().position(|c| c == &r["lsoa11cd"]).unwrap();
        let expected = num(&r["imd2025_decile"]).zip(num(&r["imd2019_decile"])).map(|(b, a)| b - a);
        assert_eq!(change.areas[i].decile_change, expected, "{}", r["lsoa11cd"]);
    }
}

#[test]
fn split_lsoas_are_unknown_not_change() {
    let change = need_change(engine(), &query("2019", "2025", "lsoa")).unwrap();
    assert_eq!(change.unknown_published, 2);
    for code in ["E01010677", "E01010835"] {
        let i = change.codes.iter().position(|c| c == code).unwrap();
        let a = &change.areas[i];
        assert_eq!(a.class, ChangeClass::NoData, "{code}");
        assert_eq!(a.decile_to, None, "{code}");
        assert_eq!(a.decile_change, None, "{code}");
        assert_eq!(a.low_share_change, None, "{code}: left out of the deciles 1-2 shares");
        assert_eq!(a.rank, None, "{code}");
        // The 2025 score (mean of the two successors) still gives a score change.
        assert!(a.score_change.is_some(), "{code}");
    }
}

/// Population-weighted brute force over the LSOA -> ward pieces (the
/// engine's area shares), from the CSV values.
fn ward_brute_force(value: impl Fn(&HashMap<String, String>) -> Option<f64>) -> Vec<Option<f64>> {
    let e = engine();
    let lsoa = e.level_index("lsoa").unwrap();
    let ward = e.level_index("ward").unwrap();
    let pop: HashMap<String, f64> = rows("imd2019_lsoa.csv").into_iter().map(|r| (r["lsoa11cd"].clone(), num(&r["pop_total_mid2015"]).unwrap())).collect();
    let by_code: HashMap<String, HashMap<String, String>> = rows("imd_trend_lsoa.csv").into_iter().map(|r| (r["lsoa11cd"].clone(), r)).collect();
    let overlay = e.overlay(lsoa, ward);
    let mut num_ = vec![0.0; e.levels[ward].len()];
    let mut den = vec![0.0; e.levels[ward].len()];
    for p in &overlay.pieces {
        let code = &e.levels[lsoa].areas[p.source].code;
        let Some(v) = value(&by_code[code]) else { continue };
        let w = pop[code] * p.share;
        num_[p.target] += w * v;
        den[p.target] += w;
    }
    num_.iter().zip(&den).map(|(n, d)| (*d > 0.0).then(|| n / d)).collect()
}

#[test]
fn ward_score_change_is_the_population_weighted_mean_of_lsoa_changes() {
    let change = need_change(engine(), &query("2015", "2025", "ward")).unwrap();
    assert!(!change.published_level);
    let expected = ward_brute_force(|r| Some(num(&r["imd2025_score"])? - num(&r["imd2015_score"])?));
    assert_eq!(change.areas.len(), 30);
    for (i, (a, e)) in change.areas.iter().zip(&expected).enumerate() {
        let (got, want) = (a.score_change.unwrap(), e.unwrap());
        assert!((got - want).abs() < 1e-9, "{}: {got} vs {want}", change.names[i]);
    }
}

#[test]
fn ward_deciles_1_2_share_counts_lsoas_with_both_deciles() {
    let change = need_change(engine(), &query("2015", "2025", "ward")).unwrap();
    let low = |col: &'static str| {
        move |r: &HashMap<String, String>| -> Option<f64> {
            // Only LSOAs with a decile in both vintages count.
            num(&r["imd2015_decile"])?;
            num(&r["imd2025_decile"])?;
            Some(if num(&r[col])? <= 2.0 { 1.0 } else { 0.0 })
        }
    };
    let from = ward_brute_force(low("imd2015_decile"));
    let to = ward_brute_force(low("imd2025_decile"));
    for (i, a) in change.areas.iter().enumerate() {
        let (f, t) = (from[i].unwrap(), to[i].unwrap());
        assert!((a.low_share_from.unwrap() - f).abs() < 1e-12, "{}", change.names[i]);
        assert!((a.low_share_to.unwrap() - t).abs() < 1e-12, "{}", change.names[i]);
        let d = t - f;
        let class = if d >= 0.05 - 1e-12 {
            ChangeClass::NeedRose
        } else if d <= -0.05 + 1e-12 {
            ChangeClass::NeedFell
        } else {
            ChangeClass::NoChange
        };
        assert_eq!(a.class, class, "{}", change.names[i]);
    }
    // Ranks: 1..=30, the first is the largest rise of the share.
    let first = change.areas.iter().position(|a| a.rank == Some(1)).unwrap();
    let max = change.areas.iter().map(|a| a.low_share_change.unwrap()).fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(change.areas[first].low_share_change, Some(max));
    assert_eq!(change.names[first], "Heaton");
}

/// The rank means what its label says ("1 = need rose most"): at every level and for every pair
/// of vintages, every area whose need rose ranks above every area with no change or a fall,
/// every "no change" above every fall, ranks are 1..=n without gaps, and no-data areas have none.
#[test]
fn change_rank_agrees_with_the_classes() {
    let order = |c: &ChangeClass| match c {
        ChangeClass::NeedRose => 0,
        ChangeClass::NoChange => 1,
        ChangeClass::NeedFell => 2,
        ChangeClass::NoData => 3,
    };
    for level in ["lsoa", "ward", "constituency"] {
        for (from, to) in [("2015", "2019"), ("2019", "2025"), ("2015", "2025")] {
            let change = need_change(engine(), &query(from, to, level)).unwrap();
            let mut ranked: Vec<_> = change.areas.iter().filter_map(|a| a.rank.map(|r| (r, order(&a.class)))).collect();
            assert!(change.areas.iter().all(|a| (a.class == ChangeClass::NoData) == a.rank.is_none()), "{level} {from}-{to}");
            ranked.sort();
            assert!(ranked.iter().enumerate().all(|(i, (r, _))| *r as usize == i + 1), "{level} {from}-{to}: ranks 1..=n");
            assert!(ranked.windows(2).all(|w| w[0].1 <= w[1].1), "{level} {from}-{to}: a lower class ranks above a higher one");
        }
    }
}

#[test]
fn emerging_gaps_are_exactly_need_rose_and_low_access() {
    for level in ["lsoa", "ward"] {
        let change = need_change(engine(), &query("2015", "2025", level)).unwrap();
        let gq = GapQuery { level: level.into(), category: Some("family_hub".into()), ..GapQuery::default() };
        let gaps = compute_with(engine(), ctx(), &gq).unwrap();
        let emerging = emerging_gaps(&change, &gaps);
        let access: HashMap<&str, GapClass> = gaps.rows.iter().map(|r| (r.code.as_str(), r.gap_class)).collect();
        let mut n = 0;
        for (i, a) in change.areas.iter().enumerate() {
            let low = matches!(access[change.codes[i].as_str()], GapClass::Class { access: Tercile::Low, .. });
            let expected = a.class == ChangeClass::NeedRose && low;
            assert_eq!(emerging.emerging[i] == Some(true), expected, "{level} {}", change.codes[i]);
            n += usize::from(expected);
        }
        assert_eq!(emerging.areas(&change).len(), n);
        assert!(n > 0, "{level}: some emerging gaps for family hubs");
    }
}

#[test]
fn bad_change_requests_say_what_to_do() {
    let e = engine();
    assert!(matches!(need_change(e, &query("2011", "2025", "ward")), Err(ChangeError::UnknownVintage { .. })));
    assert!(matches!(need_change(e, &query("2019", "2019", "ward")), Err(ChangeError::SameVintage { .. })));
    let mut q = query("2015", "2025", "ward");
    q.series = Some("census".into());
    assert!(matches!(need_change(e, &q), Err(ChangeError::UnknownSeries { .. })));
    let msg = need_change(e, &query("2015", "2025", "oa")).unwrap_err().to_string();
    assert!(msg.contains("not offered at level `oa`") && msg.contains("lsoa") && msg.contains("ward"), "{msg}");
    // The default series is the manifest's first.
    q.series = None;
    assert_eq!(need_change(e, &q).unwrap().series, "imd");
}

#[test]
fn the_manifest_check_names_the_indicator_of_a_bad_series() {
    let path = crate::common::root().join("geodata/bradford/dataset.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let check = |t: String| needmap::dataset::Manifest::parse(&t, &path).unwrap_err().to_string();
    let once = |from: &str, to: &str| text.replacen(from, to, 1);
    let msg = check(once("series = \"imd\"\nvintage = \"2015\"\n", "series = \"imd\"\n"));
    assert!(msg.contains("imd2015_score") && msg.contains("no `vintage`"), "{msg}");
    let msg = check(once("series = \"imd\"\nvintage = \"2015\"\n", "vintage = \"2015\"\n"));
    assert!(msg.contains("imd2015_score") && msg.contains("no `series`"), "{msg}");
    let msg = check(once("vintage = \"2015\"\n", "vintage = \"the old one\"\n"));
    assert!(msg.contains("imd2015_score") && msg.contains("not a year or other number"), "{msg}");
    let msg = check(once("vintage = \"2015\"\n", "vintage = \"2025\"\n"));
    assert!(msg.contains("imd2025_score") && msg.contains("imd2015_score") && msg.contains("one indicator per kind and vintage"), "{msg}");
}

// ------------------------------------------------------------------ server

mod server {
    use std::path::PathBuf;
    use std::sync::{Arc, LazyLock};

    use axum::http::StatusCode;
    use axum::Router;
    use serde_json::Value;
    static APP: LazyLock<Router> = LazyLock::new(|| {
        let loc = needmap::dataset::locate(Some(&crate::common::root().join("../shared/geodata/bradford"))).unwrap();
        let engine = Arc::new(needmap::Engine::load(&loc).unwrap());
        needmap::serve::build(engine, PathBuf::from("/nonexistent-web"), "needmap.test:8080").unwrap()
    });
    fn get(uri: &str) -> (StatusCode, Vec<u8>) {
        crate::common::oneshot_get(&APP, uri)
    }

    fn json(uri: &str) -> Value {
        let (status, body) = get(uri);
        assert_eq!(status, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }

    fn refused(uri: &str, parameter: &str, words: &str) {
        let (status, body) = get(uri);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["parameter"], parameter, "{uri}: {v}");
        assert!(v["message"].as_str().unwrap().contains(words), "{uri}: {v}");
    }

    #[test]
    fn area_answers_carry_the_change_columns() {
        let v = json("/api/areas/lsoa.geojson?change_from=2019&change_to=2025&geometry=false");
        let features = v["features"].as_array().unwrap();
        assert_eq!(features.len(), 310);
        let rose = features.iter().filter(|f| f["properties"]["change_class"] == "need-rose").count();
        assert_eq!(rose, 47);
        let f = features.iter().find(|f| f["properties"]["code"] == "E01010568").unwrap();
        assert_eq!(f["properties"]["change_decile"], -1.0);
        assert_eq!(f["properties"]["change_decile_from"], 8.0);
        // The series values are indicator columns too.
        // (The engine's weighted mean at the published level is (w v) / w: 11.782999999999998.)
        assert!((f["properties"]["imd2015_score"].as_f64().unwrap() - 11.783).abs() < 1e-9);
        // With one category: the emerging gaps, exactly need rose and low access.
        let v = json("/api/areas/ward.geojson?series=imd&change_from=2015&change_to=2025&category=family_hub&geometry=false");
        for f in v["features"].as_array().unwrap() {
            let p = &f["properties"];
            let expected = p["change_class"] == "need-rose" && p["gap_class"].as_str().unwrap().ends_with("/low-access");
            assert_eq!(p["emerging_gap"] == 1, expected, "{}", p["name"]);
        }
        // The OGC items and the CSV export carry them as well.
        let items = json("/ogc/collections/ward/items?change_from=2015&change_to=2025&limit=50");
        assert!(items["features"][0]["properties"]["change_class"].is_string());
        let (status, csv) = get("/api/export/ward.csv?change_from=2015&change_to=2025");
        assert_eq!(status, StatusCode::OK);
        let head = String::from_utf8_lossy(&csv).lines().next().unwrap().to_string();
        assert!(head.contains("change_score") && head.contains("change_class") && head.contains("imd2015_score"), "{head}");
    }

    #[test]
    fn bad_change_parameters_are_400_naming_them() {
        refused("/api/areas/ward.geojson?change_from=2011&change_to=2025", "change_from", "vintages are: 2015, 2019, 2025");
        refused("/api/areas/ward.geojson?change_from=2015", "change_to", "change_to");
        refused("/api/areas/ward.geojson?change_to=2025", "change_from", "change_from");
        refused("/api/areas/ward.geojson?change_from=2019&change_to=2019", "change_to", "two different vintages");
        refused("/api/areas/ward.geojson?series=census&change_from=2015&change_to=2025", "series", "series are: imd");
        refused("/api/areas/oa.geojson?change_from=2015&change_to=2025", "change_from", "not offered at level `oa`");
        refused("/api/print/ward.pdf?change_from=2015&change_to=2031", "change_to", "2031");
    }

    #[test]
    fn meta_lists_the_series_and_print_draws_the_change_map() {
        let meta = json("/api/meta");
        let s = &meta["change"]["series"][0];
        assert_eq!(s["id"], "imd");
        assert_eq!(s["vintages"][0]["vintage"], "2015");
        assert_eq!(s["vintages"][0]["score"], "imd2015_score");
        assert_eq!(s["levels"], serde_json::json!(["locality", "constituency", "ward", "msoa", "lsoa"]));
        assert!(meta["change"]["caveat"].as_str().unwrap().contains("Ranks of different editions are not compared"));
        let (status, pdf) = get("/api/print/ward.pdf?change_from=2015&change_to=2025&area=Keighley");
        assert_eq!(status, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF"));
    }
}

#[test]
fn the_printed_change_map_has_the_classes_and_the_caveat() {
    use needmap::print::{render_svg, PrintRequest, Theme};
    let request = PrintRequest::new("ward", Theme::Change { series: None, from: "2015".into(), to: "2025".into() });
    let map = render_svg(engine(), &request).unwrap();
    assert_eq!(map.title, "Need over time: IMD 2015 to 2025");
    for words in ["Need rose (14)", "No change (16)", "Need fell (0)"] {
        assert!(map.legend.iter().any(|l| l == words), "{words}: {:?}", map.legend);
    }
    // The legend note (wrapped over lines) says what is not compared.
    let text: String = map.svg.split('<').filter_map(|t| t.split_once('>').map(|(_, x)| x)).collect::<Vec<_>>().join(" ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Ranks of different editions are not compared; deciles are relative to England in each edition."), "{text}");
    assert!(map.svg.contains("#e66101"));
}

#[test]
fn the_printed_change_map_outlines_the_emerging_gaps() {
    use needmap::print::{render_svg, PrintRequest, Theme};
    let change = need_change(engine(), &query("2015", "2025", "ward")).unwrap();
    let gq = GapQuery { level: "ward".into(), category: Some("family_hub".into()), ..GapQuery::default() };
    let gaps = compute_with(engine(), ctx(), &gq).unwrap();
    let emerging = emerging_gaps(&change, &gaps);
    let mut table = needmap::report::area_report(engine(), "ward").unwrap();
    emerging.append_emerging_column(&change, &mut table);
    let mut request = PrintRequest::new("ward", Theme::Change { series: None, from: "2015".into(), to: "2025".into() });
    request.table = Some(table);
    let map = render_svg(engine(), &request).unwrap();
    let n = emerging.areas(&change).len();
    assert_eq!(n, 1, "Eccleshill");
    assert!(map.legend.iter().any(|l| l == &format!("Emerging gap: need rose, access in the lowest third ({n})")), "{:?}", map.legend);
    // One dashed outline per emerging gap, plus the legend swatch.
    assert_eq!(map.svg.matches("stroke-dasharray").count(), n + 1);
}
