//! Zip archives of multi-file exports (a Shapefile with its sidecars): one
//! file that GDAL (`/vsizip/`) and QGIS open directly, written atomically
//! like any other file.

use std::io::Write;

use super::ExportError;

/// A deflated zip holding `files` (name, bytes) at its root, in order.
pub fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ExportError> {
    let failed = |e: &dyn std::fmt::Display| ExportError::Archive(e.to_string());
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        w.start_file(name.as_str(), options).map_err(|e| failed(&e))?;
        w.write_all(bytes).map_err(|e| failed(&e))?;
    }
    Ok(w.finish().map_err(|e| failed(&e))?.into_inner())
}
