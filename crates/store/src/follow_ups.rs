//! Follow-up sequences: steps that go out after an email when the contact does not reply.
//!
//! A sequence is created with the send or schedule of its first email (same transaction). Step
//! `n` waits `afterSeconds` from the send of the message before it (`"previousEmailId"`: the
//! first email for step 0, step `n-1`'s email after that), so its `"dueAt"` is set when that
//! message is sent ([`crate::delivery`]'s `mark_sent`, same transaction). A worker claims due
//! PENDING steps with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and records the drafted
//! email fenced by that lease, so two processes never write a step twice.
//!
//! Stopping is ONE place, [`stop_sequences!`]: every path (a RECEIVED entry, `stopFollowUps`, a
//! deleted contact or email, the worker seeing a reply) runs it inside the transaction of its
//! change. It stops the sequence, its PENDING steps, and cancels follow-up emails still
//! SCHEDULED (not leased by a sending worker). Webhook events (`followup.stopped`) belong there,
//! as a row written in the same transaction.

use crate::db::{Db, Store};
use crate::emails::{EmailRow, INSERT_EMAIL};
use crate::error::{Result, StoreError};
use crate::ts::{self, Ts};
use crate::write_tx::BeginWrite;
use chrono::{DateTime, Utc};
use domain::followup::{Delay, NewFollowUps};
use domain::inputs::NewEmail;
use domain::{Email, FollowUpStepStatus, FollowUpStopReason};
use std::time::Duration;

/// One step of a sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpStep {
    /// Row id.
    pub id: String,
    /// The sequence.
    pub sequence_id: String,
    /// Owner.
    pub user_id: String,
    /// Position, from 0.
    pub index: i32,
    /// Wait after the previous message's send.
    pub after: Delay,
    /// What the AI should say.
    pub instructions: Option<String>,
    /// Write it from this template.
    pub template_id: Option<String>,
    /// Send without approval.
    pub auto_send: bool,
    /// Where it is.
    pub status: FollowUpStepStatus,
    /// The message it follows (known once that message exists).
    pub previous_email_id: Option<String>,
    /// When it falls due (known once the previous message is sent).
    pub due_at: Option<DateTime<Utc>>,
    /// The email it became.
    pub email_id: Option<String>,
    /// Why it failed.
    pub last_error: Option<String>,
}

/// A sequence and its steps, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpSequence {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// The contact (`None` once deleted).
    pub contact_id: Option<String>,
    /// The email that starts it (`None` once deleted).
    pub first_email_id: Option<String>,
    /// When it stopped early.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Why it stopped early.
    pub stopped_reason: Option<FollowUpStopReason>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Its steps, by index.
    pub steps: Vec<FollowUpStep>,
}

/// A sequence that was just stopped (what a `followup.stopped` event carries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoppedSequence {
    /// The sequence.
    pub id: String,
    /// Its owner.
    pub user_id: String,
    /// Why.
    pub reason: FollowUpStopReason,
}

/// The message a follow-up answers: what threading and the reply check need.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousMessage {
    /// Its subject.
    pub subject: String,
    /// When it was sent (`None`: not yet).
    pub sent_at: Option<DateTime<Utc>>,
    /// Its `Message-ID` (angle brackets included).
    pub message_id: Option<String>,
    /// Its own `References` (when it was itself a follow-up).
    pub references: Option<String>,
}

/// A drafted step, ready to be recorded: the email and its threading headers.
#[derive(Debug, Clone)]
pub struct DraftedStep<'a> {
    /// The email to insert (a DRAFT).
    pub email: &'a NewEmail,
    /// `In-Reply-To`: the previous message's `Message-ID`.
    pub in_reply_to: Option<String>,
    /// `References`: the thread's ids, oldest first.
    pub references: Option<String>,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct StepRow {
    id: String,
    sequence_id: String,
    user_id: String,
    index: i32,
    after_seconds: i64,
    instructions: Option<String>,
    template_id: Option<String>,
    auto_send: bool,
    status: String,
    previous_email_id: Option<String>,
    due_at: Option<Ts>,
    email_id: Option<String>,
    last_error: Option<String>,
}

impl From<StepRow> for FollowUpStep {
    fn from(r: StepRow) -> Self {
        FollowUpStep {
            id: r.id,
            sequence_id: r.sequence_id,
            user_id: r.user_id,
            index: r.index,
            after: Delay::from_secs(r.after_seconds),
            instructions: r.instructions,
            template_id: r.template_id,
            auto_send: r.auto_send,
            // The CHECK constraint admits only the five spellings.
            status: r.status.parse().unwrap_or(FollowUpStepStatus::Failed),
            previous_email_id: r.previous_email_id,
            due_at: ts::opt(r.due_at),
            email_id: r.email_id,
            last_error: r.last_error,
        }
    }
}

macro_rules! step_cols {
    () => {
        r#""id", "sequenceId", "userId", "index", "afterSeconds", "instructions", "templateId", "autoSend", "status", "previousEmailId", "dueAt", "emailId", "lastError""#
    };
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct SequenceRow {
    id: String,
    user_id: String,
    contact_id: Option<String>,
    first_email_id: Option<String>,
    stopped_at: Option<Ts>,
    stopped_reason: Option<String>,
    created_at: Ts,
}

impl SequenceRow {
    fn with_steps(self, steps: Vec<FollowUpStep>) -> FollowUpSequence {
        FollowUpSequence {
            id: self.id,
            user_id: self.user_id,
            contact_id: self.contact_id,
            first_email_id: self.first_email_id,
            stopped_at: ts::opt(self.stopped_at),
            stopped_reason: self.stopped_reason.and_then(|r| r.parse().ok()),
            created_at: self.created_at.0,
            steps,
        }
    }
}

macro_rules! sequence_cols {
    () => {
        r#""id", "userId", "contactId", "firstEmailId", "stoppedAt", "stoppedReason", "createdAt""#
    };
}

/// Creates the sequence started by email `$email_id` inside transaction `$tx` (the one that
/// sends or schedules it). Refuses (`Conflict`) an email that already starts a sequence or is
/// itself a follow-up.
macro_rules! insert_follow_ups {
    ($tx:ident, $user_id:expr, $email_id:expr, $follow_ups:expr) => {{
        const TAKEN: &str = r#"SELECT COUNT(*) FROM "follow_up_sequences" WHERE "firstEmailId" = $1"#;
        const IS_STEP: &str = r#"SELECT COUNT(*) FROM "follow_up_steps" WHERE "emailId" = $1"#;
        const SEQUENCE: &str = r#"INSERT INTO "follow_up_sequences"
            ("id", "userId", "contactId", "firstEmailId", "createdAt", "updatedAt")
            SELECT $1, e."userId", e."contactId", e."id", $2, $2 FROM "emails" e
            WHERE e."id" = $3 AND e."userId" = $4"#;
        const STEP: &str = r#"INSERT INTO "follow_up_steps" ("id", "sequenceId", "userId", "index",
            "afterSeconds", "instructions", "templateId", "autoSend", "status", "previousEmailId",
            "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'PENDING', $9, $10, $10)"#;
        let follow_ups: &domain::followup::NewFollowUps = $follow_ups;
        let email_id: &str = $email_id;
        let user_id: &str = $user_id;
        let taken: i64 = sqlx::query_scalar(TAKEN).bind(email_id).fetch_one(&mut *$tx).await?;
        let is_step: i64 = sqlx::query_scalar(IS_STEP).bind(email_id).fetch_one(&mut *$tx).await?;
        if taken > 0 || is_step > 0 {
            return Err($crate::error::StoreError::Conflict("this email already has follow-ups".into()));
        }
        let now = $crate::ts::Ts::new(follow_ups.now);
        let sequence_id = domain::new_id();
        sqlx::query(SEQUENCE)
            .bind(&sequence_id)
            .bind(now)
            .bind(email_id)
            .bind(user_id)
            .execute(&mut *$tx)
            .await?;
        for (i, step) in follow_ups.steps.iter().enumerate() {
            let previous = (i == 0).then_some(email_id);
            sqlx::query(STEP)
                .bind(domain::new_id())
                .bind(&sequence_id)
                .bind(user_id)
                .bind(i32::try_from(i).unwrap_or(i32::MAX))
                .bind(step.after.secs())
                .bind(step.instructions.as_deref())
                .bind(step.template_id.as_deref())
                .bind(step.auto_send)
                .bind(previous)
                .bind(now)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(crate) use insert_follow_ups;

/// Stops the sequences `$ids` (those not stopped yet) with `$reason` at `$now` inside `$tx`:
/// PENDING steps become STOPPED, follow-up emails still SCHEDULED and not being sent are
/// CANCELLED (their steps STOPPED). Evaluates to the sequences it stopped. THE one place a
/// sequence stops; emit `followup.stopped` here (in the same transaction).
macro_rules! stop_sequences {
    ($tx:ident, $ids:expr, $reason:expr, $now:expr) => {{
        const SEQUENCE: &str = r#"UPDATE "follow_up_sequences" SET "stoppedAt" = $1, "stoppedReason" = $2, "updatedAt" = $1
            WHERE "id" = $3 AND "stoppedAt" IS NULL RETURNING "userId""#;
        const STEPS: &str = r#"UPDATE "follow_up_steps" SET "status" = 'STOPPED', "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $1
            WHERE "sequenceId" = $2 AND "status" = 'PENDING'"#;
        const CANCEL: &str = r#"UPDATE "emails" SET "status" = 'CANCELLED', "nextAttemptAt" = NULL,
            "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $1
            WHERE "status" = 'SCHEDULED' AND ("lockedUntil" IS NULL OR "lockedUntil" <= $1)
              AND "id" IN (SELECT "emailId" FROM "follow_up_steps" WHERE "sequenceId" = $2 AND "emailId" IS NOT NULL)
            RETURNING "id""#;
        const CANCELLED_STEP: &str = r#"UPDATE "follow_up_steps" SET "status" = 'STOPPED', "updatedAt" = $1 WHERE "emailId" = $2"#;
        let reason: domain::FollowUpStopReason = $reason;
        let now: $crate::ts::Ts = $now;
        let mut stopped: Vec<$crate::follow_ups::StoppedSequence> = Vec::new();
        for id in $ids {
            let user: Option<String> = sqlx::query_scalar(SEQUENCE)
                .bind(now).bind(reason.as_str()).bind(&id).fetch_optional(&mut *$tx).await?;
            let Some(user_id) = user else { continue };
            sqlx::query(STEPS).bind(now).bind(&id).execute(&mut *$tx).await?;
            let cancelled: Vec<String> =
                sqlx::query_scalar(CANCEL).bind(now).bind(&id).fetch_all(&mut *$tx).await?;
            for email_id in cancelled {
                sqlx::query(CANCELLED_STEP).bind(now).bind(&email_id).execute(&mut *$tx).await?;
            }
            tracing::info!(sequence_id = %id, reason = %reason, "follow-ups stopped");
            // The webhook event, in the transaction that stops the sequence.
            let data = serde_json::json!({
                "id": id, "reason": reason.as_str(), "stoppedAt": $crate::outbox::time(now) });
            $crate::outbox::emit!(&mut *$tx, &user_id, $crate::outbox::Event::new(
                domain::webhook::EventType::FollowupStopped, data))?;
            stopped.push($crate::follow_ups::StoppedSequence { id, user_id, reason });
        }
        stopped
    }};
}
pub(crate) use stop_sequences;

/// The active sequences of a contact started no later than `$3` (binds: user, contact, time).
pub(crate) const ACTIVE_FOR_CONTACT: &str = r#"SELECT "id" FROM "follow_up_sequences"
    WHERE "userId" = $1 AND "contactId" = $2 AND "stoppedAt" IS NULL AND "createdAt" <= $3"#;

/// The active sequences an email starts or belongs to (binds: user, email).
pub(crate) const ACTIVE_FOR_EMAIL: &str = r#"SELECT "id" FROM "follow_up_sequences"
    WHERE "userId" = $1 AND "stoppedAt" IS NULL
      AND ("firstEmailId" = $2 OR "id" IN (SELECT "sequenceId" FROM "follow_up_steps" WHERE "emailId" = $2))"#;

/// After email `$email_id` was sent at `$sent_at` (inside `mark_sent`'s transaction): its step
/// (if it is a follow-up) is SENT, and the step that follows it falls due `after` from now on.
macro_rules! follow_ups_on_sent {
    ($tx:ident, $email_id:expr, $sent_at:expr, $now:expr) => {{
        const STEP_SENT: &str = r#"UPDATE "follow_up_steps" SET "status" = 'SENT', "lastError" = NULL, "updatedAt" = $1
            WHERE "emailId" = $2 AND "status" IN ('DRAFTED', 'FAILED')"#;
        const NEXT: &str = r#"SELECT "id", "afterSeconds" FROM "follow_up_steps"
            WHERE "previousEmailId" = $1 AND "status" = 'PENDING' AND "dueAt" IS NULL"#;
        const DUE: &str = r#"UPDATE "follow_up_steps" SET "dueAt" = $1, "updatedAt" = $2 WHERE "id" = $3"#;
        let sent_at: $crate::ts::Ts = $sent_at;
        let now: $crate::ts::Ts = $now;
        sqlx::query(STEP_SENT).bind(now).bind($email_id).execute(&mut *$tx).await?;
        let next: Vec<(String, i64)> = sqlx::query_as(NEXT).bind($email_id).fetch_all(&mut *$tx).await?;
        for (step_id, secs) in next {
            let due = $crate::ts::Ts::new(sent_at.0 + chrono::Duration::seconds(secs));
            sqlx::query(DUE).bind(due).bind(now).bind(&step_id).execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use follow_ups_on_sent;

/// PostgreSQL: concurrent workers skip each other's locked rows.
const CLAIM_POSTGRES: &str = concat!(
    r#"UPDATE "follow_up_steps" SET "lockedBy" = $1, "lockedUntil" = $2
       WHERE "id" IN (SELECT "id" FROM "follow_up_steps"
                      WHERE "status" = 'PENDING' AND "dueAt" <= $3
                        AND ("lockedUntil" IS NULL OR "lockedUntil" <= $3)
                      ORDER BY "dueAt", "id" LIMIT $4 FOR UPDATE SKIP LOCKED)
         AND "status" = 'PENDING' RETURNING "#,
    step_cols!()
);
/// SQLite: one writer at a time, so the plain statement is already exclusive.
const CLAIM_SQLITE: &str = concat!(
    r#"UPDATE "follow_up_steps" SET "lockedBy" = $1, "lockedUntil" = $2
       WHERE "id" IN (SELECT "id" FROM "follow_up_steps"
                      WHERE "status" = 'PENDING' AND "dueAt" <= $3
                        AND ("lockedUntil" IS NULL OR "lockedUntil" <= $3)
                      ORDER BY "dueAt", "id" LIMIT $4)
         AND "status" = 'PENDING' RETURNING "#,
    step_cols!()
);

impl Store {
    async fn steps_of(&self, sequence_id: &str) -> Result<Vec<FollowUpStep>> {
        const SQL: &str = concat!(
            "SELECT ",
            step_cols!(),
            r#" FROM "follow_up_steps" WHERE "sequenceId" = $1 ORDER BY "index""#
        );
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, StepRow>(SQL)
            .bind(sequence_id).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// One of the user's sequences with its steps.
    pub async fn follow_up_sequence(&self, user_id: &str, id: &str) -> Result<FollowUpSequence> {
        const SQL: &str = concat!(
            "SELECT ",
            sequence_cols!(),
            r#" FROM "follow_up_sequences" WHERE "id" = $1 AND "userId" = $2"#
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, SequenceRow>(SQL)
            .bind(id).bind(user_id).fetch_optional(p).await)?;
        let row = row.ok_or(StoreError::NotFound)?;
        let steps = self.steps_of(&row.id).await?;
        Ok(row.with_steps(steps))
    }

    /// The sequence one of the user's emails starts or belongs to (as a follow-up), if any.
    pub async fn follow_up_for_email(
        &self,
        user_id: &str,
        email_id: &str,
    ) -> Result<Option<FollowUpSequence>> {
        const SQL: &str = concat!(
            "SELECT ",
            sequence_cols!(),
            r#" FROM "follow_up_sequences" WHERE "userId" = $1
                AND ("firstEmailId" = $2 OR "id" = (SELECT "sequenceId" FROM "follow_up_steps" WHERE "emailId" = $2))"#
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, SequenceRow>(SQL)
            .bind(user_id).bind(email_id).fetch_optional(p).await)?;
        match row {
            None => Ok(None),
            Some(row) => {
                let steps = self.steps_of(&row.id).await?;
                Ok(Some(row.with_steps(steps)))
            }
        }
    }

    /// Stops one of the user's sequences by hand. `NotFound` for another user's; `Conflict` when
    /// it already stopped or has no PENDING step left.
    pub async fn stop_follow_ups(
        &self,
        user_id: &str,
        id: &str,
        reason: FollowUpStopReason,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoppedSequence>> {
        let seq = self.follow_up_sequence(user_id, id).await?;
        if let Some(reason) = seq.stopped_reason {
            return Err(StoreError::Conflict(format!("follow-ups already stopped ({reason})")));
        }
        if !seq
            .steps
            .iter()
            .any(|s| matches!(s.status, FollowUpStepStatus::Pending | FollowUpStepStatus::Drafted))
        {
            return Err(StoreError::Conflict("no follow-up is pending".into()));
        }
        let now = Ts::new(now);
        let ids = vec![seq.id];
        let stopped = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let stopped = stop_sequences!(tx, ids, reason, now);
            tx.commit().await?;
            stopped
        });
        Ok(stopped)
    }

    /// Leases up to `limit` PENDING steps due at `now` to `worker` until `now + lease`.
    /// Concurrent workers never receive the same step.
    pub async fn claim_due_follow_ups(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<FollowUpStep>> {
        let lease = chrono::TimeDelta::from_std(lease)
            .map_err(|_| StoreError::Invalid(format!("lease {lease:?} is too long")))?;
        let until = Ts::new(now + lease);
        let sql = match &self.db {
            Db::Postgres(_) => CLAIM_POSTGRES,
            Db::Sqlite(_) => CLAIM_SQLITE,
        };
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, StepRow>(sqlx::AssertSqlSafe(sql))
            .bind(worker).bind(until).bind(Ts::new(now)).bind(i64::from(limit))
            .fetch_all(p).await)?;
        let mut steps: Vec<FollowUpStep> = rows.into_iter().map(Into::into).collect();
        steps.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.id.cmp(&b.id)));
        Ok(steps)
    }

    /// When the next PENDING step not leased right now is due, for an idle worker to sleep until.
    pub async fn next_follow_up_due_at(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>> {
        const SQL: &str = r#"SELECT "dueAt" FROM "follow_up_steps"
            WHERE "status" = 'PENDING' AND "dueAt" IS NOT NULL AND ("lockedUntil" IS NULL OR "lockedUntil" <= $1)
            ORDER BY "dueAt" LIMIT 1"#;
        let next = on_db!(&self.db, p => sqlx::query_scalar::<_, Option<Ts>>(SQL)
            .bind(Ts::new(now)).fetch_optional(p).await)?;
        Ok(next.flatten().map(|t| t.0))
    }

    /// The message a step follows (one of the user's emails).
    pub async fn previous_message(&self, user_id: &str, email_id: &str) -> Result<PreviousMessage> {
        const SQL: &str = r#"SELECT e."subject", e."sentAt", e."messageId",
            (SELECT s."references" FROM "follow_up_steps" s WHERE s."emailId" = e."id") AS "references"
            FROM "emails" e WHERE e."id" = $1 AND e."userId" = $2"#;
        let row = on_db!(&self.db, p => sqlx::query_as::<_, (String, Option<Ts>, Option<String>, Option<String>)>(SQL)
            .bind(email_id).bind(user_id).fetch_optional(p).await)?;
        let (subject, sent_at, message_id, references) = row.ok_or(StoreError::NotFound)?;
        Ok(PreviousMessage { subject, sent_at: ts::opt(sent_at), message_id, references })
    }

    /// Whether the contact wrote to the user (a RECEIVED entry) at or after `since`.
    pub async fn replied_since(&self, user_id: &str, contact_id: &str, since: DateTime<Utc>) -> Result<bool> {
        const SQL: &str = r#"SELECT COUNT(*) FROM "conversation_history"
            WHERE "userId" = $1 AND "contactId" = $2 AND "direction" = 'RECEIVED' AND "timestamp" >= $3"#;
        let n = on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(SQL)
            .bind(user_id).bind(contact_id).bind(Ts::new(since)).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Records a claimed step as drafted, if `worker` still holds its lease and it is still
    /// PENDING (else `None` and nothing is stored): in one transaction the email is inserted, the
    /// step becomes DRAFTED with its threading headers, and the next step learns which message
    /// it follows.
    pub async fn record_follow_up_draft(
        &self,
        step: &FollowUpStep,
        worker: &str,
        drafted: &DraftedStep<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<Email>> {
        const DRAFTED: &str = r#"UPDATE "follow_up_steps" SET "status" = 'DRAFTED', "emailId" = $1,
            "inReplyTo" = $2, "references" = $3, "lastError" = NULL, "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $4
            WHERE "id" = $5 AND "lockedBy" = $6 AND "status" = 'PENDING'"#;
        const NEXT: &str = r#"UPDATE "follow_up_steps" SET "previousEmailId" = $1, "updatedAt" = $2
            WHERE "sequenceId" = $3 AND "index" = $4 AND "status" = 'PENDING'"#;
        let new = drafted.email;
        let now = Ts::new(now);
        let email = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query_as::<_, EmailRow>(INSERT_EMAIL)
                .bind(domain::new_id())
                .bind(new.subject.as_str())
                .bind(new.body.as_str())
                .bind(new.body_html.as_ref().map(|h| h.as_str()))
                .bind(new.status)
                .bind(new.template_type)
                .bind(new.provider_id.as_deref())
                .bind(new.tokens_used)
                .bind(new.generated_at.map(Ts::new))
                .bind(new.sent_at.map(Ts::new))
                .bind(new.last_error.as_deref())
                .bind(now)
                .bind(&new.contact_id)
                .bind(&step.user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else { return Err(StoreError::NotFound) };
            let email = Email::from(row);
            let done = sqlx::query(DRAFTED)
                .bind(&email.id)
                .bind(drafted.in_reply_to.as_deref())
                .bind(drafted.references.as_deref())
                .bind(now)
                .bind(&step.id)
                .bind(worker)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done == 0 {
                // Stopped or taken over meanwhile: the transaction rolls back, nothing stored.
                None
            } else {
                sqlx::query(NEXT).bind(&email.id).bind(now).bind(&step.sequence_id).bind(step.index + 1)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
                Some(email)
            }
        });
        Ok(email)
    }

    /// Records a claimed step that could not be written, if `worker` still holds its lease.
    pub async fn fail_follow_up(
        &self,
        step_id: &str,
        worker: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        const SQL: &str = r#"UPDATE "follow_up_steps" SET "status" = 'FAILED', "lastError" = $1,
            "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $2
            WHERE "id" = $3 AND "lockedBy" = $4 AND "status" = 'PENDING'"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL)
            .bind(error).bind(Ts::new(now)).bind(step_id).bind(worker)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Gives a claimed step back untouched (for a worker shutting down).
    pub async fn release_follow_up(&self, step_id: &str, worker: &str) -> Result<bool> {
        const SQL: &str = r#"UPDATE "follow_up_steps" SET "lockedBy" = NULL, "lockedUntil" = NULL
            WHERE "id" = $1 AND "lockedBy" = $2 AND "status" = 'PENDING'"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL)
            .bind(step_id).bind(worker).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Stops the sequence `sequence_id` because the contact replied (the worker's own check,
    /// for replies filed without a RECEIVED entry hook, e.g. by direct SQL).
    pub async fn stop_follow_ups_replied(
        &self,
        sequence_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoppedSequence>> {
        let ids = vec![sequence_id.to_owned()];
        let now = Ts::new(now);
        let stopped = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let stopped = stop_sequences!(tx, ids, FollowUpStopReason::Replied, now);
            tx.commit().await?;
            stopped
        });
        Ok(stopped)
    }
}

/// The follow-ups a new sequence gets, or none (the send/schedule paths take this).
pub type FollowUpsArg<'a> = Option<&'a NewFollowUps>;
