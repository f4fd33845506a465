//! `weights = "postcodes"` on the real pack: ward populations split by the
//! share of each LSOA's postcode units in each ward piece, against shapely's
//! point-in-polygon counts (tests/fixtures/postcodes, made by
//! `make fixtures`), the district total unchanged against area weights, and
//! how far ward populations move (printed: `--nocapture`).
//!
//! The Bradford manifest keeps area weights (the tests of area-weighted ward
//! figures against tests/fixtures/reference stay as they are); these tests
//! load the same manifest with `weights = "postcodes"` on the LSOA tables.

use std::sync::OnceLock;

use needmap::analyse::postcode_weighted;
use needmap::dataset::{locate, ApportionWeights};
use needmap::Engine;

use crate::common::{csv_rows, engine, root};

/// The Bradford pack with every LSOA table apportioned by postcode weights.
pub fn postcode_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut loc = locate(Some(&root().join("../shared/geodata/bradford"))).expect("the Bradford pack");
        for t in loc.manifest.indicator_tables.iter_mut().filter(|t| t.level == "lsoa") {
            t.weights = ApportionWeights::Postcodes;
        }
        Engine::load(&loc).expect("the Bradford pack loads with postcode weights")
    })
}

fn level(e: &Engine, id: &str) -> usize {
    e.level_index(id).unwrap()
}

fn ward_population(e: &Engine) -> Vec<(String, String, f64)> {
    let w = level(e, "ward");
    let lvl = &e.levels[w];
    lvl.areas
        .iter()
        .zip(e.population(w))
        .map(|(a, p)| (a.code.clone(), a.name.clone(), p.expect("every ward has a population")))
        .collect()
}

/// Relative tolerance against the shapely reference: both place the same
/// postcode points in the same polygons, so the counts are the same and the
/// populations agree to rounding (the fixture has 6 decimals).
const TOLERANCE: f64 = 1e-6;

#[test]
fn ward_populations_match_the_shapely_reference() {
    let reference = csv_rows("tests/fixtures/postcodes/ward_population.csv");
    let ours = ward_population(postcode_engine());
    let by_area = ward_population(engine());
    assert_eq!(reference.len(), ours.len());
    assert_eq!(reference.len(), 30);
    for r in &reference {
        let code = &r["code"];
        let (_, _, pc) = ours.iter().find(|(c, _, _)| c == code).unwrap();
        let (_, _, area) = by_area.iter().find(|(c, _, _)| c == code).unwrap();
        let want: f64 = r["population_postcode"].parse().unwrap();
        let want_area: f64 = r["population_area"].parse().unwrap();
        assert!((pc - want).abs() <= TOLERANCE * want, "{code}: ours {pc}, shapely {want}");
        assert!((area - want_area).abs() <= TOLERANCE * want_area, "{code} (area weights): ours {area}, shapely {want_area}");
    }
}

#[test]
fn postcode_counts_match_the_reference() {
    let e = postcode_engine();
    let summary = &csv_rows("tests/fixtures/postcodes/summary.csv")[0];
    let n = |k: &str| summary[k].parse::<usize>().unwrap();
    let units = e.postcode_units().expect("[postcodes]").expect("the postcode file reads");
    assert_eq!(units.len(), n("units_read"));
    let (l, w) = (level(e, "lsoa"), level(e, "ward"));
    let located: Vec<_> = units.areas[l].iter().copied().zip(units.areas[w].iter().copied()).collect();
    let weighted = postcode_weighted(&e.overlay(l, w), &located, e.levels[l].len());
    let s = weighted.stats;
    assert_eq!(s.units, n("units_in_lsoas"));
    assert_eq!(s.in_pieces, n("in_pieces"));
    assert_eq!(s.outside_pieces, n("outside_pieces"));
    assert_eq!(s.weighted, n("lsoas_weighted"));
    assert_eq!(s.area_fallback, n("lsoas_area_fallback"));
    // Real values: 13,506 of the district's 13,509 units fall in an LSOA of
    // the generalised boundaries; the 20 LSOAs with LS postcodes have no BD
    // unit and keep their area shares.
    assert_eq!((s.units, s.outside_pieces, s.area_fallback), (13_506, 0, 20));
    // Each per-ward unit count agrees with shapely's.
    let reference = csv_rows("tests/fixtures/postcodes/ward_population.csv");
    for r in &reference {
        let ward = e.levels[w].by_code[&r["code"]];
        let ours = located.iter().filter(|(s, t)| s.is_some() && *t == Some(ward)).count();
        assert_eq!(ours.to_string(), r["postcode_units"], "{}", r["code"]);
    }
    // The engine says what it did, per level pair.
    let note = e
        .diagnostics
        .problems
        .iter()
        .find(|p| p.location == "weights lsoa -> ward")
        .expect("a note on the lsoa -> ward postcode weights");
    assert!(note.message.contains("13506 of 16903 postcode units lie in a lsoa area"), "{}", note.message);
    assert!(note.message.contains("20 have none and keep area shares"), "{}", note.message);
}

#[test]
fn the_district_total_is_unchanged_at_every_level() {
    let (pc, area) = (postcode_engine(), engine());
    for (l, lvl) in pc.levels.iter().enumerate() {
        let total = |e: &Engine| e.population(l).iter().map(|p| p.unwrap_or(0.0)).sum::<f64>();
        let (a, b) = (total(pc), total(area));
        assert!((a - b).abs() < 1e-6, "{}: postcode weights {a}, area weights {b}", lvl.id);
        assert!((a - 529_879.0).abs() < 1e-6, "{}: {a}", lvl.id);
    }
    // Constituencies are whole wards, so their populations follow the wards'.
    let c = level(pc, "constituency");
    assert!(pc.population(c).iter().zip(area.population(c)).any(|(a, b)| (a.unwrap() - b.unwrap()).abs() > 1.0));
}

/// How much ward populations move against area weighting (for the note).
#[test]
fn ward_populations_move_against_area_weights() {
    let pc = ward_population(postcode_engine());
    let area = ward_population(engine());
    let mut moves: Vec<(String, String, f64, f64, f64)> = pc
        .iter()
        .zip(&area)
        .map(|((code, name, p), (_, _, a))| (code.clone(), name.clone(), *a, *p, (p - a) / a * 100.0))
        .collect();
    let total_abs: f64 = moves.iter().map(|m| (m.3 - m.2).abs()).sum();
    let mut pct: Vec<f64> = moves.iter().map(|m| m.4.abs()).collect();
    pct.sort_by(f64::total_cmp);
    let median = (pct[pct.len() / 2 - 1] + pct[pct.len() / 2]) / 2.0;
    let max = *pct.last().unwrap();
    moves.sort_by(|a, b| (b.3 - b.2).abs().total_cmp(&(a.3 - a.2).abs()));
    println!("ward populations, postcode weights against area weights (30 wards, mid-2015 LSOA populations):");
    println!(
        "  sum of |change| {total_abs:.0} people ({:.0} people moved between wards); median |change| {median:.2} %, max {max:.2} %",
        total_abs / 2.0
    );
    println!("  the 5 wards that move most:");
    for (code, name, a, p, pc) in moves.iter().take(5) {
        println!("    {code} {name}: {a:.0} -> {p:.0} ({:+.0}, {pc:+.2} %)", p - a);
    }
    // Weights differ, so populations move, but a ward keeps its order of size.
    assert!(total_abs > 1000.0, "{total_abs}");
    assert!(max < 25.0, "{max}");
}

/// `weights = "postcodes"` without a `[postcodes]` file is refused by name.
#[test]
fn postcode_weights_need_the_postcode_file() {
    let path = crate::common::root().join("geodata/bradford/dataset.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("[postcodes]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]).replacen(
        "join_column = \"lsoa11cd\"\nlevel = \"lsoa\"\n",
        "join_column = \"lsoa11cd\"\nlevel = \"lsoa\"\nweights = \"postcodes\"\n",
        1,
    );
    let err = needmap::dataset::Manifest::parse(&without, &path).unwrap_err().to_string();
    assert!(err.contains("indicator table `imd2019_lsoa.csv` has `weights = \"postcodes\"` but the manifest has no [postcodes] section"), "{err}");
    let bad = text.replacen("level = \"lsoa\"\n[indicator_table.populations]", "level = \"lsoa\"\nweights = \"households\"\n[indicator_table.populations]", 1);
    assert!(needmap::dataset::Manifest::parse(&bad, &path).unwrap_err().to_string().contains("households"));
}
