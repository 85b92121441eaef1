//! Write transactions, begun one way on both backends.
//!
//! SQLite's plain `BEGIN` is deferred: the transaction takes the database's write lock only at
//! its first write. One that has read first cannot wait for that lock — SQLite refuses at once
//! with `SQLITE_BUSY` rather than risk two upgrading readers deadlocking — so a transaction
//! that looks before it writes (deleting an email first finds the follow-ups it ends) failed
//! whenever another connection was writing, or had not yet rolled back a dropped transaction.
//! `BEGIN IMMEDIATE` takes the lock up front, where the connection's busy timeout lets it wait
//! its turn. PostgreSQL locks rows, not the database, so its plain `BEGIN` is already right.

use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::future::Future;

/// Begins a transaction that is going to write.
pub(crate) trait BeginWrite {
    /// The backend the transaction runs on.
    type Database: sqlx::Database;

    /// A pooled connection in a transaction that holds (SQLite) or will take (PostgreSQL) the
    /// locks a writer needs, waiting for them as long as the connection's busy timeout allows.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Database>, sqlx::Error>> + Send;
}

impl BeginWrite for PgPool {
    type Database = Postgres;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Postgres>, sqlx::Error>> + Send {
        self.begin()
    }
}

impl BeginWrite for SqlitePool {
    type Database = Sqlite;

    fn begin_write(&self) -> impl Future<Output = Result<Transaction<'static, Sqlite>, sqlx::Error>> + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}
