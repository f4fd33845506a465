//! `needmap check`: what loaded, and every problem.

use std::process::ExitCode;

use geo::BoundingRect;

use super::DataArgs;

pub fn run(args: &DataArgs) -> anyhow::Result<ExitCode> {
    let (engine, cache_use) = match args.load_reporting_cache() {
        Ok(loaded) => loaded,
        Err(e) => {
            println!("dataset cannot be used:\n  {e:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    println!("dataset: {}", engine.name());
    println!("  folder:   {}", engine.data_dir.display());
    println!("  manifest: {}", engine.manifest_path.display());
    println!("engine cache: {cache_use}");
    println!("  CRS: inputs reprojected with PROJ to CRS84 (lon/lat) and EPSG:27700 (metres)");
    println!("  datum shift: {}", needmap::crs::datum_shift_note());
    println!("levels:");
    for (l, level) in engine.levels.iter().enumerate() {
        let ext = level
            .areas
            .iter()
            .filter_map(|a| a.wgs84.bounding_rect())
            .reduce(|a, b| geo::Rect::new(
                geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            ));
        let pop: f64 = engine.population(l).iter().flatten().sum();
        let ext = ext
            .map(|r| format!("[{:.4}, {:.4}, {:.4}, {:.4}]", r.min().x, r.min().y, r.max().x, r.max().y))
            .unwrap_or_default();
        println!(
            "  {:<13} {:>5} areas  population {:>9.0}  CRS {}  extent {}{}",
            level.id,
            level.len(),
            pop,
            level.source_crs,
            ext,
            level.note.as_deref().map(|n| format!("  ({n})")).unwrap_or_default()
        );
        if let Some(p) = level.parent_level {
            let mut per_parent = vec![0usize; engine.levels[p].len()];
            for parent in level.parent.iter().flatten() {
                per_parent[*parent] += 1;
            }
            let (lo, hi) = (per_parent.iter().min().unwrap_or(&0), per_parent.iter().max().unwrap_or(&0));
            println!("  {:<13} each in a {} by largest overlap: {lo}-{hi} per {}", "", engine.levels[p].id, engine.levels[p].id);
        }
    }
    println!("indicators: {}", engine.indicators.len());
    for ind in &engine.indicators {
        println!("  {:<34} {:<7} published at {:<12} {}", ind.id, format!("{:?}", ind.kind).to_lowercase(), ind.published_level, ind.label);
    }
    match &engine.manifest.register {
        Some(r) => println!("services: {} loaded from the register {} ([register])", engine.services.len(), r.file),
        None => println!("services: {} loaded", engine.services.len()),
    }
    for f in &engine.manifest.service_files {
        let n = engine.services.iter().filter(|s| s.source_file == f.file).count();
        println!("  {:<24} {n:>5}  CRS {}", f.file, f.crs.proj_def());
    }
    let mut by_cat: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in &engine.services {
        *by_cat.entry(&s.category).or_default() += 1;
    }
    for (c, n) in by_cat {
        let tier = engine.categories.get(c).map(|c| c.tier.as_str()).unwrap_or("unclassified");
        println!("  {c:<24} {n:>5}  tier {tier}");
    }
    for (l, level) in engine.levels.iter().enumerate() {
        println!("  outside every {:<13} {}", level.id, engine.outside[l]);
    }
    match needmap::gaps::TravelModel::calibrate(&engine) {
        Ok(m) => match &m.drive.fit {
            Some(f) => {
                println!("travel model (estimated mode):");
                println!("  walking: straight line x {} at {} km/h", m.walk_circuity, m.walk_speed_kmh);
                println!(
                    "  driving: minutes = {:.3} + {:.4} x km + {:.3} x ln(1 + km), fitted to {} ({} pairs, {} skipped, {:.1}-{:.1} km)",
                    m.drive.a, m.drive.b, m.drive.c, f.file, f.pairs, f.skipped, f.km_range.0, f.km_range.1
                );
                println!("  fit: R^2 {:.3}, median absolute error {:.2} min", f.r2, f.median_abs_error_min);
            }
            None => println!("travel model: no [travel_times] in the manifest; built-in driving model used"),
        },
        Err(e) => println!("travel model: {e}; built-in driving model used"),
    }
    match engine.postcodes() {
        None => println!("postcodes: no [postcodes] in the manifest (scenario sites cannot be placed by postcode)"),
        Some(Err(e)) => println!("postcodes: {e}; scenario sites cannot be placed by postcode"),
        Some(Ok(p)) => {
            println!(
                "postcodes: {} loaded from {} ({} rows, {} duplicate(s), {} bad row(s) skipped)",
                p.len(),
                p.file,
                p.rows,
                p.duplicates,
                p.bad_rows
            );
            const SHOWN: usize = 20;
            for problem in p.diagnostics.problems.iter().take(SHOWN) {
                println!("  {problem}");
            }
            if p.diagnostics.problems.len() > SHOWN {
                println!("  ... and {} more", p.diagnostics.problems.len() - SHOWN);
            }
        }
    }
    println!("timings (ms):");
    for (stage, ms) in &engine.timings {
        println!("  {stage:<26} {ms:>8.1}");
    }
    let d = &engine.diagnostics;
    println!("problems: {} warning(s), {} note(s)", d.warnings(), d.problems.len() - d.warnings());
    for p in &d.problems {
        println!("  {p}");
    }
    println!("skipped rows/features: {}", d.skipped_total());
    for (file, n) in &d.skipped {
        println!("  {file}: {n}");
    }
    println!("ok: dataset is usable");
    Ok(ExitCode::SUCCESS)
}
