//! Response bodies kept with a gzip copy made once, so cached tiles and
//! documents are not compressed again on every request.

use std::io::Write;
use std::sync::OnceLock;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use flate2::write::GzEncoder;
use flate2::Compression;

/// A response body and its gzip encoding (made on first use).
pub struct CachedBody {
    raw: Bytes,
    gzip: OnceLock<Option<Bytes>>,
}

impl CachedBody {
    pub fn new(raw: impl Into<Bytes>) -> CachedBody {
        CachedBody { raw: raw.into(), gzip: OnceLock::new() }
    }

    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The gzip encoding, when it is smaller than the body.
    pub fn gzip(&self) -> Option<&Bytes> {
        self.gzip
            .get_or_init(|| {
                let mut enc = GzEncoder::new(Vec::with_capacity(self.raw.len() / 4), Compression::default());
                enc.write_all(&self.raw).ok()?;
                let out = enc.finish().ok()?;
                (out.len() < self.raw.len()).then(|| Bytes::from(out))
            })
            .as_ref()
    }
}

/// Whether `Accept-Encoding` allows gzip (a `q=0` refuses it).
///
/// ```
/// use axum::http::{HeaderMap, header, HeaderValue};
/// use needmap::serve::encoding::accepts_gzip;
/// let mut h = HeaderMap::new();
/// assert!(!accepts_gzip(&h));
/// h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br, gzip;q=0.8"));
/// assert!(accepts_gzip(&h));
/// h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip;q=0"));
/// assert!(!accepts_gzip(&h));
/// ```
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    accepts_encoding(headers, "gzip")
}

/// Whether `Accept-Encoding` allows `coding` (`gzip`, `br`; a `q=0` refuses it).
///
/// ```
/// use axum::http::{HeaderMap, header, HeaderValue};
/// use needmap::serve::encoding::accepts_encoding;
/// let mut h = HeaderMap::new();
/// h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br"));
/// assert!(accepts_encoding(&h, "br") && accepts_encoding(&h, "gzip"));
/// h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br;q=0, gzip"));
/// assert!(!accepts_encoding(&h, "br"));
/// ```
pub fn accepts_encoding(headers: &HeaderMap, coding: &str) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|part| {
            let mut it = part.split(';').map(str::trim);
            let name = it.next().unwrap_or("");
            let refused = it.any(|p| p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()) == Some(0.0));
            (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
        })
    })
}

/// Answer with `body`, gzip-encoded when the client accepts it.
pub fn respond(content_type: &'static str, body: &CachedBody, request: &HeaderMap) -> Response {
    let gz = if accepts_gzip(request) { body.gzip() } else { None };
    let mut res = Response::new(Body::from(gz.unwrap_or(body.raw()).clone()));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if gz.is_some() {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    res
}
