//! Deterministic bulk data for benchmarks: `relationhub db seed --scale large|medium|small`.
//!
//! Accounts `bench-001@example.com` … `bench-NNN@example.com` (password chosen by the caller,
//! hashed once and shared), each with contacts, emails, conversation history and templates.
//! Everything is derived from one seed: every (table, user, contact) has its own `StdRng`
//! stream, ids are UUIDv7-shaped text built from the row's creation time and that stream, and
//! timestamps are whole milliseconds in the year before [`END`] (a fixed instant, so the same
//! seed gives the same rows on any day). The only value that differs between two loads with
//! the same seed is the password hash the caller passes in (argon2 salts are random).
//!
//! Loading is one transaction: PostgreSQL streams `COPY … FROM STDIN` text generated on a
//! blocking thread while the server ingests the previous chunk; SQLite runs multi-row INSERTs.
//! Afterwards the tables are analysed (PostgreSQL: `VACUUM (ANALYZE)`, so hint bits and the
//! visibility map are set before anyone measures). Every account a load creates is marked in
//! `seed_marks`; a second load refuses while marked accounts exist, unless told to replace them
//! (which deletes the marked accounts only, never one someone signed up as `bench-NNN@…`); two concurrent loads cannot both succeed (the second
//! fails on the unique email index and rolls back).

mod generate;
mod rows;

use crate::db::{Db, Store};
use crate::error::{Result, StoreError};
use crate::write_tx::BeginWrite;
use generate::Generator;
use rows::CopyText;
use sqlx::{ConnectOptions as _, Connection as _};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 42;
/// Every generated timestamp lies in the 365 days before this instant (2026-01-01T00:00:00Z).
pub const END: i64 = 1_767_225_600_000;
const DAY_MS: i64 = 86_400_000;
const START: i64 = END - 365 * DAY_MS;
/// `LIKE` pattern matching every bench account's email.
pub const BENCH_EMAIL_PATTERN: &str = "bench-%@example.com";

/// The sign-in address of bench account `n` (1-based): `bench-001@example.com`.
pub fn bench_email(n: u32) -> String {
    format!("bench-{n:03}@example.com")
}

/// A named amount of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 3 users, 12 contacts, 60 emails, 36 history entries, 15 templates (tests, quick checks).
    Small,
    /// 100 users, 10,000 contacts, 100,000 emails, 20,000 history entries, 500 templates (SQLite).
    Medium,
    /// 100 users, 10,000 contacts, 1,000,000 emails, 200,000 history entries, 500 templates.
    Large,
}

impl Scale {
    /// The row counts of this scale.
    pub fn plan(self) -> Plan {
        let (users, contacts_per_user, emails_per_contact, history_per_contact) = match self {
            Scale::Small => (3, 4, 5, 3),
            Scale::Medium => (100, 100, 10, 2),
            Scale::Large => (100, 100, 100, 20),
        };
        Plan { users, contacts_per_user, emails_per_contact, history_per_contact, templates_per_user: 5 }
    }
}

impl std::str::FromStr for Scale {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "small" => Ok(Scale::Small),
            "medium" => Ok(Scale::Medium),
            "large" => Ok(Scale::Large),
            other => Err(format!("unknown scale {other:?} (expected small, medium or large)")),
        }
    }
}

/// How many rows to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Bench accounts.
    pub users: u32,
    /// Contacts of each account.
    pub contacts_per_user: u32,
    /// Emails to each contact.
    pub emails_per_contact: u32,
    /// Conversation entries with each contact.
    pub history_per_contact: u32,
    /// Templates of each account (one is the default; at most 5 distinct kinds).
    pub templates_per_user: u32,
}

impl Plan {
    /// Rows of `table` in total.
    fn rows(&self, table: Table) -> u64 {
        let users = u64::from(self.users);
        let contacts = users * u64::from(self.contacts_per_user);
        match table {
            Table::Users => users,
            Table::Contacts => contacts,
            Table::Templates => users * u64::from(self.templates_per_user),
            Table::History => contacts * u64::from(self.history_per_contact),
            Table::Emails => contacts * u64::from(self.emails_per_contact),
        }
    }

    /// Rows of every table together.
    pub fn total_rows(&self) -> u64 {
        Table::ALL.iter().map(|t| self.rows(*t)).sum()
    }
}

/// What to load.
#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// Row counts.
    pub plan: Plan,
    /// Same seed, same data.
    pub seed: u64,
    /// PHC string stored for every bench account (hash the password once, reuse it).
    pub password_hash: String,
    /// Delete existing bench accounts (and all they own) first instead of refusing.
    pub replace: bool,
}

/// Progress of a load, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress {
    /// Loading this table's rows starts.
    Table(&'static str),
    /// This many more rows were sent.
    Rows(u64),
    /// Rows are in; statistics are being gathered.
    Analyzing,
}

/// What a load did and how long each part took.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Per table: name, rows, time.
    pub tables: Vec<(&'static str, u64, Duration)>,
    /// Bench accounts deleted first (with `replace`).
    pub replaced: i64,
    /// Time spent deleting them.
    pub delete: Duration,
    /// Commit and `VACUUM (ANALYZE)` / `ANALYZE`.
    pub analyze: Duration,
    /// Wall time of the whole load.
    pub total: Duration,
}

/// Tables in load order (foreign keys point backwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Users,
    Contacts,
    Templates,
    History,
    Emails,
}

impl Table {
    const ALL: [Table; 5] = [Table::Users, Table::Contacts, Table::Templates, Table::History, Table::Emails];

    fn name(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Contacts => "contacts",
            Table::Templates => "email_templates",
            Table::History => "conversation_history",
            Table::Emails => "emails",
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Users => &["id", "email", "name", "passwordHash", "createdAt", "updatedAt"],
            Table::Contacts => &[
                "id",
                "userId",
                "name",
                "email",
                "phone",
                "company",
                "role",
                "industry",
                "linkedInUrl",
                "priority",
                "birthday",
                "notes",
                "lastContactedAt",
                "createdAt",
                "updatedAt",
            ],
            Table::Templates => &[
                "id",
                "userId",
                "name",
                "subject",
                "body",
                "templateType",
                "isDefault",
                "createdAt",
                "updatedAt",
            ],
            Table::History => &["id", "userId", "contactId", "content", "direction", "timestamp", "metadata"],
            Table::Emails => &[
                "id",
                "userId",
                "contactId",
                "subject",
                "body",
                "status",
                "templateType",
                "providerId",
                "tokensUsed",
                "generatedAt",
                "sentAt",
                "openedAt",
                "repliedAt",
                "createdAt",
                "updatedAt",
                "sendAttempts",
                "lastError",
            ],
        }
    }

    /// `"table" ("a", "b", …)`.
    fn target(self) -> String {
        let cols: Vec<String> = self.columns().iter().map(|c| format!("\"{c}\"")).collect();
        format!("\"{}\" ({})", self.name(), cols.join(", "))
    }
}

/// Bytes of COPY text sent per message.
const CHUNK_BYTES: usize = 1 << 20;
/// Rows per SQLite INSERT (the emails table has 17 columns: 1,700 parameters).
const SQLITE_ROWS_PER_INSERT: usize = 100;

const COUNT_BENCH: &str = r#"SELECT COUNT(*) FROM "users" WHERE "email" LIKE 'bench-%@example.com'"#;
/// Accounts named like bench accounts that no load created (signed up by someone): never deleted.
const COUNT_UNMARKED: &str = r#"SELECT COUNT(*) FROM "users" u WHERE u."email" LIKE 'bench-%@example.com'
    AND NOT EXISTS (SELECT 1 FROM "seed_marks" m WHERE m."userId" = u."id" AND m."kind" = 'bench')"#;
const COUNT_MARKED: &str = r#"SELECT COUNT(*) FROM "seed_marks" WHERE "kind" = 'bench'"#;
const DELETE_MARKED: &str =
    r#"DELETE FROM "users" WHERE "id" IN (SELECT "userId" FROM "seed_marks" WHERE "kind" = 'bench')"#;

fn already_loaded(n: i64) -> StoreError {
    StoreError::Conflict(format!(
        "{n} bench accounts (bench-NNN@example.com) already exist; nothing was loaded (replace them to load again)"
    ))
}

fn not_ours(n: i64) -> StoreError {
    StoreError::Conflict(format!(
        "{n} account(s) named like bench-NNN@example.com were not created by `db seed --scale` and are never \
         deleted; nothing was loaded"
    ))
}

fn concurrent(e: sqlx::Error) -> StoreError {
    if StoreError::is_unique_violation(&e) {
        StoreError::Conflict("bench accounts were created by another load at the same time".into())
    } else {
        e.into()
    }
}

/// Marks exactly the accounts this load created (by their generated addresses), so a later
/// `replace` deletes them and nothing else.
fn mark_statement(users: u32) -> sqlx::AssertSqlSafe<String> {
    // The addresses are generated here (`bench-NNN@example.com`), never user input.
    let list: Vec<String> = (1..=users).map(|n| format!("'{}'", bench_email(n))).collect();
    sqlx::AssertSqlSafe(format!(
        r#"INSERT INTO "seed_marks" ("userId", "kind") SELECT "id", 'bench' FROM "users" WHERE "email" IN ({})"#,
        list.join(", ")
    ))
}

/// Refuses when accounts named like bench accounts exist that no load created, and when bench
/// accounts exist without `replace`; with `replace`, deletes the marked ones (cascading).
/// Evaluates to `(accounts deleted, time spent)`. A macro because it runs on either backend's
/// connection.
macro_rules! clear_bench {
    ($conn:expr, $replace:expr) => {{
        let unmarked: i64 = sqlx::query_scalar(COUNT_UNMARKED).fetch_one(&mut *$conn).await?;
        if unmarked > 0 {
            return Err(not_ours(unmarked));
        }
        let n: i64 = sqlx::query_scalar(COUNT_MARKED).fetch_one(&mut *$conn).await?;
        if n > 0 && !$replace {
            return Err(already_loaded(n));
        }
        let t = Instant::now();
        if n > 0 {
            sqlx::query(DELETE_MARKED).execute(&mut *$conn).await?;
        }
        (n, t.elapsed())
    }};
}

impl Store {
    /// How many bench accounts (`bench-NNN@example.com`) exist.
    pub async fn bench_user_count(&self) -> Result<i64> {
        Ok(on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(COUNT_BENCH).fetch_one(p).await)?)
    }

    /// Loads the bench data set in one transaction, then analyses the tables.
    ///
    /// Refuses with `Conflict` while bench accounts exist unless `opts.replace` is set.
    pub async fn bulk_load(
        &self,
        opts: &BulkOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<LoadReport> {
        let started = Instant::now();
        let generator = Arc::new(Generator::new(opts.seed, opts.plan, opts.password_hash.clone()));
        let mut report = LoadReport {
            tables: Vec::new(),
            replaced: 0,
            delete: Duration::ZERO,
            analyze: Duration::ZERO,
            total: Duration::ZERO,
        };
        match &self.db {
            Db::Postgres(pool) => {
                // A connection of its own, with statement logging off: the COPYs, a replacing
                // cascade delete and VACUUM legitimately take seconds, and sqlx would warn
                // about each as a slow statement.
                let connect = (*pool.connect_options()).clone().disable_statement_logging();
                let mut conn = connect.connect().await?;
                let mut tx = conn.begin().await?;
                (report.replaced, report.delete) = clear_bench!(tx, opts.replace);
                for table in Table::ALL {
                    let t = Instant::now();
                    progress(Progress::Table(table.name()));
                    let rows = copy_table(&mut tx, &generator, table, progress).await?;
                    report.tables.push((table.name(), rows, t.elapsed()));
                }
                sqlx::query(mark_statement(opts.plan.users)).execute(&mut *tx).await?;
                progress(Progress::Analyzing);
                let t = Instant::now();
                tx.commit().await.map_err(concurrent)?;
                sqlx::raw_sql(
                    r#"VACUUM (ANALYZE) "users", "contacts", "email_templates", "conversation_history", "emails""#,
                )
                .execute(&mut conn)
                .await?;
                conn.close().await?;
                report.analyze = t.elapsed();
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_write().await?;
                (report.replaced, report.delete) = clear_bench!(tx, opts.replace);
                for table in Table::ALL {
                    let t = Instant::now();
                    progress(Progress::Table(table.name()));
                    let rows = insert_table(&mut tx, &generator, table, progress).await?;
                    report.tables.push((table.name(), rows, t.elapsed()));
                }
                sqlx::query(mark_statement(opts.plan.users)).execute(&mut *tx).await?;
                progress(Progress::Analyzing);
                let t = Instant::now();
                tx.commit().await?;
                sqlx::raw_sql("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
                report.analyze = t.elapsed();
            }
        }
        if report.replaced > 0 {
            // The replaced accounts' tokens are gone: no process may keep answering them.
            self.all_tokens_changed().await;
        }
        report.total = started.elapsed();
        Ok(report)
    }
}

/// Streams one table with `COPY … FROM STDIN`, generating on a blocking thread meanwhile.
async fn copy_table(
    conn: &mut sqlx::PgConnection,
    generator: &Arc<Generator>,
    table: Table,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<u64> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Vec<u8>, u64)>(4);
    let gen_for_thread = generator.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let mut out = CopyText(Vec::with_capacity(CHUNK_BYTES + 64 * 1024));
        let mut rows = Vec::new();
        let mut pending = 0u64;
        for u in 0..gen_for_thread.plan.users {
            rows.clear();
            gen_for_thread.rows(table, u, &mut rows);
            for row in &rows {
                row.copy(&mut out);
                pending += 1;
                if out.0.len() >= CHUNK_BYTES {
                    let full = std::mem::replace(&mut out.0, Vec::with_capacity(CHUNK_BYTES + 64 * 1024));
                    if tx.blocking_send((full, pending)).is_err() {
                        return;
                    }
                    pending = 0;
                }
            }
        }
        if pending > 0 {
            let _ = tx.blocking_send((out.0, pending));
        }
    });
    let statement = format!("COPY {} FROM STDIN", table.target());
    let mut copy = conn.copy_in_raw(&statement).await?;
    let mut sent = 0u64;
    let mut failure = None;
    while let Some((bytes, rows)) = rx.recv().await {
        if let Err(e) = copy.send(bytes).await {
            failure = Some(e);
            break;
        }
        sent += rows;
        progress(Progress::Rows(rows));
    }
    drop(rx);
    let joined = producer.await;
    if let Some(e) = failure {
        let _ = copy.abort("bulk load failed").await;
        return Err(e.into());
    }
    if let Err(e) = joined {
        let _ = copy.abort("bulk load generator failed").await;
        return Err(StoreError::Database(sqlx::Error::Protocol(format!("bulk data generator failed: {e}"))));
    }
    let done = copy.finish().await.map_err(concurrent)?;
    debug_assert_eq!(done, sent);
    Ok(done)
}

/// Inserts one table with multi-row INSERTs on the open SQLite transaction.
async fn insert_table(
    conn: &mut sqlx::SqliteConnection,
    generator: &Generator,
    table: Table,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<u64> {
    let one_row = format!("({})", vec!["?"; table.columns().len()].join(", "));
    let statement =
        |n: usize| format!("INSERT INTO {} VALUES {}", table.target(), vec![one_row.as_str(); n].join(", "));
    let full = statement(SQLITE_ROWS_PER_INSERT);
    let mut rows = Vec::new();
    let mut total = 0u64;
    for u in 0..generator.plan.users {
        rows.clear();
        generator.rows(table, u, &mut rows);
        for chunk in rows.chunks(SQLITE_ROWS_PER_INSERT) {
            let sql =
                if chunk.len() == SQLITE_ROWS_PER_INSERT { full.clone() } else { statement(chunk.len()) };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                q = row.bind(q);
            }
            q.execute(&mut *conn).await.map_err(concurrent)?;
        }
        total += rows.len() as u64;
        progress(Progress::Rows(rows.len() as u64));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_have_the_documented_sizes() {
        let large = Scale::Large.plan();
        assert_eq!(Table::ALL.map(|t| large.rows(t)), [100, 10_000, 500, 200_000, 1_000_000]);
        let medium = Scale::Medium.plan();
        assert_eq!(Table::ALL.map(|t| medium.rows(t)), [100, 10_000, 500, 20_000, 100_000]);
        let small = Scale::Small.plan();
        assert_eq!(Table::ALL.map(|t| small.rows(t)), [3, 12, 15, 36, 60]);
        assert_eq!("large".parse::<Scale>(), Ok(Scale::Large));
        assert!("huge".parse::<Scale>().is_err());
    }
}
