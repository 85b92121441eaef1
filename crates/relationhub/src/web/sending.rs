//! Interim: the sending actions the web app needs, with the signatures of
//! `crate::app::delivery` (being written on another branch). When that lands, this module is
//! replaced by `pub use crate::app::delivery::*;` so the rules exist once.

use crate::app::{ApiError, ApiResult, AppState};
use chrono::{DateTime, Duration, Utc};
use domain::Email;
use store::StoreError;

fn map(e: StoreError) -> ApiError {
    ApiError::from_store(e, "email")
}

async fn require_address(st: &AppState, user_id: &str, email_id: &str) -> ApiResult<()> {
    let email = st.store.email(user_id, email_id).await.map_err(map)?;
    let contact =
        st.store.contact(user_id, &email.contact_id).await.map_err(|e| ApiError::from_store(e, "contact"))?;
    if contact.email.as_deref().is_none_or(|a| a.trim().is_empty()) {
        return Err(ApiError::bad_input(
            "id",
            format!("contact {:?} has no email address to send to", contact.name),
        ));
    }
    Ok(())
}

/// Sends a DRAFT or FAILED email now.
pub async fn send_email(st: &AppState, user_id: &str, email_id: &str) -> ApiResult<Email> {
    require_address(st, user_id, email_id).await?;
    st.sender.send_now(user_id, email_id).await.map_err(|e| match e {
        delivery::SendNowError::Store(e) => map(e),
    })
}

/// Queues a DRAFT or FAILED email for `send_at`.
pub async fn schedule_email(
    st: &AppState,
    user_id: &str,
    email_id: &str,
    send_at: DateTime<Utc>,
) -> ApiResult<Email> {
    let now = Utc::now();
    if send_at <= now {
        return Err(ApiError::bad_input("sendAt", "must be in the future"));
    }
    if send_at > now + Duration::days(365) {
        return Err(ApiError::bad_input("sendAt", "must be at most one year ahead"));
    }
    require_address(st, user_id, email_id).await?;
    let email = st.store.schedule_email(user_id, email_id, send_at).await.map_err(map)?;
    st.sender.notify();
    Ok(email)
}

/// Cancels a SCHEDULED email.
pub async fn cancel_email(st: &AppState, user_id: &str, email_id: &str) -> ApiResult<Email> {
    st.store.cancel_email(user_id, email_id).await.map_err(map)
}

/// Turns a SCHEDULED email back into a DRAFT.
pub async fn unschedule_email(st: &AppState, user_id: &str, email_id: &str) -> ApiResult<Email> {
    st.store.unschedule_email(user_id, email_id).await.map_err(map)
}
