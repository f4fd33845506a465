//! The built-engine cache: after a build, the engine's shared parts (levels
//! with their reprojected geometries, indicators, apportioned values,
//! categories, tiers, centroids, the overlays made while loading,
//! diagnostics) and the baseline services with their areas and provision are
//! written to one file, and loaded from it on the next start instead of
//! building again.
//!
//! - **Key**: a 128-bit xxh3 hash of the needmap version, the cache format
//!   version, the hash of the source this binary was built from
//!   (`build.rs`), the data folder and manifest paths (they appear in
//!   diagnostics), the manifest's bytes and the bytes of every input file the
//!   build reads ([`input_files`]). Any change of input gives another key,
//!   hence another file name: a stale file is never even opened.
//! - **File**: `engine-<dataset>-<key>.bin`, a [`HEADER_LEN`]-byte header
//!   (magic, format version, key, payload length, payload xxh3-64 checksum)
//!   then a postcard payload. A truncated, corrupt or wrong-version file is
//!   detected ([`CacheError`]), logged as a warning with the path and the
//!   reason, removed and replaced by a rebuild; it is never trusted.
//! - **Writes** are atomic (a locked temporary file in the cache folder,
//!   renamed into place: [`crate::export::atomic`]), so two processes
//!   building at once each put a whole file in place. After a save, older
//!   files of the same dataset beyond the newest [`KEEP_PER_DATASET`], and
//!   the oldest files beyond [`KEEP_IN_FOLDER`] in the folder, are removed.
//! - **R-trees** of areas and services are stored: decoding them took 0.09 ms
//!   against 0.31 ms for `bulk_load` of Bradford's 1,938 area boxes and 984
//!   points (plus the boxes' computation over every vertex). The
//!   boundary-segment indexes of the overlay cache are not stored (made when a
//!   new overlay needs them). Lazy parts (overlays asked for later, the
//!   postcode lookup) are not stored: they are computed on first use from the
//!   stored parts exactly as after a build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use super::build::{self, EngineError, OverlayCache};
use super::{Engine, RepPoint, Shared};
use crate::analyse::{LevelValues, Overlay, Provision};
use crate::dataset::DatasetLocation;
use crate::index::{AreaIndex, ServiceIndex};
use crate::load::Diagnostics;
use crate::model::{Category, Indicator, Level, Service, Tier};

/// Version of the file layout and payload; raise it whenever a stored type changes.
pub const FORMAT_VERSION: u32 = 1;

/// First bytes of every cache file.
pub const MAGIC: [u8; 8] = *b"NMENGINE";

/// Bytes of the header: magic (8), format version (4), reserved (4), key
/// (16), payload length (8), payload checksum (8), all little-endian.
pub const HEADER_LEN: usize = 48;

/// Cache files kept per dataset (the newest), so that a few builds of
/// needmap (branches, versions) can share a cache folder without evicting
/// each other on every start, while old files do not pile up.
pub const KEEP_PER_DATASET: usize = 4;

/// Cache files kept in one folder in all (the newest), whatever their dataset:
/// tests and trials on many temporary datasets must not fill the disk.
pub const KEEP_IN_FOLDER: usize = 32;

/// Why a cache file could not be used or written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is truncated: {found} byte(s), shorter than the {HEADER_LEN}-byte header")]
    TruncatedHeader { path: PathBuf, found: usize },
    #[error("{path} is truncated: the header announces a payload of {expected} byte(s) but {found} follow")]
    Truncated { path: PathBuf, expected: u64, found: u64 },
    #[error("{path} has {extra} byte(s) after the payload the header announces")]
    TrailingBytes { path: PathBuf, extra: u64 },
    #[error("{path} is not a needmap engine cache (wrong magic bytes)")]
    Magic { path: PathBuf },
    #[error("{path} has cache format version {found}; this needmap reads version {FORMAT_VERSION}")]
    Version { path: PathBuf, found: u32 },
    #[error("{path}: the key in the header does not match the inputs")]
    Key { path: PathBuf },
    #[error("{path} is corrupt: the payload checksum does not match")]
    Checksum { path: PathBuf },
    #[error("{path}: cannot decode the payload: {source}")]
    Decode { path: PathBuf, source: postcard::Error },
    #[error("{path}: the stored engine does not fit the manifest: {message}")]
    Inconsistent { path: PathBuf, message: String },
    #[error("cannot read input {path} to key the cache: {source}")]
    Input { path: PathBuf, source: std::io::Error },
    #[error("cannot encode the engine for the cache: {0}")]
    Encode(postcard::Error),
    #[error("cannot create the cache folder {dir}: {source}")]
    Folder { dir: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: crate::export::ExportError },
}

/// Where built engines are kept, or nowhere (`--no-cache`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineCache {
    dir: Option<PathBuf>,
}

impl EngineCache {
    /// No cache: every start builds the engine.
    pub fn off() -> EngineCache {
        EngineCache { dir: None }
    }

    /// Keep cache files in `dir` (created when first written).
    pub fn at(dir: impl Into<PathBuf>) -> EngineCache {
        EngineCache { dir: Some(dir.into()) }
    }

    /// The cache a command uses: off with `no_cache`, else `flag` (`--cache-dir`),
    /// else [`EngineCache::default_dir`]; off when no folder can be found.
    pub fn choose(flag: Option<&Path>, no_cache: bool) -> EngineCache {
        if no_cache {
            return EngineCache::off();
        }
        match flag {
            Some(dir) => EngineCache::at(dir),
            None => EngineCache { dir: EngineCache::default_dir() },
        }
    }

    /// `$NEEDMAP_CACHE_DIR`, else `$XDG_CACHE_HOME/needmap`, else
    /// `$HOME/.cache/needmap` (never inside the data folder, which may be read-only).
    pub fn default_dir() -> Option<PathBuf> {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        var("NEEDMAP_CACHE_DIR")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("needmap")))
            .or_else(|| var("HOME").map(|d| d.join(".cache").join("needmap")))
    }

    /// The cache folder, `None` when the cache is off.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }
}

/// What [`Engine::load_cached`] did with the cache, for `needmap check` and logs.
#[derive(Debug, Clone, PartialEq)]
pub enum CacheUse {
    /// The cache is off: the engine was built.
    Off,
    /// The engine was read from `path` (`bytes` long) in `ms` milliseconds,
    /// keying the inputs included.
    Loaded { path: PathBuf, bytes: u64, ms: f64 },
    /// The engine was built and saved to `path`. `rejected` says why an
    /// existing file was not used (truncated, corrupt, wrong version).
    Built { path: PathBuf, bytes: u64, rejected: Option<String> },
    /// The engine was built but could not be saved (`reason`).
    NotSaved { path: PathBuf, reason: String, rejected: Option<String> },
    /// An input could not be read to key the cache: the engine was built
    /// without it (the build reports the input's problem itself).
    Unkeyed { reason: String },
}

impl CacheUse {
    /// Why an existing cache file was refused, if one was.
    pub fn rejected(&self) -> Option<&str> {
        match self {
            CacheUse::Built { rejected, .. } | CacheUse::NotSaved { rejected, .. } => rejected.as_deref(),
            _ => None,
        }
    }
}

impl std::fmt::Display for CacheUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mb = |bytes: u64| bytes as f64 / 1e6;
        match self {
            CacheUse::Off => write!(f, "off"),
            CacheUse::Loaded { path, bytes, ms } => {
                write!(f, "loaded from {} ({:.1} MB, {ms:.0} ms)", path.display(), mb(*bytes))
            }
            CacheUse::Built { path, bytes, rejected } => {
                write!(f, "built and saved to {} ({:.1} MB)", path.display(), mb(*bytes))?;
                if let Some(r) = rejected {
                    write!(f, "; the old file was not used: {r}")?;
                }
                Ok(())
            }
            CacheUse::NotSaved { path, reason, rejected } => {
                write!(f, "built, not saved to {}: {reason}", path.display())?;
                if let Some(r) = rejected {
                    write!(f, "; the old file was not used: {r}")?;
                }
                Ok(())
            }
            CacheUse::Unkeyed { reason } => write!(f, "not used ({reason})"),
        }
    }
}

/// The 128-bit key of one build's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey(pub u128);

impl CacheKey {
    /// Hash the code identity, the paths, the manifest and every input file.
    pub fn of(loc: &DatasetLocation) -> Result<CacheKey, CacheError> {
        let mut h = Xxh3::new();
        let mut field = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(b"needmap engine cache");
        field(env!("CARGO_PKG_VERSION").as_bytes());
        field(&FORMAT_VERSION.to_le_bytes());
        field(env!("NEEDMAP_SOURCE_HASH").as_bytes());
        field(loc.data_dir.to_string_lossy().as_bytes());
        field(loc.manifest_path.to_string_lossy().as_bytes());
        let read = |path: &Path| std::fs::read(path).map_err(|source| CacheError::Input { path: path.to_path_buf(), source });
        field(&read(&loc.manifest_path)?);
        for path in input_files(loc) {
            field(path.to_string_lossy().as_bytes());
            field(&read(&path)?);
        }
        Ok(CacheKey(h.digest128()))
    }

    /// The key as 32 hexadecimal digits.
    pub fn hex(&self) -> String {
        format!("{:032x}", self.0)
    }
}

/// Every file the build reads, in a fixed order: boundary files (with a
/// Shapefile's `.shx`, `.dbf`, `.prj` and, when present, `.cpg`), indicator
/// tables, service files, published centroids and the travel-time table
/// (checked while loading), and the postcode lookup when a table is
/// apportioned by postcode weights. Not otherwise the postcode lookup, the
/// travel-time destinations or the road network: those are read later, on use.
pub fn input_files(loc: &DatasetLocation) -> Vec<PathBuf> {
    let m = &loc.manifest;
    let dir = &loc.data_dir;
    let mut out = Vec::new();
    for file in m.levels.iter().filter_map(|l| l.file.as_ref()) {
        let path = dir.join(file);
        let is_shapefile = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("shp"));
        out.push(path.clone());
        if is_shapefile {
            for ext in ["shx", "dbf", "prj"] {
                out.push(path.with_extension(ext));
            }
            let cpg = path.with_extension("cpg");
            if cpg.is_file() {
                out.push(cpg);
            }
        }
    }
    out.extend(m.indicator_tables.iter().map(|t| dir.join(&t.file)));
    out.extend(m.service_files.iter().map(|s| dir.join(&s.file)));
    out.extend(m.centroids.iter().map(|c| dir.join(&c.file)));
    out.extend(m.travel_times.iter().map(|t| dir.join(&t.file)));
    if m.indicator_tables.iter().any(|t| t.weights == crate::dataset::ApportionWeights::Postcodes) {
        out.extend(m.postcodes.iter().map(|p| dir.join(&p.file)));
    }
    out
}

/// Name of the cache file: a short hash of the dataset's paths (so old
/// files of the same dataset can be found and removed) and the key.
pub fn file_name(loc: &DatasetLocation, key: CacheKey) -> String {
    format!("engine-{:016x}-{}.bin", dataset_tag(loc), key.hex())
}

fn dataset_tag(loc: &DatasetLocation) -> u64 {
    let text = format!("{}\n{}", loc.data_dir.display(), loc.manifest_path.display());
    xxh3_64(text.as_bytes())
}

/// Load the engine from the cache when a valid file for these inputs is
/// there; otherwise build it (see [`Engine::load`]) and save it.
pub fn load_cached(loc: &DatasetLocation, cache: &EngineCache) -> Result<(Engine, CacheUse), EngineError> {
    let Some(dir) = cache.dir() else {
        return Ok((build::build(loc)?, CacheUse::Off));
    };
    let clock = Instant::now();
    let key = match CacheKey::of(loc) {
        Ok(k) => k,
        Err(e) => {
            tracing::debug!("engine cache: {e}");
            return Ok((build::build(loc)?, CacheUse::Unkeyed { reason: e.to_string() }));
        }
    };
    let path = dir.join(file_name(loc, key));
    let mut rejected = None;
    match std::fs::read(&path) {
        Ok(bytes) => match decode(&bytes, key, loc, &path) {
            Ok(mut engine) => {
                let ms = clock.elapsed().as_secs_f64() * 1e3;
                if let Some(shared) = Arc::get_mut(&mut engine.shared) {
                    shared.timings.push(("load engine cache", ms));
                }
                let used = CacheUse::Loaded { path, bytes: bytes.len() as u64, ms };
                tracing::info!("engine cache: {used}");
                return Ok((engine, used));
            }
            Err(e) => {
                tracing::warn!("engine cache: {e}; the file is removed and the engine rebuilt");
                if let Err(remove) = std::fs::remove_file(&path) {
                    tracing::warn!("engine cache: cannot remove {}: {remove}", path.display());
                }
                rejected = Some(e.to_string());
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::info!("engine cache: no file for these inputs yet; building the engine");
        }
        Err(source) => {
            let e = CacheError::Read { path: path.clone(), source };
            tracing::warn!("engine cache: {e}; the engine is rebuilt");
            rejected = Some(e.to_string());
        }
    }
    let engine = build::build(loc)?;
    let used = match save(dir, &path, loc, key, &engine) {
        Ok(bytes) => CacheUse::Built { path, bytes, rejected },
        Err(e) => {
            tracing::warn!("engine cache: {e}; the engine is used without saving it");
            CacheUse::NotSaved { path, reason: e.to_string(), rejected }
        }
    };
    tracing::info!("engine cache: {used}");
    Ok((engine, used))
}

/// Encode `engine` and write it atomically to `path`; returns the file's size.
fn save(dir: &Path, path: &Path, loc: &DatasetLocation, key: CacheKey, engine: &Engine) -> Result<u64, CacheError> {
    let clock = Instant::now();
    let bytes = encode(engine, key)?;
    std::fs::create_dir_all(dir).map_err(|source| CacheError::Folder { dir: dir.to_path_buf(), source })?;
    crate::export::atomic::write_file(path, true, |w| Ok(w.write_all(&bytes)?))
        .map_err(|source| CacheError::Write { path: path.to_path_buf(), source })?;
    tracing::debug!("engine cache: wrote {} in {:.1} ms", path.display(), clock.elapsed().as_secs_f64() * 1e3);
    prune(dir, loc, path);
    Ok(bytes.len() as u64)
}

/// Remove this dataset's older cache files beyond the newest
/// [`KEEP_PER_DATASET`], then any beyond the newest [`KEEP_IN_FOLDER`].
fn prune(dir: &Path, loc: &DatasetLocation, keep: &Path) {
    let prefix = format!("engine-{:016x}-", dataset_tag(loc));
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    // Every other cache file, newest first.
    let mut others: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("engine-") && name.ends_with(".bin")
        })
        .map(|e| e.path())
        .filter(|p| p != keep)
        .map(|p| (std::fs::metadata(&p).and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), p))
        .collect();
    others.sort_by_key(|(modified, _)| std::cmp::Reverse(*modified));
    let mut same_dataset = 1;
    let mut kept = 1;
    for (_, old) in others {
        let ours = old.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&prefix));
        let keep = (!ours || same_dataset < KEEP_PER_DATASET) && kept < KEEP_IN_FOLDER;
        if keep {
            kept += 1;
            same_dataset += usize::from(ours);
            continue;
        }
        match std::fs::remove_file(&old) {
            Ok(()) => tracing::debug!("engine cache: removed the older {}", old.display()),
            Err(e) => tracing::debug!("engine cache: cannot remove {}: {e}", old.display()),
        }
    }
}

type Centroids = BTreeMap<String, (String, Vec<Option<RepPoint>>)>;

/// What is stored, borrowed from an engine (field order = [`Payload`]'s).
#[derive(Serialize)]
struct PayloadRef<'a> {
    levels: &'a [Level],
    indicators: &'a [Indicator],
    populations: &'a [String],
    values: &'a [LevelValues],
    categories: &'a BTreeMap<String, Category>,
    tiers: &'a [Tier],
    centroids: &'a Centroids,
    indexes: &'a [AreaIndex],
    overlays: Vec<((usize, usize), &'a Overlay)>,
    diagnostics: &'a Diagnostics,
    services: &'a [Service],
    service_index: &'a ServiceIndex,
    provision: &'a [Provision],
    outside: &'a [usize],
}

/// What is stored, as read back.
#[derive(Deserialize)]
struct Payload {
    levels: Vec<Level>,
    indicators: Vec<Indicator>,
    populations: Vec<String>,
    values: Vec<LevelValues>,
    categories: BTreeMap<String, Category>,
    tiers: Vec<Tier>,
    centroids: Centroids,
    indexes: Vec<AreaIndex>,
    overlays: Vec<((usize, usize), Overlay)>,
    diagnostics: Diagnostics,
    services: Vec<Service>,
    service_index: ServiceIndex,
    provision: Vec<Provision>,
    outside: Vec<usize>,
}

/// The whole cache file for `engine`: header then payload.
pub fn encode(engine: &Engine, key: CacheKey) -> Result<Vec<u8>, CacheError> {
    let overlays = engine.overlays.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let payload = PayloadRef {
        levels: &engine.levels,
        indicators: &engine.indicators,
        populations: &engine.populations,
        values: &engine.values,
        categories: &engine.categories,
        tiers: &engine.tiers,
        centroids: &engine.centroids,
        indexes: &engine.indexes,
        overlays: overlays.computed(),
        diagnostics: &engine.diagnostics,
        services: &engine.services,
        service_index: &engine.service_index,
        provision: &engine.provision,
        outside: &engine.outside,
    };
    let body = postcard::to_stdvec(&payload).map_err(CacheError::Encode)?;
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&header(key, body.len() as u64, xxh3_64(&body)));
    out.extend_from_slice(&body);
    Ok(out)
}

/// The header bytes.
pub fn header(key: CacheKey, payload_len: u64, checksum: u64) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0..8].copy_from_slice(&MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    // 12..16 reserved (zero).
    h[16..32].copy_from_slice(&key.0.to_le_bytes());
    h[32..40].copy_from_slice(&payload_len.to_le_bytes());
    h[40..48].copy_from_slice(&checksum.to_le_bytes());
    h
}

/// Check the header of `bytes` against `key`; returns the payload.
pub fn verify<'a>(bytes: &'a [u8], key: CacheKey, path: &Path) -> Result<&'a [u8], CacheError> {
    let path = || path.to_path_buf();
    if bytes.len() < HEADER_LEN {
        // A header cut short can still show it is not ours at all.
        if bytes.len() >= MAGIC.len() && bytes[..MAGIC.len()] != MAGIC {
            return Err(CacheError::Magic { path: path() });
        }
        return Err(CacheError::TruncatedHeader { path: path(), found: bytes.len() });
    }
    let (h, payload) = bytes.split_at(HEADER_LEN);
    let u32_at = |i: usize| u32::from_le_bytes(h[i..i + 4].try_into().expect("4 bytes"));
    let u64_at = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().expect("8 bytes"));
    if h[0..8] != MAGIC {
        return Err(CacheError::Magic { path: path() });
    }
    let version = u32_at(8);
    if version != FORMAT_VERSION {
        return Err(CacheError::Version { path: path(), found: version });
    }
    if u128::from_le_bytes(h[16..32].try_into().expect("16 bytes")) != key.0 {
        return Err(CacheError::Key { path: path() });
    }
    let (expected, found) = (u64_at(32), payload.len() as u64);
    if found < expected {
        return Err(CacheError::Truncated { path: path(), expected, found });
    }
    if found > expected {
        return Err(CacheError::TrailingBytes { path: path(), extra: found - expected });
    }
    if xxh3_64(payload) != u64_at(40) {
        return Err(CacheError::Checksum { path: path() });
    }
    Ok(payload)
}

/// Read an engine back from a whole cache file.
pub fn decode(bytes: &[u8], key: CacheKey, loc: &DatasetLocation, path: &Path) -> Result<Engine, CacheError> {
    let clock = Instant::now();
    let payload = verify(bytes, key, path)?;
    let p: Payload = postcard::from_bytes(payload).map_err(|source| CacheError::Decode { path: path.to_path_buf(), source })?;
    check_fits(&p, loc).map_err(|message| CacheError::Inconsistent { path: path.to_path_buf(), message })?;
    tracing::debug!("engine cache: checked and decoded in {:.1} ms", clock.elapsed().as_secs_f64() * 1e3);
    let indexes = p.indexes;
    let shared = Shared {
        data_dir: loc.data_dir.clone(),
        manifest_path: loc.manifest_path.clone(),
        manifest: loc.manifest.clone(),
        levels: p.levels,
        overlays: std::sync::Mutex::new(OverlayCache::with_computed(indexes.clone(), p.overlays)),
        indexes,
        indicators: p.indicators,
        populations: p.populations,
        values: p.values,
        categories: p.categories,
        tiers: p.tiers,
        centroids: p.centroids,
        postcodes: std::sync::OnceLock::new(),
        postcode_units: std::sync::OnceLock::new(),
        diagnostics: p.diagnostics,
        timings: Vec::new(),
    };
    Ok(Engine {
        shared: Arc::new(shared),
        services: p.services,
        service_index: p.service_index,
        provision: p.provision,
        outside: p.outside,
    })
}

/// Checks that a decoded payload has the shape the manifest and the code
/// expect (a correct checksum over a payload written by this code makes a
/// failure here unlikely, but indexes are used unchecked later).
fn check_fits(p: &Payload, loc: &DatasetLocation) -> Result<(), String> {
    let specs = &loc.manifest.levels;
    let ids: Vec<&str> = p.levels.iter().map(|l| l.id.as_str()).collect();
    let expected: Vec<&str> = specs.iter().map(|s| s.id.as_str()).collect();
    if ids != expected {
        return Err(format!("levels {ids:?}, the manifest has {expected:?}"));
    }
    let n = p.levels.len();
    if p.values.len() != n || p.provision.len() != n || p.outside.len() != n {
        return Err("values, provision or outside counts are not one per level".into());
    }
    for (l, level) in p.levels.iter().enumerate() {
        let areas = level.len();
        let sized = |v: usize| v == areas;
        let values = &p.values[l];
        if level.parent.len() != areas
            || !values.populations.values().all(|v| sized(v.len()))
            || !values.indicators.iter().all(|v| sized(v.len()))
            || !sized(p.provision[l].total.len())
        {
            return Err(format!("level `{}`: per-area tables do not have {areas} rows", level.id));
        }
        if level.parent_level.is_some_and(|pl| pl >= n) || level.group_of.is_some_and(|g| g >= n) {
            return Err(format!("level `{}`: parent or grouped level out of range", level.id));
        }
    }
    if p.indexes.len() != n || p.service_index.len() != p.services.len() {
        return Err("the R-trees are not one per level, or not one entry per service".into());
    }
    if p.services.iter().any(|s| s.areas.len() != n) {
        return Err("a service's areas are not one per level".into());
    }
    if p.overlays.iter().any(|((s, t), o)| *s >= n || *t >= n || o.inside_m2.len() != p.levels[*s].len()) {
        return Err("an overlay names a level out of range or has the wrong number of areas".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(payload: &[u8], key: CacheKey) -> Vec<u8> {
        let mut out = header(key, payload.len() as u64, xxh3_64(payload)).to_vec();
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn a_whole_file_passes_and_every_damage_is_named() {
        let key = CacheKey(0x1234_5678_9abc_def0_0fed_cba9_8765_4321);
        let path = Path::new("/cache/engine.bin");
        let payload = b"payload bytes".as_slice();
        let good = file(payload, key);
        assert_eq!(verify(&good, key, path).unwrap(), payload);

        let err = |bytes: &[u8]| verify(bytes, key, path).unwrap_err();
        assert!(matches!(err(&good[..20]), CacheError::TruncatedHeader { found: 20, .. }));
        assert!(matches!(err(&good[..good.len() - 3]), CacheError::Truncated { expected: 13, found: 10, .. }));
        let mut long = good.clone();
        long.push(0);
        assert!(matches!(err(&long), CacheError::TrailingBytes { extra: 1, .. }));
        let mut flipped = good.clone();
        flipped[HEADER_LEN + 4] ^= 0x01;
        assert!(matches!(err(&flipped), CacheError::Checksum { .. }));
        let mut magic = good.clone();
        magic[0] = b'X';
        assert!(matches!(err(&magic), CacheError::Magic { .. }));
        assert!(matches!(err(&magic[..10]), CacheError::Magic { .. }));
        let mut version = good.clone();
        version[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        let e = err(&version);
        assert!(matches!(e, CacheError::Version { found, .. } if found == FORMAT_VERSION + 1));
        assert!(e.to_string().contains("/cache/engine.bin"), "{e}");
        assert!(matches!(verify(&good, CacheKey(1), path).unwrap_err(), CacheError::Key { .. }));
    }

    #[test]
    fn the_flag_chooses_the_folder_and_no_cache_wins() {
        let chosen = EngineCache::choose(Some(Path::new("/tmp/x")), false);
        assert_eq!(chosen.dir(), Some(Path::new("/tmp/x")));
        assert_eq!(EngineCache::choose(Some(Path::new("/tmp/x")), true), EngineCache::off());
    }
}
