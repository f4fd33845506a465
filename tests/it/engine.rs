//! Integration tests of the engine on the real Bradford pack
//! (../shared/geodata/bradford), against values from independent
//! implementations (tests/fixtures/reference, made by shapely + pyproj).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use geo::{Contains, Coord, Point};
use needmap::crs::{haversine_m, Transform, BNG, WGS84};
use needmap::dataset::locate;
use needmap::report::{area_report, Cell, Report};
use needmap::Engine;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/geodata/bradford")
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let loc = locate(Some(&shared())).expect("the Bradford pack is at ../shared/geodata/bradford");
        Engine::load(&loc).expect("the Bradford pack loads")
    })
}

fn csv_rows(path: &str) -> Vec<HashMap<String, String>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    let mut r = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

fn number(report: &Report, row: usize, column: &str) -> f64 {
    let c = report.column(column).unwrap_or_else(|| panic!("no column {column}"));
    match &report.rows[row][c] {
        Cell::Number(Some(v)) => *v,
        Cell::Count(n) => *n as f64,
        other => panic!("{column} is {other:?}"),
    }
}

fn text(report: &Report, row: usize, column: &str) -> String {
    let c = report.column(column).unwrap();
    report.rows[row][c].render()
}

#[test]
fn levels_have_the_published_area_counts() {
    let e = engine();
    let counts: Vec<(&str, usize)> = e.levels.iter().map(|l| (l.id.as_str(), l.len())).collect();
    assert_eq!(
        counts,
        vec![("locality", 4), ("constituency", 5), ("ward", 30), ("msoa", 61), ("lsoa", 310), ("oa", 1528)]
    );
}

#[test]
fn six_wards_in_each_constituency() {
    let e = engine();
    let w = e.level_index("ward").unwrap();
    let mut per: HashMap<&str, usize> = HashMap::new();
    for a in 0..e.levels[w].len() {
        *per.entry(e.parent_code(w, a).expect("every ward has a constituency")).or_default() += 1;
    }
    assert_eq!(per.len(), 5);
    assert!(per.values().all(|&n| n == 6), "{per:?}");
    // Baildon is in Shipley.
    let baildon = e.levels[w].by_code["E05001341"];
    assert_eq!(e.parent_code(w, baildon), Some("E14000925"));
}

#[test]
fn district_population_is_the_sum_of_lsoa_populations_at_every_level() {
    let e = engine();
    let rows = csv_rows("../shared/geodata/bradford/imd2019_lsoa.csv");
    let lsoa_sum: f64 = rows.iter().map(|r| r["pop_total_mid2015"].parse::<f64>().unwrap()).sum();
    assert_eq!(lsoa_sum, 529_879.0);
    for (l, level) in e.levels.iter().enumerate() {
        let total: f64 = e.population(l).iter().map(|p| p.expect("every area has a population")).sum();
        assert!((total - lsoa_sum).abs() < 1e-6, "{}: {total}", level.id);
    }
}

/// Ward and constituency figures agree with shapely's overlay within 0.5 %
/// (they agree to about 1e-9 in practice).
#[test]
fn apportionment_matches_shapely_reference() {
    let e = engine();
    for level in ["ward", "constituency"] {
        let report = area_report(e, level).unwrap();
        let reference = csv_rows(&format!("tests/fixtures/reference/areas_{level}.csv"));
        assert_eq!(reference.len(), report.rows.len());
        for r in &reference {
            let row = report.rows.iter().position(|row| row[0].render() == r["code"]).unwrap();
            for (ours, theirs) in [
                ("population", "population"),
                ("pop_children", "pop_children"),
                ("imd_score", "imd_score"),
                ("imd_decile1_pop_share", "imd_decile1_pop_share"),
            ] {
                let a = number(&report, row, ours);
                let b: f64 = r[theirs].parse().unwrap();
                let tol = 0.005 * b.abs().max(1e-3);
                assert!((a - b).abs() <= tol, "{level} {} {ours}: ours {a}, shapely {b}", r["code"]);
            }
        }
    }
}

#[test]
fn ward_imd_scores_are_real_values() {
    let e = engine();
    let report = area_report(e, "ward").unwrap();
    let row = |code: &str| report.rows.iter().position(|r| r[0].render() == code).unwrap();
    // Bowling and Barkerend: one of the most deprived wards; Baildon one of the least.
    let bowling = number(&report, row("E05001345"), "imd_score");
    let baildon = number(&report, row("E05001341"), "imd_score");
    assert!((bowling - 54.004).abs() < 0.01, "{bowling}");
    assert!((baildon - 14.109).abs() < 0.01, "{baildon}");
    // Ranks and deciles are not averaged above the level they are published at.
    assert_eq!(text(&report, row("E05001345"), "imd_decile"), "");
    assert_eq!(text(&report, row("E05001345"), "parent_code"), "E14000587");
}

#[test]
fn every_service_lands_in_the_ward_shapely_finds() {
    let e = engine();
    let w = e.level_index("ward").unwrap();
    let reference = csv_rows("tests/fixtures/reference/service_wards.csv");
    assert_eq!(reference.len(), e.services.len());
    let by_id: HashMap<&str, &str> = reference.iter().map(|r| (r["id"].as_str(), r["ward13cd"].as_str())).collect();
    let mut outside = 0;
    for s in &e.services {
        let ours = s.areas[w].map(|a| e.levels[w].areas[a].code.as_str()).unwrap_or("");
        assert_eq!(ours, by_id[s.id.as_str()], "service {} ({})", s.id, s.name);
        outside += usize::from(ours.is_empty());
    }
    // Westville House School lies just outside the generalised boundary: counted, not dropped.
    assert_eq!(outside, 1);
    assert_eq!(e.outside[w], 1);
    let westville = e.services.iter().find(|s| s.id == "bd-00798").unwrap();
    assert!(westville.areas.iter().all(|a| a.is_none()));
}

#[test]
fn a_known_service_is_in_its_ward() {
    let e = engine();
    let w = e.level_index("ward").unwrap();
    // bd-00001 Bradford South & West CMHT, Fieldhead Business Centre, BD7 1LG: City ward.
    let s = e.services.iter().find(|s| s.id == "bd-00001").unwrap();
    assert_eq!(e.levels[w].areas[s.areas[w].unwrap()].name, "City");
}

#[test]
fn all_310_ons_centroid_pairs_agree_within_10_m() {
    let to_wgs = Transform::new(BNG, WGS84).unwrap();
    let to_bng = Transform::new(WGS84, BNG).unwrap();
    let rows = csv_rows("../shared/geodata/bradford/lsoa_centroids.csv");
    assert_eq!(rows.len(), 310);
    let mut worst: f64 = 0.0;
    for r in &rows {
        let bng = Coord { x: r["bng_easting"].parse().unwrap(), y: r["bng_northing"].parse().unwrap() };
        let ons = Coord { x: r["lon"].parse().unwrap(), y: r["lat"].parse().unwrap() };
        let ours = to_wgs.coord(bng).unwrap();
        let d = haversine_m(ours, ons);
        worst = worst.max(d);
        let back = to_bng.coord(ons).unwrap();
        let d2 = ((back.x - bng.x).powi(2) + (back.y - bng.y).powi(2)).sqrt();
        assert!(d < 10.0 && d2 < 10.0, "{}: {d:.2} m / {d2:.2} m", r["lsoa11cd"]);
    }
    // PROJ without the OSTN15 grid (Helmert) is a few metres from ONS's values.
    eprintln!("worst ONS centroid difference: {worst:.2} m");
    assert!(worst < 8.0, "worst {worst:.2} m (7.27 m measured)");
}

#[test]
fn stroke_unit_bng_and_lonlat_pairs_agree() {
    let to_wgs = Transform::new(BNG, WGS84).unwrap();
    for r in csv_rows("../shared/geodata/bradford/stroke_units.csv") {
        let bng = Coord { x: r["bng_easting"].parse().unwrap(), y: r["bng_northing"].parse().unwrap() };
        let given = Coord { x: r["lon"].parse().unwrap(), y: r["lat"].parse().unwrap() };
        let d = haversine_m(to_wgs.coord(bng).unwrap(), given);
        assert!(d < 10.0, "{}: {d:.1} m", r["unit_postcode"]);
    }
}

#[test]
fn bng_shapefile_loads_and_holds_every_published_centroid() {
    let mut diags = needmap::load::Diagnostics::default();
    let path = shared().join("lsoa_bng.shp");
    let (areas, prj) = needmap::load::read_boundaries(
        &path,
        "LSOA11CD",
        Some("LSOA11NM"),
        &needmap::dataset::CrsSpec::Crs84,
        &mut diags,
    )
    .unwrap();
    assert_eq!(areas.len(), 310);
    assert!(prj.contains("British_National_Grid"));
    // Reproject the .prj's CRS to WGS84 through PROJ and test containment in degrees.
    let to_wgs = Transform::new(&prj, WGS84).unwrap();
    let centroids: HashMap<String, Coord<f64>> = csv_rows("../shared/geodata/bradford/lsoa_centroids.csv")
        .into_iter()
        .map(|r| (r["lsoa11cd"].clone(), Coord { x: r["lon"].parse().unwrap(), y: r["lat"].parse().unwrap() }))
        .collect();
    for a in areas {
        let mut g = a.geometry.clone();
        to_wgs.geometry(&mut g).unwrap();
        assert!(g.contains(&Point(centroids[&a.code])), "{} does not hold its centroid", a.code);
    }
}

#[test]
fn lsoa_published_centroids_are_attached() {
    let e = engine();
    let (kind, points) = &e.centroids["lsoa"];
    assert_eq!(kind, "published");
    assert_eq!(points.iter().filter(|p| p.is_some()).count(), 310);
}

#[test]
fn localities_are_groups_of_constituencies() {
    let e = engine();
    let loc = e.level_index("locality").unwrap();
    let con = e.level_index("constituency").unwrap();
    let pop = |l: usize, code: &str| e.population(l)[e.levels[l].by_code[code]].unwrap();
    let ks = pop(loc, "FHL-KS");
    let sum = pop(con, "E14000766") + pop(con, "E14000925");
    assert!((ks - sum).abs() < 1e-6, "{ks} vs {sum}");
    let report = area_report(e, "locality").unwrap();
    assert_eq!(report.rows.len(), 4);
    // Constituency rows carry their locality as parent.
    let r = area_report(e, "constituency").unwrap();
    let keighley = r.rows.iter().position(|row| row[0].render() == "E14000766").unwrap();
    assert_eq!(text(&r, keighley, "parent_code"), "FHL-KS");
}

#[test]
fn provision_counts_add_up() {
    let e = engine();
    for (l, level) in e.levels.iter().enumerate() {
        let counted: u32 = e.provision[l].total.iter().sum();
        assert_eq!(counted as usize + e.outside[l], e.services.len(), "{}", level.id);
        let by_cat: u32 = e.provision[l].by_category.values().flatten().sum();
        assert_eq!(by_cat, counted);
    }
    let report = area_report(e, "constituency").unwrap();
    for row in 0..report.rows.len() {
        let total = number(&report, row, "services_total");
        let pop = number(&report, row, "population");
        let per = number(&report, row, "services_per_10k");
        assert!((per - total / pop * 1e4).abs() < 1e-9);
    }
    // 8 family hubs / children's centres by name match.
    assert_eq!(e.services.iter().filter(|s| s.category == "family_hub").count(), 8);
}

#[test]
fn report_csv_has_the_documented_columns() {
    let e = engine();
    let report = area_report(e, "ward").unwrap();
    let mut out = Vec::new();
    report.write_csv(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let header = text.lines().next().unwrap();
    assert!(header.starts_with("code,name,parent_code,population,"));
    for col in ["imd_score", "imd_decile1_pop_share", "services_gp", "services_per_10k"] {
        assert!(header.split(',').any(|c| c == col), "missing {col}");
    }
    assert_eq!(text.lines().count(), 31);
    assert!(!text.contains("NaN") && !text.contains("inf"));
}

#[test]
fn indicators_are_offered_at_their_published_level_and_coarser_only() {
    // Issue 9 section 2: constituency figures are not spread down to wards or
    // LSOAs, LSOA figures not down to OAs; the columns stay, empty.
    let e = engine();
    let empty = |level: &str, col: &str| {
        let r = area_report(e, level).unwrap();
        let c = r.column(col).unwrap_or_else(|| panic!("{level}: no column {col}"));
        r.rows.iter().all(|row| matches!(row[c], Cell::Number(None)))
    };
    for col in ["children_in_poverty_pct", "economically_inactive_pct", "crime_rate", "life_expectancy_male"] {
        for level in ["ward", "msoa", "lsoa", "oa"] {
            assert!(empty(level, col), "{col} spread down to {level}");
        }
        assert!(!empty("constituency", col) && !empty("locality", col), "{col} at its level and above");
    }
    for col in ["imd_score", "imd2025_score", "children_income_deprived_2019", "imd_decile1_pop_share"] {
        assert!(empty("oa", col), "{col} spread down to OAs");
        for level in ["lsoa", "msoa", "ward", "constituency"] {
            assert!(!empty(level, col), "{col} missing at {level}");
        }
    }
    let (k, oa, ward) = (e.indicator_index("crime_rate").unwrap(), e.level_index("oa").unwrap(), e.level_index("ward").unwrap());
    assert!(!e.offers(k, ward) && !e.offers(k, oa) && e.offers(k, e.level_index("locality").unwrap()));
    // Counts published for LSOAs add up exactly at the wards.
    let ward_r = area_report(e, "ward").unwrap();
    let sum: f64 = (0..ward_r.rows.len()).map(|a| number(&ward_r, a, "children_income_deprived_2019")).sum();
    let want: f64 = csv_rows("../shared/geodata/bradford/imd2019_children_lsoa.csv")
        .iter()
        .filter_map(|r| r["children_income_deprived_2019"].parse::<f64>().ok())
        .sum();
    assert!((sum - want).abs() < 1e-6 * want, "{sum} vs {want}");
}
