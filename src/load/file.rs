//! Guarded file reading: size limit and empty-file check before parsing.

use std::path::Path;

use super::LoadError;

/// Largest input file read (256 MiB); a 2 GB file is refused up front.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Read a whole file, refusing empty and oversized files with a clear message.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = regular_file(path)?;
    check_size(path, meta.len())?;
    let bytes = std::fs::read(path).map_err(io)?;
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(bytes)
}

/// Metadata of a regular file; a FIFO, device or folder is refused before
/// it is opened (reading a FIFO would wait forever, /dev/zero never ends).
pub(crate) fn regular_file(path: &Path) -> Result<std::fs::Metadata, LoadError> {
    let meta = std::fs::metadata(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Err(LoadError::NotRegularFile {
            path: path.to_path_buf(),
            kind: file_kind(&meta),
        });
    }
    Ok(meta)
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Size checks shared with loaders that stream (Shapefile).
pub(crate) fn check_size(path: &Path, size: u64) -> Result<(), LoadError> {
    if size == 0 {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    if size > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    Ok(())
}
