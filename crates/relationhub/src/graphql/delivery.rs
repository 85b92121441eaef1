//! Sending: `sendEmail`, `scheduleEmail`, `cancelEmail`, `unscheduleEmail`. Thin resolvers over
//! [`crate::app::delivery`], which holds the state machine and the send limit.

use super::context::{state, user};
use super::emails::EmailPayload;
use super::follow_ups::{FollowUpStepInput, steps};
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

/// `sendEmail` input.
#[derive(InputObject)]
pub struct SendEmailInput {
    /// The email (DRAFT or FAILED).
    pub id: ID,
    /// Follow-ups sent if the contact does not reply (at most 10), each `after` the previous
    /// message; any reply stops them.
    pub follow_ups: Option<Vec<FollowUpStepInput>>,
}

/// `scheduleEmail` input.
#[derive(InputObject)]
pub struct ScheduleEmailInput {
    /// The email (DRAFT or FAILED).
    pub id: ID,
    /// When to send it: in the future, at most a year ahead.
    pub send_at: DateTime<Utc>,
    /// Follow-ups sent if the contact does not reply (at most 10), each `after` the previous
    /// message; any reply stops them.
    pub follow_ups: Option<Vec<FollowUpStepInput>>,
}

/// Delivery mutations.
#[derive(Default)]
pub struct DeliveryMutation;

#[Object]
impl DeliveryMutation {
    /// Sends a DRAFT or FAILED email now, optionally with follow-ups. RATE_LIMITED past the
    /// per-user send limit.
    async fn send_email(
        &self,
        ctx: &Context<'_>,
        input: SendEmailInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let email = uc::send_email_with(state(ctx), &me.id, &input.id, &steps(input.follow_ups)).await?;
        Ok(EmailPayload { email: EmailNode(email) })
    }

    /// Queues a DRAFT or FAILED email for `sendAt`, optionally with follow-ups. RATE_LIMITED
    /// past the per-user send limit.
    async fn schedule_email(
        &self,
        ctx: &Context<'_>,
        input: ScheduleEmailInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let email =
            uc::schedule_email_with(state(ctx), &me.id, &input.id, input.send_at, &steps(input.follow_ups))
                .await?;
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
