//! Personal API tokens and sessions as the user manages them: list, create (the secret shown
//! once), revoke. Secrets are never stored or listed; only their hashes are kept.

use super::{ApiError, ApiResult, AppState};
use crate::auth::token;
use domain::{ApiToken, TokenKind, User};
use store::{Page, PageRequest};

/// Longest token label.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest lifetime a token can be given (ten years); no value means it never expires.
pub const MAX_EXPIRES_IN_DAYS: i64 = 3650;

/// A page of the user's live tokens (sessions and API tokens), newest first.
pub async fn list(st: &AppState, user: &User, req: &PageRequest) -> ApiResult<Page<ApiToken>> {
    Ok(st.store.live_tokens_page(&user.id, req).await?)
}

/// How many live tokens the user has.
pub async fn count(st: &AppState, user: &User) -> ApiResult<i64> {
    Ok(st.store.count_live_tokens(&user.id).await?)
}

/// Creates a personal API token; returns its secret (shown once) and its record.
#[tracing::instrument(skip_all, fields(op = "create_api_token", user_id = %user.id))]
pub async fn create(
    st: &AppState,
    user: &User,
    name: &str,
    expires_in_days: Option<i64>,
) -> ApiResult<(String, ApiToken)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::bad_input(
            "name",
            format!("must be 1–{MAX_NAME_CHARS} characters without control characters"),
        ));
    }
    let expires_at = match expires_in_days {
        None => None,
        Some(d) if (1..=MAX_EXPIRES_IN_DAYS).contains(&d) => {
            Some(chrono::Utc::now() + chrono::Duration::days(d))
        }
        Some(d) => {
            return Err(ApiError::bad_input(
                "expiresInDays",
                format!("must be between 1 and {MAX_EXPIRES_IN_DAYS} (got {d}); leave it out for no expiry"),
            ));
        }
    };
    let (secret, hash) = token::generate();
    let record = st.store.create_token(&user.id, &hash, TokenKind::Api, Some(name), expires_at).await?;
    Ok((secret, record))
}

/// Revokes one of the user's live tokens (an API token or a session); another user's token, or
/// one already revoked or expired, is NOT_FOUND.
#[tracing::instrument(skip_all, fields(op = "revoke_api_token", user_id = %user.id))]
pub async fn revoke(st: &AppState, user: &User, id: &str) -> ApiResult<String> {
    st.store.revoke_token(&user.id, id).await.map_err(|e| ApiError::from_store(e, "token"))?;
    Ok(id.to_owned())
}
