//! `needmap publish`: a static site of the map that needs no server.
//!
//! The site holds the web app (with MapLibre and the PMTiles reader
//! vendored), one PMTiles archive per published area level and one of the
//! service points (tiles from the server's encoder, [`crate::serve::tiles`]),
//! the area tables as GeoJSON (the server's area answers, also one per
//! published category with its access and gap fields), the service points
//! and `meta.json` (the server's `/api/meta` with `static: true`). The front
//! end reads these files when there is no `/api/meta` (`web/js/static_site.js`);
//! what-if editing, printing and exports need the server and are hidden.
//! Sensitive categories are never published.

pub mod archive;
pub mod error;
pub mod site;
pub mod tables;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

pub use archive::{write_layer, ArchiveSummary};
pub use error::PublishError;

use crate::serve::tiles::{tilejson, LayerKind, SERVICES};
use crate::serve::{AppState, ServeConfig};
use crate::Engine;

/// The sentence the published page shows.
pub const NOTICE: &str = "This is a published copy: what-if editing needs the needmap server.";

/// Written into the site so that a later publish may replace it.
pub const MARKER: &str = ".needmap-site";

/// The attribute columns the area tiles carry: what the page needs from the
/// tiles themselves (the colours come from the area tables).
pub const TILE_FIELDS: [&str; 2] = ["code", "name"];

/// What to publish.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// Level ids (at least one).
    pub levels: Vec<String>,
    /// Service categories whose access and gap fields are published.
    pub categories: Vec<String>,
    /// The web app folder (with `vendor/`).
    pub web_dir: PathBuf,
    /// The site folder (created; must be empty or an earlier site).
    pub out: PathBuf,
    /// Highest tile zoom written (at most the server's maximum zoom).
    pub max_zoom: Option<u8>,
}

/// Where the site's files go (relative URLs from the site root).
#[derive(Debug, Clone, Default)]
pub struct SiteLayout;

impl SiteLayout {
    /// The names and codes of a level the published ones lie in (for the
    /// "in <place>" of a profile), without geometry.
    pub fn names(&self, level: &str) -> String {
        format!("data/names/{level}.json")
    }
    /// The area table of a level (with a category's gap fields).
    pub fn areas(&self, level: &str, category: Option<&str>) -> String {
        match category {
            None => format!("data/areas/{level}.geojson"),
            Some(c) => format!("data/areas/{level}.category-{c}.geojson"),
        }
    }
    /// The PMTiles archive of a layer.
    pub fn tiles(&self, layer: &str) -> String {
        format!("tiles/{layer}.pmtiles")
    }
    /// The service points.
    pub fn services_geojson(&self) -> String {
        "data/services.geojson".into()
    }
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct PublishSummary {
    /// Per tile layer: id, zooms and the archive.
    pub archives: Vec<(String, (u8, u8), ArchiveSummary)>,
    /// Files and bytes of the web app.
    pub web_files: (usize, u64),
    /// Every file and byte of the site.
    pub site_files: (usize, u64),
}

fn write(path: &Path, text: &str) -> Result<u64, PublishError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(PublishError::io(dir))?;
    }
    std::fs::write(path, text).map_err(PublishError::io(path))?;
    Ok(text.len() as u64)
}

/// Refuse a folder with other files; empty an earlier site (its marker
/// says it is one), so no file of an earlier choice of levels stays behind.
fn check_out_dir(out: &Path) -> Result<(), PublishError> {
    if !out.exists() {
        return Ok(());
    }
    let entries: Vec<_> = std::fs::read_dir(out).map_err(PublishError::io(out))?.collect::<Result<_, _>>().map_err(PublishError::io(out))?;
    if entries.is_empty() {
        return Ok(());
    }
    if !out.join(MARKER).is_file() {
        return Err(PublishError::OutputNotEmpty { dir: out.to_path_buf(), marker: MARKER });
    }
    for e in entries {
        let path = e.path();
        let dir = e.file_type().map_err(PublishError::io(&path))?.is_dir();
        if dir { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) }.map_err(PublishError::io(&path))?;
    }
    Ok(())
}

/// The levels above the published ones (parent chains) that are not published themselves.
fn ancestors(engine: &Engine, levels: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    for &l in levels {
        let mut p = engine.levels[l].parent_level;
        while let Some(a) = p {
            if !levels.contains(&a) && !out.contains(&a) {
                out.push(a);
            }
            p = engine.levels[a].parent_level;
        }
    }
    out.sort_unstable();
    out
}

/// Resolve and check the levels and categories to publish.
fn choose(engine: &Engine, options: &PublishOptions) -> Result<(Vec<usize>, Vec<String>), PublishError> {
    let known = || engine.levels.iter().map(|l| l.id.as_str()).collect::<Vec<_>>().join(", ");
    if options.levels.is_empty() {
        return Err(PublishError::NoLevel { known: known() });
    }
    let mut levels = Vec::new();
    for id in &options.levels {
        let l = engine.level_index(id).ok_or_else(|| PublishError::UnknownLevel { level: id.clone(), known: known() })?;
        if !levels.contains(&l) {
            levels.push(l);
        }
    }
    levels.sort_unstable();
    let mut categories = Vec::new();
    for c in &options.categories {
        let Some(cat) = engine.categories.get(c) else {
            return Err(PublishError::UnknownCategory {
                category: c.clone(),
                known: engine.categories.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        };
        if cat.sensitive {
            return Err(PublishError::SensitiveCategory { category: c.clone() });
        }
        if !categories.contains(c) {
            categories.push(c.clone());
        }
    }
    Ok((levels, categories))
}

/// Publish the site; `progress` receives one line per step.
pub fn publish(engine: Arc<Engine>, options: &PublishOptions, mut progress: impl FnMut(&str)) -> Result<PublishSummary, PublishError> {
    let (levels, categories) = choose(&engine, options)?;
    check_out_dir(&options.out)?;
    let out = &options.out;
    std::fs::create_dir_all(out).map_err(PublishError::io(out))?;
    write(&out.join(MARKER), "needmap publish\n")?;
    let started = Instant::now();
    let mut summary = PublishSummary { web_files: site::copy_web_app(&options.web_dir, out)?, ..Default::default() };
    progress(&format!("web app: {} files, {} KB", summary.web_files.0, summary.web_files.1 / 1024));
    let config = ServeConfig::new("http://published.invalid")?;
    let state = AppState::with_config(engine.clone(), options.web_dir.clone(), config)?;
    let layout = SiteLayout;
    let parents = ancestors(&engine, &levels);
    let mut meta = tables::meta_json(&state, &layout, &levels, &categories);
    meta["published"]["names"] = serde_json::json!(parents
        .iter()
        .map(|&l| serde_json::json!({ "id": engine.levels[l].id, "label": engine.levels[l].label, "geojson": layout.names(&engine.levels[l].id) }))
        .collect::<Vec<_>>());
    write(&out.join("meta.json"), &meta.to_string())?;
    for &l in &parents {
        let id = &engine.levels[l].id;
        let n = write(&out.join(layout.names(id)), &tables::names_json(&state, l)?)?;
        progress(&format!("{id}: names of the areas the published ones lie in, {} KB", n / 1024));
    }
    for &l in &levels {
        let id = &engine.levels[l].id;
        let n = write(&out.join(layout.areas(id, None)), &tables::areas_json(&state, l, None)?)?;
        progress(&format!("{id}: area table, {} KB", n / 1024));
        for c in &categories {
            let n = write(&out.join(layout.areas(id, Some(c))), &tables::areas_json(&state, l, Some(c))?)?;
            progress(&format!("{id}: area table with the gap fields of {c}, {} KB", n / 1024));
        }
    }
    write(&out.join(layout.services_geojson()), &tables::services_json(&state))?;
    // The zooms the server's TileJSON gives (capped by --max-zoom).
    let doc = tilejson::tilejson(&tilejson::TileJsonInput {
        base_url: "",
        layer: "",
        description: "",
        attribution: "",
        bounds: state.bounds,
        fields: Vec::new(),
        query: None,
        version: "",
    });
    let zoom = |k: &str| doc[k].as_u64().and_then(|z| u8::try_from(z).ok()).unwrap_or(0);
    let (min_zoom, max_zoom) = (zoom("minzoom"), options.max_zoom.map_or(zoom("maxzoom"), |m| m.min(zoom("maxzoom"))));
    let fields: Vec<String> = TILE_FIELDS.iter().map(|s| s.to_string()).collect();
    for (k, layer) in state.tiles.layers.iter().enumerate() {
        let published = match &layer.kind {
            LayerKind::Areas(a) => levels.contains(&a.level),
            LayerKind::Services(_) => layer.id == SERVICES,
        };
        if !published {
            continue;
        }
        let area = matches!(layer.kind, LayerKind::Areas(_));
        let path = out.join(layout.tiles(&layer.id));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(PublishError::io(dir))?;
        }
        let t = Instant::now();
        let id = layer.id.clone();
        let s = write_layer(&state, k, (min_zoom, max_zoom), area.then_some(fields.as_slice()), &path, |z, n| {
            progress(&format!("{id}: zoom {z}, {n} tiles"));
        })?;
        progress(&format!(
            "{id}: {} tiles, {} KB raw, archive {} KB, {:.1} s",
            s.tiles,
            s.raw_bytes / 1024,
            s.file_bytes / 1024,
            t.elapsed().as_secs_f64()
        ));
        summary.archives.push((id, (min_zoom, max_zoom), s));
    }
    summary.site_files = dir_size(out)?;
    progress(&format!(
        "site: {} files, {:.1} MB, in {:.1} s",
        summary.site_files.0,
        summary.site_files.1 as f64 / 1e6,
        started.elapsed().as_secs_f64()
    ));
    Ok(summary)
}

fn dir_size(dir: &Path) -> Result<(usize, u64), PublishError> {
    let mut total = (0, 0);
    for e in std::fs::read_dir(dir).map_err(PublishError::io(dir))? {
        let e = e.map_err(PublishError::io(dir))?;
        let kind = e.file_type().map_err(PublishError::io(e.path()))?;
        if kind.is_dir() {
            let (n, b) = dir_size(&e.path())?;
            total.0 += n;
            total.1 += b;
        } else {
            total.0 += 1;
            total.1 += e.metadata().map_err(PublishError::io(e.path()))?.len();
        }
    }
    Ok(total)
}
