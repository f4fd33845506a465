//! Who may write: editing must be switched on (`--allow-edits`, else 403),
//! a browser request must come from the server's own origin (`Origin`, when
//! present, else 403; a write by login cookie must show it), so another site
//! cannot make a visitor's browser edit, and the caller ([`super::caller`])
//! must be known (the editor token, an API token or a login session, else
//! 401) and of a role the write allows (else 403).
//!
//! The editor token (made at start or given) is an admin-equivalent bearer
//! token, compared in constant time.

use axum::http::{header, HeaderMap};

use super::app::AppState;
use super::caller::{bearer, session_cookie, Caller};
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

/// Refuse a cross-origin write: a request whose `Origin` (when the client
/// sends one) is not the server's own is 403; so is a write by session
/// cookie with neither `Origin` nor `Sec-Fetch-Site: same-origin` (a cookie
/// is sent by the browser on its own, so it must be shown to come from the
/// server's pages: CSRF; `SameSite=Strict` guards it too).
pub fn check_origin(state: &AppState, headers: &HeaderMap, what: &str, by_cookie: bool) -> Result<(), ServeError> {
    let own = origin_of(&state.base_url(headers));
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let given = origin.to_str().ok().and_then(origin_of);
            if given.is_none() || given != own {
                return Err(ServeError::Forbidden {
                    message: format!(
                        "{what} only from the server's own pages ({}); this request came from `{}`",
                        own.unwrap_or_default(),
                        String::from_utf8_lossy(origin.as_bytes())
                    ),
                });
            }
        }
        None if by_cookie => {
            let same = headers.get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"same-origin");
            if !same {
                return Err(ServeError::Forbidden {
                    message: format!(
                        "{what} with a login cookie only from the server's own pages (the request has no Origin); scripts use `Authorization: Bearer <token>`"
                    ),
                });
            }
        }
        None => {}
    }
    Ok(())
}

/// The caller of a write, when editing is on (else 403), the request comes
/// from the server's own origin ([`check_origin`], else 403), the caller
/// proved who it is (else 401) and `allowed` accepts it (else 403 naming
/// the role). `what` names the write in the messages (`scenarios can be changed`).
pub fn authorize_write(
    state: &AppState,
    headers: &HeaderMap,
    what: &str,
    allowed: impl Fn(&Caller) -> bool,
) -> Result<Caller, ServeError> {
    if state.edit_token().is_none() {
        return Err(ServeError::Forbidden { message: EDITING_OFF.into() });
    }
    let by_cookie = bearer(headers).is_none() && session_cookie(headers).is_some();
    check_origin(state, headers, what, by_cookie)?;
    let caller = Caller::resolve(state, headers);
    if let Some(why) = &caller.refused {
        return Err(ServeError::Unauthorized { message: format!("{what} only by a known caller: {why}") });
    }
    if !caller.is_known() {
        return Err(ServeError::Unauthorized {
            message: format!(
                "{what} only with a login (POST /api/login) or a token: send `Authorization: Bearer <token>` (the editor link the server printed at start, or `needmap users token NAME`)"
            ),
        });
    }
    if !allowed(&caller) {
        return Err(ServeError::Forbidden { message: format!("{what} not by {}: the {} role may not", caller.who(), caller.role) });
    }
    Ok(caller)
}

/// Refuse a scenario write unless editing is on, the request is
/// same-origin and the caller may edit scenarios (partner, reviewer, admin
/// or the editor token); see [`authorize_write`].
pub fn check_write(state: &AppState, headers: &HeaderMap) -> Result<(), ServeError> {
    authorize_write(state, headers, "scenarios can be changed", |c| c.role.edits_scenarios()).map(|_| ())
}

/// Whether the caller may edit scenarios (editing on): editors see
/// scenarios whole, others without the edits of sensitive sites.
pub fn is_editor(state: &AppState, headers: &HeaderMap) -> bool {
    state.edit_token().is_some() && {
        let c = Caller::resolve(state, headers);
        c.is_known() && c.role.edits_scenarios()
    }
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
