//! Bearer tokens: 256 random bits, shown once as `rh_<base64url>`; only their SHA-256 is stored,
//! so a database leak does not leak usable tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use sha2::Digest as _;

/// Prefix that makes RelationHub tokens recognisable (e.g. by secret scanners).
pub const PREFIX: &str = "rh_";

/// 32 random bytes from the OS generator, base64url.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new token and the hash to store for it.
pub fn generate() -> (String, String) {
    let token = format!("{PREFIX}{}", random_secret());
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_unique_prefixed_and_hashed() {
        let (a, ha) = super::generate();
        let (b, _) = super::generate();
        assert_ne!(a, b);
        assert!(a.starts_with("rh_") && a.len() > 40);
        assert_eq!(super::hash(&a), ha);
        assert_eq!(ha.len(), 64);
    }
}
