//! Webhook endpoints and their deliveries: CRUD scoped by user, the delivery log, and the
//! queries of the delivery worker (lease, outcome, disabling an endpoint that keeps failing).
//!
//! A delivery is PENDING until it is DELIVERED or, once its retries are exhausted, FAILED.
//! Workers lease PENDING rows (`"lockedBy"`, `"lockedUntil"`); outcomes apply only while the
//! lease is still theirs, and a crashed worker's rows are claimable again when the lease expires
//! (at-least-once: the receiver may see an event twice, always with the same `webhook-id`).

use crate::db::{Db, Store};
use crate::error::{Result, StoreError};
use crate::ts::{self, Ts};
use crate::write_tx::BeginWrite;
use chrono::{DateTime, Utc};

/// A stored endpoint (the secret stays as stored: encrypted when a key is configured).
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct WebhookRow {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Where events are posted.
    pub url: String,
    /// Subscribed event types, comma-wrapped (`,contact.created,email.sent,`).
    pub events: String,
    /// Free text.
    pub description: Option<String>,
    /// The signing secret as stored.
    pub secret_enc: String,
    /// The secret before the last rotation, as stored.
    pub previous_secret_enc: Option<String>,
    /// Until when the previous secret also signs.
    pub previous_secret_until: Option<Ts>,
    /// False once disabled (by the user or after repeated failures).
    pub enabled: bool,
    /// Deliveries that failed for good since the last success.
    pub consecutive_failures: i32,
    /// When it was disabled automatically.
    pub disabled_at: Option<Ts>,
    /// Why it was disabled automatically.
    pub disabled_reason: Option<String>,
    /// Creation time.
    pub created_at: Ts,
}

impl WebhookRow {
    /// The subscribed event names, in stored order.
    pub fn event_names(&self) -> Vec<String> {
        self.events.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

macro_rules! webhook_cols {
    () => {
        r#""id", "userId", "url", "events", "description", "secretEnc", "previousSecretEnc", "previousSecretUntil", "enabled", "consecutiveFailures", "disabledAt", "disabledReason", "createdAt""#
    };
}

/// Wraps event names for the `"events"` column.
pub fn events_column(names: &[&str]) -> String {
    format!(",{},", names.join(","))
}

/// One row of the delivery log: an event for an endpoint and how its delivery went.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct DeliveryRow {
    /// Row id (`<event id>:<webhook id>`).
    pub id: String,
    /// The endpoint.
    pub webhook_id: String,
    /// The `webhook-id` sent.
    pub event_id: String,
    /// The event type.
    pub event_type: String,
    /// The exact body sent.
    pub payload: String,
    /// PENDING, DELIVERED or FAILED.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// When the next attempt is due (NULL = at once, while PENDING).
    pub next_attempt_at: Option<Ts>,
    /// HTTP status of the last attempt (none when it got no response).
    pub last_status_code: Option<i32>,
    /// Duration of the last attempt.
    pub last_duration_ms: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<Ts>,
    /// When the event happened.
    pub created_at: Ts,
}

macro_rules! delivery_cols {
    () => {
        r#""id", "webhookId", "eventId", "eventType", "payload", "status", "attempts", "nextAttemptAt", "lastStatusCode", "lastDurationMs", "lastError", "deliveredAt", "createdAt""#
    };
}

/// A leased delivery with what posting it needs.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct DueDelivery {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// The endpoint.
    pub webhook_id: String,
    /// The `webhook-id`.
    pub event_id: String,
    /// The exact body.
    pub payload: String,
    /// Attempts made before this one.
    pub attempts: i32,
    /// When the event happened (retries stop a day after).
    pub created_at: Ts,
    /// Endpoint URL.
    pub url: Option<String>,
    /// Current secret, as stored.
    pub secret_enc: Option<String>,
    /// Previous secret, as stored.
    pub previous_secret_enc: Option<String>,
    /// Until when the previous secret signs.
    pub previous_secret_until: Option<Ts>,
}

/// The outcome of one attempt, for the log.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// HTTP status, if a response came.
    pub status_code: Option<i32>,
    /// How long it took.
    pub duration_ms: i32,
    /// Why it failed (None on success).
    pub error: Option<String>,
}

macro_rules! claim_head {
    () => {
        r#"UPDATE "webhook_deliveries" SET "lockedBy" = $1, "lockedUntil" = $2
           WHERE "id" IN (SELECT "id" FROM "webhook_deliveries"
                          WHERE "status" = 'PENDING' AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= $3)
                            AND ("lockedUntil" IS NULL OR "lockedUntil" <= $3)
                          ORDER BY "createdAt", "id" LIMIT $4"#
    };
}

macro_rules! due_delivery_cols {
    () => {
        r#""id", "userId", "webhookId", "eventId", "payload", "attempts", "createdAt",
           (SELECT w."url" FROM "webhooks" w WHERE w."id" = "webhook_deliveries"."webhookId") AS "url",
           (SELECT w."secretEnc" FROM "webhooks" w WHERE w."id" = "webhook_deliveries"."webhookId") AS "secretEnc",
           (SELECT w."previousSecretEnc" FROM "webhooks" w WHERE w."id" = "webhook_deliveries"."webhookId") AS "previousSecretEnc",
           (SELECT w."previousSecretUntil" FROM "webhooks" w WHERE w."id" = "webhook_deliveries"."webhookId") AS "previousSecretUntil""#
    };
}

/// PostgreSQL: concurrent workers skip each other's locked rows.
const CLAIM_POSTGRES: &str = concat!(
    claim_head!(),
    " FOR UPDATE SKIP LOCKED) AND \"status\" = 'PENDING' RETURNING ",
    due_delivery_cols!()
);
/// SQLite: one writer at a time, so the plain statement is already exclusive.
const CLAIM_SQLITE: &str =
    concat!(claim_head!(), ") AND \"status\" = 'PENDING' RETURNING ", due_delivery_cols!());

impl Store {
    /// Stores a new, enabled endpoint.
    pub async fn create_webhook(
        &self,
        user_id: &str,
        url: &str,
        events: &str,
        description: Option<&str>,
        secret_enc: &str,
    ) -> Result<WebhookRow> {
        const SQL: &str = concat!(
            r#"INSERT INTO "webhooks" ("id", "userId", "url", "events", "description", "secretEnc", "enabled", "createdAt", "updatedAt")
               VALUES ($1, $2, $3, $4, $5, $6, true, $7, $7) RETURNING "#,
            webhook_cols!()
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, WebhookRow>(SQL)
            .bind(domain::new_id()).bind(user_id).bind(url).bind(events).bind(description).bind(secret_enc)
            .bind(Ts::now()).fetch_one(p).await)
        .map_err(crate::contacts::fk_to_not_found)?;
        Ok(row)
    }

    /// The user's endpoints, oldest first.
    pub async fn webhooks(&self, user_id: &str) -> Result<Vec<WebhookRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            webhook_cols!(),
            r#" FROM "webhooks" WHERE "userId" = $1 ORDER BY "createdAt", "id""#
        );
        Ok(on_db!(&self.db, p => sqlx::query_as::<_, WebhookRow>(SQL).bind(user_id).fetch_all(p).await)?)
    }

    /// One of the user's endpoints.
    pub async fn webhook(&self, user_id: &str, id: &str) -> Result<WebhookRow> {
        const SQL: &str =
            concat!("SELECT ", webhook_cols!(), r#" FROM "webhooks" WHERE "id" = $1 AND "userId" = $2"#);
        let row = on_db!(&self.db, p => sqlx::query_as::<_, WebhookRow>(SQL).bind(id).bind(user_id).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Changes an endpoint; `None` keeps a value. Enabling clears the failure count and the
    /// automatic-disable notice.
    pub async fn update_webhook(
        &self,
        user_id: &str,
        id: &str,
        url: Option<&str>,
        events: Option<&str>,
        description: Option<Option<&str>>,
        enabled: Option<bool>,
    ) -> Result<WebhookRow> {
        const SQL: &str = concat!(
            r#"UPDATE "webhooks" SET "url" = COALESCE($1, "url"), "events" = COALESCE($2, "events"),
               "description" = CASE WHEN $3 THEN $4 ELSE "description" END,
               "enabled" = COALESCE($5, "enabled"),
               "consecutiveFailures" = CASE WHEN $5 THEN 0 ELSE "consecutiveFailures" END,
               "disabledAt" = CASE WHEN $5 THEN NULL ELSE "disabledAt" END,
               "disabledReason" = CASE WHEN $5 THEN NULL ELSE "disabledReason" END,
               "updatedAt" = $6 WHERE "id" = $7 AND "userId" = $8 RETURNING "#,
            webhook_cols!()
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, WebhookRow>(SQL)
            .bind(url).bind(events).bind(description.is_some()).bind(description.flatten()).bind(enabled)
            .bind(Ts::now()).bind(id).bind(user_id).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Deletes an endpoint with its deliveries.
    pub async fn delete_webhook(&self, user_id: &str, id: &str) -> Result<()> {
        const SQL: &str = r#"DELETE FROM "webhooks" WHERE "id" = $1 AND "userId" = $2"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL).bind(id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Replaces the secret; the old one keeps signing until `grace_until`.
    pub async fn rotate_webhook_secret(
        &self,
        user_id: &str,
        id: &str,
        secret_enc: &str,
        grace_until: DateTime<Utc>,
    ) -> Result<WebhookRow> {
        const SQL: &str = concat!(
            r#"UPDATE "webhooks" SET "previousSecretEnc" = "secretEnc", "previousSecretUntil" = $1,
               "secretEnc" = $2, "updatedAt" = $3 WHERE "id" = $4 AND "userId" = $5 RETURNING "#,
            webhook_cols!()
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, WebhookRow>(SQL)
            .bind(Ts::new(grace_until)).bind(secret_enc).bind(Ts::now()).bind(id).bind(user_id)
            .fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Queues one event for one endpoint (the "Send test event" button), due at once.
    pub async fn enqueue_webhook_test(
        &self,
        user_id: &str,
        webhook_id: &str,
        event: &crate::outbox::Event,
    ) -> Result<()> {
        const SQL: &str = r#"INSERT INTO "webhook_deliveries"
            ("id", "userId", "webhookId", "eventId", "eventType", "payload", "status", "attempts", "createdAt", "updatedAt")
            SELECT CAST($1 AS TEXT) || ':' || w."id", w."userId", w."id", $1, $2, $3, 'PENDING', 0, $4, $4
            FROM "webhooks" w WHERE w."id" = $5 AND w."userId" = $6"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL).bind(&event.id).bind(event.kind).bind(&event.payload)
            .bind(event.at).bind(webhook_id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Up to `first` deliveries of one of the user's endpoints, newest first, after the row
    /// `after` (keyset on the time-ordered id).
    pub async fn webhook_deliveries(
        &self,
        user_id: &str,
        webhook_id: &str,
        first: i64,
        after: Option<&str>,
    ) -> Result<Vec<DeliveryRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            delivery_cols!(),
            r#" FROM "webhook_deliveries" WHERE "userId" = $1 AND "webhookId" = $2 AND ($3 IS NULL OR "id" < $3)
               ORDER BY "id" DESC LIMIT $4"#
        );
        Ok(on_db!(&self.db, p => sqlx::query_as::<_, DeliveryRow>(SQL)
            .bind(user_id).bind(webhook_id).bind(after).bind(first).fetch_all(p).await)?)
    }

    /// The user's endpoints that were disabled automatically (for the notice on Today).
    pub async fn disabled_webhooks(&self, user_id: &str) -> Result<Vec<WebhookRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            webhook_cols!(),
            r#" FROM "webhooks" WHERE "userId" = $1 AND "enabled" = false AND "disabledAt" IS NOT NULL ORDER BY "disabledAt" DESC"#
        );
        Ok(on_db!(&self.db, p => sqlx::query_as::<_, WebhookRow>(SQL).bind(user_id).fetch_all(p).await)?)
    }

    /// Leases up to `limit` due deliveries to `worker` until `until`, oldest event first.
    pub async fn claim_webhook_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<DueDelivery>> {
        let sql = match &self.db {
            Db::Postgres(_) => CLAIM_POSTGRES,
            Db::Sqlite(_) => CLAIM_SQLITE,
        };
        let mut rows = on_db!(&self.db, p => sqlx::query_as::<_, DueDelivery>(sqlx::AssertSqlSafe(sql))
            .bind(worker).bind(Ts::new(until)).bind(Ts::new(now)).bind(limit).fetch_all(p).await)?;
        rows.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
        Ok(rows)
    }

    /// Records a successful attempt (if `worker` still holds the lease) and resets the
    /// endpoint's failure count.
    pub async fn delivery_succeeded(&self, id: &str, worker: &str, a: &Attempt) -> Result<bool> {
        const SQL: &str = r#"UPDATE "webhook_deliveries" SET "status" = 'DELIVERED', "attempts" = "attempts" + 1,
            "lastStatusCode" = $1, "lastDurationMs" = $2, "lastError" = NULL, "deliveredAt" = $3,
            "nextAttemptAt" = NULL, "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $3
            WHERE "id" = $4 AND "lockedBy" = $5 AND "status" = 'PENDING' RETURNING "webhookId""#;
        const RESET: &str = r#"UPDATE "webhooks" SET "consecutiveFailures" = 0 WHERE "id" = $1"#;
        let now = Ts::now();
        let done = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let hook = sqlx::query_scalar::<_, String>(SQL)
                .bind(a.status_code).bind(a.duration_ms).bind(now).bind(id).bind(worker)
                .fetch_optional(&mut *tx).await?;
            if let Some(hook) = &hook {
                sqlx::query(RESET).bind(hook).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            hook.is_some()
        });
        Ok(done)
    }

    /// Records a failed attempt that will be retried at `next` (if `worker` still holds the lease).
    pub async fn delivery_retry(
        &self,
        id: &str,
        worker: &str,
        a: &Attempt,
        next: DateTime<Utc>,
    ) -> Result<bool> {
        const SQL: &str = r#"UPDATE "webhook_deliveries" SET "attempts" = "attempts" + 1,
            "lastStatusCode" = $1, "lastDurationMs" = $2, "lastError" = $3, "nextAttemptAt" = $4,
            "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $5
            WHERE "id" = $6 AND "lockedBy" = $7 AND "status" = 'PENDING'"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL)
            .bind(a.status_code).bind(a.duration_ms).bind(&a.error).bind(Ts::new(next)).bind(Ts::now())
            .bind(id).bind(worker).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records the last failed attempt: the delivery is FAILED, and the endpoint is disabled
    /// (with `reason`) once `disable_after` deliveries in a row failed. Returns whether this
    /// disabled it.
    pub async fn delivery_failed(
        &self,
        id: &str,
        worker: &str,
        a: &Attempt,
        disable_after: i32,
        reason: &str,
    ) -> Result<bool> {
        const SQL: &str = r#"UPDATE "webhook_deliveries" SET "status" = 'FAILED', "attempts" = "attempts" + 1,
            "lastStatusCode" = $1, "lastDurationMs" = $2, "lastError" = $3, "nextAttemptAt" = NULL,
            "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = $4
            WHERE "id" = $5 AND "lockedBy" = $6 AND "status" = 'PENDING' RETURNING "webhookId""#;
        const COUNT: &str = r#"UPDATE "webhooks" SET "consecutiveFailures" = "consecutiveFailures" + 1
            WHERE "id" = $1 RETURNING "consecutiveFailures", "enabled""#;
        const DISABLE: &str = r#"UPDATE "webhooks" SET "enabled" = false, "disabledAt" = $1, "disabledReason" = $2,
            "updatedAt" = $1 WHERE "id" = $3"#;
        let now = Ts::now();
        let disabled = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let hook = sqlx::query_scalar::<_, String>(SQL)
                .bind(a.status_code).bind(a.duration_ms).bind(&a.error).bind(now).bind(id).bind(worker)
                .fetch_optional(&mut *tx).await?;
            let mut disabled = false;
            if let Some(hook) = hook {
                let counted = sqlx::query_as::<_, (i32, bool)>(COUNT).bind(&hook).fetch_optional(&mut *tx).await?;
                if let Some((failures, true)) = counted
                    && failures >= disable_after
                {
                    sqlx::query(DISABLE).bind(now).bind(reason).bind(&hook).execute(&mut *tx).await?;
                    disabled = true;
                }
            }
            tx.commit().await?;
            disabled
        });
        Ok(disabled)
    }

    /// When the earliest PENDING delivery not leased now is due (None = nothing pending).
    pub async fn next_webhook_due(&self, now: DateTime<Utc>) -> Result<Option<Option<DateTime<Utc>>>> {
        const SQL: &str = r#"SELECT "nextAttemptAt" FROM "webhook_deliveries"
            WHERE "status" = 'PENDING' AND ("lockedUntil" IS NULL OR "lockedUntil" <= $1)
            ORDER BY "nextAttemptAt" IS NOT NULL, "nextAttemptAt" LIMIT 1"#;
        let next = on_db!(&self.db, p => sqlx::query_scalar::<_, Option<Ts>>(SQL)
            .bind(Ts::new(now)).fetch_optional(p).await)?;
        Ok(next.map(ts::opt))
    }
}
