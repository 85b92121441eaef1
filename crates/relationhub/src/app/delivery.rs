//! Sending: send now, schedule, cancel and unschedule one of the user's emails.
//!
//! The state machine (a transition not listed answers CONFLICT naming the current status and
//! changes nothing):
//!
//! | action | from | to |
//! |---|---|---|
//! | [`send_email`] | DRAFT, FAILED | SENT, or FAILED (permanent error), or SCHEDULED with `lastError` (transient error; retried) |
//! | [`schedule_email`] | DRAFT, FAILED | SCHEDULED (sent by the scheduler at `sendAt`) |
//! | [`cancel_email`] | SCHEDULED | CANCELLED |
//! | [`unschedule_email`] | SCHEDULED | DRAFT |
//!
//! Sending and scheduling count against the per-user send limit
//! (`RELATIONHUB_SEND_LIMIT_PER_HOUR`): a compromised or abusive account cannot turn the
//! operator's relay into a spam cannon. The limit is per process, like the other in-memory limits.

use super::follow_ups::FollowUpInput;
use super::{ApiError, ApiResult, AppState};
use chrono::{DateTime, Duration, Utc};
use domain::Email;
use store::StoreError;

fn map(e: StoreError) -> ApiError {
    ApiError::from_store(e, "email")
}

/// Refuses emails whose contact has no address (before any state changes).
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

/// Takes one slot of the user's hourly send budget, or RATE_LIMITED with the wait.
fn take_send_slot(st: &AppState, user_id: &str) -> ApiResult<()> {
    st.sends_by_user.hit(user_id).map_err(|wait| {
        tracing::warn!(user_id, "send limit reached");
        ApiError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
    })
}

/// Sends a DRAFT or FAILED email now and returns it as it ends up.
pub async fn send_email(st: &AppState, user_id: &str, email_id: &str) -> ApiResult<Email> {
    send_email_with(st, user_id, email_id, &[]).await
}

/// [`send_email`] with follow-ups: the sequence is created with the send (same transaction,
/// before anything goes out) and its first step falls due `after` the send.
#[tracing::instrument(skip_all, fields(op = "send_email", email_id = %email_id))]
pub async fn send_email_with(
    st: &AppState,
    user_id: &str,
    email_id: &str,
    follow_ups: &[FollowUpInput],
) -> ApiResult<Email> {
    let follow_ups = super::follow_ups::parse(st, user_id, follow_ups).await?;
    require_address(st, user_id, email_id).await?;
    take_send_slot(st, user_id)?;
    st.sender.send_now_with(user_id, email_id, follow_ups.as_ref()).await.map_err(|e| match e {
        delivery::SendNowError::Store(e) => map(e),
    })
}

/// Queues a DRAFT or FAILED email for `send_at` (in the future, at most a year ahead) and wakes
/// the scheduler.
pub async fn schedule_email(
    st: &AppState,
    user_id: &str,
    email_id: &str,
    send_at: DateTime<Utc>,
) -> ApiResult<Email> {
    schedule_email_with(st, user_id, email_id, send_at, &[]).await
}

/// [`schedule_email`] with follow-ups, created in the same transaction as the schedule.
#[tracing::instrument(skip_all, fields(op = "schedule_email", email_id = %email_id))]
pub async fn schedule_email_with(
    st: &AppState,
    user_id: &str,
    email_id: &str,
    send_at: DateTime<Utc>,
    follow_ups: &[FollowUpInput],
) -> ApiResult<Email> {
    let now = Utc::now();
    if send_at <= now {
        return Err(ApiError::bad_input("sendAt", "must be in the future"));
    }
    if send_at > now + Duration::days(365) {
        return Err(ApiError::bad_input("sendAt", "must be at most one year ahead"));
    }
    let follow_ups = super::follow_ups::parse(st, user_id, follow_ups).await?;
    require_address(st, user_id, email_id).await?;
    take_send_slot(st, user_id)?;
    let email =
        st.store.schedule_email_with(user_id, email_id, send_at, follow_ups.as_ref()).await.map_err(map)?;
    st.sender.notify();
    Ok(email)
}

/// Cancels a SCHEDULED email (it will not be sent).
#[tracing::instrument(skip_all, fields(op = "cancel_email", email_id = %email_id))]
pub async fn cancel_email(st: &AppState, user_id: &str, email_id: &str) -> ApiResult<Email> {
    st.store.cancel_email(user_id, email_id).await.map_err(map)
}

/// Turns a SCHEDULED email back into a DRAFT.
#[tracing::instrument(skip_all, fields(op = "unschedule_email", email_id = %email_id))]
pub async fn unschedule_email(st: &AppState, user_id: &str, email_id: &str) -> ApiResult<Email> {
    st.store.unschedule_email(user_id, email_id).await.map_err(map)
}
