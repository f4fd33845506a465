//! Atomic file writes, so that an interrupted export (even `kill -9`) never
//! leaves a partial or incomplete output under the target name.
//!
//! - **One file** ([`FileSet`], [`write_file`]): written to a hidden
//!   temporary file `.{name}.XXXXXX.needmap-partial` in the same folder,
//!   synced, and renamed into place. A set of files (a CSV and its
//!   provenance sidecar) is renamed sidecars first, the main file last.
//! - **Several files that only make sense together** ([`write_folder`], a
//!   Shapefile): written into a hidden temporary folder that is renamed as a
//!   whole, so the folder either holds every file or does not exist.
//! - **Stale temporary files**: a writer holds an exclusive lock on its
//!   temporary file or folder while it works; the lock dies with the process.
//!   Every write first removes the unlocked temporaries of earlier,
//!   interrupted runs from its folder ([`clean_stale`]).
//!
//! Existing outputs are refused unless forced.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::ExportError;

/// Suffix of every temporary file or folder needmap writes.
pub const PARTIAL_SUFFIX: &str = ".needmap-partial";

/// A set of files written together.
pub struct FileSet {
    force: bool,
    pending: Vec<(NamedTempFile, PathBuf)>,
}

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::File {
        path: path.to_path_buf(),
        source,
    }
}

/// Refuse `path` when it exists and `force` is off.
pub fn check_target(path: &Path, force: bool) -> Result<(), ExportError> {
    if !force && path.exists() {
        return Err(ExportError::Exists { path: path.to_path_buf() });
    }
    Ok(())
}

/// The folder `path` goes in (`.` for a bare file name), which must exist.
fn parent_dir(path: &Path) -> Result<PathBuf, ExportError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(ExportError::NoFolder { dir });
    }
    Ok(dir)
}

fn temp_prefix(path: &Path) -> String {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    format!(".{name}.")
}

/// Take the exclusive lock that marks a temporary file or folder as in use.
fn lock(file: &File, path: &Path) -> Result<(), ExportError> {
    file.try_lock().map_err(|e| ExportError::File {
        path: path.to_path_buf(),
        source: std::io::Error::other(format!("cannot lock the temporary file: {e}")),
    })
}

/// Whether a temporary file or folder left in `dir` belongs to no running
/// writer: its lock can be taken (folders are locked through their handle).
fn is_stale(path: &Path) -> bool {
    match File::open(path) {
        Ok(f) => f.try_lock().is_ok(),
        // Gone already, or not ours to judge.
        Err(_) => false,
    }
}

/// Remove the temporary files and folders that interrupted needmap writes
/// left in `dir` (those no running writer holds); returns what was removed.
/// Errors removing one are logged and the rest are still tried.
pub fn clean_stale(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(PARTIAL_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        if !is_stale(&path) {
            continue;
        }
        let result = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        match result {
            Ok(()) => {
                tracing::info!("removed {} left by an interrupted export", path.display());
                removed.push(path);
            }
            Err(e) => tracing::warn!("cannot remove {} left by an interrupted export: {e}", path.display()),
        }
    }
    removed
}

/// Make a finished temporary file an ordinary file (temporaries are 0600).
fn publish_permissions(file: &File, path: &Path, mode: u32) -> Result<(), ExportError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode)).map_err(file_error(path))?;
    }
    #[cfg(not(unix))]
    let _ = (file, path, mode);
    Ok(())
}

impl FileSet {
    pub fn new(force: bool) -> FileSet {
        FileSet {
            force,
            pending: Vec::new(),
        }
    }

    /// Write one file of the set to a temporary file next to `path`.
    pub fn add(&mut self, path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>) -> Result<(), ExportError> {
        check_target(path, self.force)?;
        let dir = parent_dir(path)?;
        clean_stale(&dir);
        let mut tmp = tempfile::Builder::new()
            .prefix(&temp_prefix(path))
            .suffix(PARTIAL_SUFFIX)
            .tempfile_in(&dir)
            .map_err(file_error(path))?;
        lock(tmp.as_file(), path)?;
        {
            let mut buf = std::io::BufWriter::new(tmp.as_file_mut());
            write(&mut buf)?;
            buf.flush().map_err(file_error(path))?;
        }
        tmp.as_file().sync_all().map_err(file_error(path))?;
        publish_permissions(tmp.as_file(), path, 0o644)?;
        self.pending.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Rename every temporary file into place, the first one added (the
    /// main file) last; returns the paths written, in the order added.
    pub fn commit(self) -> Result<Vec<PathBuf>, ExportError> {
        for (_, path) in &self.pending {
            check_target(path, self.force)?;
        }
        let mut done = Vec::new();
        for (tmp, path) in self.pending.into_iter().rev() {
            persist(tmp, &path, self.force)?;
            done.push(path);
        }
        done.reverse();
        Ok(done)
    }
}

fn persist(tmp: NamedTempFile, path: &Path, force: bool) -> Result<(), ExportError> {
    if force {
        tmp.persist(path).map_err(|e| ExportError::File { path: path.to_path_buf(), source: e.error })?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                ExportError::Exists { path: path.to_path_buf() }
            } else {
                ExportError::File { path: path.to_path_buf(), source: e.error }
            }
        })?;
    }
    Ok(())
}

/// Write one file atomically.
pub fn write_file(path: &Path, force: bool, write: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>) -> Result<(), ExportError> {
    let mut set = FileSet::new(force);
    set.add(path, write)?;
    set.commit()?;
    Ok(())
}

/// Write the folder `dir` holding `files` (name, bytes) as a whole: the files
/// go into a hidden temporary folder beside it, which is renamed to `dir`
/// once every file is on disk. With `force` an existing `dir` is replaced
/// (moved aside, then removed). Returns the paths of the files.
pub fn write_folder(dir: &Path, force: bool, files: &[(String, &[u8])]) -> Result<Vec<PathBuf>, ExportError> {
    check_target(dir, force)?;
    let parent = parent_dir(dir)?;
    clean_stale(&parent);
    let tmp = tempfile::Builder::new()
        .prefix(&temp_prefix(dir))
        .suffix(PARTIAL_SUFFIX)
        .tempdir_in(&parent)
        .map_err(file_error(dir))?;
    let handle = File::open(tmp.path()).map_err(file_error(dir))?;
    lock(&handle, dir)?;
    for (name, bytes) in files {
        let path = tmp.path().join(name);
        let mut f = File::create(&path).map_err(file_error(&path))?;
        f.write_all(bytes).map_err(file_error(&path))?;
        f.sync_all().map_err(file_error(&path))?;
    }
    publish_permissions(&handle, dir, 0o755)?;
    // The folder's entries are on disk before it is renamed.
    handle.sync_all().map_err(file_error(dir))?;
    let tmp_path = tmp.keep();
    let result = replace_folder(&tmp_path, dir, &parent, force);
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp_path);
    }
    result?;
    drop(handle);
    if let Ok(d) = File::open(&parent) {
        let _ = d.sync_all();
    }
    Ok(files.iter().map(|(name, _)| dir.join(name)).collect())
}

/// Rename `tmp` to `dir`; an existing `dir` (with `force`) is first moved to
/// a hidden name and removed afterwards (an interruption in between leaves it
/// for [`clean_stale`], never a mixed folder).
fn replace_folder(tmp: &Path, dir: &Path, parent: &Path, force: bool) -> Result<(), ExportError> {
    let old = if force && dir.exists() {
        let aside = tempfile::Builder::new()
            .prefix(&temp_prefix(dir))
            .suffix(PARTIAL_SUFFIX)
            .tempdir_in(parent)
            .map_err(file_error(dir))?
            .keep();
        std::fs::remove_dir(&aside).map_err(file_error(dir))?;
        std::fs::rename(dir, &aside).map_err(file_error(dir))?;
        Some(aside)
    } else {
        None
    };
    if !force && dir.exists() {
        return Err(ExportError::Exists { path: dir.to_path_buf() });
    }
    std::fs::rename(tmp, dir).map_err(file_error(dir))?;
    if let Some(old) = old {
        if old.is_dir() {
            std::fs::remove_dir_all(&old).map_err(file_error(&old))?;
        } else {
            std::fs::remove_file(&old).map_err(file_error(&old))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn failed_write_leaves_nothing_and_existing_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        let err = write_file(&target, false, |w| {
            w.write_all(b"partial")?;
            Err(ExportError::ShapefileNeedsFiles)
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file and no temporary left");

        write_file(&target, false, |w| Ok(w.write_all(b"first")?)).unwrap();
        let again = write_file(&target, false, |w| Ok(w.write_all(b"second")?));
        assert!(matches!(again, Err(ExportError::Exists { .. })));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "first");
        write_file(&target, true, |w| Ok(w.write_all(b"second")?)).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_temporaries_are_removed_but_locked_ones_and_other_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let stale_file = dir.path().join(".wards.geojson.abc123.needmap-partial");
        std::fs::write(&stale_file, b"{\"type\":\"Feat").unwrap();
        let stale_dir = dir.path().join(".wards.def456.needmap-partial");
        std::fs::create_dir(&stale_dir).unwrap();
        std::fs::write(stale_dir.join("wards.shp"), b"x").unwrap();
        let busy = dir.path().join(".other.geojson.ghi789.needmap-partial");
        std::fs::write(&busy, b"in progress").unwrap();
        let held = File::open(&busy).unwrap();
        held.lock().unwrap();
        std::fs::write(dir.path().join(".hidden-user-file"), b"keep").unwrap();
        std::fs::write(dir.path().join("notes.partial"), b"keep").unwrap();

        let removed = clean_stale(dir.path());
        assert_eq!(removed.len(), 2, "{removed:?}");
        assert_eq!(names(dir.path()), [".hidden-user-file", ".other.geojson.ghi789.needmap-partial", "notes.partial"]);
        drop(held);
        // A later write in the folder sweeps the one no longer held.
        write_file(&dir.path().join("out.csv"), false, |w| Ok(w.write_all(b"a,b\r\n")?)).unwrap();
        assert_eq!(names(dir.path()), [".hidden-user-file", "notes.partial", "out.csv"]);
    }

    #[test]
    fn folders_appear_whole_and_are_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("wards");
        let files = [("wards.shp".to_string(), &b"one"[..]), ("wards.dbf".to_string(), &b"two"[..])];
        let written = write_folder(&target, false, &files).unwrap();
        assert_eq!(written, [target.join("wards.shp"), target.join("wards.dbf")]);
        assert_eq!(names(&target), ["wards.dbf", "wards.shp"]);
        assert!(matches!(write_folder(&target, false, &files), Err(ExportError::Exists { .. })));
        let newer = [("wards.shp".to_string(), &b"three"[..])];
        write_folder(&target, true, &newer).unwrap();
        assert_eq!(names(&target), ["wards.shp"], "the old folder's files do not linger");
        assert_eq!(std::fs::read(target.join("wards.shp")).unwrap(), b"three");
        assert_eq!(names(dir.path()), ["wards"], "no temporary folder left");
        let nowhere = write_folder(&dir.path().join("missing/wards"), false, &files);
        assert!(matches!(nowhere, Err(ExportError::NoFolder { .. })));
    }
}
