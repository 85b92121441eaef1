//! The daily pass (digest and auto-drafts): which users are due (one range scan of
//! `user_preferences("nextDigestAt")`), the per user and day claim with a lease (a UNIQUE
//! `("userId", "day")` row, so a pass happens once per day whatever the number of processes or
//! restarts), the newly due contacts (a range scan of `("userId", "nextTouchAt")`), and auto-drafts
//! stored together with their per-day marker.

use crate::contacts::{ContactRow, contact_cols};
use crate::db::Store;
use crate::emails::{EmailRow, INSERT_EMAIL, bind_new_email};
use crate::error::Result;
use crate::ts::{self, Ts};
use crate::write_tx::BeginWrite;
use chrono::{DateTime, Utc};
use domain::inputs::NewEmail;
use domain::{Contact, Email};

/// A user whose daily pass is due.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct DuePass {
    /// The user.
    pub user_id: String,
    /// The slot this pass is for (the stored `nextDigestAt`).
    pub next_digest_at: Ts,
    /// Their time zone, if saved.
    pub time_zone: Option<String>,
    /// Local time `HH:MM`.
    pub digest_time: String,
    /// Send the digest email.
    pub daily_digest: bool,
    /// Draft for newly due contacts.
    pub auto_draft: bool,
    /// When the previous pass finished.
    pub last_pass_at: Option<Ts>,
    /// When the previous digest was sent.
    pub last_digest_at: Option<Ts>,
}

/// How a day's pass ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassOutcome {
    /// The digest email went out.
    Sent,
    /// Nothing to report (or the digest is off): no email.
    Skipped,
}

impl PassOutcome {
    fn as_str(self) -> &'static str {
        match self {
            PassOutcome::Sent => "SENT",
            PassOutcome::Skipped => "SKIPPED",
        }
    }
}

/// What a finished pass records.
#[derive(Debug, Clone)]
pub struct PassResult {
    /// Sent or skipped.
    pub outcome: PassOutcome,
    /// Contacts due at the time of the pass.
    pub due_count: i64,
    /// Auto-drafts created by this pass.
    pub draft_count: i64,
    /// The digest's `Message-ID`, when sent.
    pub message_id: Option<String>,
    /// When the pass finished (the injected clock).
    pub now: DateTime<Utc>,
    /// The user's next slot.
    pub next: Option<DateTime<Utc>>,
}

/// Takes (or takes over, once the holder's lease ran out) the claim of a user's day. `$1` id,
/// `$2` user, `$3` day, `$4` worker, `$5` lease end, `$6` now.
const CLAIM: &str = r#"INSERT INTO "digests" ("id", "userId", "day", "status", "worker", "leaseUntil", "createdAt", "updatedAt")
    VALUES ($1, $2, $3, 'RUNNING', $4, $5, $6, $6)
    ON CONFLICT ("userId", "day") DO UPDATE SET "worker" = excluded."worker",
        "leaseUntil" = excluded."leaseUntil", "updatedAt" = excluded."updatedAt"
    WHERE "digests"."status" = 'RUNNING' AND "digests"."leaseUntil" < excluded."updatedAt"
    RETURNING "id""#;

impl Store {
    /// Users whose daily pass is due at `now`, earliest first, at most `limit`.
    pub async fn due_passes(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<DuePass>> {
        const SQL: &str = r#"SELECT "userId", "nextDigestAt", "timeZone", "digestTime", "dailyDigest",
                "autoDraft", "lastPassAt", "lastDigestAt"
            FROM "user_preferences" WHERE "nextDigestAt" <= $1 ORDER BY "nextDigestAt" LIMIT $2"#;
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, DuePass>(SQL)
            .bind(Ts::new(now)).bind(i64::from(limit)).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Claims the user's pass for `day` (local `YYYY-MM-DD`) until `lease_until`; the digest id
    /// when this worker now holds it, None when another worker holds a live lease or the day
    /// is already done.
    pub async fn claim_pass(
        &self,
        user_id: &str,
        day: &str,
        worker: &str,
        lease_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        let id = on_db!(&self.db, p => sqlx::query_scalar::<_, String>(CLAIM)
            .bind(domain::new_id()).bind(user_id).bind(day).bind(worker)
            .bind(Ts::new(lease_until)).bind(Ts::new(now))
            .fetch_optional(p).await)?;
        Ok(id)
    }

    /// The status of the user's pass for `day` (`RUNNING`, `SENT`, `SKIPPED`), if any.
    pub async fn pass_status(&self, user_id: &str, day: &str) -> Result<Option<String>> {
        const SQL: &str = r#"SELECT "status" FROM "digests" WHERE "userId" = $1 AND "day" = $2"#;
        let s = on_db!(&self.db, p => sqlx::query_scalar::<_, String>(SQL)
            .bind(user_id).bind(day).fetch_optional(p).await)?;
        Ok(s)
    }

    /// Extends this worker's lease; false when it lost the claim.
    pub async fn renew_pass(&self, id: &str, worker: &str, lease_until: DateTime<Utc>) -> Result<bool> {
        const SQL: &str = r#"UPDATE "digests" SET "leaseUntil" = $1
            WHERE "id" = $2 AND "worker" = $3 AND "status" = 'RUNNING'"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL)
            .bind(Ts::new(lease_until)).bind(id).bind(worker).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Contacts that became due in `(since, now]` (all due ones without `since`), not snoozed,
    /// not yet auto-drafted on `day`; earliest due first, HIGH first among equals, at most `limit`.
    pub async fn newly_due_contacts(
        &self,
        user_id: &str,
        day: &str,
        since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Contact>> {
        // Two texts rather than `$3 IS NULL OR …`, so the lower bound stays an index condition.
        macro_rules! newly_due {
            ($lower:literal) => {
                concat!(
                    "SELECT ",
                    contact_cols!(),
                    r#" FROM "contacts" WHERE "userId" = $1 AND "nextTouchAt" <= $2"#,
                    $lower,
                    r#" AND ("snoozedUntil" IS NULL OR "snoozedUntil" <= $2)
                        AND NOT EXISTS (SELECT 1 FROM "digest_drafts" d
                            WHERE d."userId" = $1 AND d."day" = $3 AND d."contactId" = "contacts"."id")
                      ORDER BY "nextTouchAt", CASE "priority" WHEN 'HIGH' THEN 0 WHEN 'MEDIUM' THEN 1 ELSE 2 END, "id"
                      LIMIT $4"#
                )
            };
        }
        const ALL: &str = newly_due!("");
        const SINCE: &str = newly_due!(r#" AND "nextTouchAt" > $5"#);
        let rows = on_db!(&self.db, p => {
            let q = sqlx::query_as::<_, ContactRow>(if since.is_some() { SINCE } else { ALL })
                .bind(user_id).bind(Ts::new(now)).bind(day).bind(i64::from(limit));
            let q = match since { Some(t) => q.bind(Ts::new(t)), None => q };
            q.fetch_all(p).await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Stores an auto-draft and its marker for (`user_id`, `day`, contact) in one transaction;
    /// None (nothing stored) when the contact was already drafted that day or is gone.
    pub async fn store_auto_draft(&self, user_id: &str, day: &str, new: &NewEmail) -> Result<Option<Email>> {
        const MARK: &str = r#"INSERT INTO "digest_drafts" ("userId", "day", "contactId", "createdAt")
            SELECT c."userId", $2, c."id", $4 FROM "contacts" c WHERE c."userId" = $1 AND c."id" = $3
            ON CONFLICT ("userId", "day", "contactId") DO NOTHING"#;
        const LINK: &str = r#"UPDATE "digest_drafts" SET "emailId" = $1
            WHERE "userId" = $2 AND "day" = $3 AND "contactId" = $4"#;
        let row = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let marked = sqlx::query(MARK).bind(user_id).bind(day).bind(&new.contact_id).bind(Ts::now())
                .execute(&mut *tx).await?.rows_affected();
            if marked == 0 {
                return Ok(None);
            }
            let row = bind_new_email!(sqlx::query_as::<_, EmailRow>(INSERT_EMAIL), user_id, new)
                .fetch_optional(&mut *tx).await?;
            let Some(row) = row else { return Ok(None) };
            let email: Email = row.into();
            sqlx::query(LINK).bind(&email.id).bind(user_id).bind(day).bind(&new.contact_id)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            email
        });
        Ok(Some(row))
    }

    /// How many auto-drafts the user's pass for `day` has stored so far.
    pub async fn auto_draft_count(&self, user_id: &str, day: &str) -> Result<i64> {
        const SQL: &str = r#"SELECT COUNT(*) FROM "digest_drafts" WHERE "userId" = $1 AND "day" = $2"#;
        let n = on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(SQL)
            .bind(user_id).bind(day).fetch_one(p).await)?;
        Ok(n)
    }

    /// Records the end of a pass this worker holds, and moves the user's next slot on (only if
    /// it is still `slot`: settings saved meanwhile win). False when the claim was lost.
    pub async fn finish_pass(
        &self,
        id: &str,
        worker: &str,
        user_id: &str,
        slot: Ts,
        r: &PassResult,
    ) -> Result<bool> {
        const DONE: &str = r#"UPDATE "digests" SET "status" = $1, "dueCount" = $2, "draftCount" = $3,
                "messageId" = $4, "finishedAt" = $5, "updatedAt" = $5, "leaseUntil" = NULL
            WHERE "id" = $6 AND "worker" = $7 AND "status" = 'RUNNING'"#;
        const MOVE: &str = r#"UPDATE "user_preferences" SET "lastPassAt" = $1,
                "lastDigestAt" = COALESCE($2, "lastDigestAt"),
                "nextDigestAt" = CASE WHEN "nextDigestAt" = $3 THEN $4 ELSE "nextDigestAt" END
            WHERE "userId" = $5"#;
        let now = Ts::new(r.now);
        let sent = (r.outcome == PassOutcome::Sent).then_some(now);
        let done = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(DONE).bind(r.outcome.as_str()).bind(r.due_count).bind(r.draft_count)
                .bind(r.message_id.as_deref()).bind(now).bind(id).bind(worker)
                .execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                sqlx::query(MOVE).bind(now).bind(sent).bind(slot).bind(r.next.map(Ts::new)).bind(user_id)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            n == 1
        });
        Ok(done)
    }

    /// Moves the user's next slot on from `slot` (the day's pass was already done elsewhere).
    pub async fn skip_slot(&self, user_id: &str, slot: Ts, next: Option<DateTime<Utc>>) -> Result<()> {
        const SQL: &str = r#"UPDATE "user_preferences" SET "nextDigestAt" = $1
            WHERE "userId" = $2 AND "nextDigestAt" = $3"#;
        on_db!(&self.db, p => sqlx::query(SQL)
            .bind(next.map(Ts::new)).bind(user_id).bind(slot).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// How many digests were sent to the user (for tests and operators).
    pub async fn digests_sent(&self, user_id: &str) -> Result<i64> {
        const SQL: &str = r#"SELECT COUNT(*) FROM "digests" WHERE "userId" = $1 AND "status" = 'SENT'"#;
        let n = on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(SQL)
            .bind(user_id).fetch_one(p).await)?;
        Ok(n)
    }
}

/// A due pass's previous run, as UTC instants.
impl DuePass {
    /// When the previous pass finished.
    pub fn last_pass(&self) -> Option<DateTime<Utc>> {
        ts::opt(self.last_pass_at)
    }

    /// When the previous digest was sent.
    pub fn last_digest(&self) -> Option<DateTime<Utc>> {
        ts::opt(self.last_digest_at)
    }
}
