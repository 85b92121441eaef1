//! Email delivery: the lifecycle state machine (DRAFT → SCHEDULED → SENT, or FAILED / CANCELLED)
//! and the queries the scheduler runs.
//!
//! User-facing transitions are scoped by user id and are each ONE conditional `UPDATE … WHERE
//! "status" IN (…) RETURNING`, so two requests racing on the same email cannot both win. When the
//! update matches nothing, the row is read to tell *absent* (`NotFound`) from *refused*
//! (`Conflict` naming the current status).
//!
//! Workers take a lease on SCHEDULED rows (`"lockedBy"`, `"lockedUntil"`): [`Store::claim_due`]
//! claims due, unleased rows; [`Store::mark_sent`], [`Store::mark_retry`] and
//! [`Store::mark_failed`] only apply while the row is still leased by the same worker (fencing), so a
//! worker that lost its lease (it stalled past `"lockedUntil"` and another worker re-claimed the row)
//! cannot overwrite the other worker's outcome. A crashed worker's rows become claimable again
//! when the lease expires, which makes delivery at-least-once with duplicates limited to a send
//! that outlived its lease.

use crate::db::{Db, Store};
use crate::emails::{EmailRow, email_cols};
use crate::error::{Result, StoreError};
use crate::follow_ups::{FollowUpsArg, follow_ups_on_sent, insert_follow_ups};
use crate::outbox::{self, Event, emit};
use crate::ts::{self, Ts};
use crate::write_tx::BeginWrite;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use domain::webhook::EventType;
use domain::{Email, EmailStatus};
use sqlx::types::Json;
use std::time::Duration;

/// A claimed email and everything a transport needs to send it.
#[derive(Debug, Clone, PartialEq)]
pub struct DueEmail {
    /// The email, as claimed (status SCHEDULED, `send_attempts` = attempts made before this one).
    pub email: Email,
    /// When this attempt was due (`"nextAttemptAt"`), for measuring scheduling lag.
    pub due_at: Option<DateTime<Utc>>,
    /// The recipient's display name.
    pub contact_name: String,
    /// The recipient's address; `None` means the email can never be sent.
    pub contact_email: Option<String>,
    /// The owning user's display name (the default sender).
    pub user_name: String,
    /// The owning user's address (the default sender and the `Reply-To`).
    pub user_email: String,
    /// The unguessable token of the open-tracking pixel.
    pub tracking_token: String,
    /// When the claim expires (`"lockedUntil"`); a worker should not start a send it cannot
    /// finish before then, since another worker may take the email over afterwards.
    pub lease_until: Option<DateTime<Utc>>,
    /// `In-Reply-To` for a follow-up: the previous message's `Message-ID`.
    pub in_reply_to: Option<String>,
    /// `References` for a follow-up: the thread's `Message-ID`s, oldest first.
    pub references: Option<String>,
}

/// A new open-tracking token: 32 random bytes, base64url without padding (43 characters).
pub fn new_tracking_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct DueRow {
    #[sqlx(flatten)]
    email: EmailRow,
    next_attempt_at: Option<Ts>,
    locked_until: Option<Ts>,
    tracking_token: Option<String>,
    contact_name: Option<String>,
    contact_email: Option<String>,
    user_name: Option<String>,
    user_email: Option<String>,
    in_reply_to: Option<String>,
    references: Option<String>,
}

impl DueRow {
    /// The email without a token yet, and the token it has (if any).
    fn split(self) -> (DueEmail, Option<String>) {
        let token = self.tracking_token.clone();
        (self.into_due(String::new()), token)
    }

    fn into_due(self, token: String) -> DueEmail {
        DueEmail {
            email: self.email.into(),
            due_at: ts::opt(self.next_attempt_at),
            contact_name: self.contact_name.unwrap_or_default(),
            contact_email: self.contact_email.filter(|e| !e.trim().is_empty()),
            user_name: self.user_name.unwrap_or_default(),
            user_email: self.user_email.unwrap_or_default(),
            tracking_token: token,
            lease_until: ts::opt(self.locked_until),
            in_reply_to: self.in_reply_to,
            references: self.references,
        }
    }
}

/// The email's columns plus what sending needs from the contact and the user. Scalar subqueries
/// rather than a join, because SQLite's `RETURNING` may only name the updated table.
macro_rules! due_cols {
    () => {
        concat!(
            email_cols!(),
            r#", "nextAttemptAt", "lockedUntil", "trackingToken",
            (SELECT c."name" FROM "contacts" c WHERE c."id" = "emails"."contactId") AS "contactName",
            (SELECT c."email" FROM "contacts" c WHERE c."id" = "emails"."contactId") AS "contactEmail",
            (SELECT u."name" FROM "users" u WHERE u."id" = "emails"."userId") AS "userName",
            (SELECT u."email" FROM "users" u WHERE u."id" = "emails"."userId") AS "userEmail",
            (SELECT s."inReplyTo" FROM "follow_up_steps" s WHERE s."emailId" = "emails"."id") AS "inReplyTo",
            (SELECT s."references" FROM "follow_up_steps" s WHERE s."emailId" = "emails"."id") AS "references""#
        )
    };
}

/// The claim statement up to the row-locking clause; `$3` is "now".
macro_rules! claim_head {
    () => {
        r#"UPDATE "emails" SET "lockedBy" = $1, "lockedUntil" = $2
           WHERE "id" IN (SELECT "id" FROM "emails"
                          WHERE "status" = 'SCHEDULED' AND "nextAttemptAt" <= $3
                            AND ("lockedUntil" IS NULL OR "lockedUntil" <= $3)
                          ORDER BY "nextAttemptAt", "id" LIMIT $4"#
    };
}

/// PostgreSQL: concurrent claimers skip each other's locked rows instead of queueing behind them
/// (and re-check the WHERE clause on rows another claimer changed meanwhile).
const CLAIM_POSTGRES: &str =
    concat!(claim_head!(), " FOR UPDATE SKIP LOCKED) AND \"status\" = 'SCHEDULED' RETURNING ", due_cols!());
/// SQLite: one writer at a time, so the plain statement is already exclusive.
const CLAIM_SQLITE: &str = concat!(claim_head!(), ") AND \"status\" = 'SCHEDULED' RETURNING ", due_cols!());

fn lease_end(now: DateTime<Utc>, lease: Duration) -> Result<Ts> {
    let lease = chrono::TimeDelta::from_std(lease)
        .map_err(|_| StoreError::Invalid(format!("lease {lease:?} is too long")))?;
    now.checked_add_signed(lease)
        .map(Ts::new)
        .ok_or_else(|| StoreError::Invalid(format!("lease {lease:?} is too long")))
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct SentRow {
    user_id: String,
    contact_id: String,
    subject: String,
    body: String,
}

impl Store {
    /// The error for a transition that matched no row: `NotFound`, or a `Conflict` naming the
    /// current status. A row still in one of the `from` states was refused because a worker holds
    /// its lease, i.e. it is being sent right now.
    async fn refusal(&self, user_id: &str, id: &str, from: &[EmailStatus], rule: &str) -> StoreError {
        const SQL: &str = r#"SELECT "status" FROM "emails" WHERE "id" = $1 AND "userId" = $2"#;
        let status = on_db!(&self.db, p => sqlx::query_scalar::<_, EmailStatus>(SQL)
            .bind(id).bind(user_id).fetch_optional(p).await);
        match status {
            Ok(None) => StoreError::NotFound,
            Ok(Some(status)) if from.contains(&status) => StoreError::Conflict(format!(
                "email is being sent ({status}, delivery attempt in progress); try again shortly"
            )),
            Ok(Some(status)) => StoreError::Conflict(format!("email is {status}; {rule}")),
            Err(e) => e.into(),
        }
    }

    /// Queues a DRAFT or FAILED email for `send_at` (the caller validates the range). Resets the
    /// attempt count and last error; keeps an existing tracking token.
    pub async fn schedule_email(&self, user_id: &str, id: &str, send_at: DateTime<Utc>) -> Result<Email> {
        self.schedule_email_with(user_id, id, send_at, None).await
    }

    /// [`Store::schedule_email`]; with `follow_ups`, the sequence the email starts is created in
    /// the same transaction.
    pub async fn schedule_email_with(
        &self,
        user_id: &str,
        id: &str,
        send_at: DateTime<Utc>,
        follow_ups: FollowUpsArg<'_>,
    ) -> Result<Email> {
        const SQL: &str = concat!(
            r#"UPDATE "emails" SET "status" = 'SCHEDULED', "scheduledAt" = $1, "nextAttemptAt" = $1,
               "sendAttempts" = 0, "lastError" = NULL, "lockedBy" = NULL, "lockedUntil" = NULL,
               "trackingToken" = COALESCE("trackingToken", $2), "updatedAt" = $3
               WHERE "id" = $4 AND "userId" = $5 AND "status" IN ('DRAFT', 'FAILED')
               RETURNING "#,
            email_cols!()
        );
        let row = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query_as::<_, EmailRow>(SQL)
                .bind(Ts::new(send_at))
                .bind(new_tracking_token())
                .bind(Ts::now())
                .bind(id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let email = row.map(Email::from);
            if let Some(e) = &email {
                if let Some(follow_ups) = follow_ups {
                    insert_follow_ups!(tx, user_id, id, follow_ups);
                }
                let data = outbox::email_data(&e.id, &e.contact_id, &e.subject,
                    serde_json::json!({ "scheduledAt": outbox::time(Ts::new(send_at)) }));
                emit!(&mut *tx, user_id, Event::new(EventType::EmailScheduled, data))?;
            }
            tx.commit().await?;
            email
        });
        match row {
            Some(email) => Ok(email),
            None => Err(self.refusal(user_id, id, &[], "only DRAFT or FAILED emails can be scheduled").await),
        }
    }

    /// Takes a SCHEDULED email back to DRAFT (clearing its schedule). Refused while a worker
    /// holds an unexpired lease on it.
    pub async fn unschedule_email(&self, user_id: &str, id: &str) -> Result<Email> {
        const SQL: &str = concat!(
            r#"UPDATE "emails" SET "status" = 'DRAFT', "scheduledAt" = NULL, "nextAttemptAt" = NULL,
               "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $1
               WHERE "id" = $2 AND "userId" = $3 AND "status" = 'SCHEDULED'
                 AND ("lockedUntil" IS NULL OR "lockedUntil" <= $1)
               RETURNING "#,
            email_cols!()
        );
        self.leave_scheduled(SQL, user_id, id, "only SCHEDULED emails can be unscheduled").await
    }

    /// Cancels a SCHEDULED email. Refused while a worker holds an unexpired lease on it.
    pub async fn cancel_email(&self, user_id: &str, id: &str) -> Result<Email> {
        const SQL: &str = concat!(
            r#"UPDATE "emails" SET "status" = 'CANCELLED', "nextAttemptAt" = NULL,
               "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $1
               WHERE "id" = $2 AND "userId" = $3 AND "status" = 'SCHEDULED'
                 AND ("lockedUntil" IS NULL OR "lockedUntil" <= $1)
               RETURNING "#,
            email_cols!()
        );
        self.leave_scheduled(SQL, user_id, id, "only SCHEDULED emails can be cancelled").await
    }

    /// Runs `sql`, an UPDATE taking a SCHEDULED email elsewhere (binds: now, id, user id;
    /// RETURNING the email), or explains why it matched nothing.
    async fn leave_scheduled(&self, sql: &'static str, user_id: &str, id: &str, rule: &str) -> Result<Email> {
        let row = on_db!(&self.db, p => sqlx::query_as::<_, EmailRow>(sql)
            .bind(Ts::now()).bind(id).bind(user_id).fetch_optional(p).await)?;
        match row {
            Some(row) => Ok(row.into()),
            None => Err(self.refusal(user_id, id, &[EmailStatus::Scheduled], rule).await),
        }
    }

    /// Starts an immediate send of a DRAFT or FAILED email: it becomes SCHEDULED, due now and
    /// already leased by `worker`, so no scheduler picks it while the request sends it; if the
    /// request dies, the scheduler takes over once the lease expires. `tracking_token` is used
    /// unless the email already has one.
    pub async fn begin_send_now(
        &self,
        user_id: &str,
        id: &str,
        worker: &str,
        lease: Duration,
        tracking_token: &str,
    ) -> Result<Email> {
        self.begin_send_now_with(user_id, id, worker, lease, tracking_token, None).await
    }

    /// [`Store::begin_send_now`]; with `follow_ups`, the sequence the email starts is created in
    /// the same transaction.
    pub async fn begin_send_now_with(
        &self,
        user_id: &str,
        id: &str,
        worker: &str,
        lease: Duration,
        tracking_token: &str,
        follow_ups: FollowUpsArg<'_>,
    ) -> Result<Email> {
        const SQL: &str = concat!(
            r#"UPDATE "emails" SET "status" = 'SCHEDULED', "scheduledAt" = $1, "nextAttemptAt" = $1,
               "sendAttempts" = 0, "lastError" = NULL, "lockedBy" = $2, "lockedUntil" = $3,
               "trackingToken" = COALESCE("trackingToken", $4), "updatedAt" = $1
               WHERE "id" = $5 AND "userId" = $6 AND "status" IN ('DRAFT', 'FAILED')
               RETURNING "#,
            email_cols!()
        );
        let now = Ts::now();
        let until = lease_end(now.0, lease)?;
        let row = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query_as::<_, EmailRow>(SQL)
                .bind(now)
                .bind(worker)
                .bind(until)
                .bind(tracking_token)
                .bind(id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            if let (Some(_), Some(follow_ups)) = (&row, follow_ups) {
                insert_follow_ups!(tx, user_id, id, follow_ups);
            }
            tx.commit().await?;
            row
        });
        match row {
            Some(row) => Ok(row.into()),
            None => Err(self.refusal(user_id, id, &[], "only DRAFT or FAILED emails can be sent").await),
        }
    }

    /// Atomically leases up to `limit` SCHEDULED emails due at `now` (lease absent or expired) to
    /// `worker` until `now + lease`, earliest due first, giving each a tracking token if it has
    /// none. Concurrent claimers never receive the same email.
    pub async fn claim_due(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<DueEmail>> {
        const FILL_TOKEN: &str = r#"UPDATE "emails" SET "trackingToken" = $1
            WHERE "id" = $2 AND "lockedBy" = $3 AND "trackingToken" IS NULL"#;
        if limit == 0 {
            return Ok(Vec::new());
        }
        let until = lease_end(now, lease)?;
        // The only dialect-specific statement of this module; see the two constants.
        let sql = match &self.db {
            Db::Postgres(_) => CLAIM_POSTGRES,
            Db::Sqlite(_) => CLAIM_SQLITE,
        };
        let mut due = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let rows = sqlx::query_as::<_, DueRow>(sqlx::AssertSqlSafe(sql))
                .bind(worker)
                .bind(until)
                .bind(Ts::new(now))
                .bind(i64::from(limit))
                .fetch_all(&mut *tx)
                .await?;
            let mut due = Vec::with_capacity(rows.len());
            for row in rows {
                let (mut item, token) = row.split();
                item.tracking_token = match token {
                    Some(token) => token,
                    None => {
                        // Rows scheduled by our own transitions already have one; this covers
                        // rows queued by other means (imports, manual SQL).
                        let token = new_tracking_token();
                        sqlx::query(FILL_TOKEN)
                            .bind(&token).bind(&item.email.id).bind(worker)
                            .execute(&mut *tx).await?;
                        token
                    }
                };
                due.push(item);
            }
            tx.commit().await?;
            due
        });
        due.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.email.id.cmp(&b.email.id)));
        Ok(due)
    }

    /// The email `id` if `worker` holds its lease (used right after [`Store::begin_send_now`]).
    pub async fn claimed_email(&self, id: &str, worker: &str) -> Result<Option<DueEmail>> {
        const SQL: &str = concat!(
            "SELECT ",
            due_cols!(),
            r#" FROM "emails" WHERE "id" = $1 AND "lockedBy" = $2 AND "status" = 'SCHEDULED'"#
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, DueRow>(SQL)
            .bind(id).bind(worker).fetch_optional(p).await)?;
        Ok(row.and_then(|mut row| {
            let token = row.tracking_token.take()?;
            Some(row.into_due(token))
        }))
    }

    /// Records a successful send, if `worker` still holds the lease (else returns `false` and
    /// changes nothing). In one transaction: the email becomes SENT with its `Message-ID`, a SENT
    /// conversation entry is appended, and the contact's last-contacted time moves to `sent_at`
    /// (never backwards).
    pub async fn mark_sent(
        &self,
        id: &str,
        worker: &str,
        message_id: &str,
        sent_at: DateTime<Utc>,
    ) -> Result<bool> {
        const SENT: &str = r#"UPDATE "emails" SET "status" = 'SENT', "sentAt" = $1, "messageId" = $2,
            "sendAttempts" = "sendAttempts" + 1, "lastError" = NULL, "nextAttemptAt" = NULL,
            "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $3
            WHERE "id" = $4 AND "lockedBy" = $5 AND "status" = 'SCHEDULED'
            RETURNING "userId", "contactId", "subject", "body""#;
        const HISTORY: &str = r#"INSERT INTO "conversation_history"
            ("id", "userId", "contactId", "content", "direction", "timestamp", "metadata")
            VALUES ($1, $2, $3, $4, 'SENT', $5, $6)"#;
        const CONTACTED: &str = r#"UPDATE "contacts" SET "lastContactedAt" = $1, "updatedAt" = $2
            WHERE "id" = $3 AND ("lastContactedAt" IS NULL OR "lastContactedAt" < $1)"#;
        let sent_at = Ts::new(sent_at);
        let now = Ts::now();
        let refresh = self.refresh_next_touch_sql();
        let done = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query_as::<_, SentRow>(SENT)
                .bind(sent_at).bind(message_id).bind(now).bind(id).bind(worker)
                .fetch_optional(&mut *tx).await?;
            match row {
                None => false,
                Some(row) => {
                    let metadata = serde_json::json!({
                        "emailId": id,
                        "messageId": message_id,
                        "subject": row.subject,
                    });
                    sqlx::query(HISTORY)
                        .bind(domain::new_id())
                        .bind(&row.user_id)
                        .bind(&row.contact_id)
                        .bind(format!("{}\n\n{}", row.subject, row.body))
                        .bind(sent_at)
                        .bind(Json(metadata))
                        .execute(&mut *tx).await?;
                    sqlx::query(CONTACTED)
                        .bind(sent_at).bind(now).bind(&row.contact_id)
                        .execute(&mut *tx).await?;
                    sqlx::query(crate::touch::TOUCH)
                        .bind(sent_at).bind(&row.contact_id)
                        .execute(&mut *tx).await?;
                    sqlx::query(refresh).bind(&row.contact_id).execute(&mut *tx).await?;
                    follow_ups_on_sent!(tx, id, sent_at, now);
                    let data = outbox::email_data(id, &row.contact_id, &row.subject, serde_json::json!({
                        "sentAt": outbox::time(sent_at), "messageId": message_id }));
                    emit!(&mut *tx, &row.user_id, Event::new(EventType::EmailSent, data))?;
                    tx.commit().await?;
                    true
                }
            }
        });
        Ok(done)
    }

    /// Records a transient failure, if `worker` still holds the lease: one more attempt, the
    /// error, the next attempt time; the email stays SCHEDULED and the lease is released.
    pub async fn mark_retry(
        &self,
        id: &str,
        worker: &str,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<bool> {
        const SQL: &str = r#"UPDATE "emails" SET "sendAttempts" = "sendAttempts" + 1, "lastError" = $1,
            "nextAttemptAt" = $2, "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $3
            WHERE "id" = $4 AND "lockedBy" = $5 AND "status" = 'SCHEDULED'"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL)
            .bind(error).bind(Ts::new(next_attempt_at)).bind(Ts::now()).bind(id).bind(worker)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records a permanent failure, if `worker` still holds the lease: the email becomes FAILED
    /// with the error, one more attempt counted, the lease released; a follow-up's step is
    /// FAILED too (same transaction).
    pub async fn mark_failed(&self, id: &str, worker: &str, error: &str) -> Result<bool> {
        const SQL: &str = r#"UPDATE "emails" SET "status" = 'FAILED', "sendAttempts" = "sendAttempts" + 1,
            "lastError" = $1, "nextAttemptAt" = NULL, "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $2
            WHERE "id" = $3 AND "lockedBy" = $4 AND "status" = 'SCHEDULED'
            RETURNING "userId", "contactId", "subject""#;
        const STEP: &str = r#"UPDATE "follow_up_steps" SET "status" = 'FAILED', "lastError" = $1, "updatedAt" = $2
            WHERE "emailId" = $3 AND "status" = 'DRAFTED'"#;
        let now = Ts::now();
        let done = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query_as::<_, (String, String, String)>(SQL)
                .bind(error).bind(now).bind(id).bind(worker)
                .fetch_optional(&mut *tx).await?;
            if let Some((user_id, contact_id, subject)) = &row {
                sqlx::query(STEP).bind(error).bind(now).bind(id).execute(&mut *tx).await?;
                let data = outbox::email_data(id, contact_id, subject, serde_json::json!({ "error": error }));
                emit!(&mut *tx, user_id, Event::new(EventType::EmailFailed, data))?;
            }
            tx.commit().await?;
            row.is_some()
        });
        Ok(done)
    }

    /// Gives a claimed email back untouched (no attempt counted), if `worker` still holds the
    /// lease, so the next claim (by any worker) can take it at once. For a worker that is shutting
    /// down or that no longer has enough of the lease left to start a send.
    pub async fn release_claim(&self, id: &str, worker: &str) -> Result<bool> {
        const SQL: &str = r#"UPDATE "emails" SET "lockedBy" = NULL, "lockedUntil" = NULL
            WHERE "id" = $1 AND "lockedBy" = $2 AND "status" = 'SCHEDULED'"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL)
            .bind(id).bind(worker).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// When the next SCHEDULED email not leased right now is due (possibly in the past), for an
    /// idle scheduler to sleep until. One row from the partial due index.
    pub async fn next_due_at(&self) -> Result<Option<DateTime<Utc>>> {
        const SQL: &str = concat!(
            r#"SELECT "nextAttemptAt" FROM "emails"
               WHERE "status" = 'SCHEDULED' AND "nextAttemptAt" IS NOT NULL AND "#,
            r#"("lockedUntil" IS NULL OR "lockedUntil" <= $1)
               ORDER BY "nextAttemptAt" LIMIT 1"#
        );
        let next = on_db!(&self.db, p => sqlx::query_scalar::<_, Option<Ts>>(SQL)
            .bind(Ts::now()).fetch_optional(p).await)?;
        Ok(next.flatten().map(|t| t.0))
    }

    /// Records the first fetch of a SENT email's tracking pixel. `false` for an unknown token, an
    /// email that is not SENT, or one already marked opened.
    pub async fn mark_opened(&self, token: &str) -> Result<bool> {
        const SQL: &str = r#"UPDATE "emails" SET "openedAt" = $1, "updatedAt" = $1
            WHERE "trackingToken" = $2 AND "status" = 'SENT' AND "openedAt" IS NULL
            RETURNING "id", "userId", "contactId", "subject""#;
        let now = Ts::now();
        let done = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query_as::<_, (String, String, String, String)>(SQL)
                .bind(now).bind(token).fetch_optional(&mut *tx).await?;
            if let Some((id, user_id, contact_id, subject)) = &row {
                let data = outbox::email_data(id, contact_id, subject,
                    serde_json::json!({ "openedAt": outbox::time(now) }));
                emit!(&mut *tx, user_id, Event::new(EventType::EmailOpened, data))?;
            }
            tx.commit().await?;
            row.is_some()
        });
        Ok(done)
    }

    /// The email carrying `token` as its tracking token, whoever owns it (the pixel endpoint is
    /// unauthenticated; the token is the capability).
    pub async fn email_by_tracking_token(&self, token: &str) -> Result<Option<Email>> {
        const SQL: &str = concat!("SELECT ", email_cols!(), r#" FROM "emails" WHERE "trackingToken" = $1"#);
        let row = on_db!(&self.db, p => sqlx::query_as::<_, EmailRow>(SQL)
            .bind(token).fetch_optional(p).await)?;
        Ok(row.map(Into::into))
    }
}
