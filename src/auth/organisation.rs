//! A partner account's organisation: a row of the register's `partners`
//! table when a register is configured, else any organisation id.

use std::path::Path;

use super::AuthError;
use crate::register::Register;

/// Check that `org` is a partner of the register at `register` (when
/// there is one); the error lists the partners there are.
pub fn check_partner_org(register: Option<&Path>, org: &str) -> Result<(), AuthError> {
    let Some(path) = register else { return Ok(()) };
    let r = Register::open_read_only(path).map_err(|e| AuthError::invalid("org", format!("cannot read the register to check the organisation: {e}")))?;
    let partners = r.partners().map_err(|e| AuthError::invalid("org", e.to_string()))?;
    if partners.iter().any(|p| p.id == org) {
        return Ok(());
    }
    let known: Vec<&str> = partners.iter().map(|p| p.id.as_str()).collect();
    Err(AuthError::invalid(
        "org",
        format!(
            "`{org}` is not a partner in the register {} (partners: {}); add it first (`needmap users add NAME --role partner --org {org} --new-org \"Its full name\"`)",
            path.display(),
            if known.is_empty() { "none yet".to_string() } else { known.join(", ") }
        ),
    ))
}
