//! Text encodings of input files: a UTF-8 byte-order mark is dropped,
//! UTF-16 is refused with advice, and Windows-1252 (what Excel writes for
//! "CSV" on Windows) is read with a note.

use std::borrow::Cow;
use std::path::Path;

use super::{display_name, Diagnostics, LoadError};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The bytes without a leading UTF-8 byte-order mark.
///
/// ```
/// assert_eq!(needmap::load::strip_bom(b"\xEF\xBB\xBFid,name"), b"id,name");
/// ```
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// Text of a file as UTF-8: BOM dropped, UTF-16 refused, Windows-1252 converted (with a note).
pub fn utf8_text<'a>(path: &Path, bytes: &'a [u8], diags: &mut Diagnostics) -> Result<Cow<'a, [u8]>, LoadError> {
    let encoding = if bytes.starts_with(b"\xFF\xFE") {
        Some("UTF-16 (little-endian)")
    } else if bytes.starts_with(b"\xFE\xFF") {
        Some("UTF-16 (big-endian)")
    } else if bytes.iter().take(4096).filter(|&&b| b == 0).count() > 0 {
        Some("UTF-16 or binary (it contains zero bytes)")
    } else {
        None
    };
    if let Some(encoding) = encoding {
        return Err(LoadError::NotUtf8 {
            path: path.to_path_buf(),
            encoding,
        });
    }
    let bytes = strip_bom(bytes);
    if std::str::from_utf8(bytes).is_ok() {
        return Ok(Cow::Borrowed(bytes));
    }
    diags.note(
        &display_name(path),
        "",
        "text is not UTF-8; read as Windows-1252 (Western European). Save it as UTF-8 to be sure names are right",
    );
    Ok(Cow::Owned(windows_1252_to_utf8(bytes).into_bytes()))
}

/// Windows-1252 to UTF-8: bytes 0x80-0x9F have their own table, the rest are Latin-1.
fn windows_1252_to_utf8(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[(b - 0x80) as usize],
            _ => b as char,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_pound_and_quotes() {
        assert_eq!(windows_1252_to_utf8(b"\xA35 \x93x\x94 caf\xE9"), "£5 “x” café");
    }
}
