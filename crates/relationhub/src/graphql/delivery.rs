//! Sending: `sendEmail`, `scheduleEmail`, `cancelEmail`, `unscheduleEmail`. Thin resolvers over
//! [`crate::app::delivery`], which holds the state machine and the send limit.

use super::context::{state, user};
use super::emails::EmailPayload;
use super::types::EmailNode;
use crate::app::delivery as uc;
use async_graphql::{Context, ID, InputObject, Object};
use chrono::{DateTime, Utc};

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

/// Delivery mutations.
#[derive(Default)]
pub struct DeliveryMutation;

#[Object]
impl DeliveryMutation {
    /// Sends a DRAFT or FAILED email now. RATE_LIMITED past the per-user send limit.
    async fn send_email(
        &self,
        ctx: &Context<'_>,
        input: EmailIdInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let email = uc::send_email(state(ctx), &me.id, &input.id).await?;
        Ok(EmailPayload { email: EmailNode(email) })
    }

    /// Queues a DRAFT or FAILED email for `sendAt`. RATE_LIMITED past the per-user send limit.
    async fn schedule_email(
        &self,
        ctx: &Context<'_>,
        input: ScheduleEmailInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let email = uc::schedule_email(state(ctx), &me.id, &input.id, input.send_at).await?;
        Ok(EmailPayload { email: EmailNode(email) })
    }

    /// Cancels a SCHEDULED email (it will not be sent).
    async fn cancel_email(
        &self,
        ctx: &Context<'_>,
        input: EmailIdInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let email = uc::cancel_email(state(ctx), &me.id, &input.id).await?;
        Ok(EmailPayload { email: EmailNode(email) })
    }

    /// Turns a SCHEDULED email back into a DRAFT.
    async fn unschedule_email(
        &self,
        ctx: &Context<'_>,
        input: EmailIdInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let email = uc::unschedule_email(state(ctx), &me.id, &input.id).await?;
        Ok(EmailPayload { email: EmailNode(email) })
    }
}
