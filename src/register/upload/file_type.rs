//! What an uploaded file is, told by its first bytes (its "magic"), not by
//! its name: a PNG renamed `services.csv` is refused as a PNG image, and a
//! CSV named `.xlsx` is read as the CSV it is (with a note).

/// The kind of an upload, from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// Text: read as CSV.
    Csv,
    /// An Office Open XML workbook (ZIP with `xl/workbook.xml`).
    Xlsx,
}

/// A short description of a known non-spreadsheet (or unsupported
/// spreadsheet) file, with advice, when the bytes start like one.
fn known_other(bytes: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF87a", "a GIF image"),
        (b"GIF89a", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "an old-style Excel (.xls) or Word (.doc) file; in Excel use File > Save As > Excel Workbook (.xlsx) or CSV UTF-8"),
        (b"\x1F\x8B", "a gzip archive"),
        (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
        (b"Rar!\x1A\x07", "a RAR archive"),
        (b"SQLite format 3\0", "an SQLite database (a GeoPackage?)"),
        (b"\x7FELF", "a program"),
        (b"MZ", "a Windows program"),
        (b"BM", "a bitmap image"),
        (b"II*\0", "a TIFF image"),
        (b"MM\0*", "a TIFF image"),
        (b"RIFF", "a RIFF media file"),
        (b"{\\rtf", "a Rich Text document"),
    ];
    SIGNATURES.iter().find(|(magic, _)| bytes.starts_with(magic)).map(|(_, what)| *what)
}

/// What a ZIP archive holds, from the names of its parts (read from its
/// central directory; nothing is unpacked).
fn zip_kind(bytes: &[u8]) -> Result<FileType, String> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("a damaged ZIP archive ({e})"))?;
    let owned: Vec<String> = archive.file_names().filter_map(Result::ok).map(|n| n.into_owned()).collect();
    let names: Vec<&str> = owned.iter().map(String::as_str).collect();
    if names.contains(&"xl/workbook.xml") {
        return Ok(FileType::Xlsx);
    }
    if names.contains(&"xl/workbook.bin") {
        return Err("an Excel binary workbook (.xlsb); in Excel use File > Save As > Excel Workbook (.xlsx) or CSV UTF-8".into());
    }
    if names.contains(&"content.xml") && names.contains(&"mimetype") {
        return Err("an OpenDocument file (.ods/.odt); save it as Excel Workbook (.xlsx) or CSV".into());
    }
    if names.contains(&"word/document.xml") {
        return Err("a Word document".into());
    }
    if names.contains(&"ppt/presentation.xml") {
        return Err("a PowerPoint presentation".into());
    }
    Err("a ZIP archive".into())
}

/// The type of an upload from its content, or what it is instead (for the
/// message). Text with zero bytes or a UTF-16 mark is left to the CSV
/// reader, which refuses it with advice on the encoding.
pub fn detect(bytes: &[u8]) -> Result<FileType, String> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip_kind(bytes);
    }
    if let Some(what) = known_other(bytes) {
        return Err(what.to_string());
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xEF\xBB\xBF") {
        return Ok(FileType::Csv);
    }
    // Binary: control bytes other than tab, CR, LF, form feed and Ctrl-Z in the first 4 KiB.
    let head = &bytes[..bytes.len().min(4096)];
    let control = head.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A)).count();
    let zeros = head.iter().filter(|&&b| b == 0).count();
    if control > 0 && zeros * 4 < control * 3 {
        return Err("a binary file (it holds control bytes that text does not)".into());
    }
    Ok(FileType::Csv)
}

/// `" (named .csv)"` when the name's extension says otherwise than the content.
pub fn renamed_note(file_name: &str) -> String {
    match std::path::Path::new(file_name).extension().and_then(|e| e.to_str()) {
        Some(ext) => format!(" (although it is named .{ext})"),
        None => String::new(),
    }
}

/// The extension the content calls for, when the name has another one.
pub fn extension_mismatch(file_name: &str, found: FileType) -> Option<String> {
    let ext = std::path::Path::new(file_name).extension().and_then(|e| e.to_str())?.to_ascii_lowercase();
    let expected: &[&str] = match found {
        FileType::Csv => &["csv", "txt", "tsv", "tab"],
        FileType::Xlsx => &["xlsx", "xlsm"],
    };
    (!expected.contains(&ext.as_str())).then(|| {
        let what = match found {
            FileType::Csv => "CSV text",
            FileType::Xlsx => "an Excel workbook (XLSX)",
        };
        format!("the file is named .{ext} but holds {what}; it was read as {what}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_files_by_their_first_bytes() {
        assert_eq!(detect(b"name,category\nA,gp\n"), Ok(FileType::Csv));
        assert_eq!(detect(b"\xEF\xBB\xBFname\n"), Ok(FileType::Csv));
        assert_eq!(detect(b"caf\xE9,gp\n"), Ok(FileType::Csv), "Windows-1252 is text");
        assert!(detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err().contains("PNG"));
        assert!(detect(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest").unwrap_err().contains(".xls"));
        assert!(detect(b"PK\x03\x04garbage").unwrap_err().contains("ZIP"));
        assert!(detect(b"\x01\x02\x03\x04abc").unwrap_err().contains("binary"));
        assert_eq!(extension_mismatch("a.xlsx", FileType::Csv).as_deref(), Some("the file is named .xlsx but holds CSV text; it was read as CSV text"));
        assert_eq!(extension_mismatch("a.CSV", FileType::Csv), None);
        assert_eq!(renamed_note("x.csv"), " (although it is named .csv)");
    }
}
