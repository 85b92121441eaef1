//! Sending: `sendEmail`, `scheduleEmail`, `cancelEmail`, `unscheduleEmail`.
//!
//! The state machine (a transition not listed answers CONFLICT naming the current status and
//! changes nothing):
//!
//! | mutation | from | to |
//! |---|---|---|
//! | `sendEmail` | DRAFT, FAILED | SENT, or FAILED (permanent error), or SCHEDULED with `lastError` (transient error; retried) |
//! | `scheduleEmail` | DRAFT, FAILED | SCHEDULED (sent by the scheduler at `sendAt`) |
//! | `cancelEmail` | SCHEDULED | CANCELLED |
//! | `unscheduleEmail` | SCHEDULED | DRAFT |
//!
//! SENT and CANCELLED are final; `updateEmail` only edits DRAFTs, so a SENT email never changes.

use super::context::{state, user};
use super::emails::EmailPayload;
use super::error::ApiError;
use super::types::EmailNode;
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Duration, Utc};
use store::StoreError;

/// Input naming an email to send, cancel or unschedule.
#[derive(InputObject)]
pub struct EmailIdInput {
    /// The email.
    pub id: ID,
}

/// `scheduleEmail` input.
#[derive(InputObject)]
pub struct ScheduleEmailInput {
    /// The email (DRAFT or FAILED).
    pub id: ID,
    /// When to send it: in the future, at most a year ahead.
    pub send_at: DateTime<Utc>,
}

fn map(e: StoreError) -> ApiError {
    ApiError::from_store(e, "email")
}

/// Refuses emails whose contact has no address (before any state changes).
async fn require_address(ctx: &Context<'_>, user_id: &str, email_id: &str) -> Result<(), ApiError> {
    let st = state(ctx);
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

/// Delivery mutations.
#[derive(Default)]
pub struct DeliveryMutation;

#[Object]
impl DeliveryMutation {
    /// Sends a DRAFT or FAILED email now.
    async fn send_email(
        &self,
        ctx: &Context<'_>,
        input: EmailIdInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        require_address(ctx, &me.id, &input.id).await?;
        let email = state(ctx).sender.send_now(&me.id, &input.id).await.map_err(|e| match e {
            delivery::SendNowError::Store(e) => map(e),
        })?;
        Ok(EmailPayload { email: EmailNode(email) })
    }

    /// Queues a DRAFT or FAILED email for `sendAt`.
    async fn schedule_email(
        &self,
        ctx: &Context<'_>,
        input: ScheduleEmailInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let now = Utc::now();
        if input.send_at <= now {
            return Err(ApiError::bad_input("sendAt", "must be in the future").into());
        }
        if input.send_at > now + Duration::days(365) {
            return Err(ApiError::bad_input("sendAt", "must be at most one year ahead").into());
        }
        require_address(ctx, &me.id, &input.id).await?;
        let st = state(ctx);
        let email = st.store.schedule_email(&me.id, &input.id, input.send_at).await.map_err(map)?;
        st.sender.notify();
        Ok(EmailPayload { email: EmailNode(email) })
    }

    /// Cancels a SCHEDULED email (it will not be sent).
    async fn cancel_email(
        &self,
        ctx: &Context<'_>,
        input: EmailIdInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let email = state(ctx).store.cancel_email(&me.id, &input.id).await.map_err(map)?;
        Ok(EmailPayload { email: EmailNode(email) })
    }

    /// Turns a SCHEDULED email back into a DRAFT.
    async fn unschedule_email(
        &self,
        ctx: &Context<'_>,
        input: EmailIdInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let email = state(ctx).store.unschedule_email(&me.id, &input.id).await.map_err(map)?;
        Ok(EmailPayload { email: EmailNode(email) })
    }
}
