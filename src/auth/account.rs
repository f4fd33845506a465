//! One account as the store holds it (without its password hash).

use serde::Serialize;

use super::{AuthError, Role};

/// Longest account name.
pub const MAX_NAME_CHARS: usize = 64;

/// An account: who, what it may do, and for a partner its organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// The organisation of a partner (an id of the register's `partners`
    /// table, or a free id when no register is configured); None otherwise.
    pub org: Option<String>,
    /// When it was made, ISO 8601 UTC.
    pub created: String,
}

/// Check an account name: 1 to [`MAX_NAME_CHARS`] letters, digits and `.`, `_`, `-`, `@`.
pub fn check_name(name: &str) -> Result<(), AuthError> {
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(AuthError::invalid("name", format!("an account name has 1 to {MAX_NAME_CHARS} characters")));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c)) {
        return Err(AuthError::invalid("name", format!("`{name}`: use letters, digits and . _ - @ only (no spaces)")));
    }
    Ok(())
}

/// Check the organisation of an account of `role`: a partner needs one, other roles have none.
pub fn check_org(role: Role, org: Option<&str>) -> Result<(), AuthError> {
    match (role.needs_org(), org) {
        (true, None) => Err(AuthError::invalid("org", "a partner account needs its organisation: --org ORG")),
        (true, Some(o)) if o.trim().is_empty() || o.len() > 200 => {
            Err(AuthError::invalid("org", "the organisation id is empty or longer than 200 bytes"))
        }
        (false, Some(_)) => Err(AuthError::invalid("org", format!("only partner accounts belong to an organisation; leave --org out for a {role}"))),
        _ => Ok(()),
    }
}
