//! Who a request comes from: a [`Caller`] with a [`Role`] (and a partner's
//! organisation), resolved from, in this order,
//!
//! 1. `Authorization: Bearer <token>`: the server's editor token (an
//!    admin-equivalent credential, so the editor link and existing scripts
//!    keep working), else an API token of an account (`needmap users token`);
//! 2. the `needmap_session` cookie of a login (`POST /api/login`);
//! 3. nothing: a viewer (the public map).
//!
//! Credentials that are given but not valid (a wrong token, an ended
//! session) leave the caller a viewer with [`Caller::refused`] saying why,
//! so reads still work and writes answer 401 with that reason.
//!
//! [`Auth`] is the server's side of it: the accounts file (when there is
//! one), the session policy, the login limiter and the register file.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};

use super::app::AppState;
use super::config::ServeConfig;
use super::errors::ServeError;
use crate::auth::{accounts_file, Account, AccountStore, AccountsOrigin, LoginLimiter, Role, SessionPolicy};
use crate::Engine;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "needmap_session";

/// How a caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// Nothing (or nothing valid).
    None,
    /// A login session cookie.
    Session,
    /// An account's API token.
    ApiToken,
    /// The server's editor token (`--allow-edits`).
    EditorToken,
}

/// The caller of one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// The account, when one was proved (None for the editor token and strangers).
    pub account: Option<Account>,
    pub role: Role,
    /// A partner's organisation.
    pub org: Option<String>,
    pub via: Credential,
    /// Why the credentials given were not accepted (they were wrong or the session ended).
    pub refused: Option<String>,
}

impl Caller {
    /// A caller without credentials: a viewer.
    pub fn stranger() -> Caller {
        Caller { account: None, role: Role::Viewer, org: None, via: Credential::None, refused: None }
    }

    fn of(account: Account, via: Credential) -> Caller {
        Caller { role: account.role, org: account.org.clone(), account: Some(account), via, refused: None }
    }

    fn refused(why: &str) -> Caller {
        Caller { refused: Some(why.to_string()), ..Caller::stranger() }
    }

    /// Resolve the caller of a request with `headers` (no secret is logged).
    pub fn resolve(state: &AppState, headers: &HeaderMap) -> Caller {
        if let Some(given) = bearer(headers) {
            if state.edit_token().is_some_and(|t| constant_time_eq::constant_time_eq(given.as_bytes(), t.as_bytes())) {
                return Caller { role: Role::Admin, via: Credential::EditorToken, ..Caller::stranger() };
            }
            return match state.auth.store.as_ref().map(|s| s.token(given, crate::auth::store::unix_now())) {
                Some(Ok(Some(a))) => Caller::of(a, Credential::ApiToken),
                Some(Err(e)) => {
                    tracing::error!("accounts: {e}");
                    Caller::refused("the accounts file cannot be read; the server log has the details")
                }
                _ => Caller::refused("the bearer token is wrong or revoked; use the editor link the server printed at start, or an API token from `needmap users token NAME`"),
            };
        }
        if let Some(id) = session_cookie(headers) {
            return match state.auth.session(id) {
                Ok(Some(a)) => Caller::of(a, Credential::Session),
                Ok(None) => Caller::refused("your session has ended (logged out, or idle or open too long); log in again"),
                Err(e) => {
                    tracing::error!("accounts: {e}");
                    Caller::refused("the accounts file cannot be read; the server log has the details")
                }
            };
        }
        Caller::stranger()
    }

    /// Whether the caller proved any identity.
    pub fn is_known(&self) -> bool {
        self.via != Credential::None
    }

    /// The caller as the audit log names it: `ann (partner, org-1)`, `editor token`.
    pub fn who(&self) -> String {
        match (&self.account, self.via) {
            (Some(a), via) => {
                let how = if via == Credential::ApiToken { ", API token" } else { "" };
                match &a.org {
                    Some(o) => format!("{} ({}, {o}{how})", a.name, a.role),
                    None => format!("{} ({}{how})", a.name, a.role),
                }
            }
            (None, Credential::EditorToken) => "editor token".into(),
            (None, _) => "anonymous".into(),
        }
    }

    /// 401 when the caller proved nothing (with the reason when its
    /// credentials were refused), else the caller.
    pub fn known(&self, needs: &str) -> Result<&Caller, ServeError> {
        if let Some(why) = &self.refused {
            return Err(ServeError::Unauthorized { message: why.clone() });
        }
        if !self.is_known() {
            return Err(ServeError::Unauthorized {
                message: format!("{needs} needs a login (POST /api/login) or a token (`Authorization: Bearer <token>`)"),
            });
        }
        Ok(self)
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Caller, Infallible> {
        Ok(Caller::resolve(state, &parts.headers))
    }
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).map(str::trim)
}

/// The value of the session cookie, when the request carries one.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim())
}

/// `Set-Cookie` for a new session: `HttpOnly; SameSite=Strict; Path=/`,
/// `Max-Age` the absolute session time, `Secure` when the public URL is https.
pub fn session_set_cookie(id: &str, policy: SessionPolicy, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}", policy.absolute.as_secs());
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("needmap_session=; Max-Age=0; Path=/"))
}

/// `Set-Cookie` that removes the session cookie.
pub fn session_clear_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("needmap_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("needmap_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
    }
}

/// The client address a login is counted against: the peer, or behind a
/// trusted proxy the last address of its `X-Forwarded-For` (the proxy's
/// own view; [`super::edge::guard`] drops the header from anyone else).
pub fn client_address(parts_extensions: &axum::http::Extensions, headers: &HeaderMap) -> Option<IpAddr> {
    let forwarded = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    forwarded.or_else(|| parts_extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()))
}

/// The server's accounts, session policy, login limiter and register file.
pub struct Auth {
    /// The accounts file, when there is one.
    pub store: Option<AccountStore>,
    pub policy: SessionPolicy,
    pub limiter: LoginLimiter,
    /// The register that `/api/register` reads and writes.
    pub register: Option<PathBuf>,
}

impl Auth {
    /// Open the accounts file of `config` (see [`crate::auth::location`])
    /// when it exists; one named by `--accounts` must exist.
    pub fn open(engine: &Engine, config: &ServeConfig) -> Result<Auth, ServeError> {
        let settings = &config.accounts;
        let location = accounts_file(settings.file.as_deref(), &engine.data_dir, &engine.manifest);
        let store = if location.path.is_file() {
            Some(AccountStore::open(&location.path).map_err(|e| ServeError::bad("accounts", e.to_string()))?)
        } else {
            match location.origin {
                AccountsOrigin::Flag => return Err(ServeError::bad("accounts", crate::auth::AuthError::Missing { path: location.path }.to_string())),
                AccountsOrigin::Manifest => {
                    tracing::warn!("{}: no accounts file yet; logins are off until `needmap users add` makes one", location.path.display());
                    None
                }
                AccountsOrigin::Default => None,
            }
        };
        let register = settings.register.clone().or_else(|| engine.manifest.register.as_ref().map(|r| engine.data_dir.join(&r.file)));
        Ok(Auth {
            store,
            policy: settings.sessions,
            limiter: LoginLimiter::new(settings.login_failures, settings.login_window),
            register,
        })
    }

    /// No accounts, no register (a state for tests and tools).
    pub fn none() -> Auth {
        Auth { store: None, policy: SessionPolicy::default(), limiter: LoginLimiter::new(5, std::time::Duration::from_secs(60)), register: None }
    }

    /// The account of session `id` now.
    pub fn session(&self, id: &str) -> Result<Option<Account>, crate::auth::AuthError> {
        match &self.store {
            Some(s) => s.session(id, crate::auth::store::unix_now(), self.policy),
            None => Ok(None),
        }
    }

    /// How long logins for these keys must wait, if they must.
    pub fn blocked(&self, keys: &[&str]) -> Option<std::time::Duration> {
        self.limiter.blocked(keys, Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_and_bearers() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; needmap_session=abc ; b=2"));
        assert_eq!(session_cookie(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer  t0k "));
        assert_eq!(bearer(&h), Some("t0k"));
        let c = session_set_cookie("x", SessionPolicy::default(), true);
        assert_eq!(c.to_str().unwrap(), "needmap_session=x; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200; Secure");
        assert!(!session_set_cookie("x", SessionPolicy::default(), false).to_str().unwrap().contains("Secure"));
        assert_eq!(Caller::stranger().who(), "anonymous");
    }
}
