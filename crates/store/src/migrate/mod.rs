//! Migrations with Prisma Migrate's semantics, in Rust: `status`, `deploy`, `resolve`,
//! `rollback` and `reset`, over the embedded per-backend scripts.
//!
//! Guarantees: each migration runs in its own transaction together with its history row, so a
//! failing one leaves no trace of its DDL and is recorded as failed (later deploys refuse until
//! it is resolved); a PostgreSQL advisory lock (and `BEGIN IMMEDIATE` plus a re-check on SQLite)
//! means two concurrent deploys never both apply a migration; an applied migration whose script
//! changed (checksum) is refused, naming its file.

pub mod embedded;
#[macro_use]
pub(crate) mod history;

use crate::db::{Db, Store};
use crate::error::{Result, StoreError};
use crate::url::Backend;
pub use embedded::Migration;
use history::Conn;
pub use history::HistoryRow;

/// Key of the PostgreSQL advisory lock held while deploying ("RHMIGR" in ASCII).
const ADVISORY_LOCK_KEY: i64 = 0x5248_4d49_4752;

/// Where one migration stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationState {
    /// Applied and unchanged.
    Applied,
    /// Not yet applied.
    Pending,
    /// A run failed and has not been resolved; the text is the recorded error.
    Failed(String),
    /// Applied, but the script in this binary differs from what ran.
    Modified,
    /// Recorded in the database but unknown to this binary.
    Unknown,
}

/// The result of `status`: every migration, known or recorded, in order.
#[derive(Debug, Clone)]
pub struct Status {
    /// Backend the status is for.
    pub backend: Backend,
    /// (name, state), embedded migrations first in order, then unknown recorded ones.
    pub migrations: Vec<(String, MigrationState)>,
}

impl Status {
    /// True when every embedded migration is applied unchanged and nothing is failed or unknown.
    pub fn is_up_to_date(&self) -> bool {
        self.migrations.iter().all(|(_, s)| *s == MigrationState::Applied)
    }

    /// Names in the given state.
    pub fn names(&self, pred: impl Fn(&MigrationState) -> bool) -> Vec<&str> {
        self.migrations.iter().filter(|(_, s)| pred(s)).map(|(n, _)| n.as_str()).collect()
    }
}

/// Which way `resolve` repairs a migration's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Record it as applied (its changes were made by hand, or already existed).
    Applied,
    /// Record its failed run as rolled back, so the next deploy retries it.
    RolledBack,
}

impl Store {
    /// The migrations embedded for this store's backend.
    pub fn migrations(&self) -> &'static [Migration] {
        embedded::for_backend(self.backend())
    }

    /// Compares the embedded migrations with the history; changes nothing.
    pub async fn migration_status(&self) -> Result<Status> {
        let rows = self.history_rows().await?;
        Ok(compute_status(self.backend(), self.migrations(), &rows))
    }

    /// The history rows (empty when the table does not exist yet).
    pub async fn history_rows(&self) -> Result<Vec<HistoryRow>> {
        const EXISTS_PG: &str = "SELECT EXISTS (SELECT 1 FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = '_prisma_migrations')";
        const EXISTS_SQLITE: &str = "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations')";
        let exists = match &self.db {
            Db::Postgres(p) => sqlx::query_scalar::<_, bool>(EXISTS_PG).fetch_one(p).await?,
            Db::Sqlite(p) => sqlx::query_scalar::<_, bool>(EXISTS_SQLITE).fetch_one(p).await?,
        };
        if !exists {
            return Ok(Vec::new());
        }
        let mut conn = self.dedicated().await?;
        let rows = conn.rows().await;
        conn.close().await;
        rows
    }

    /// Applies pending migrations in order, calling `on_apply(name)` just before each runs.
    /// Returns the names applied (empty when already up to date).
    pub async fn deploy(&self, mut on_apply: impl FnMut(&str) + Send) -> Result<Vec<String>> {
        let mut conn = self.dedicated().await?;
        if let Conn::Pg(c) = &mut conn {
            sqlx::query("SELECT pg_advisory_lock($1)").bind(ADVISORY_LOCK_KEY).execute(&mut **c).await?;
        }
        let result = self.deploy_locked(&mut conn, &mut on_apply).await;
        // Closing the dedicated connection releases the session advisory lock in every case.
        conn.close().await;
        result
    }

    async fn deploy_locked(
        &self,
        conn: &mut Conn,
        on_apply: &mut (impl FnMut(&str) + Send),
    ) -> Result<Vec<String>> {
        conn.ensure_table().await?;
        let rows = conn.rows().await?;
        refuse_broken_history(self.backend(), self.migrations(), &rows)?;
        let mut applied = Vec::new();
        for m in self.migrations() {
            if rows.iter().any(|r| r.migration_name == m.name && r.is_applied()) {
                continue;
            }
            conn.begin().await?;
            // Another deployer may have applied it while we waited for the lock.
            if conn.is_applied(m.name).await? {
                conn.exec("COMMIT").await?;
                continue;
            }
            on_apply(m.name);
            let run = on_conn!(&mut *conn, c => sqlx::raw_sql(sqlx::AssertSqlSafe(m.up)).execute(c).await.map(|r| r.rows_affected()));
            match run {
                Ok(_) => {
                    conn.record(m.name, &m.checksum(), true, None, 1).await?;
                    conn.exec("COMMIT").await?;
                    applied.push(m.name.to_owned());
                }
                Err(err) => {
                    conn.exec("ROLLBACK").await?;
                    let message = describe(&err);
                    conn.record(m.name, &m.checksum(), false, Some(&message), 0).await?;
                    return Err(StoreError::Migration(format!(
                        "migration `{}` failed: {message}\nIt was rolled back and recorded as failed. Fix the cause, then run \
                         `relationhub migrate resolve --rolled-back {}` to retry it, or `relationhub migrate resolve \
                         --applied {}` if its changes are already in place.",
                        m.name, m.name, m.name
                    )));
                }
            }
        }
        Ok(applied)
    }

    /// Repairs the history of one migration (Prisma's `migrate resolve`).
    pub async fn resolve(&self, name: &str, how: Resolution) -> Result<()> {
        let Some(m) = self.migrations().iter().find(|m| m.name == name) else {
            let known: Vec<&str> = self.migrations().iter().map(|m| m.name).collect();
            return Err(StoreError::Migration(format!(
                "unknown migration `{name}`; known migrations:\n  {}",
                known.join("\n  ")
            )));
        };
        let mut conn = self.dedicated().await?;
        let result = async {
            conn.ensure_table().await?;
            let rows = conn.rows().await?;
            let live: Vec<&HistoryRow> = rows.iter().filter(|r| r.migration_name == name).collect();
            match how {
                Resolution::Applied => {
                    if live.iter().any(|r| r.is_applied()) {
                        return Err(StoreError::Migration(format!("migration `{name}` is already applied")));
                    }
                    if conn.mark_failed_as_applied(name, &m.checksum()).await? == 0 {
                        conn.record(name, &m.checksum(), true, Some("marked applied by resolve"), 0).await?;
                    }
                }
                Resolution::RolledBack => {
                    if !live.iter().any(|r| r.is_failed()) {
                        return Err(StoreError::Migration(format!(
                            "migration `{name}` is not in a failed state; only failed migrations can be resolved as rolled back"
                        )));
                    }
                    conn.mark_rolled_back(name).await?;
                }
            }
            Ok(())
        }
        .await;
        conn.close().await;
        result
    }

    /// Runs down scripts newest first: only the latest applied migration, or every one after
    /// `to` (which stays applied). Returns the names rolled back.
    pub async fn rollback(
        &self,
        to: Option<&str>,
        mut on_rollback: impl FnMut(&str) + Send,
    ) -> Result<Vec<String>> {
        let all = self.migrations();
        if let Some(to) = to
            && !all.iter().any(|m| m.name == to)
        {
            let known: Vec<&str> = all.iter().map(|m| m.name).collect();
            return Err(StoreError::Migration(format!(
                "unknown migration `{to}`; known migrations:\n  {}",
                known.join("\n  ")
            )));
        }
        let mut conn = self.dedicated().await?;
        if let Conn::Pg(c) = &mut conn {
            sqlx::query("SELECT pg_advisory_lock($1)").bind(ADVISORY_LOCK_KEY).execute(&mut **c).await?;
        }
        let result = async {
            conn.ensure_table().await?;
            let rows = conn.rows().await?;
            refuse_broken_history(self.backend(), all, &rows)?;
            let applied: Vec<&Migration> =
                all.iter().filter(|m| rows.iter().any(|r| r.migration_name == m.name && r.is_applied())).collect();
            let targets: Vec<&Migration> = match to {
                None => applied.last().copied().into_iter().collect(),
                Some(to) => {
                    if !applied.iter().any(|m| m.name == to) {
                        return Err(StoreError::Migration(format!("migration `{to}` is not applied")));
                    }
                    applied.iter().copied().skip_while(|m| m.name != to).skip(1).collect()
                }
            };
            let mut done = Vec::new();
            for m in targets.into_iter().rev() {
                on_rollback(m.name);
                conn.begin().await?;
                let run = on_conn!(&mut conn, c => sqlx::raw_sql(sqlx::AssertSqlSafe(m.down)).execute(c).await.map(|r| r.rows_affected()));
                if let Err(err) = run {
                    conn.exec("ROLLBACK").await?;
                    return Err(StoreError::Migration(format!("rolling back `{}` failed: {}", m.name, describe(&err))));
                }
                conn.mark_rolled_back(m.name).await?;
                conn.exec("COMMIT").await?;
                done.push(m.name.to_owned());
            }
            Ok(done)
        }
        .await;
        conn.close().await;
        result
    }

    /// Drops every table and type in the database (our schema and anything else in it).
    pub async fn drop_everything(&self) -> Result<()> {
        match &self.db {
            Db::Postgres(p) => {
                let mut tx = p.begin().await?;
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
                )
                .fetch_all(&mut *tx)
                .await?;
                for t in tables {
                    let sql = format!("DROP TABLE IF EXISTS \"{}\" CASCADE", t.replace('"', "\"\""));
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
                let types: Vec<String> = sqlx::query_scalar(
                    "SELECT t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                     WHERE n.nspname = current_schema() AND t.typtype = 'e'",
                )
                .fetch_all(&mut *tx)
                .await?;
                for t in types {
                    let sql = format!("DROP TYPE IF EXISTS \"{}\" CASCADE", t.replace('"', "\"\""));
                    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Db::Sqlite(p) => {
                let mut conn = p.acquire().await?;
                sqlx::raw_sql("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
                let result = async {
                    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
                    let tables: Vec<String> = sqlx::query_scalar(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                    )
                    .fetch_all(&mut *conn)
                    .await?;
                    for t in tables {
                        let sql = format!("DROP TABLE IF EXISTS \"{}\"", t.replace('"', "\"\""));
                        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await?;
                    }
                    sqlx::raw_sql("COMMIT").execute(&mut *conn).await?;
                    Ok::<(), sqlx::Error>(())
                }
                .await;
                if result.is_err() {
                    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
                }
                sqlx::raw_sql("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                result?;
            }
        }
        Ok(())
    }

    async fn dedicated(&self) -> Result<Conn> {
        Ok(match &self.db {
            Db::Postgres(p) => Conn::Pg(p.acquire().await?),
            Db::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
        })
    }
}

fn compute_status(backend: Backend, all: &[Migration], rows: &[HistoryRow]) -> Status {
    let mut migrations = Vec::new();
    for m in all {
        let mine: Vec<&HistoryRow> = rows.iter().filter(|r| r.migration_name == m.name).collect();
        let state = if let Some(f) = mine.iter().find(|r| r.is_failed()) {
            MigrationState::Failed(f.logs.clone().unwrap_or_default())
        } else if let Some(a) = mine.iter().find(|r| r.is_applied()) {
            if a.applied_steps_count > 0 && a.checksum != m.checksum() {
                MigrationState::Modified
            } else {
                MigrationState::Applied
            }
        } else {
            MigrationState::Pending
        };
        migrations.push((m.name.to_owned(), state));
    }
    for r in rows {
        if r.rolled_back_at.is_none() && !all.iter().any(|m| m.name == r.migration_name) {
            migrations.push((r.migration_name.clone(), MigrationState::Unknown));
        }
    }
    Status { backend, migrations }
}

/// Deploy and rollback refuse to proceed over failed, modified or unknown migrations.
fn refuse_broken_history(backend: Backend, all: &[Migration], rows: &[HistoryRow]) -> Result<()> {
    let status = compute_status(backend, all, rows);
    for (name, state) in &status.migrations {
        let msg = match state {
            MigrationState::Failed(logs) => format!(
                "migration `{name}` failed earlier and is unresolved ({logs}).\nRun `relationhub migrate resolve \
                 --rolled-back {name}` to retry it, or `relationhub migrate resolve --applied {name}` if its changes \
                 are already in place."
            ),
            MigrationState::Modified => {
                let path =
                    all.iter().find(|m| m.name == name).map(|m| m.source_path(backend)).unwrap_or_default();
                format!(
                    "migration `{name}` was modified after it was applied: {path} no longer matches the checksum \
                     recorded in _prisma_migrations. Applied migrations must not change; put changes in a new migration."
                )
            }
            MigrationState::Unknown => format!(
                "the database has migration `{name}` applied, which this binary does not know (is the binary older than \
                 the database?)"
            ),
            MigrationState::Applied | MigrationState::Pending => continue,
        };
        return Err(StoreError::Migration(msg));
    }
    Ok(())
}

/// The database's own words for a failure, without our SQL.
fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    }
}
