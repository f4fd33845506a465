//! The built-engine cache (`src/engine/cache.rs`): a cache load gives the
//! same engine as a build, any input change invalidates it, a damaged file is
//! detected and rebuilt, and the CLI says what it did.

use std::path::{Path, PathBuf};

use needmap::dataset::{locate, DatasetLocation};
use needmap::engine::{CacheUse, EngineCache};
use needmap::gaps::{self, GapQuery, Method};
use needmap::Engine;

use crate::common::{copy_pack, engine, root};

fn bradford() -> DatasetLocation {
    locate(Some(&root().join("../shared/geodata/bradford"))).expect("the Bradford pack")
}


fn load(loc: &DatasetLocation, cache: &Path) -> (Engine, CacheUse) {
    Engine::load_cached(loc, &EngineCache::at(cache)).expect("loads")
}

fn saved_path(used: &CacheUse) -> PathBuf {
    match used {
        CacheUse::Built { path, .. } => path.clone(),
        other => panic!("expected a build saved to the cache, got {other:?}"),
    }
}

fn area_csv(e: &Engine, level: &str) -> String {
    let mut out = Vec::new();
    needmap::report::area_report(e, level).unwrap().write_csv(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn gap_csv(e: &Engine, level: &str, category: &str) -> String {
    let q = GapQuery { level: level.into(), category: Some(category.into()), method: Method::TwoStep, ..GapQuery::default() };
    let mut out = Vec::new();
    gaps::compute(e, &q).unwrap().to_report().write_csv(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_cache_load_gives_the_engine_a_build_gives() {
    let dir = tempfile::tempdir().unwrap();
    let loc = bradford();
    let (_, first) = load(&loc, dir.path());
    let path = saved_path(&first);
    assert!(path.starts_with(dir.path()) && path.is_file(), "{path:?}");
    let (cached, second) = load(&loc, dir.path());
    match &second {
        CacheUse::Loaded { path: p, bytes, .. } => {
            assert_eq!(p, &path);
            assert_eq!(*bytes, std::fs::metadata(&path).unwrap().len());
        }
        other => panic!("expected a cache load, got {other:?}"),
    }
    let fresh = engine();
    for level in &fresh.levels {
        assert_eq!(area_csv(&cached, &level.id), area_csv(fresh, &level.id), "area report at {}", level.id);
    }
    assert_eq!(gap_csv(&cached, "ward", "gp"), gap_csv(fresh, "ward", "gp"));
    assert_eq!(gap_csv(&cached, "lsoa", "family_hub"), gap_csv(fresh, "lsoa", "family_hub"));
    assert_eq!(json(&cached.diagnostics), json(&fresh.diagnostics));
    assert!(!fresh.diagnostics.problems.is_empty(), "the pack has diagnostics to compare");
    assert_eq!(json(&cached.categories), json(&fresh.categories));
    assert_eq!(json(&cached.indicators), json(&fresh.indicators));
    assert_eq!(cached.outside, fresh.outside);
    assert_eq!(cached.services.len(), fresh.services.len());
    for (a, b) in cached.services.iter().zip(&fresh.services) {
        assert_eq!((&a.id, a.bng, a.wgs84, &a.areas), (&b.id, b.bng, b.wgs84, &b.areas));
    }
    for (a, b) in cached.levels.iter().zip(&fresh.levels) {
        assert_eq!(a.parent, b.parent, "{}", a.id);
        for (x, y) in a.areas.iter().zip(&b.areas) {
            assert_eq!((&x.code, &x.bng, &x.wgs84, x.interior_bng), (&y.code, &y.bng, &y.wgs84, y.interior_bng));
        }
    }
    // Overlays: those stored and those made on demand after the load.
    let n = fresh.levels.len();
    for s in 0..n {
        for t in 0..n {
            let (a, b) = (cached.overlay(s, t), fresh.overlay(s, t));
            assert_eq!(a.pieces, b.pieces, "overlay {s} -> {t}");
            assert_eq!(a.inside_m2, b.inside_m2, "overlay {s} -> {t}");
        }
    }
    // Nearest-service and area lookups go through the rebuilt R-trees.
    let p = fresh.levels[2].areas[0].interior_bng;
    let near = |e: &Engine| e.service_index.nearest(p).take(5).collect::<Vec<_>>();
    assert_eq!(near(&cached), near(fresh));
    let polygons: Vec<_> = fresh.levels[2].areas.iter().map(|a| a.bng.clone()).collect();
    assert_eq!(cached.indexes[2].locate(p, &polygons), Some(0));
    // A scenario engine over the cached engine shares its parts as over a built one.
    let scenario = cached.with_services(cached.services[1..].to_vec());
    assert!(scenario.shares_with(&cached));
    assert_eq!(scenario.services.len(), fresh.services.len() - 1);
}

/// A value as JSON (to compare values without `PartialEq`).
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn changing_one_input_byte_or_the_manifest_invalidates_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let data = copy_pack(dir.path());
    let loc = locate(Some(&data)).unwrap();
    let (before, used) = load(&loc, &cache);
    let first = saved_path(&used);
    assert!(matches!(load(&loc, &cache).1, CacheUse::Loaded { .. }));

    // One population figure of one LSOA, one digit changed.
    let csv = data.join("imd2019_lsoa.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "pop_total_mid2015").expect("population column");
    let row = text.lines().nth(1).unwrap();
    let mut cells: Vec<String> = row.split(',').map(str::to_string).collect();
    let old: f64 = cells[col].parse().unwrap();
    cells[col] = format!("{}", old + 1.0);
    assert_eq!(cells[col].len(), row.split(',').nth(col).unwrap().len(), "one byte changes");
    std::fs::write(&csv, text.replacen(row, &cells.join(","), 1)).unwrap();

    let (after, used) = load(&loc, &cache);
    let second = saved_path(&used);
    assert_ne!(first, second, "another key, another file");
    assert_ne!(area_csv(&after, "lsoa"), area_csv(&before, "lsoa"), "the edit reaches the report");
    let code = cells[header.iter().position(|h| *h == "lsoa11cd").unwrap()].clone();
    let l = after.level_index("lsoa").unwrap();
    let a = after.levels[l].by_code[&code];
    assert_eq!(after.population(l)[a], Some(old + 1.0));
    assert!(matches!(load(&loc, &cache).1, CacheUse::Loaded { .. }));

    // A comment added to the manifest changes its bytes, hence the key.
    let manifest = data.join("dataset.toml");
    let mut text = std::fs::read_to_string(&manifest).unwrap();
    text.push_str("\n# edited\n");
    std::fs::write(&manifest, text).unwrap();
    let loc = locate(Some(&data)).unwrap();
    let third = saved_path(&load(&loc, &cache).1);
    assert!(third != first && third != second);
    // The data folder itself is never written to.
    let names: Vec<String> = std::fs::read_dir(&data).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.starts_with("engine-") || n.ends_with(".needmap-partial")), "{names:?}");
}

#[test]
fn a_damaged_cache_file_is_detected_and_rebuilt() {
    let loc = bradford();
    let dir = tempfile::tempdir().unwrap();
    let path = saved_path(&load(&loc, dir.path()).1);
    let good = std::fs::read(&path).unwrap();
    assert_eq!(&good[..8], b"NMENGINE");
    let reference = area_csv(engine(), "ward");
    let flip = |at: usize| {
        let mut b = good.clone();
        b[at] ^= 0x40;
        b
    };
    let mut version = good.clone();
    version[8] = version[8].wrapping_add(1);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated payload", good[..good.len() / 2].to_vec(), "truncated"),
        ("truncated header", good[..20].to_vec(), "truncated"),
        ("empty file", Vec::new(), "truncated"),
        ("flipped payload byte", flip(good.len() / 3), "checksum"),
        ("flipped last byte", flip(good.len() - 1), "checksum"),
        ("wrong magic", flip(0), "magic"),
        ("wrong version", version, "format version"),
        ("flipped key byte", flip(20), "key"),
        ("trailing bytes", [good.as_slice(), b"more"].concat(), "after the payload"),
    ];
    for (what, bytes, reason) in cases {
        std::fs::write(&path, &bytes).unwrap();
        let (engine, used) = load(&loc, dir.path());
        let rejected = used.rejected().unwrap_or_else(|| panic!("{what}: not detected: {used:?}"));
        assert!(rejected.contains(reason), "{what}: {rejected}");
        assert!(rejected.contains(&path.display().to_string()), "{what}: the reason names the file: {rejected}");
        assert_eq!(saved_path(&used), path, "{what}: rebuilt into the same file");
        assert_eq!(area_csv(&engine, "ward"), reference, "{what}");
        assert_eq!(std::fs::read(&path).unwrap().len(), good.len(), "{what}: replaced by a whole file");
        assert!(matches!(load(&loc, dir.path()).1, CacheUse::Loaded { .. }), "{what}: the new file is used");
    }
}

#[test]
fn old_cache_files_are_removed_beyond_the_limits() {
    use needmap::engine::cache::{KEEP_IN_FOLDER, KEEP_PER_DATASET};
    let loc = bradford();
    let dir = tempfile::tempdir().unwrap();
    let path = saved_path(&load(&loc, dir.path()).1);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let ours = &name[..name.len() - "0123456789abcdef0123456789abcdef.bin".len()];
    let hour = std::time::Duration::from_secs(3600);
    let make = |name: String, age_hours: u32| {
        let p = dir.path().join(name);
        let f = std::fs::File::create(&p).unwrap();
        f.set_modified(std::time::SystemTime::now() - hour * age_hours).unwrap();
        p
    };
    // Older builds of this dataset, and many files of other datasets.
    let old_ours: Vec<PathBuf> = (1..=6).map(|i| make(format!("{ours}{i:032x}.bin"), i)).collect();
    let others: Vec<PathBuf> = (1..=40).map(|i| make(format!("engine-{i:016x}-{i:032x}.bin"), 10 + i)).collect();
    let unrelated = make("notes.txt".into(), 100);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(saved_path(&load(&loc, dir.path()).1), path);
    let exists: Vec<bool> = old_ours.iter().map(|p| p.exists()).collect();
    let kept_ours = KEEP_PER_DATASET - 1;
    assert_eq!(exists, (0..6).map(|i| i < kept_ours).collect::<Vec<_>>(), "the newest of this dataset are kept");
    let kept_others = KEEP_IN_FOLDER - 1 - kept_ours;
    let exists: Vec<bool> = others.iter().map(|p| p.exists()).collect();
    assert_eq!(exists, (0..40).map(|i| i < kept_others).collect::<Vec<_>>(), "the newest in the folder are kept");
    assert!(path.exists() && unrelated.exists());
}

#[test]
fn two_builds_at_once_leave_one_whole_file() {
    let loc = bradford();
    let dir = tempfile::tempdir().unwrap();
    let uses: Vec<CacheUse> = std::thread::scope(|s| {
        let a = s.spawn(|| load(&loc, dir.path()).1);
        let b = s.spawn(|| load(&loc, dir.path()).1);
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    for u in &uses {
        assert!(matches!(u, CacheUse::Built { .. } | CacheUse::Loaded { .. }), "{u:?}");
    }
    let (e, used) = load(&loc, dir.path());
    assert!(matches!(used, CacheUse::Loaded { .. }), "{used:?}");
    assert_eq!(area_csv(&e, "lsoa"), area_csv(engine(), "lsoa"));
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files.len(), 1, "no temporary file left: {files:?}");
}

#[test]
fn an_unwritable_cache_folder_is_reported_and_the_engine_still_built() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the folder should be: nothing can be created under it.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "x").unwrap();
    let (e, used) = load(&bradford(), &blocker.join("cache"));
    assert!(matches!(&used, CacheUse::NotSaved { reason, .. } if reason.contains("cache folder")), "{used:?}");
    assert_eq!(e.levels.len(), engine().levels.len());
    let (_, off) = Engine::load_cached(&bradford(), &EngineCache::off()).unwrap();
    assert_eq!(off, CacheUse::Off);
}

fn needmap(args: &[&str], cache_env: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_needmap"))
        .args(args)
        .env("NEEDMAP_CACHE_DIR", cache_env)
        .env("NEEDMAP_LOG", "needmap=warn")
        .output()
        .unwrap()
}

/// `check`'s report without the lines that differ between runs (cache, timings).
fn stable_lines(stdout: &str) -> Vec<&str> {
    let mut in_timings = false;
    stdout
        .lines()
        .filter(|l| {
            if l.starts_with("timings") {
                in_timings = true;
            } else if !l.starts_with("  ") {
                in_timings = false;
            }
            !in_timings && !l.starts_with("engine cache:")
        })
        .collect()
}

#[test]
fn check_says_built_then_loaded_and_no_cache_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("flag");
    let env_cache = dir.path().join("env");
    let data = root().join("../shared/geodata/bradford");
    let args = ["check", "--data", data.to_str().unwrap(), "--cache-dir", cache.to_str().unwrap()];
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();

    let first = needmap(&args, &env_cache);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let (first, second) = (text(&first), text(&needmap(&args, &env_cache)));
    let line = |t: &str| t.lines().find(|l| l.starts_with("engine cache:")).map(str::to_string).unwrap_or_default();
    assert!(line(&first).starts_with(&format!("engine cache: built and saved to {}", cache.display())), "{}", line(&first));
    assert!(line(&second).starts_with(&format!("engine cache: loaded from {}", cache.display())), "{}", line(&second));
    assert!(line(&second).contains(" MB, ") && line(&second).ends_with(" ms)"), "{}", line(&second));
    assert_eq!(stable_lines(&first), stable_lines(&second), "check reports the same dataset either way");
    assert!(!env_cache.exists(), "--cache-dir wins over $NEEDMAP_CACHE_DIR");

    let off = needmap(&["check", "--data", data.to_str().unwrap(), "--no-cache"], &env_cache);
    assert!(line(&text(&off)).starts_with("engine cache: off"), "{}", text(&off));
    assert!(!env_cache.exists(), "--no-cache writes nothing");
    assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);

    // Without a flag, $NEEDMAP_CACHE_DIR is used.
    let by_env = text(&needmap(&["check", "--data", data.to_str().unwrap()], &env_cache));
    assert!(line(&by_env).starts_with(&format!("engine cache: built and saved to {}", env_cache.display())), "{by_env}");

    // A damaged file: a warning on stderr names it and why; check still succeeds.
    let file = std::fs::read_dir(&cache).unwrap().next().unwrap().unwrap().path();
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() - 100]).unwrap();
    let damaged = needmap(&args, &env_cache);
    assert!(damaged.status.success());
    let stderr = String::from_utf8_lossy(&damaged.stderr);
    assert!(stderr.contains("WARN") && stderr.contains(&file.display().to_string()) && stderr.contains("truncated"), "{stderr}");
    assert!(line(&text(&damaged)).contains("the old file was not used"), "{}", text(&damaged));
    assert!(line(&text(&needmap(&args, &env_cache))).starts_with("engine cache: loaded from"));
}
