//! Follow-up sequences: `FollowUpSequence`, `followUpSequence(id)`, `stopFollowUps`, and the
//! `followUps` step input `sendEmail` / `scheduleEmail` take. Thin over
//! [`crate::app::follow_ups`].

use super::context::{state, user};
use super::error::ApiError;
use super::types::EmailNode;
use crate::app::follow_ups::{self as uc, FollowUpInput};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use store::{FollowUpSequence, FollowUpStep};

/// Where a follow-up step is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::FollowUpStepStatus", name = "FollowUpStepStatus")]
pub enum FollowUpStepStatusG {
    /// Waiting for its due time (or for the previous message to be sent).
    Pending,
    /// Written as an email that waits for approval (or is being sent).
    Drafted,
    /// Its email went out.
    Sent,
    /// Will not happen: the sequence stopped first.
    Stopped,
    /// Could not be written or sent (see `lastError`).
    Failed,
}

/// Why a sequence stopped before its last step.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::FollowUpStopReason", name = "FollowUpStopReason")]
pub enum FollowUpStopReasonG {
    /// The contact replied (any RECEIVED conversation entry).
    Replied,
    /// Stopped with `stopFollowUps`.
    StoppedByUser,
    /// The contact was deleted.
    ContactDeleted,
    /// The first email (or one of the follow-ups) was deleted.
    EmailDeleted,
}

/// One step requested with `sendEmail` / `scheduleEmail`.
#[derive(InputObject, Clone, Debug)]
pub struct FollowUpStepInput {
    /// Wait after the previous message's send, as an ISO-8601 duration: `P3D`, `PT4H`,
    /// `P1DT12H`; at least `PT1S`, at most `P365D`.
    pub after: String,
    /// What the follow-up should say (the AI writes it with the thread as context).
    pub instructions: Option<String>,
    /// Write it from this saved template instead of the AI.
    pub template_id: Option<ID>,
    /// Send it without approval; by default it waits as a DRAFT.
    #[graphql(default = false)]
    pub auto_send: bool,
}

impl From<FollowUpStepInput> for FollowUpInput {
    fn from(i: FollowUpStepInput) -> Self {
        FollowUpInput {
            after: i.after,
            instructions: i.instructions,
            template_id: i.template_id.map(|id| id.0),
            auto_send: i.auto_send,
        }
    }
}

/// The steps of a `followUps` input, as the use-case layer takes them.
pub fn steps(input: Option<Vec<FollowUpStepInput>>) -> Vec<FollowUpInput> {
    input.unwrap_or_default().into_iter().map(Into::into).collect()
}

/// One step of a sequence.
pub struct FollowUpStepNode(FollowUpStep);

#[Object(name = "FollowUpStep")]
impl FollowUpStepNode {
    /// Position in the sequence, from 0.
    async fn index(&self) -> i32 {
        self.0.index
    }
    /// Wait after the previous message's send (ISO-8601 duration, e.g. `P3D`).
    async fn after(&self) -> String {
        self.0.after.to_string()
    }
    /// Where it is.
    async fn status(&self) -> FollowUpStepStatusG {
        self.0.status.into()
    }
    /// When it falls due (known once the previous message is sent).
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }
    /// Whether it is sent without approval.
    async fn auto_send(&self) -> bool {
        self.0.auto_send
    }
    /// What it should say.
    async fn instructions(&self) -> Option<&str> {
        self.0.instructions.as_deref()
    }
    /// Why it failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The email it became (once drafted).
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<EmailNode>> {
        let Some(id) = &self.0.email_id else { return Ok(None) };
        match state(ctx).store.email(&self.0.user_id, id).await {
            Ok(e) => Ok(Some(EmailNode(e))),
            Err(store::StoreError::NotFound) => Ok(None),
            Err(e) => Err(ApiError::from(e).into()),
        }
    }
}

/// Follow-ups sent after an email when the contact does not reply; a reply stops them.
pub struct FollowUpSequenceNode(pub FollowUpSequence);

#[Object(name = "FollowUpSequence")]
impl FollowUpSequenceNode {
    /// Row id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The steps, in order.
    async fn steps(&self) -> Vec<FollowUpStepNode> {
        self.0.steps.iter().cloned().map(FollowUpStepNode).collect()
    }
    /// When it stopped before its last step.
    async fn stopped_at(&self) -> Option<DateTime<Utc>> {
        self.0.stopped_at
    }
    /// Why it stopped.
    async fn stopped_reason(&self) -> Option<FollowUpStopReasonG> {
        self.0.stopped_reason.map(Into::into)
    }
    /// The email that starts it (none once deleted).
    async fn first_email_id(&self) -> Option<ID> {
        self.0.first_email_id.clone().map(ID)
    }
    /// The contact (none once deleted).
    async fn contact_id(&self) -> Option<ID> {
        self.0.contact_id.clone().map(ID)
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// `stopFollowUps` input.
#[derive(InputObject)]
pub struct StopFollowUpsInput {
    /// The sequence.
    pub sequence_id: ID,
}

/// `stopFollowUps` result.
#[derive(SimpleObject)]
pub struct StopFollowUpsPayload {
    /// The sequence, stopped.
    pub sequence: FollowUpSequenceNode,
}

/// Follow-up queries.
#[derive(Default)]
pub struct FollowUpQuery;

#[Object]
impl FollowUpQuery {
    /// One of your follow-up sequences (also after its contact or first email was deleted).
    async fn follow_up_sequence(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<FollowUpSequenceNode> {
        let me = user(ctx)?;
        Ok(FollowUpSequenceNode(uc::get(state(ctx), me, &id).await?))
    }
}

/// Follow-up mutations.
#[derive(Default)]
pub struct FollowUpMutation;

#[Object]
impl FollowUpMutation {
    /// Stops a sequence's pending follow-ups (`STOPPED_BY_USER`) and cancels one still
    /// scheduled. CONFLICT when it already stopped or has nothing pending.
    async fn stop_follow_ups(
        &self,
        ctx: &Context<'_>,
        input: StopFollowUpsInput,
    ) -> async_graphql::Result<StopFollowUpsPayload> {
        let me = user(ctx)?;
        let sequence = uc::stop(state(ctx), me, &input.sequence_id).await?;
        Ok(StopFollowUpsPayload { sequence: FollowUpSequenceNode(sequence) })
    }
}
