//! The errors of the use-case layer: what a client may learn when something fails.
//!
//! Every error has a code from a closed set. Internal failures keep their cause for the log and
//! reach a client only as "internal error". The front doors (GraphQL, web pages) each render
//! these in their own format, in one place each.

use store::StoreError;

/// The closed set of error codes clients can rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// No valid bearer token.
    Unauthenticated,
    /// Authenticated but not allowed (e.g. sign-up closed).
    Forbidden,
    /// The target (or a referenced row) does not exist or is not the caller's.
    NotFound,
    /// The input breaks a rule; names the field.
    BadUserInput,
    /// The change conflicts with the current state.
    Conflict,
    /// Too many attempts; says how long to wait.
    RateLimited,
    /// No AI provider could generate.
    ProviderUnavailable,
    /// Anything else; details are in the server log only.
    Internal,
}

impl Code {
    /// Every code, for the test that each is used.
    pub const ALL: [Code; 8] = [
        Code::Unauthenticated,
        Code::Forbidden,
        Code::NotFound,
        Code::BadUserInput,
        Code::Conflict,
        Code::RateLimited,
        Code::ProviderUnavailable,
        Code::Internal,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Conflict => "CONFLICT",
            Code::RateLimited => "RATE_LIMITED",
            Code::ProviderUnavailable => "PROVIDER_UNAVAILABLE",
            Code::Internal => "INTERNAL",
        }
    }
}

/// An error on its way to a client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// See [`Code::Unauthenticated`].
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// See [`Code::Forbidden`].
    #[error("{0}")]
    Forbidden(String),
    /// See [`Code::NotFound`]; names what was looked for.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// See [`Code::BadUserInput`].
    #[error("{field}: {message}")]
    BadInput {
        /// The input field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// See [`Code::Conflict`].
    #[error("{0}")]
    Conflict(String),
    /// See [`Code::RateLimited`].
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// See [`Code::ProviderUnavailable`]; the message has one line per provider.
    #[error("{0}")]
    ProviderUnavailable(String),
    /// See [`Code::Internal`]; the source is logged, never sent.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// The code sent in `extensions.code`.
    pub fn code(&self) -> Code {
        match self {
            ApiError::Unauthenticated(_) => Code::Unauthenticated,
            ApiError::Forbidden(_) => Code::Forbidden,
            ApiError::NotFound(_) => Code::NotFound,
            ApiError::BadInput { .. } => Code::BadUserInput,
            ApiError::Conflict(_) => Code::Conflict,
            ApiError::RateLimited { .. } => Code::RateLimited,
            ApiError::ProviderUnavailable(_) => Code::ProviderUnavailable,
            ApiError::Internal(_) => Code::Internal,
        }
    }

    /// A bad-input error for `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::BadInput { field: field.into(), message: message.into() }
    }

    /// Maps a store error, naming the kind of row for NOT_FOUND.
    pub fn from_store(err: StoreError, what: &'static str) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound(what),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Invalid(m) => match m.split_once(": ") {
                Some((field, message)) if !field.contains(' ') => ApiError::bad_input(field, message),
                _ => ApiError::bad_input("input", m),
            },
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<domain::ValidationError> for ApiError {
    fn from(e: domain::ValidationError) -> Self {
        ApiError::BadInput { field: e.field, message: e.message }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::from_store(e, "record")
    }
}

impl From<std::sync::Arc<StoreError>> for ApiError {
    /// Errors from batched loaders arrive shared; they are always internal.
    fn from(e: std::sync::Arc<StoreError>) -> Self {
        ApiError::Internal(anyhow::anyhow!("batched load failed: {e:?}"))
    }
}

/// Result type of use-case functions and resolvers.
pub type ApiResult<T> = Result<T, ApiError>;
