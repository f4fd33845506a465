//! How the server is run: its public URL, the proxies it trusts, and the
//! limits that keep slow or hostile clients from exhausting it.

use std::net::IpAddr;
use std::time::Duration;

use super::errors::ServeError;

/// Everything `needmap serve` can be told besides the data and the address.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Root of every absolute URL the server writes (TileJSON, OGC links),
    /// e.g. `https://maps.example.org/needmap`, without a trailing slash.
    pub public_url: String,
    /// Peers whose `X-Forwarded-Proto` / `X-Forwarded-Host` are believed.
    pub trusted_proxies: Vec<IpAddr>,
    pub limits: Limits,
    /// Log one request in this many at info level (0: none; errors are always logged).
    pub access_log_sample: u64,
    /// Scenario editing and the scenario folder ([`super::edit_guard`]).
    pub edits: EditSettings,
    /// Accounts, sessions, login limits and the register written over HTTP ([`super::caller`]).
    pub accounts: AccountSettings,
}

/// Where the accounts and the register are, and how logins are limited.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// The accounts file (`--accounts`); None: the manifest's `[accounts]
    /// file`, else `<data dir>/accounts.sqlite`. The server never creates
    /// it: without one, only the editor token can write.
    pub file: Option<std::path::PathBuf>,
    /// The register file for `/api/register` (`--register`); None: the
    /// manifest's `[register] file`, when it names one.
    pub register: Option<std::path::PathBuf>,
    /// How long a login session lasts.
    pub sessions: crate::auth::SessionPolicy,
    /// Failed logins allowed per client address and per account name in [`AccountSettings::login_window`].
    pub login_failures: usize,
    pub login_window: Duration,
}

impl Default for AccountSettings {
    /// The default file places, 30 min idle / 12 h sessions, 5 failed logins a minute.
    fn default() -> AccountSettings {
        AccountSettings {
            file: None,
            register: None,
            sessions: crate::auth::SessionPolicy::default(),
            login_failures: 5,
            login_window: Duration::from_secs(60),
        }
    }
}

/// Who may write scenarios, and where they are kept.
#[derive(Debug, Clone, Default)]
pub struct EditSettings {
    /// Writes are refused (403) unless this is set (`--allow-edits`).
    pub allowed: bool,
    /// The editor token (`--edit-token-file`, `NEEDMAP_EDIT_TOKEN`); a random
    /// one is made at start when editing is allowed and none is given.
    pub token: Option<String>,
    /// The scenario folder (`--scenarios`; default `<data dir>/scenarios`).
    pub scenarios_dir: Option<std::path::PathBuf>,
}

impl ServeConfig {
    /// Defaults for a server whose public URL is `public_url` (a URL, or a
    /// `host:port` taken as `http://host:port`).
    pub fn new(public_url: &str) -> Result<ServeConfig, ServeError> {
        Ok(ServeConfig {
            public_url: parse_public_url(public_url)?,
            trusted_proxies: Vec::new(),
            limits: Limits::default(),
            access_log_sample: 0,
            edits: EditSettings::default(),
            accounts: AccountSettings::default(),
        })
    }
}

/// Bounds on connections, time, request size, concurrent work and memory.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Time a client has to send a request's headers once the server waits for them.
    pub header_read_timeout: Duration,
    /// A connection that moves no byte for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections at most; beyond it the longest-idle connection is closed.
    pub max_connections: usize,
    /// How long shutdown waits for requests in flight before closing them.
    pub shutdown_grace: Duration,
    /// Exports and printed maps rendered at once; beyond it 503 with Retry-After.
    pub max_downloads: usize,
    /// Longest request target (path and query), in bytes (414 beyond it).
    pub max_uri_bytes: usize,
    /// Largest request head (all header names and values), in bytes (431 beyond it).
    pub max_header_bytes: usize,
    /// Largest request body outside the scenario API (which takes none; 413 beyond it).
    pub max_body_bytes: usize,
    /// Largest scenario body (`POST`/`PUT /api/scenarios`; 413 beyond it).
    pub max_scenario_bytes: usize,
    /// Scenario views (engine, reports, caches of one scenario version) kept at once.
    pub scenario_views: usize,
    /// Memory for cached area tables (per query), in bytes.
    pub table_cache_bytes: usize,
    /// Memory for cached whole documents (GeoJSON, metadata), in bytes.
    pub document_cache_bytes: usize,
    /// Memory for cached vector tiles, in bytes.
    pub tile_cache_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            shutdown_grace: Duration::from_secs(10),
            max_downloads: cores.max(1),
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 32 * 1024,
            max_body_bytes: 16 * 1024,
            max_scenario_bytes: 2 << 20,
            scenario_views: 8,
            table_cache_bytes: 256 << 20,
            document_cache_bytes: 256 << 20,
            tile_cache_bytes: 512 << 20,
        }
    }
}

/// Normalise a public URL: `host:port` becomes `http://host:port`; the
/// scheme must be http or https; no query, fragment or trailing slash.
///
/// ```
/// use needmap::serve::config::parse_public_url;
/// assert_eq!(parse_public_url("127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
/// assert_eq!(parse_public_url("https://maps.example.org/needmap/").unwrap(), "https://maps.example.org/needmap");
/// assert!(parse_public_url("ftp://x").is_err());
/// assert!(parse_public_url("http://x/?a=1").is_err());
/// ```
pub fn parse_public_url(text: &str) -> Result<String, ServeError> {
    let bad = |m: &str| ServeError::bad("public-url", format!("`{text}`: {m}; give e.g. https://maps.example.org/needmap"));
    let text = text.trim();
    let url = if text.contains("://") { text.to_string() } else { format!("http://{text}") };
    let uri: axum::http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => return Err(bad("the scheme must be http or https")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(bad("no query or fragment allowed"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The public URL for a server bound to `addr`: the address itself, with
/// an unspecified address (0.0.0.0, ::) replaced by the loopback one.
pub fn public_url_for(addr: std::net::SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v) if v.is_unspecified() => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        IpAddr::V6(v) if v.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}", std::net::SocketAddr::new(ip, addr.port()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_from_the_bind_address() {
        assert_eq!(public_url_for("0.0.0.0:8080".parse().unwrap()), "http://127.0.0.1:8080");
        assert_eq!(public_url_for("[::]:80".parse().unwrap()), "http://[::1]:80");
        assert_eq!(public_url_for("10.1.2.3:9000".parse().unwrap()), "http://10.1.2.3:9000");
    }
}
