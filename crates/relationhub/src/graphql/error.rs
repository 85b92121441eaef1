//! How errors reach a GraphQL client: `extensions.code` from the closed set in
//! [`crate::app::error`], plus `field` or `retryAfterSeconds` where they apply. Internal failures
//! are logged with their full cause chain and reach the client only as "internal error".

pub use crate::app::error::{ApiError, ApiResult, Code};
use async_graphql::ErrorExtensions as _;

impl From<ApiError> for async_graphql::Error {
    fn from(err: ApiError) -> Self {
        let code = err.code();
        if let ApiError::Internal(source) = &err {
            tracing::error!(error = format!("{source:#}"), "internal error");
        }
        let base = async_graphql::Error::new(err.to_string());
        base.extend_with(|_, ext| {
            ext.set("code", code.as_str());
            match &err {
                ApiError::BadInput { field, .. } => ext.set("field", field.as_str()),
                ApiError::RateLimited { retry_after_secs } => ext.set("retryAfterSeconds", *retry_after_secs),
                _ => {}
            }
        })
    }
}

/// Gives every error in a response a code: errors async-graphql raises itself (parse,
/// validation, depth and complexity limits) are the client's fault, so BAD_USER_INPUT.
pub fn ensure_codes(resp: &mut async_graphql::Response) {
    for err in &mut resp.errors {
        let has_code = err.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
        if !has_code {
            err.extensions.get_or_insert_with(Default::default).set("code", Code::BadUserInput.as_str());
        }
    }
}
