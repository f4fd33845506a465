//! Finding the dataset folder and its manifest.
//!
//! Order: `--data DIR`, `$NEEDMAP_DATA`, `geodata/bradford/` (filled by
//! `make geodata`), then `../shared/geodata/bradford/`. A folder without its own
//! `dataset.toml` uses the project's `geodata/<folder name>/dataset.toml`.

use std::path::{Path, PathBuf};

use super::{DatasetError, Manifest};

/// How the data folder was chosen (printed by `check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Env,
    ProjectGeodata,
    Shared,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Origin::Flag => "--data",
            Origin::Env => "$NEEDMAP_DATA",
            Origin::ProjectGeodata => "geodata/bradford (make geodata)",
            Origin::Shared => "../shared/geodata/bradford",
        })
    }
}

/// A resolved dataset: data folder, manifest path and parsed manifest.
#[derive(Debug, Clone)]
pub struct DatasetLocation {
    pub data_dir: PathBuf,
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
    pub origin: Origin,
}

/// The project root: the current directory when it holds `geodata/`, else the
/// source tree this binary was built from.
pub fn project_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if cwd.join("geodata").is_dir() && cwd.join("Cargo.toml").is_file() {
        cwd
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }
}

/// Resolve the dataset to use.
pub fn locate(flag: Option<&Path>) -> Result<DatasetLocation, DatasetError> {
    let root = project_root();
    let mut candidates: Vec<(PathBuf, Origin)> = Vec::new();
    if let Some(dir) = flag {
        candidates.push((dir.to_path_buf(), Origin::Flag));
    } else if let Some(dir) = std::env::var_os("NEEDMAP_DATA").filter(|v| !v.is_empty()) {
        candidates.push((PathBuf::from(dir), Origin::Env));
    } else {
        candidates.push((root.join("geodata/bradford"), Origin::ProjectGeodata));
        candidates.push((root.join("../shared/geodata/bradford"), Origin::Shared));
    }
    let explicit = flag.is_some() || candidates[0].1 == Origin::Env;
    let mut tried = Vec::new();
    for (dir, origin) in candidates {
        tried.push(dir.display().to_string());
        if !dir.is_dir() {
            continue;
        }
        let manifest_path = manifest_for(&root, &dir)?;
        let manifest = Manifest::read(&manifest_path)?;
        // The project's own geodata/bradford holds the manifest even before the
        // data is downloaded: only use it when its first boundary file is there.
        let has_data = manifest
            .levels
            .iter()
            .filter_map(|l| l.file.as_deref())
            .all(|f| dir.join(f).exists());
        if has_data || explicit {
            return Ok(DatasetLocation {
                data_dir: dir.canonicalize().unwrap_or(dir),
                manifest_path,
                manifest,
                origin,
            });
        }
    }
    Err(DatasetError::NotFound {
        tried: tried.join(", "),
    })
}

fn manifest_for(root: &Path, dir: &Path) -> Result<PathBuf, DatasetError> {
    let own = dir.join("dataset.toml");
    if own.is_file() {
        return Ok(own);
    }
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let shipped = root.join("geodata").join(&name).join("dataset.toml");
    if shipped.is_file() {
        Ok(shipped)
    } else {
        Err(DatasetError::NoManifest {
            dir: dir.to_path_buf(),
            name,
        })
    }
}
