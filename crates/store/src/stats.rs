//! Row counts and storage sizes of the guide's tables (`relationhub db stats`), and a
//! consistent SQLite copy for backups.

use crate::db::{Db, Store};
use crate::error::Result;

/// The tables the guide's health checks look at, in its order.
pub const GUIDE_TABLES: [&str; 3] = ["emails", "email_templates", "conversation_history"];

/// Counts and sizes of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableStats {
    /// Table name.
    pub table: String,
    /// Number of rows.
    pub rows: i64,
    /// Table plus indexes (plus TOAST on PostgreSQL), bytes.
    pub total_bytes: i64,
    /// The table's own pages, bytes.
    pub table_bytes: i64,
    /// Indexes (and TOAST), bytes.
    pub index_bytes: i64,
}

impl Store {
    /// Row counts of the guide's three tables (its health-check query) plus users and contacts.
    pub async fn row_counts(&self) -> Result<Vec<(String, i64)>> {
        // The guide's own UNION ALL health check, extended with our two base tables.
        const SQL: &str = r#"
            SELECT 'emails' AS table_name, COUNT(*) AS n FROM "emails"
            UNION ALL SELECT 'email_templates', COUNT(*) FROM "email_templates"
            UNION ALL SELECT 'conversation_history', COUNT(*) FROM "conversation_history"
            UNION ALL SELECT 'users', COUNT(*) FROM "users"
            UNION ALL SELECT 'contacts', COUNT(*) FROM "contacts""#;
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, (String, i64)>(SQL).fetch_all(p).await)?;
        Ok(rows)
    }

    /// Sizes of the guide's tables, largest first (the guide's size query on PostgreSQL;
    /// SQLite's `dbstat` virtual table on SQLite).
    pub async fn table_stats(&self) -> Result<Vec<TableStats>> {
        let counts = self.row_counts().await?;
        let sizes: Vec<(String, i64, i64)> = match &self.db {
            Db::Postgres(p) => {
                sqlx::query_as(
                    "SELECT relname::text, pg_total_relation_size(relid), pg_relation_size(relid) \
                     FROM pg_catalog.pg_statio_user_tables \
                     WHERE relname IN ('emails', 'email_templates', 'conversation_history') \
                       AND schemaname = current_schema()",
                )
                .fetch_all(p)
                .await?
            }
            Db::Sqlite(p) => sqlx::query_as(
                "SELECT m.tbl_name, SUM(s.pgsize), SUM(CASE WHEN m.type = 'table' THEN s.pgsize ELSE 0 END) \
                     FROM dbstat s JOIN sqlite_master m ON m.name = s.name \
                     WHERE m.tbl_name IN ('emails', 'email_templates', 'conversation_history') \
                     GROUP BY m.tbl_name",
            )
            .fetch_all(p)
            .await?,
        };
        let mut out: Vec<TableStats> = GUIDE_TABLES
            .iter()
            .map(|t| {
                let rows = counts.iter().find(|(n, _)| n == t).map(|(_, c)| *c).unwrap_or(0);
                let (total, table) = sizes
                    .iter()
                    .find(|(n, _, _)| n == t)
                    .map(|(_, total, table)| (*total, *table))
                    .unwrap_or((0, 0));
                TableStats {
                    table: (*t).to_owned(),
                    rows,
                    total_bytes: total,
                    table_bytes: table,
                    index_bytes: total - table,
                }
            })
            .collect();
        out.sort_by_key(|s| std::cmp::Reverse(s.total_bytes));
        Ok(out)
    }

    /// True when the database holds no user rows (used by `restore` to refuse overwriting data).
    pub async fn is_empty(&self) -> Result<bool> {
        let status = self.history_rows().await?;
        if status.is_empty() {
            let tables: i64 = match &self.db {
                Db::Postgres(p) => {
                    sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()")
                        .fetch_one(p)
                        .await?
                }
                Db::Sqlite(p) => sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_one(p)
                .await?,
            };
            return Ok(tables == 0);
        }
        // Migrations may have been rolled back past the one creating "users": no table, no users.
        // Any other failure is an error, never "empty" (that would let a restore overwrite data).
        let users_table: i64 = match &self.db {
            Db::Postgres(p) => sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'users'",
            )
            .fetch_one(p)
            .await?,
            Db::Sqlite(p) => {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'",
                )
                .fetch_one(p)
                .await?
            }
        };
        if users_table == 0 {
            return Ok(true);
        }
        let users: i64 =
            on_db!(&self.db, p => sqlx::query_scalar(r#"SELECT COUNT(*) FROM "users""#).fetch_one(p).await)?;
        Ok(users == 0)
    }

    /// `DROP` statements for every table and enum type in the PostgreSQL schema (so a restore
    /// can replace the contents inside the same transaction as the load).
    pub async fn drop_statements(&self) -> Result<Vec<String>> {
        let Db::Postgres(p) = &self.db else { return Ok(Vec::new()) };
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()")
                .fetch_all(p)
                .await?;
        let types: Vec<String> = sqlx::query_scalar(
            "SELECT t.typname::text FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE n.nspname = current_schema() AND t.typtype = 'e'",
        )
        .fetch_all(p)
        .await?;
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let mut out: Vec<String> =
            tables.iter().map(|t| format!("DROP TABLE IF EXISTS {} CASCADE", quote(t))).collect();
        out.extend(types.iter().map(|t| format!("DROP TYPE IF EXISTS {} CASCADE", quote(t))));
        Ok(out)
    }

    /// Runs SQLite's `PRAGMA integrity_check`; an error names the first problem.
    pub async fn check_integrity(&self) -> Result<()> {
        let Db::Sqlite(p) = &self.db else { return Ok(()) };
        let result: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(p)
            .await
            .map_err(|e| crate::StoreError::Invalid(format!("not a readable SQLite database: {e}")))?;
        if result != "ok" {
            return Err(crate::StoreError::Invalid(format!("SQLite integrity check failed: {result}")));
        }
        Ok(())
    }

    /// Writes a transactionally consistent copy of a SQLite database to `dest` (`VACUUM INTO`,
    /// SQLite's online backup that works while the database is in use).
    pub async fn sqlite_backup(&self, dest: &std::path::Path) -> Result<()> {
        let Db::Sqlite(p) = &self.db else {
            return Err(crate::StoreError::Invalid("sqlite_backup on a PostgreSQL store".into()));
        };
        sqlx::query("VACUUM INTO $1").bind(dest.to_string_lossy().into_owned()).execute(p).await?;
        Ok(())
    }
}
