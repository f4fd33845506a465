//! The synthetic dataset generator (`examples/synth`, used by `make bench-scale`):
//! a small size written to a temp dir loads, and has the shapes it promises.

#[path = "../../examples/synth/generate.rs"]
#[allow(dead_code)]
mod generate;

use needmap::dataset::locate;
use needmap::Engine;

fn load_1x(seed: u64, oas: bool) -> (tempfile::TempDir, generate::Summary, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let spec = generate::size("1x").unwrap();
    let summary = generate::generate(dir.path(), &spec, seed, oas).expect("writes the dataset");
    let loc = locate(Some(dir.path())).expect("the manifest is found");
    let engine = Engine::load(&loc).expect("the synthetic dataset loads");
    (dir, summary, engine)
}

#[test]
fn a_synthetic_district_loads_with_the_shapes_it_promises() {
    let (_dir, s, engine) = load_1x(7, true);
    // Sizes of a district like the real one.
    assert!((280..=340).contains(&s.lsoas), "{s:?}");
    assert!((25..=36).contains(&s.wards), "{s:?}");
    assert!((4..=8).contains(&s.constituencies), "{s:?}");
    assert!(s.oas >= 4 * s.lsoas && s.oas <= 6 * s.lsoas, "{s:?}");
    assert_eq!(s.services, 1000);

    let level = |id: &str| engine.level_index(id).unwrap_or_else(|| panic!("level {id}"));
    let (con, ward, lsoa, oa) = (level("constituency"), level("ward"), level("lsoa"), level("oa"));
    assert_eq!(engine.levels[con].len(), s.constituencies);
    assert_eq!(engine.levels[ward].len(), s.wards);
    assert_eq!(engine.levels[lsoa].len(), s.lsoas);
    assert_eq!(engine.levels[oa].len(), s.oas);
    assert_eq!(engine.services.len(), s.services);
    // Every boundary is valid as written: nothing repaired, skipped or warned about.
    assert_eq!(engine.diagnostics.skipped_total(), 0, "{:?}", engine.diagnostics);
    assert_eq!(engine.diagnostics.warnings(), 0, "{:?}", engine.diagnostics);

    // Total population, at the published level and apportioned to every coarser one.
    for l in [lsoa, ward, con] {
        let total: f64 = engine.population(l).iter().map(|p| p.expect("every area has people")).sum();
        assert!((total - s.total_population).abs() < 1e-6 * s.total_population, "level {l}: {total} vs {}", s.total_population);
    }
    // Every service lies in some LSOA and some ward (they cover the same rectangle).
    assert_eq!(engine.outside[lsoa], 0);
    assert_eq!(engine.outside[ward], 0);

    // Wards do not nest in LSOAs: many LSOAs are split between wards.
    let lsoa_ward = engine.overlay(lsoa, ward);
    let mut largest = vec![0.0f64; s.lsoas];
    for p in &lsoa_ward.pieces {
        largest[p.source] = largest[p.source].max(p.share);
    }
    let split = largest.iter().filter(|&&m| m < 0.99).count();
    assert!(split * 3 > s.lsoas, "only {split} of {} LSOAs are split between wards", s.lsoas);
    // ... but the pieces still account for every LSOA's whole area.
    for (a, inside) in engine.levels[lsoa].areas.iter().zip(&lsoa_ward.inside_m2) {
        assert!((inside - a.area_m2).abs() < 1e-6 * a.area_m2, "{}: {inside} of {}", a.code, a.area_m2);
    }

    // Constituencies are exact unions of whole wards, and OAs nest exactly in LSOAs.
    for (child, parent, what) in [(ward, con, "ward"), (oa, lsoa, "OA")] {
        let overlay = engine.overlay(child, parent);
        let mut union = vec![0.0; engine.levels[parent].len()];
        for (c, area) in engine.levels[child].areas.iter().enumerate() {
            let pieces: Vec<_> = overlay.pieces.iter().filter(|p| p.source == c).collect();
            assert_eq!(pieces.len(), 1, "{what} {} has {} pieces", area.code, pieces.len());
            assert_eq!(pieces[0].share, 1.0, "{what} {}", area.code);
            assert!((pieces[0].area_m2 - area.area_m2).abs() < 1e-6 * area.area_m2, "{what} {}", area.code);
            assert_eq!(engine.levels[child].parent[c], Some(pieces[0].target));
            union[pieces[0].target] += area.area_m2;
        }
        for (p, area) in engine.levels[parent].areas.iter().enumerate() {
            assert!((union[p] - area.area_m2).abs() < 1e-6 * area.area_m2, "{} is not the union of its {what}s", area.code);
        }
    }
}

#[test]
fn the_same_seed_writes_the_same_files_and_another_seed_does_not() {
    let spec = generate::size("1x").unwrap();
    let [a, b, c] = [0, 0, 0].map(|_| tempfile::tempdir().unwrap());
    generate::generate(a.path(), &spec, 3, false).unwrap();
    generate::generate(b.path(), &spec, 3, false).unwrap();
    generate::generate(c.path(), &spec, 4, false).unwrap();
    for file in ["lsoa.geojson", "wards.geojson", "constituencies.geojson", "imd_lsoa.csv", "services.csv", "schools_bng.csv", "dataset.toml"] {
        let read = |d: &tempfile::TempDir| std::fs::read(d.path().join(file)).unwrap();
        assert_eq!(read(&a), read(&b), "{file} differs for one seed");
        if file != "dataset.toml" {
            assert_ne!(read(&a), read(&c), "{file} is the same for two seeds");
        }
    }
    assert!(!a.path().join("oa.geojson").exists());
}

#[test]
fn every_size_is_known_and_england_has_the_national_counts() {
    for name in generate::SIZES {
        assert_eq!(generate::size(name).map(|s| s.name), Some(name));
    }
    assert!(generate::size("2x").is_none());
    let e = generate::size("england").unwrap();
    assert_eq!((e.lsoas, e.wards, e.constituencies, e.services), (33_000, 7_000, 530, 30_000));
    let (x0, y0, x1, y1) = e.extent;
    let km2 = (x1 - x0) * (y1 - y0) / 1e6;
    assert!((120_000.0..140_000.0).contains(&km2), "{km2} km²");
}
