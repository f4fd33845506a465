//! Random secrets (session ids, API tokens) and their digests at rest.
//!
//! A session id or token is 32 random bytes from the operating system, so a
//! fast hash is enough to keep it unusable if the file leaks: SHA-256 of the
//! text, stored as hex. Passwords, which people choose, are hashed slowly
//! ([`super::password`]).

use sha2::{Digest, Sha256};

use super::AuthError;

/// Bytes of randomness in a session id or API token.
pub const SECRET_BYTES: usize = 32;

/// Prefix of API tokens, so a leaked one is recognisable (and scanners find it).
pub const TOKEN_PREFIX: &str = "nmt_";

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Crypto(format!("no randomness from the operating system: {e}")))?;
    Ok(bytes)
}

/// A new session id: [`SECRET_BYTES`] random bytes as lowercase hex.
pub fn new_session_id() -> Result<String, AuthError> {
    Ok(hex(&random_bytes::<SECRET_BYTES>()?))
}

/// A new API token: [`TOKEN_PREFIX`] and [`SECRET_BYTES`] random bytes as hex.
pub fn new_api_token() -> Result<String, AuthError> {
    Ok(format!("{TOKEN_PREFIX}{}", hex(&random_bytes::<SECRET_BYTES>()?)))
}

/// The digest kept in place of a secret: SHA-256 of its text, as hex.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether `text` has the shape of a secret this module makes (so a
/// malformed cookie or header is refused before any lookup).
pub fn looks_like_secret(text: &str) -> bool {
    let body = text.strip_prefix(TOKEN_PREFIX).unwrap_or(text);
    body.len() == 2 * SECRET_BYTES && body.bytes().all(|b| b.is_ascii_hexdigit())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_digests_known() {
        let a = new_session_id().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_session_id().unwrap());
        assert!(looks_like_secret(&a));
        let t = new_api_token().unwrap();
        assert!(t.starts_with(TOKEN_PREFIX) && looks_like_secret(&t));
        assert!(!looks_like_secret("short") && !looks_like_secret(&"g".repeat(64)));
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
