//! The web app's files held in memory with their brotli and gzip encodings,
//! made once (at start-up, on a background thread), so that no request
//! compresses MapLibre's 1.1 MB module again: [`super::static_files`] answers
//! from here when the copy is ready, with the encoding the client accepts and
//! an ETag, and falls back to the folder (tower-http `ServeDir`) otherwise.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

use super::encoding::accepts_encoding;

/// Files larger than this are left to `ServeDir` (streamed from disk).
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Brotli quality: 9 is within a few per cent of 11 on the JavaScript here
/// at a fraction of the time (the copies are made at every start-up).
pub const BROTLI_QUALITY: u32 = 9;

/// One file and its encodings (each kept only when smaller than the file).
pub struct StaticFile {
    pub content_type: &'static str,
    pub raw: Bytes,
    pub gzip: Option<Bytes>,
    pub br: Option<Bytes>,
    /// Strong validator: a hash of the file's bytes.
    pub etag: HeaderValue,
}

/// Every public file of a web folder, by request path (`/js/main.js`; `/` for `index.html`).
#[derive(Default)]
pub struct PrecompressedFiles {
    files: HashMap<String, StaticFile>,
}

/// The content type of a file name, as browsers need it for the web app.
pub fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "geojson" => "application/geo+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        "pmtiles" => "application/vnd.pmtiles",
        _ => "application/octet-stream",
    }
}

/// Whether a file of this type is worth compressing (text, not images or archives).
fn compressible(content_type: &str) -> bool {
    content_type.starts_with("text/") || content_type.starts_with("application/json") || content_type.contains("geo+json") || content_type == "image/svg+xml"
}

fn gzip(raw: &[u8]) -> Option<Bytes> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(raw.len() / 3), flate2::Compression::best());
    enc.write_all(raw).ok()?;
    let out = enc.finish().ok()?;
    (out.len() < raw.len()).then(|| Bytes::from(out))
}

fn brotli(raw: &[u8]) -> Option<Bytes> {
    let mut out = Vec::with_capacity(raw.len() / 4);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, 22);
        w.write_all(raw).ok()?;
        w.flush().ok()?;
    }
    (out.len() < raw.len()).then(|| Bytes::from(out))
}

impl PrecompressedFiles {
    /// Read and compress every public file under `dir` (hidden files and
    /// Markdown are left out, as [`super::static_files::is_public`] says).
    /// A folder that cannot be read gives an empty set (the fallback serves).
    pub fn load(dir: &Path) -> PrecompressedFiles {
        let mut files = HashMap::new();
        walk(dir, "", &mut files);
        PrecompressedFiles { files }
    }

    /// The file of request path `path` (percent-decoded; `/` and folders ending in `/` mean their `index.html`).
    pub fn get(&self, path: &str) -> Option<&StaticFile> {
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8().ok()?;
        let key = if decoded.ends_with('/') { format!("{decoded}index.html") } else { decoded.into_owned() };
        self.files.get(&key)
    }

    /// Number of files and bytes held (raw, gzip, brotli).
    pub fn sizes(&self) -> (usize, u64, u64, u64) {
        let len = |b: &Option<Bytes>, raw: &Bytes| b.as_ref().unwrap_or(raw).len() as u64;
        self.files.values().fold((0, 0, 0, 0), |(n, r, g, b), f| (n + 1, r + f.raw.len() as u64, g + len(&f.gzip, &f.raw), b + len(&f.br, &f.raw)))
    }
}

fn walk(dir: &Path, prefix: &str, files: &mut HashMap<String, StaticFile>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}/{name}");
        if !super::static_files::is_public(&path) {
            continue;
        }
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            walk(&e.path(), &path, files);
            continue;
        }
        let Ok(meta) = e.metadata() else { continue };
        if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
            continue;
        }
        let Ok(raw) = std::fs::read(e.path()) else { continue };
        let content_type = content_type(&name);
        let (gz, br) = if compressible(content_type) { (gzip(&raw), brotli(&raw)) } else { (None, None) };
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&raw))).expect("hex is a header value");
        files.insert(path, StaticFile { content_type, raw: Bytes::from(raw), gzip: gz, br, etag });
    }
}

/// The response for `file`: 304 when `If-None-Match` names its ETag, else the
/// brotli, gzip or plain body by the request's `Accept-Encoding` (no body for HEAD).
pub fn respond(file: &StaticFile, method: &Method, headers: &HeaderMap) -> Response {
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == file.etag.to_str().unwrap_or("")));
    let (body, coding) = match (&file.br, &file.gzip) {
        (Some(b), _) if accepts_encoding(headers, "br") => (b, Some("br")),
        (_, Some(g)) if accepts_encoding(headers, "gzip") => (g, Some("gzip")),
        _ => (&file.raw, None),
    };
    let mut res = if matches {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else if method == Method::HEAD {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(body.clone()))
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    h.insert(header::ETAG, file.etag.clone());
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if !matches {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        if let Some(c) = coding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(c));
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn files_are_held_with_encodings_that_decode_to_them() {
        let dir = tempfile::tempdir().unwrap();
        let js = "export const x = 1;\n".repeat(500);
        std::fs::create_dir_all(dir.path().join("js")).unwrap();
        std::fs::write(dir.path().join("js/app.js"), &js).unwrap();
        std::fs::write(dir.path().join("index.html"), "<!doctype html><title>t</title>").unwrap();
        std::fs::write(dir.path().join("README.md"), "docs").unwrap();
        std::fs::write(dir.path().join(".env"), "secret").unwrap();
        let set = PrecompressedFiles::load(dir.path());
        assert!(set.get("/README.md").is_none() && set.get("/.env").is_none());
        assert_eq!(set.get("/").unwrap().content_type, "text/html; charset=utf-8");
        let f = set.get("/js/app.js").unwrap();
        assert_eq!(f.content_type, "text/javascript; charset=utf-8");
        let mut plain = String::new();
        brotli::Decompressor::new(&f.br.as_ref().unwrap()[..], 4096).read_to_string(&mut plain).unwrap();
        assert_eq!(plain, js);
        let mut plain = String::new();
        flate2::read::GzDecoder::new(&f.gzip.as_ref().unwrap()[..]).read_to_string(&mut plain).unwrap();
        assert_eq!(plain, js);
        assert!(f.br.as_ref().unwrap().len() < js.len() / 10);

        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, br"));
        let r = respond(f, &Method::GET, &h);
        assert_eq!(r.headers()[header::CONTENT_ENCODING], "br");
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        assert_eq!(respond(f, &Method::GET, &h).headers()[header::CONTENT_ENCODING], "gzip");
        h.insert(header::IF_NONE_MATCH, f.etag.clone());
        assert_eq!(respond(f, &Method::GET, &h).status(), StatusCode::NOT_MODIFIED);
        assert!(respond(f, &Method::GET, &HeaderMap::new()).headers().get(header::CONTENT_ENCODING).is_none());
    }
}
