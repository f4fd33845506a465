//! Indicators published at a coarser level (issue 9, section 2): the area
//! report can carry the parent's value in a column named for its source
//! level, and a printed map of such an indicator at a finer level is refused.

use needmap::print::{render_svg, PrintError, PrintRequest, Theme};
use needmap::report::{add_parent_values, area_report, Cell};
use needmap::Engine;

fn engine() -> Engine {
    Engine::load(&needmap::dataset::locate(None).expect("the Bradford pack")).expect("engine loads")
}

fn number(c: &Cell) -> Option<f64> {
    match c {
        Cell::Number(v) => *v,
        Cell::Count(n) => Some(*n as f64),
        _ => None,
    }
}

#[test]
fn ward_reports_carry_the_constituency_value_in_a_named_column_only() {
    let e = engine();
    let mut wards = area_report(&e, "ward").unwrap();
    let before = wards.columns.clone();
    let added = add_parent_values(&e, "ward", &mut wards).unwrap();
    for name in ["constituency_crime_rate", "constituency_children_in_poverty_pct", "constituency_life_expectancy_female"] {
        assert!(added.iter().any(|a| a == name), "{name} in {added:?}");
    }
    // LSOA-published indicators are offered at wards: no parent column for them.
    assert!(!added.iter().any(|a| a.contains("imd")), "{added:?}");
    assert_eq!(wards.columns.len(), before.len() + added.len());
    let constituencies = area_report(&e, "constituency").unwrap();
    let col = |r: &needmap::report::Report, n: &str| r.columns.iter().position(|c| c == n).unwrap();
    let (own, parent, code, pcode) = (col(&wards, "crime_rate"), col(&wards, "constituency_crime_rate"), col(&wards, "code"), col(&wards, "parent_code"));
    let mut checked = 0;
    for row in &wards.rows {
        // The ward's own column stays empty: never spread down.
        assert_eq!(number(&row[own]), None);
        let Cell::Text(Some(p)) = &row[pcode] else { panic!("ward {:?} without a constituency", row[code]) };
        let prow = constituencies.rows.iter().find(|r| matches!(&r[0], Cell::Text(Some(c)) if c == p)).unwrap();
        let expected = number(&prow[col(&constituencies, "crime_rate")]).expect("constituency crime rate");
        assert_eq!(number(&row[parent]), Some(expected));
        checked += 1;
    }
    assert_eq!(checked, 30);
    // LSOAs reach the constituency through MSOAs and wards.
    let mut lsoas = area_report(&e, "lsoa").unwrap();
    let added = add_parent_values(&e, "lsoa", &mut lsoas).unwrap();
    let c = col(&lsoas, "constituency_crime_rate");
    assert!(added.contains(&"constituency_crime_rate".to_string()));
    assert!(lsoas.rows.iter().all(|r| number(&r[c]).is_some()));
    // The published level itself gains nothing.
    let mut own_level = area_report(&e, "constituency").unwrap();
    assert!(!add_parent_values(&e, "constituency", &mut own_level).unwrap().iter().any(|a| a.ends_with("crime_rate")));
}

#[test]
fn printing_an_indicator_not_offered_at_the_level_is_refused_in_words() {
    let e = engine();
    let err = render_svg(&e, &PrintRequest::new("ward", Theme::Indicator(Some("crime_rate".into())))).err().expect("refused");
    assert!(matches!(err, PrintError::NotOffered { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("crime_rate") && text.contains("published for constituencies") && text.contains("`ward`"), "{text}");
    assert!(text.contains("constituency") && text.contains("locality"), "names the levels to print at: {text}");
    // At its own level it prints.
    assert!(render_svg(&e, &PrintRequest::new("constituency", Theme::Indicator(Some("crime_rate".into())))).is_ok());
}
