//! Webhook delivery machinery: Standard Webhooks signing, the SSRF guard and the lease-based
//! worker that posts the outbox (`store::outbox`). The use cases (create, rotate, …) are in
//! [`crate::app::webhooks`].

pub mod guard;
pub mod signing;
pub mod worker;

pub use worker::Worker;

use inbound::SecretKey;

/// Stores signing secrets: encrypted with `RELATIONHUB_SECRET_KEY` when it is set (`v1:…`);
/// without a key they are stored as they are (`whsec_…`), which the README states.
#[derive(Clone, Debug)]
pub struct SecretBox(Option<SecretKey>);

/// A stored secret that cannot be read back.
#[derive(Debug, thiserror::Error)]
#[error("a webhook secret could not be decrypted (was RELATIONHUB_SECRET_KEY changed or removed?)")]
pub struct Unreadable;

impl SecretBox {
    /// From the settings; an invalid key is an error naming the variable.
    pub fn from_config(config: &crate::config::Config) -> Result<SecretBox, inbound::secret::SecretError> {
        match config.settings.get("RELATIONHUB_SECRET_KEY") {
            Some(raw) => Ok(SecretBox(Some(SecretKey::from_base64(&raw)?))),
            None => Ok(SecretBox(None)),
        }
    }

    /// The stored form of `secret`.
    pub fn seal(&self, secret: &str) -> String {
        match &self.0 {
            Some(key) => key.encrypt(secret),
            None => secret.to_owned(),
        }
    }

    /// The secret from its stored form.
    pub fn open(&self, stored: &str) -> Result<String, Unreadable> {
        if stored.starts_with(signing::PREFIX) {
            return Ok(stored.to_owned());
        }
        match &self.0 {
            Some(key) => key.decrypt(stored).map_err(|_| Unreadable),
            None => Err(Unreadable),
        }
    }
}
