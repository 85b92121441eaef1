//! Sign-in attempts per account, counted in the database so the per-account limit holds across
//! every server process on one database.
//!
//! An attempt takes its slot *before* the password is checked (a PENDING row), so N parallel
//! attempts take N slots: the check that lets an attempt through counts every row inserted
//! before it, including its own, and a passing row is never removed while it counts. Only
//! attempts on existing accounts are written, which bounds the table by the number of accounts
//! times the limit (rows older than the window are purged as new attempts arrive).

use crate::db::Store;
use crate::error::Result;
use crate::ts::Ts;

/// The per-account limits: failures (checks still running count as failures until they end) and
/// all attempts, each within one sliding window.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    /// Failed (or still running) checks allowed per window.
    pub max_failures: i64,
    /// All checks, successful ones included, allowed per window.
    pub max_attempts: i64,
    /// The sliding window.
    pub window: chrono::Duration,
}

/// The outcome of asking for a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Go ahead and check the password; report the result with [`Store::finish_sign_in_attempt`].
    Granted(String),
    /// Over the limit: wait this long.
    Limited(std::time::Duration),
}

impl Store {
    /// Takes a sign-in slot for `user_id`, or says how long to wait.
    pub async fn begin_sign_in_attempt(&self, user_id: &str, limits: AttemptLimits) -> Result<Slot> {
        let now = Ts::now();
        let since = Ts::new(now.0 - limits.window);
        let id = domain::new_id();
        on_db!(&self.db, p => {
            sqlx::query(r#"DELETE FROM "sign_in_attempts" WHERE "userId" = $1 AND "createdAt" < $2"#)
                .bind(user_id).bind(since).execute(p).await?;
            sqlx::query(r#"INSERT INTO "sign_in_attempts" ("id", "userId", "outcome", "createdAt")
                           VALUES ($1, $2, 'PENDING', $3)"#)
                .bind(&id).bind(user_id).bind(now).execute(p).await?;
            Ok::<(), sqlx::Error>(())
        })?;
        // Separate statement after the insert committed: every attempt inserted before ours is
        // visible here, so at most `max_failures` attempts can ever see a count within limits.
        let (failures, total, oldest): (i64, i64, Option<Ts>) = on_db!(&self.db, p => sqlx::query_as(
            r#"SELECT COALESCE(SUM(CASE WHEN "outcome" <> 'SUCCEEDED' THEN 1 ELSE 0 END), 0),
                      COUNT(*), MIN("createdAt")
               FROM "sign_in_attempts" WHERE "userId" = $1 AND "createdAt" >= $2"#)
            .bind(user_id).bind(since).fetch_one(p).await)?;
        if failures <= limits.max_failures && total <= limits.max_attempts {
            return Ok(Slot::Granted(id));
        }
        // Refused attempts do not keep their slot: an attacker cannot extend a lock-out forever.
        on_db!(&self.db, p => sqlx::query(r#"DELETE FROM "sign_in_attempts" WHERE "id" = $1"#)
            .bind(&id).execute(p).await.map(|_| ()))?;
        let wait = oldest
            .map(|t| (t.0 + limits.window) - now.0)
            .and_then(|d| d.to_std().ok())
            .unwrap_or(std::time::Duration::from_secs(1));
        Ok(Slot::Limited(wait))
    }

    /// Records how a granted attempt ended. A success forgets the account's earlier failures (a
    /// user who mistyped a few times is not locked out after getting it right).
    pub async fn finish_sign_in_attempt(
        &self,
        user_id: &str,
        attempt_id: &str,
        succeeded: bool,
    ) -> Result<()> {
        let outcome = if succeeded { "SUCCEEDED" } else { "FAILED" };
        on_db!(&self.db, p => {
            sqlx::query(r#"UPDATE "sign_in_attempts" SET "outcome" = $1 WHERE "id" = $2"#)
                .bind(outcome).bind(attempt_id).execute(p).await?;
            if succeeded {
                sqlx::query(r#"DELETE FROM "sign_in_attempts" WHERE "userId" = $1 AND "outcome" = 'FAILED'"#)
                    .bind(user_id).execute(p).await?;
            }
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Gives a granted slot back without a verdict (the check could not run, e.g. the server was
    /// too busy to hash).
    pub async fn cancel_sign_in_attempt(&self, attempt_id: &str) -> Result<()> {
        on_db!(&self.db, p => sqlx::query(r#"DELETE FROM "sign_in_attempts" WHERE "id" = $1"#)
            .bind(attempt_id).execute(p).await.map(|_| ()))?;
        Ok(())
    }
}
