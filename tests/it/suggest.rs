//! Site suggestion (`needmap::suggest`): exact optima of PySAL spopt on real
//! Bradford cases (tests/fixtures/suggest, made by `make fixtures`), property
//! tests of the solver, the objective before against `gaps`, the scenario it
//! returns, and bad inputs.

use std::collections::HashMap;

use needmap::dataset::locate;
use needmap::gaps::{self, GapContext, GapQuery, Method, Thresholds, Travel};
use needmap::suggest::{self, solve, CandidateSpec, Objective, Problem, Reach, SuggestError, SuggestQuery};
use needmap::Engine;
use proptest::prelude::*;

use crate::common::{csv_rows, ctx, engine, root};

fn case_query(c: &HashMap<String, String>) -> SuggestQuery {
    SuggestQuery {
        category: c["category"].clone(),
        add: c["add"].parse().unwrap(),
        objective: if c["objective"] == "coverage" { Objective::Coverage } else { Objective::Pmedian },
        threshold: Some(Reach::parse(&c["threshold"]).unwrap()),
        candidates: CandidateSpec::parse(&c["candidates"]).unwrap(),
        demand: None,
        need_weight: Some(c["need_weight"].clone()).filter(|s| !s.is_empty()),
        travel: Travel::Walk,
        scenario: None,
    }
}

// ---------------------------------------------------------------- spopt

#[test]
fn needmap_meets_the_exact_spopt_optimum_on_every_real_case() {
    let cases = csv_rows("tests/fixtures/suggest/cases.csv");
    let expected: HashMap<String, HashMap<String, String>> =
        csv_rows("tests/fixtures/suggest/expected.csv").into_iter().map(|r| (r["case"].clone(), r)).collect();
    assert!(cases.len() >= 6, "at least 6 cases");
    let mut unique = 0;
    for c in &cases {
        let e = &expected[&c["case"]];
        let q = case_query(c);
        let s = suggest::suggest(engine(), ctx(), &q).unwrap_or_else(|err| panic!("{}: {err}", c["case"]));
        let optimum: f64 = e["spopt_objective"].parse().unwrap();
        let got = s.objective.after;
        match q.objective {
            // Maximise: at least 99.5 % of the optimum, and never above it.
            Objective::Coverage => {
                assert!(got >= 0.995 * optimum, "{}: needmap {got} < 99.5% of spopt {optimum}", c["case"]);
                assert!(got <= optimum * (1.0 + 1e-9) + 1e-9, "{}: needmap {got} beats the exact optimum {optimum}", c["case"]);
            }
            // Minimise: within 0.5 % of the optimum, never below it.
            Objective::Pmedian => {
                assert!(got * 0.995 <= optimum, "{}: needmap {got} more than 0.5% above spopt {optimum}", c["case"]);
                assert!(got >= optimum * (1.0 - 1e-9) - 1e-9, "{}: needmap {got} beats the exact optimum {optimum}", c["case"]);
            }
        }
        if e["unique"] == "1" {
            unique += 1;
            assert!((got - optimum).abs() <= 1e-7 * optimum.abs().max(1.0), "{}: unique optimum {optimum}, needmap {got}", c["case"]);
            let mut mine: Vec<String> = s.sites.iter().map(|x| x.candidate_id.clone()).collect();
            mine.sort();
            assert_eq!(mine.join(";"), e["spopt_sites"], "{}: the unique optimal sites", c["case"]);
        }
        // Gains add up from before to after.
        if let Some(before) = s.objective.before {
            let sum: f64 = s.sites.iter().filter_map(|x| x.gain).sum();
            let change = if q.objective == Objective::Coverage { got - before } else { before - got };
            assert!((sum - change).abs() <= 1e-6 * change.abs().max(1.0), "{}: gains {sum} vs change {change}", c["case"]);
        }
    }
    assert!(unique >= 1, "at least one case has a unique optimum");
}

// ---------------------------------------------------------------- against gaps

#[test]
fn coverage_before_equals_the_gap_analysis_coverage() {
    for (category, minutes) in [("family_hub", 20.0), ("library", 15.0)] {
        let mut q = SuggestQuery::new(category, 1, CandidateSpec::parse("services:community_centre").unwrap());
        q.threshold = Some(Reach::Minutes(minutes));
        let s = suggest::suggest(engine(), ctx(), &q).unwrap();
        let g = gaps::compute_with(
            engine(),
            ctx(),
            &GapQuery {
                level: "oa".into(),
                category: Some(category.into()),
                method: Method::Nearest,
                thresholds: Thresholds { metres: vec![], minutes: vec![minutes] },
                ..GapQuery::default()
            },
        )
        .unwrap();
        let covered = g.district.coverage[0].unwrap() * g.district.population;
        let before = s.objective.before.unwrap();
        assert!((before - covered).abs() <= 1e-6 * covered, "{category}: before {before} vs gaps {covered}");
        assert!((s.objective.total_demand - g.district.population).abs() < 1e-6);
    }
}

#[test]
fn pmedian_before_equals_the_nearest_minutes_of_gaps() {
    let mut q = SuggestQuery::new("gp", 1, CandidateSpec::parse("services:pharmacy").unwrap());
    q.objective = Objective::Pmedian;
    let s = suggest::suggest(engine(), ctx(), &q).unwrap();
    let g = gaps::compute_with(engine(), ctx(), &GapQuery { level: "oa".into(), category: Some("gp".into()), method: Method::Nearest, ..GapQuery::default() }).unwrap();
    let total: f64 = g.rows.iter().map(|r| r.population * r.nearest_min.unwrap()).sum();
    let before = s.objective.before.unwrap();
    assert!((before - total).abs() <= 1e-9 * total, "before {before} vs gaps {total}");
    assert!(s.objective.after < before);
}

#[test]
fn the_scenario_reproduces_the_objective_after() {
    let mut q = SuggestQuery::new("family_hub", 3, CandidateSpec::parse("services:library,community_centre").unwrap());
    q.threshold = Some(Reach::Minutes(20.0));
    let s = suggest::suggest(engine(), ctx(), &q).unwrap();
    assert_eq!(s.scenario.edits.len(), 3);
    let text = s.scenario.to_json();
    let back = needmap::scenario::Scenario::from_json(&text, "suggestion").unwrap();
    assert_eq!(back, s.scenario);
    assert!(text.contains("\"op\": \"add\"") && text.contains("Suggested "));
    let applied = back.apply(engine()).unwrap();
    let g = gaps::compute_with(
        &applied.engine,
        ctx(),
        &GapQuery {
            level: "oa".into(),
            category: Some("family_hub".into()),
            method: Method::Nearest,
            thresholds: Thresholds { metres: vec![], minutes: vec![20.0] },
            ..GapQuery::default()
        },
    )
    .unwrap();
    let covered = g.district.coverage[0].unwrap() * g.district.population;
    assert!((covered - s.objective.after).abs() <= 1e-6 * covered, "scenario covers {covered}, suggestion says {}", s.objective.after);
}

#[test]
fn more_sites_never_cover_fewer_people_on_real_data() {
    let mut last = 0.0;
    for add in 1..=5 {
        let mut q = SuggestQuery::new("library", add, CandidateSpec::parse("services:community_centre,warm_space").unwrap());
        q.threshold = Some(Reach::Metres(1600.0));
        let s = suggest::suggest(engine(), ctx(), &q).unwrap();
        assert!(s.objective.after >= last, "add {add}: {} < {last}", s.objective.after);
        assert!(s.sites.windows(2).all(|w| w[0].gain >= w[1].gain), "gains fall in order");
        last = s.objective.after;
    }
}

#[test]
fn grid_candidates_lie_inside_the_district_and_need_weighting_changes_demand() {
    let mut q = SuggestQuery::new("family_hub", 2, CandidateSpec::parse("grid:1km").unwrap());
    let plain = suggest::suggest(engine(), ctx(), &q).unwrap();
    assert!(plain.parameters.candidate_count > 300 && plain.parameters.candidate_count < 450, "{}", plain.parameters.candidate_count);
    for site in &plain.sites {
        assert!(site.candidate_id.starts_with("grid-"));
        assert!((site.easting % 1000.0 - 500.0).abs() < 1e-6);
    }
    q.need_weight = Some("imd_score".into());
    let weighted = suggest::suggest(engine(), ctx(), &q).unwrap();
    assert!(weighted.objective.total_demand < plain.objective.total_demand);
    assert_eq!(weighted.parameters.need_weight.as_deref(), Some("imd_score"));
    assert!(weighted.objective.unit.contains("in need"));
}

// ---------------------------------------------------------------- bad inputs

#[test]
fn bad_inputs_get_clear_messages() {
    let spec = CandidateSpec::parse("services:community_centre").unwrap();
    let err = |q: SuggestQuery| suggest::suggest(engine(), ctx(), &q).unwrap_err().to_string();
    assert!(err(SuggestQuery::new("nope", 1, spec.clone())).contains("unknown category `nope`"));
    assert!(err(SuggestQuery::new("library", 0, spec.clone())).contains("1 to 100"));
    let mut q = SuggestQuery::new("library", 1, spec.clone());
    q.need_weight = Some("imd_rank".into());
    assert!(err(q).contains("rank"));
    let q = SuggestQuery::new("library", 1, CandidateSpec::parse("services:unicorn").unwrap());
    assert!(err(q).contains("unknown category `unicorn`"));
    assert!(CandidateSpec::parse("grid:10m").unwrap_err().to_string().contains("50 m to 50 km"));
    assert!(Reach::parse("20 parsecs").is_err());

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        CandidateSpec::File(p)
    };
    let q = |spec| SuggestQuery::new("library", 1, spec);
    let e = err(q(write("a.csv", "name,lon,lat\nA,-1.75,53.79\nB,abc,53.8\n")));
    assert!(e.contains("a.csv") && e.contains("line 3") && e.contains("`lon`"), "{e}");
    let e = err(q(write("b.csv", "name,lon,lat\nA,53.79,-191.75\n")));
    assert!(e.contains("line 2") && e.contains("not a place on Earth"), "{e}");
    let e = err(q(write("c.csv", "name,x_coord,y_coord\nA,1,2\n")));
    assert!(e.contains("lon") && e.contains("easting") && e.contains("x_coord"), "{e}");
    let e = err(q(write("d.csv", "id,easting,northing\nx,416000,433000\nx,416500,433500\n")));
    assert!(e.contains("line 3") && e.contains("`x`"), "{e}");
    let e = err(q(write("e.csv", "id,easting,northing\n")));
    assert!(e.contains("e.csv") && e.contains("no data rows"), "{e}");
    let ok = suggest::suggest(engine(), ctx(), &q(write("f.csv", "id,name,easting,northing\nc1,Site one,416000,433000\nc2,,414000,436000\n"))).unwrap();
    assert_eq!(ok.parameters.candidate_count, 2);
}

#[test]
fn sensitive_categories_are_refused_and_never_candidates() {
    // A copy of the pack's manifest with libraries marked sensitive.
    let dir = tempfile::tempdir().unwrap();
    let pack = root().join("../shared/geodata/bradford");
    for entry in std::fs::read_dir(&pack).unwrap() {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let manifest = std::fs::read_to_string(root().join("geodata/bradford/dataset.toml")).unwrap();
    let manifest = manifest.replace("[categories.library]\n", "[categories.library]\nsensitive = true\n");
    std::fs::write(dir.path().join("dataset.toml"), manifest).unwrap();
    let e = Engine::load(&locate(Some(dir.path())).unwrap()).unwrap();
    let c = GapContext::new(&e, false).unwrap();
    let q = SuggestQuery::new("library", 1, CandidateSpec::parse("services:community_centre").unwrap());
    let err = suggest::suggest(&e, &c, &q).unwrap_err();
    assert!(matches!(err, SuggestError::Gap(gaps::GapError::SensitiveCategory { .. })), "{err}");
    let q = SuggestQuery::new("gp", 1, CandidateSpec::parse("services:library,community_centre").unwrap());
    let err = suggest::suggest(&e, &c, &q).unwrap_err();
    assert!(matches!(err, SuggestError::SensitiveCandidates { .. }), "{err}");
}

// ---------------------------------------------------------------- properties

fn problem() -> impl Strategy<Value = (Problem, usize)> {
    (3usize..30, 2usize..12, 1usize..5).prop_flat_map(|(n, m, add)| {
        (
            proptest::collection::vec(0.0f64..100.0, n),
            proptest::collection::vec(proptest::bool::ANY, n),
            proptest::collection::vec(proptest::collection::vec((0..n as u32, proptest::bool::ANY), 0..8), m),
            Just(add),
        )
            .prop_map(|(weight, uncovered, raw, add)| {
                let base: Vec<f64> = uncovered.iter().map(|u| if *u { 1.0 } else { 0.0 }).collect();
                let pairs = raw
                    .into_iter()
                    .map(|ps| {
                        let mut v: Vec<(u32, f64)> = ps.into_iter().filter(|(o, _)| base[*o as usize] > 0.0).map(|(o, _)| (o, 0.0)).collect();
                        v.sort_by_key(|p| p.0);
                        v.dedup_by_key(|p| p.0);
                        v
                    })
                    .collect();
                (Problem { weight, base, pairs }, add)
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn covering_gains_never_increase_and_adding_a_site_never_lowers_coverage((p, add) in problem()) {
        let s = solve(&p, add);
        prop_assert!(s.gains.windows(2).all(|g| g[0] >= g[1] - 1e-12), "gains {:?}", s.gains);
        prop_assert!(s.gains.iter().all(|g| *g > 0.0));
        prop_assert!(s.loss_after <= s.greedy_loss + 1e-9 && s.greedy_loss <= s.loss_before + 1e-9);
        prop_assert!((s.loss_before - s.loss_after - s.gains.iter().sum::<f64>()).abs() < 1e-6);
        // Opening any further candidate never lowers coverage (raises the loss).
        for j in 0..p.pairs.len() {
            let mut more = s.chosen.clone();
            more.push(j);
            prop_assert!(p.loss(&more) <= s.loss_after + 1e-9);
        }
        // Greedy for one more site covers at least as much as greedy for this many.
        prop_assert!(solve(&p, add + 1).greedy_loss <= s.greedy_loss + 1e-9);
    }

    #[test]
    fn the_solution_is_optimal_for_one_site((p, _) in problem()) {
        let s = solve(&p, 1);
        let best = (0..p.pairs.len()).map(|j| p.loss(&[j])).fold(p.loss_of(&p.base), f64::min);
        prop_assert!((s.loss_after - best).abs() < 1e-9);
    }
}
