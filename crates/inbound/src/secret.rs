//! Mailbox passwords at rest: ChaCha20-Poly1305 with a 32-byte key from
//! `RELATIONHUB_SECRET_KEY` (base64, as `openssl rand -base64 32` prints). Each value gets a
//! fresh random nonce; the stored text is `v1:` + base64(nonce ‖ ciphertext).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

fn cipher(key: &[u8; 32]) -> ChaCha20Poly1305 {
    ChaCha20Poly1305::new(&Key::from(*key))
}

/// Why a key or a stored value was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// The key is not 32 bytes of base64.
    #[error("RELATIONHUB_SECRET_KEY must be 32 random bytes in base64 (openssl rand -base64 32)")]
    BadKey,
    /// A stored value does not decrypt with this key (wrong key or damaged data).
    #[error("a stored secret could not be decrypted (was RELATIONHUB_SECRET_KEY changed?)")]
    Undecryptable,
}

/// The key that encrypts mailbox passwords. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;

impl SecretKey {
    /// Parses the base64 text of 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let bytes = STANDARD.decode(text.trim()).map_err(|_| SecretError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(SecretKey(key))
    }

    /// Encrypts `plain` with a fresh random nonce.
    pub fn encrypt(&self, plain: &str) -> String {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        // Encryption with a valid key and nonce cannot fail for inputs this small.
        let ct = cipher(&self.0).encrypt(&Nonce::from(nonce_bytes), plain.as_bytes()).unwrap_or_default();
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ct);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    /// Decrypts a value made by [`SecretKey::encrypt`].
    pub fn decrypt(&self, stored: &str) -> Result<String, SecretError> {
        let raw = stored.strip_prefix(PREFIX).ok_or(SecretError::Undecryptable)?;
        let bytes = STANDARD.decode(raw).map_err(|_| SecretError::Undecryptable)?;
        if bytes.len() < NONCE_LEN + 16 {
            return Err(SecretError::Undecryptable);
        }
        let (nonce, ct) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SecretError::Undecryptable)?;
        let plain =
            cipher(&self.0).decrypt(&Nonce::from(nonce), ct).map_err(|_| SecretError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Undecryptable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn round_trips_and_never_repeats_a_ciphertext() {
        let k = SecretKey::from_base64(KEY).unwrap();
        let a = k.encrypt("hunter2");
        let b = k.encrypt("hunter2");
        assert_ne!(a, b);
        assert!(!a.contains("hunter2"));
        assert_eq!(k.decrypt(&a).unwrap(), "hunter2");
    }

    #[test]
    fn refuses_bad_keys_and_tampered_values() {
        assert_eq!(SecretKey::from_base64("short").unwrap_err(), SecretError::BadKey);
        assert_eq!(SecretKey::from_base64("c2hvcnQ=").unwrap_err(), SecretError::BadKey);
        let k = SecretKey::from_base64(KEY).unwrap();
        let mut v = k.encrypt("x");
        v.pop();
        v.push('A');
        assert_eq!(k.decrypt(&v).unwrap_err(), SecretError::Undecryptable);
        let other = SecretKey::from_base64("ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=").unwrap();
        assert_eq!(other.decrypt(&k.encrypt("x")).unwrap_err(), SecretError::Undecryptable);
    }
}
