//! Test support shared by the workspace's test suites.
//!
//! [`TestDb`] gives each test its own database: a new PostgreSQL database on the server named by
//! `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), or a SQLite file
//! in a temporary directory. It is migrated on request and removed when dropped, also when the
//! test panics. PostgreSQL tests fail (never skip) when the server does not answer.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::str::FromStr;
use store::{ConnectOptions, DatabaseUrl, Store};

/// The server test databases are created on.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A fresh PostgreSQL database.
    Postgres,
    /// A fresh SQLite file.
    Sqlite,
}

/// A database that exists for one test.
pub struct TestDb {
    /// Its URL (pass to the binary as `--database-url`).
    pub url: String,
    /// Which backend.
    pub kind: Kind,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Creates an empty database of `kind` (not migrated).
    pub async fn empty(kind: Kind) -> TestDb {
        match kind {
            Kind::Postgres => {
                let admin = admin_url();
                let name = format!("rh_test_{}", uuid::Uuid::new_v4().simple());
                let opts = sqlx::postgres::PgConnectOptions::from_str(&admin).expect("TEST_DATABASE_URL");
                let mut conn = sqlx::ConnectOptions::connect(&opts).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL tests need a server at {admin} (set TEST_DATABASE_URL): {e}")
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut conn)
                    .await
                    .expect("create test database");
                let _ = sqlx::Connection::close(conn).await;
                let url = replace_db(&admin, &name);
                TestDb { url, kind, pg_name: Some(name), _dir: None }
            }
            Kind::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                TestDb { url, kind, pg_name: None, _dir: Some(dir) }
            }
        }
    }

    /// Creates a database of `kind` with every migration applied.
    pub async fn migrated(kind: Kind) -> TestDb {
        let db = TestDb::empty(kind).await;
        let store = db.connect().await;
        store.deploy(|_| {}).await.expect("migrations apply");
        store.close().await;
        db
    }

    /// The parsed URL.
    pub fn database_url(&self) -> DatabaseUrl {
        self.url.parse().expect("test url parses")
    }

    /// Opens a store on it (creating the SQLite file if needed).
    pub async fn connect(&self) -> Store {
        self.connect_caching_tokens(std::time::Duration::ZERO).await
    }

    /// Opens a store whose token lookups are cached for `ttl` (as a server's are).
    pub async fn connect_caching_tokens(&self, ttl: std::time::Duration) -> Store {
        let opts = ConnectOptions {
            create_if_missing: true,
            max_connections: 5,
            token_cache_ttl: ttl,
            read_lane: true,
            ..Default::default()
        };
        Store::connect(&self.database_url(), &opts).await.expect("connect to test database")
    }

    /// A handle on the same database that does not own it (dropping it removes nothing): for a
    /// second server process on one database.
    pub fn alias(&self) -> TestDb {
        TestDb { url: self.url.clone(), kind: self.kind, pg_name: None, _dir: None }
    }

    /// The directory holding a SQLite test database (None on PostgreSQL).
    pub fn dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop runs outside any async context we can use, so clean up on a thread of its own.
        let admin = admin_url();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
            rt.block_on(async move {
                let opts = sqlx::postgres::PgConnectOptions::from_str(&admin).ok()?;
                let mut conn = sqlx::ConnectOptions::connect(&opts).await.ok()?;
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")))
                    .execute(&mut conn)
                    .await
                    .ok()?;
                sqlx::Connection::close(conn).await.ok()
            })
        })
        .join();
    }
}

/// `url` with its database name replaced by `db`.
pub fn replace_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Declares one `#[tokio::test]` per backend for each async test function `name(Kind)`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Kind::Postgres).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Kind::Sqlite).await
                }
            }
        )+
    };
}
