//! Who may write scenarios: editing must be switched on (`--allow-edits`,
//! else 403), the request must carry the editor token as
//! `Authorization: Bearer <token>` (compared in constant time, else 401), and
//! a browser request must come from the server's own origin (`Origin`, when
//! present, else 403), so another site cannot make a visitor's browser edit.

use axum::http::{header, HeaderMap};

use super::app::AppState;
use super::errors::ServeError;

/// Bytes of randomness in a generated editor token (printed as hex).
pub const TOKEN_BYTES: usize = 32;

/// The message of the 403 when editing is off.
pub const EDITING_OFF: &str = "editing is off: start the server with --allow-edits";

/// The editor token in force: `settings.token`, else a new random one.
pub fn token_or_random(token: Option<&str>) -> Result<String, ServeError> {
    match token {
        Some(t) => checked_token(t),
        None => random_token(),
    }
}

/// A given token, trimmed; refused when empty or not printable ASCII (it is
/// sent in a header and in the editor link).
pub fn checked_token(text: &str) -> Result<String, ServeError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ServeError::bad("edit-token", "the editor token is empty; put a long random text in the token file (or NEEDMAP_EDIT_TOKEN)"));
    }
    if !t.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServeError::bad(
            "edit-token",
            "the editor token must be printable ASCII without spaces (it is sent in a header and in the editor link)",
        ));
    }
    Ok(t.to_string())
}

/// A random token of [`TOKEN_BYTES`] bytes from the operating system, as hex.
pub fn random_token() -> Result<String, ServeError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| ServeError::Internal(format!("cannot make a random editor token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// The link that hands the token to the web app (which keeps it in
/// sessionStorage and removes it from the address bar).
pub fn editor_link(public_url: &str, token: &str) -> String {
    format!("{public_url}/#edit={token}")
}

/// `scheme://host[:port]` of a URL (its origin, as browsers send it in `Origin`).
pub fn origin_of(url: &str) -> Option<String> {
    let uri: axum::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?;
    let authority = uri.authority()?.as_str();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => "",
    };
    let authority = authority.strip_suffix(default_port).unwrap_or(authority);
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
}

/// Refuse a write unless editing is on, the bearer token matches and the
/// origin (when the client sends one) is the server's own.
pub fn check_write(state: &AppState, headers: &HeaderMap) -> Result<(), ServeError> {
    let Some(expected) = state.edit_token() else {
        return Err(ServeError::Forbidden { message: EDITING_OFF.into() });
    };
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = origin_of(&state.base_url(headers));
        let given = origin.to_str().ok().and_then(origin_of);
        if given.is_none() || given != own {
            return Err(ServeError::Forbidden {
                message: format!(
                    "scenarios can be changed only from the server's own pages ({}); this request came from `{}`",
                    own.unwrap_or_default(),
                    String::from_utf8_lossy(origin.as_bytes())
                ),
            });
        }
    }
    let Some(given) = bearer(headers) else {
        return Err(ServeError::Unauthorized {
            message: "changing scenarios needs the editor token: send `Authorization: Bearer <token>` (open the editor link the server printed at start)".into(),
        });
    };
    if !same_token(given, expected) {
        return Err(ServeError::Unauthorized { message: "the editor token is wrong; use the editor link the server printed at start".into() });
    }
    Ok(())
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).map(str::trim)
}

/// Constant-time comparison (the time does not tell how much of a guess was right).
fn same_token(given: &str, expected: &str) -> bool {
    constant_time_eq::constant_time_eq(given.as_bytes(), expected.as_bytes())
}

/// Whether the request carries the editor token (editing on): editors see
/// scenarios whole, others without the edits of sensitive sites.
pub fn is_editor(state: &AppState, headers: &HeaderMap) -> bool {
    matches!((state.edit_token(), bearer(headers)), (Some(expected), Some(given)) if same_token(given, expected))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_tokens() {
        assert_eq!(origin_of("http://127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080"));
        assert_eq!(origin_of("https://Maps.example.org:443/needmap").as_deref(), Some("https://maps.example.org"));
        assert_eq!(origin_of("http://x:80/").as_deref(), Some("http://x"));
        assert_eq!(origin_of("null"), None);
        let a = random_token().unwrap();
        assert_eq!(a.len(), 2 * TOKEN_BYTES);
        assert_ne!(a, random_token().unwrap());
        assert!(checked_token("  \n").is_err());
        assert!(checked_token("has space").is_err());
        assert_eq!(checked_token(" s3cret\n").unwrap(), "s3cret");
        assert_eq!(editor_link("http://127.0.0.1:8080", "t"), "http://127.0.0.1:8080/#edit=t");
    }
}
