//! The four roles and what each may do.

use serde::Serialize;

use super::AuthError;

/// What an account may do. Ordered by power: `Viewer < Partner < Reviewer < Admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The public map: what everyone without a login gets.
    Viewer,
    /// One organisation's services (and submissions) only; may edit scenarios.
    Partner,
    /// Every organisation's services; publishes submissions; may edit scenarios.
    Reviewer,
    /// Everything, including the accounts.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Partner, Role::Reviewer, Role::Admin];

    /// The word stored and shown for the role.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Partner => "partner",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// The role named `text` (case-insensitive).
    pub fn parse(text: &str) -> Result<Role, AuthError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| AuthError::UnknownRole { given: text.to_string() })
    }

    /// Whether the role is bound to one organisation.
    pub fn needs_org(self) -> bool {
        self == Role::Partner
    }

    /// Whether the role may create, change and delete scenarios (when the
    /// server allows edits at all).
    pub fn edits_scenarios(self) -> bool {
        self >= Role::Partner
    }

    /// Whether the role sees every organisation's register rows.
    pub fn sees_every_org(self) -> bool {
        self >= Role::Reviewer
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_order() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert_eq!(Role::parse(" Admin ").unwrap(), Role::Admin);
        assert!(matches!(Role::parse("root"), Err(AuthError::UnknownRole { .. })));
        assert!(Role::Viewer < Role::Partner && Role::Partner < Role::Reviewer && Role::Reviewer < Role::Admin);
        assert!(!Role::Viewer.edits_scenarios() && Role::Partner.edits_scenarios());
        assert!(!Role::Partner.sees_every_org() && Role::Reviewer.sees_every_org());
    }
}
