//! People and permissions (issue 12): accounts with a [`Role`] (viewer,
//! partner bound to one organisation, reviewer, admin), kept in an SQLite
//! file with Argon2id password hashes, server-side login sessions and API
//! tokens stored as SHA-256 digests, and login rate limiting.
//!
//! - [`role`]: the roles and what each may do; [`account`]: an account and
//!   the checks on a new one;
//! - [`password`]: Argon2id PHC strings; [`secret`]: random session ids and
//!   tokens and their digests;
//! - [`store`]: [`AccountStore`], the file; [`location`]: which file;
//! - [`limiter`]: [`LoginLimiter`], failed logins per key in a window.
//!
//! The server side (cookies, the `Caller` of a request, the login
//! endpoints) is in [`crate::serve::caller`] and [`crate::serve::login`].

pub mod account;
mod error;
pub mod limiter;
pub mod location;
pub mod organisation;
pub mod password;
pub mod role;
pub mod secret;
pub mod store;

pub use account::Account;
pub use error::AuthError;
pub use limiter::LoginLimiter;
pub use location::{accounts_file, AccountsLocation, AccountsOrigin};
pub use role::Role;
pub use store::{AccountStore, NewAccount, SessionPolicy};
