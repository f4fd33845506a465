//! How much of an upload is read: a byte cap applied while reading (a
//! 200 MB file is refused after reading 20 MB and one byte, never read
//! whole), a row cap, a column cap, and a cap on the unpacked size of a
//! workbook (an XLSX is a ZIP archive and could unpack to far more).

use std::io::Read;
use std::path::Path;

use super::UploadError;

/// Default largest upload: 20 MB.
pub const MAX_UPLOAD_BYTES: u64 = 20 * 1000 * 1000;
/// Default most rows of services in one upload.
pub const MAX_UPLOAD_ROWS: usize = 50_000;
/// Columns read from each row (more are ignored with a note).
pub const MAX_UPLOAD_COLUMNS: usize = 256;
/// Largest total unpacked size of the parts of a workbook: 200 MB.
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1000 * 1000;

/// The caps of one upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadLimits {
    pub max_bytes: u64,
    pub max_rows: usize,
    pub max_columns: usize,
    pub max_unpacked_bytes: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        UploadLimits {
            max_bytes: MAX_UPLOAD_BYTES,
            max_rows: MAX_UPLOAD_ROWS,
            max_columns: MAX_UPLOAD_COLUMNS,
            max_unpacked_bytes: MAX_UNPACKED_BYTES,
        }
    }
}

impl UploadLimits {
    fn too_large(&self, file: &str) -> UploadError {
        UploadError::TooLarge { file: file.to_string(), limit_mb: self.max_bytes / 1_000_000, max_rows: self.max_rows }
    }

    /// Read at most `max_bytes` from `reader`: one byte more is an error,
    /// so a huge or endless stream stops there.
    pub fn read_capped(&self, mut reader: impl Read, file: &str) -> Result<Vec<u8>, UploadError> {
        let mut bytes = Vec::new();
        (&mut reader)
            .take(self.max_bytes.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| UploadError::Io { file: file.to_string(), message: e.to_string() })?;
        if bytes.len() as u64 > self.max_bytes {
            return Err(self.too_large(file));
        }
        Ok(bytes)
    }

    /// Read the file at `path`: refused before reading when it is not a
    /// regular file or its size is over the cap, else read capped (a file
    /// that grows while read is still stopped at the cap).
    pub fn read_file(&self, path: &Path) -> Result<Vec<u8>, UploadError> {
        let file = crate::load::display_name(path);
        let io = |e: std::io::Error| UploadError::Io { file: file.clone(), message: e.to_string() };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            return Err(UploadError::Io { file: file.clone(), message: "not a regular file (a folder, device or pipe); give the file itself".into() });
        }
        if meta.len() > self.max_bytes {
            return Err(self.too_large(&file));
        }
        let f = std::fs::File::open(path).map_err(io)?;
        self.read_capped(f, &file)
    }
}
