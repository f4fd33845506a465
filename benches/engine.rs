//! Cold load + index + all aggregation of the Bradford pack (`make bench`).
//! Aim: under 150 ms in release on the 2-core development machine.

use std::path::PathBuf;

use needmap::dataset::locate;
use needmap::report::area_report;
use needmap::Engine;

fn main() {
    divan::main();
}

fn location() -> needmap::dataset::DatasetLocation {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/geodata/bradford");
    locate(Some(&dir)).expect("Bradford pack at ../shared/geodata/bradford")
}

/// Everything `needmap check` does before printing: read every file,
/// reproject, validate, index, overlay, apportion, assign services.
#[divan::bench(sample_count = 20)]
fn cold_load_index_aggregate(bencher: divan::Bencher) {
    let loc = location();
    bencher.bench(|| Engine::load(divan::black_box(&loc)).expect("loads"));
}

/// The same engine read from the built-engine cache (`src/engine/cache.rs`):
/// hash the manifest and inputs, read and check the file, decode it, rebuild
/// the R-trees. Aim: under 10 ms.
#[divan::bench(sample_count = 50)]
fn load_from_cache(bencher: divan::Bencher) {
    let loc = location();
    let dir = tempfile::tempdir().expect("temporary folder");
    let cache = needmap::engine::EngineCache::at(dir.path());
    let (_, saved) = Engine::load_cached(&loc, &cache).expect("loads");
    assert!(matches!(saved, needmap::engine::CacheUse::Built { .. }), "{saved:?}");
    bencher.bench(|| {
        let (engine, used) = Engine::load_cached(divan::black_box(&loc), &cache).expect("loads");
        assert!(matches!(used, needmap::engine::CacheUse::Loaded { .. }), "{used:?}");
        engine
    });
}

/// Building the ward report table from a loaded engine.
#[divan::bench(sample_count = 50)]
fn ward_report(bencher: divan::Bencher) {
    let engine = Engine::load(&location()).expect("loads");
    bencher.bench(|| area_report(&engine, "ward").expect("report"));
}

/// Need over time: the IMD change 2015 -> 2025 of every ward (score means,
/// deciles 1-2 shares over the LSOA -> ward overlay, class and rank).
#[divan::bench(sample_count = 50)]
fn need_change_ward(bencher: divan::Bencher) {
    let engine = Engine::load(&location()).expect("loads");
    let q = needmap::report::ChangeQuery { series: Some("imd".into()), from: "2015".into(), to: "2025".into(), level: "ward".into() };
    bencher.bench(|| needmap::report::need_change(&engine, divan::black_box(&q)).expect("change"));
}

/// The same at the published level (310 LSOAs: decile changes).
#[divan::bench(sample_count = 50)]
fn need_change_lsoa(bencher: divan::Bencher) {
    let engine = Engine::load(&location()).expect("loads");
    let q = needmap::report::ChangeQuery { series: Some("imd".into()), from: "2019".into(), to: "2025".into(), level: "lsoa".into() };
    bencher.bench(|| needmap::report::need_change(&engine, divan::black_box(&q)).expect("change"));
}
