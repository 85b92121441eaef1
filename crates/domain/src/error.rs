//! The one error type of input validation.

/// A value a user supplied that breaks a rule; names the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The input field, as the API names it (e.g. `name`, `linkedInUrl`).
    pub field: String,
    /// What is wrong, phrased for the user.
    pub message: String,
}

impl ValidationError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}
