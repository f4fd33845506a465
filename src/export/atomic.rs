//! Atomic file writes: each file is written to a temporary file in the same
//! folder and renamed into place only when every file of the set is
//! complete. An interrupted export leaves no partial file under the target
//! name (temporary files are removed on error, and are hidden `.*.partial`
//! files otherwise), and existing files are refused unless forced.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::ExportError;

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
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(ExportError::NoFolder { dir });
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(&dir)
            .map_err(file_error(path))?;
        {
            let mut buf = std::io::BufWriter::new(tmp.as_file_mut());
            write(&mut buf)?;
            buf.flush().map_err(file_error(path))?;
        }
        tmp.as_file().sync_all().map_err(file_error(path))?;
        // Temporary files are private (0600); the export is an ordinary file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))
                .map_err(file_error(path))?;
        }
        self.pending.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Rename every temporary file into place; returns the paths written.
    pub fn commit(self) -> Result<Vec<PathBuf>, ExportError> {
        let mut done = Vec::new();
        for (_, path) in &self.pending {
            check_target(path, self.force)?;
        }
        for (tmp, path) in self.pending {
            if self.force {
                tmp.persist(&path).map_err(|e| ExportError::File { path: path.clone(), source: e.error })?;
            } else {
                tmp.persist_noclobber(&path).map_err(|e| {
                    if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                        ExportError::Exists { path: path.clone() }
                    } else {
                        ExportError::File { path: path.clone(), source: e.error }
                    }
                })?;
            }
            done.push(path);
        }
        Ok(done)
    }
}

/// Write one file atomically.
pub fn write_file(path: &Path, force: bool, write: impl FnOnce(&mut dyn Write) -> Result<(), ExportError>) -> Result<(), ExportError> {
    let mut set = FileSet::new(force);
    set.add(path, write)?;
    set.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
