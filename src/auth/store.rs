//! The accounts file: an SQLite database (the existing rusqlite, bundled
//! SQLite) with three tables:
//!
//! - `accounts` (name, role, org, password as an Argon2id PHC string, created);
//! - `sessions` (SHA-256 of the session id, account, created, last seen):
//!   server-side login sessions, ended by logout, by `idle` time without a
//!   request, or `absolute` time after login ([`SessionPolicy`]);
//! - `tokens` (SHA-256 of the API token, account, label, created, last used).
//!
//! No secret is stored as it is. The file is made with mode 0600 on Unix,
//! in WAL mode (readers do not wait for the writer).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::account::{check_name, check_org};
use super::password::{check_new_password, hash_password, verify_nothing, verify_password};
use super::secret::{digest, looks_like_secret, new_api_token, new_session_id};
use super::{Account, AuthError, Role};

/// `PRAGMA application_id` of an accounts file ("NMAC").
pub const APPLICATION_ID: i32 = 0x4E4D_4143;

const SCHEMA: &str = "
CREATE TABLE accounts (
    name TEXT PRIMARY KEY NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'partner', 'reviewer', 'admin')),
    org TEXT,
    password TEXT NOT NULL,
    created INTEGER NOT NULL
);
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY NOT NULL,
    account TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    created INTEGER NOT NULL,
    last_seen INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions (account);
CREATE TABLE tokens (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    account TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE,
    label TEXT,
    created INTEGER NOT NULL,
    last_used INTEGER
);
CREATE INDEX tokens_account ON tokens (account);
";

/// How long a login session lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ended after this long without a request.
    pub idle: Duration,
    /// Ended this long after login, however busy.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    /// 30 minutes idle, 12 hours in all.
    fn default() -> SessionPolicy {
        SessionPolicy { idle: Duration::from_secs(30 * 60), absolute: Duration::from_secs(12 * 3600) }
    }
}

/// A new account's fields (the password in clear, hashed on the way in).
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub name: &'a str,
    pub role: Role,
    pub org: Option<&'a str>,
    pub password: &'a str,
}

/// The accounts file, open. Safe to share between threads (one connection behind a lock).
pub struct AccountStore {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// Seconds since 1970 now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn iso(secs: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(secs).ok().and_then(|t| t.format(&format).ok()).unwrap_or_default()
}

impl AccountStore {
    /// Open the accounts file at `path`, which must exist.
    pub fn open(path: &Path) -> Result<AccountStore, AuthError> {
        if !path.is_file() {
            return Err(AuthError::Missing { path: path.to_path_buf() });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| AuthError::sqlite(path, e))?;
        let store = AccountStore { conn: Mutex::new(conn), path: path.to_path_buf() };
        store.set_up()?;
        let id: i32 = store.with(|c| c.query_row("PRAGMA application_id", [], |r| r.get(0)))?;
        if id != APPLICATION_ID {
            return Err(AuthError::NotAnAccountsFile { path: path.to_path_buf(), message: "its application_id is not needmap's".into() });
        }
        Ok(store)
    }

    /// Open the accounts file at `path`, making an empty one when there is
    /// none (refused in a folder without write permission, naming the flag
    /// to use instead).
    pub fn open_or_create(path: &Path) -> Result<AccountStore, AuthError> {
        if path.is_file() {
            return AccountStore::open(path);
        }
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let read_only = std::fs::metadata(dir).map(|m| m.permissions().readonly()).unwrap_or(false);
        if read_only {
            return Err(AuthError::ReadOnlyFolder { dir: dir.to_path_buf() });
        }
        let conn = Connection::open(path).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::CannotOpen) | Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::PermissionDenied) => {
                AuthError::ReadOnlyFolder { dir: dir.to_path_buf() }
            }
            _ => AuthError::sqlite(path, e),
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| AuthError::Sqlite { path: path.to_path_buf(), message: format!("cannot make it private (mode 0600): {e}") })?;
        }
        let store = AccountStore { conn: Mutex::new(conn), path: path.to_path_buf() };
        store.set_up()?;
        store.with(|c| {
            let tx = c.unchecked_transaction()?;
            tx.execute_batch(SCHEMA)?;
            tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            tx.pragma_update(None, "user_version", 1)?;
            tx.commit()
        })?;
        Ok(store)
    }

    fn set_up(&self) -> Result<(), AuthError> {
        self.with(|c| {
            c.busy_timeout(Duration::from_secs(10))?;
            c.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))?;
            c.pragma_update(None, "synchronous", "NORMAL")?;
            c.pragma_update(None, "foreign_keys", "ON")
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, AuthError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&conn).map_err(|e| AuthError::sqlite(&self.path, e))
    }

    /// Add an account (name, role and organisation checked, password hashed).
    pub fn add(&self, new: &NewAccount) -> Result<Account, AuthError> {
        check_name(new.name)?;
        check_org(new.role, new.org)?;
        check_new_password(new.password)?;
        if self.account(new.name)?.is_some() {
            return Err(AuthError::DuplicateAccount { name: new.name.to_string() });
        }
        let hash = hash_password(new.password)?;
        let now = unix_now();
        self.with(|c| {
            c.execute(
                "INSERT INTO accounts (name, role, org, password, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![new.name, new.role.as_str(), new.org.map(str::trim), hash, now],
            )
        })
        .map_err(|e| match e {
            AuthError::Sqlite { ref message, .. } if message.contains("UNIQUE") => AuthError::DuplicateAccount { name: new.name.to_string() },
            e => e,
        })?;
        Ok(Account { name: new.name.to_string(), role: new.role, org: new.org.map(|o| o.trim().to_string()), created: iso(now) })
    }

    /// Remove an account with its sessions and tokens; false when there was none.
    pub fn remove(&self, name: &str) -> Result<bool, AuthError> {
        self.with(|c| c.execute("DELETE FROM accounts WHERE name = ?1", [name])).map(|n| n > 0)
    }

    /// Every account, by name.
    pub fn list(&self) -> Result<Vec<Account>, AuthError> {
        let rows = self.with(|c| {
            let mut stmt = c.prepare("SELECT name, role, org, created FROM accounts ORDER BY name")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, i64>(3)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })?;
        rows.into_iter().map(|(name, role, org, created)| Ok(Account { name, role: Role::parse(&role)?, org, created: iso(created) })).collect()
    }

    /// The account `name`, if any.
    pub fn account(&self, name: &str) -> Result<Option<Account>, AuthError> {
        Ok(self.account_with_hash(name)?.map(|(a, _)| a))
    }

    fn account_with_hash(&self, name: &str) -> Result<Option<(Account, String)>, AuthError> {
        let row = self.with(|c| {
            c.query_row("SELECT name, role, org, created, password FROM accounts WHERE name = ?1", [name], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, i64>(3)?, r.get::<_, String>(4)?))
            })
            .optional()
        })?;
        row.map(|(name, role, org, created, hash)| Ok((Account { name, role: Role::parse(&role)?, org, created: iso(created) }, hash))).transpose()
    }

    /// The account when `password` is its password. An unknown name costs
    /// the same hashing time as a known one. Slow by design (Argon2id): call
    /// it off the async threads.
    pub fn check_password(&self, name: &str, password: &str) -> Result<Option<Account>, AuthError> {
        match self.account_with_hash(name)? {
            Some((account, hash)) => Ok(verify_password(password, &hash).then_some(account)),
            None => {
                verify_nothing(password);
                Ok(None)
            }
        }
    }

    /// Start a session for `name` at `now` (unix seconds): the new session
    /// id (only its digest is kept). Sessions past `policy` are swept.
    pub fn start_session(&self, name: &str, now: i64, policy: SessionPolicy) -> Result<String, AuthError> {
        let id = new_session_id()?;
        self.with(|c| {
            sweep(c, now, policy)?;
            c.execute("INSERT INTO sessions (id_sha256, account, created, last_seen) VALUES (?1, ?2, ?3, ?3)", params![digest(&id), name, now])
        })?;
        Ok(id)
    }

    /// The account of session `id` at `now`, when it has not ended; an
    /// ended session is deleted. A session seen is kept alive (its last-seen
    /// time is written at most once a minute, or a tenth of the idle time).
    pub fn session(&self, id: &str, now: i64, policy: SessionPolicy) -> Result<Option<Account>, AuthError> {
        if !looks_like_secret(id) {
            return Ok(None);
        }
        let key = digest(id);
        let found = self.with(|c| {
            c.query_row(
                "SELECT s.created, s.last_seen, a.name FROM sessions s JOIN accounts a ON a.name = s.account WHERE s.id_sha256 = ?1",
                [&key],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)),
            )
            .optional()
        })?;
        let Some((created, last_seen, name)) = found else { return Ok(None) };
        let idle = policy.idle.as_secs() as i64;
        if now - last_seen >= idle || now - created >= policy.absolute.as_secs() as i64 {
            self.with(|c| c.execute("DELETE FROM sessions WHERE id_sha256 = ?1", [&key]))?;
            return Ok(None);
        }
        if now - last_seen >= (idle / 10).clamp(1, 60) {
            self.with(|c| c.execute("UPDATE sessions SET last_seen = ?1 WHERE id_sha256 = ?2", params![now, key]))?;
        }
        self.account(&name)
    }

    /// End session `id` (logout); false when there was none.
    pub fn end_session(&self, id: &str) -> Result<bool, AuthError> {
        if !looks_like_secret(id) {
            return Ok(false);
        }
        self.with(|c| c.execute("DELETE FROM sessions WHERE id_sha256 = ?1", [digest(id)])).map(|n| n > 0)
    }

    /// Sessions held now (ended ones included until swept).
    pub fn session_count(&self) -> Result<usize, AuthError> {
        self.with(|c| c.query_row("SELECT count(*) FROM sessions", [], |r| r.get::<_, i64>(0))).map(|n| n as usize)
    }

    /// A new API token for `name`, shown once (only its digest is kept).
    pub fn new_token(&self, name: &str, label: Option<&str>) -> Result<String, AuthError> {
        if self.account(name)?.is_none() {
            return Err(AuthError::UnknownAccount { name: name.to_string() });
        }
        let token = new_api_token()?;
        self.with(|c| {
            c.execute(
                "INSERT INTO tokens (token_sha256, account, label, created) VALUES (?1, ?2, ?3, ?4)",
                params![digest(&token), name, label, unix_now()],
            )
        })?;
        Ok(token)
    }

    /// Remove every API token of `name`; how many there were.
    pub fn revoke_tokens(&self, name: &str) -> Result<usize, AuthError> {
        self.with(|c| c.execute("DELETE FROM tokens WHERE account = ?1", [name]))
    }

    /// The account of API token `token`, if it is one.
    pub fn token(&self, token: &str, now: i64) -> Result<Option<Account>, AuthError> {
        if !token.starts_with(super::secret::TOKEN_PREFIX) || !looks_like_secret(token) {
            return Ok(None);
        }
        let key = digest(token);
        let name = self.with(|c| {
            let name: Option<(String, Option<i64>)> = c
                .query_row("SELECT account, last_used FROM tokens WHERE token_sha256 = ?1", [&key], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((_, last)) = &name {
                if last.is_none_or(|t| now - t >= 60) {
                    c.execute("UPDATE tokens SET last_used = ?1 WHERE token_sha256 = ?2", params![now, key])?;
                }
            }
            Ok(name.map(|(n, _)| n))
        })?;
        match name {
            Some(n) => self.account(&n),
            None => Ok(None),
        }
    }
}

/// Delete the sessions that `policy` has ended at `now`.
fn sweep(c: &Connection, now: i64, policy: SessionPolicy) -> rusqlite::Result<usize> {
    c.execute(
        "DELETE FROM sessions WHERE last_seen <= ?1 OR created <= ?2",
        params![now - policy.idle.as_secs() as i64, now - policy.absolute.as_secs() as i64],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_sessions_and_tokens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("accounts.sqlite");
        let store = AccountStore::open_or_create(&path).unwrap();
        let a = store.add(&NewAccount { name: "ann", role: Role::Partner, org: Some("org-1"), password: "ann's long password" }).unwrap();
        assert_eq!(a.org.as_deref(), Some("org-1"));
        assert!(matches!(
            store.add(&NewAccount { name: "ann", role: Role::Admin, org: None, password: "another long one" }),
            Err(AuthError::DuplicateAccount { .. })
        ));
        assert!(store.add(&NewAccount { name: "bob", role: Role::Partner, org: None, password: "bob's long password" }).is_err());
        assert!(store.add(&NewAccount { name: "has space", role: Role::Admin, org: None, password: "long enough pw" }).is_err());
        assert_eq!(store.check_password("ann", "ann's long password").unwrap(), Some(a.clone()));
        assert_eq!(store.check_password("ann", "wrong").unwrap(), None);
        assert_eq!(store.check_password("nobody", "ann's long password").unwrap(), None);

        let policy = SessionPolicy { idle: Duration::from_secs(100), absolute: Duration::from_secs(1000) };
        let t = 1_000_000;
        let s = store.start_session("ann", t, policy).unwrap();
        assert_eq!(store.session(&s, t + 99, policy).unwrap().map(|a| a.name), Some("ann".into()));
        // Seen at t + 99: alive until t + 199 idle.
        assert!(store.session(&s, t + 190, policy).unwrap().is_some());
        assert!(store.session(&s, t + 1000, policy).unwrap().is_none(), "absolute expiry");
        assert_eq!(store.session_count().unwrap(), 0, "an ended session is deleted");
        let s2 = store.start_session("ann", t, policy).unwrap();
        assert!(store.session(&s2, t + 100, policy).unwrap().is_none(), "idle expiry");
        let s3 = store.start_session("ann", t, policy).unwrap();
        assert!(store.end_session(&s3).unwrap());
        assert!(store.session(&s3, t + 1, policy).unwrap().is_none(), "logged out");

        let tok = store.new_token("ann", Some("script")).unwrap();
        assert_eq!(store.token(&tok, t).unwrap().map(|a| a.name), Some("ann".into()));
        assert!(store.token("nmt_0000", t).unwrap().is_none());
        assert!(store.new_token("nobody", None).is_err());
        assert_eq!(store.list().unwrap().len(), 1);
        assert!(store.remove("ann").unwrap());
        assert!(store.token(&tok, t).unwrap().is_none(), "tokens go with the account");
        drop(store);
        let text = std::fs::read(&path).unwrap();
        assert!(!text.windows(tok.len()).any(|w| w == tok.as_bytes()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(AccountStore::open(&dir.path().join("none.sqlite")).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_is_refused_naming_the_flag() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
        let e = AccountStore::open_or_create(&dir.path().join("accounts.sqlite")).err().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(e.to_string().contains("--accounts FILE"), "{e}");
    }
}
