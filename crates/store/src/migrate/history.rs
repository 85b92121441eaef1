//! The migration history table, `_prisma_migrations`, with Prisma Migrate's columns and meaning:
//! a row is *applied* when `finished_at` is set and `rolled_back_at` is not, *failed* when
//! neither is set, and retired when `rolled_back_at` is set.

use crate::error::Result;
use crate::ts::Ts;
use sqlx::pool::PoolConnection;
use sqlx::{Postgres, Sqlite};

/// Written once: both engines accept this DDL (SQLite stores the timestamps as our fixed text).
pub(crate) const CREATE_TABLE: &str = r#"
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) NOT NULL PRIMARY KEY,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMP(3),
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMP(3),
    "started_at" TIMESTAMP(3) NOT NULL,
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)"#;

/// One row of the history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    /// Row id.
    pub id: String,
    /// SHA-256 of the script when it ran.
    pub checksum: String,
    /// Set when it completed.
    pub finished_at: Option<Ts>,
    /// The migration's name.
    pub migration_name: String,
    /// Error text of a failed run.
    pub logs: Option<String>,
    /// Set when rolled back or resolved as rolled back.
    pub rolled_back_at: Option<Ts>,
    /// When it began.
    pub started_at: Ts,
    /// 1 when the script ran, 0 when marked applied by `resolve`.
    pub applied_steps_count: i32,
}

impl HistoryRow {
    /// Completed and not rolled back.
    pub fn is_applied(&self) -> bool {
        self.finished_at.is_some() && self.rolled_back_at.is_none()
    }

    /// Started, never finished, never resolved.
    pub fn is_failed(&self) -> bool {
        self.finished_at.is_none() && self.rolled_back_at.is_none()
    }
}

/// A dedicated connection for migration work: never returned to the pool (a session advisory
/// lock must not outlive the deploy on a pooled connection).
pub(crate) enum Conn {
    Pg(PoolConnection<Postgres>),
    Sqlite(PoolConnection<Sqlite>),
}

/// Runs `$body` with `$c` bound to the live connection (`&mut` the driver connection).
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::migrate::history::Conn::Pg(inner) => {
                let $c = &mut **inner;
                $body
            }
            $crate::migrate::history::Conn::Sqlite(inner) => {
                let $c = &mut **inner;
                $body
            }
        }
    };
}

const SELECT_ALL: &str = r#"SELECT "id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at",
    "started_at", "applied_steps_count" FROM "_prisma_migrations" ORDER BY "started_at", "id""#;

impl Conn {
    pub(crate) async fn ensure_table(&mut self) -> Result<()> {
        on_conn!(self, c => sqlx::query(CREATE_TABLE).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub(crate) async fn rows(&mut self) -> Result<Vec<HistoryRow>> {
        Ok(on_conn!(self, c => sqlx::query_as::<_, HistoryRow>(SELECT_ALL).fetch_all(c).await)?)
    }

    pub(crate) async fn exec(&mut self, sql: &'static str) -> Result<()> {
        on_conn!(self, c => sqlx::raw_sql(sql).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Starts a write transaction; on SQLite `IMMEDIATE` takes the write lock now, so a second
    /// deployer waits here (busy timeout) instead of failing later on lock upgrade.
    pub(crate) async fn begin(&mut self) -> Result<()> {
        match self {
            Conn::Pg(c) => sqlx::raw_sql("BEGIN").execute(&mut **c).await.map(drop)?,
            Conn::Sqlite(c) => sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut **c).await.map(drop)?,
        }
        Ok(())
    }

    pub(crate) async fn is_applied(&mut self, name: &str) -> Result<bool> {
        let n = on_conn!(self, c => sqlx::query_scalar::<_, i64>(
            r#"SELECT COUNT(*) FROM "_prisma_migrations"
               WHERE "migration_name" = $1 AND "finished_at" IS NOT NULL AND "rolled_back_at" IS NULL"#)
            .bind(name).fetch_one(c).await)?;
        Ok(n > 0)
    }

    pub(crate) async fn record(
        &mut self,
        name: &str,
        checksum: &str,
        finished: bool,
        logs: Option<&str>,
        steps: i32,
    ) -> Result<()> {
        let now = Ts::now();
        on_conn!(self, c => sqlx::query(
            r#"INSERT INTO "_prisma_migrations" ("id", "checksum", "finished_at", "migration_name", "logs",
               "started_at", "applied_steps_count") VALUES ($1, $2, $3, $4, $5, $6, $7)"#)
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(checksum)
            .bind(finished.then_some(now))
            .bind(name)
            .bind(logs)
            .bind(now)
            .bind(steps)
            .execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Retires the live rows of `name` (applied or failed) by setting `rolled_back_at`.
    pub(crate) async fn mark_rolled_back(&mut self, name: &str) -> Result<u64> {
        let done = on_conn!(self, c => sqlx::query(
            r#"UPDATE "_prisma_migrations" SET "rolled_back_at" = $1
               WHERE "migration_name" = $2 AND "rolled_back_at" IS NULL"#)
            .bind(Ts::now()).bind(name).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }

    /// Marks the failed row of `name` as finished, refreshing its checksum.
    pub(crate) async fn mark_failed_as_applied(&mut self, name: &str, checksum: &str) -> Result<u64> {
        let done = on_conn!(self, c => sqlx::query(
            r#"UPDATE "_prisma_migrations" SET "finished_at" = $1, "checksum" = $2, "applied_steps_count" = 0,
                   "logs" = COALESCE("logs", '') || ' (resolved as applied)'
               WHERE "migration_name" = $3 AND "finished_at" IS NULL AND "rolled_back_at" IS NULL"#)
            .bind(Ts::now()).bind(checksum).bind(name).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }

    /// Closes the connection for good (it is detached from the pool).
    pub(crate) async fn close(self) {
        use sqlx::Connection as _;
        match self {
            Conn::Pg(c) => {
                let _ = c.detach().close().await;
            }
            Conn::Sqlite(c) => {
                let _ = c.detach().close().await;
            }
        }
    }
}
