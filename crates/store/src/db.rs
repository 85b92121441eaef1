//! Connecting: one `Store` over either a PostgreSQL or a SQLite pool, chosen by the URL.

use crate::error::{Result, StoreError};
use crate::lane::ReadLane;
use crate::token_cache::TokenCache;
use crate::url::{Backend, DatabaseUrl};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection as _, PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The two pools. Each query is written once and dispatched over this enum by `on_db!`.
#[derive(Clone, Debug)]
pub enum Db {
    /// PostgreSQL pool.
    Postgres(PgPool),
    /// SQLite pool.
    Sqlite(SqlitePool),
}

/// How to open the pool.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// How long to wait for a connection (also bounds connecting to an unreachable server).
    pub acquire_timeout: Duration,
    /// Create the database (SQLite file or PostgreSQL database) when it does not exist.
    pub create_if_missing: bool,
    /// How long a bearer-token lookup may be answered from memory; see [`crate::token_cache`].
    /// Zero (the default here, for tools and tests) turns the cache off; the server passes its
    /// configured lifetime.
    pub token_cache_ttl: Duration,
    /// On PostgreSQL, run the hot single-statement reads on connections of their own, up to
    /// `max_connections` more, handed back without the pool's check round trip (see
    /// [`crate::lane`]). Off by default here; the server and the CLI turn it on.
    pub read_lane: bool,
}

/// The server's token-cache lifetime when none is configured.
pub const DEFAULT_TOKEN_CACHE_TTL: Duration = Duration::from_secs(5);

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            create_if_missing: false,
            token_cache_ttl: Duration::ZERO,
            read_lane: false,
        }
    }
}

/// The data layer's handle: cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: Db,
    /// Shared, so cloning a store (once per request for its loaders) copies no text.
    pub(crate) url: Arc<DatabaseUrl>,
    /// Cached token lookups, shared by every clone.
    pub(crate) tokens: Arc<TokenCache>,
    /// Connections for hot reads (PostgreSQL with `read_lane` only).
    pub(crate) lane: Option<Arc<ReadLane>>,
}

impl Store {
    /// Opens a pool for `url`, failing within `acquire_timeout` with a message that names the
    /// host and port (never the password) when the server cannot be used.
    pub async fn connect(url: &DatabaseUrl, opts: &ConnectOptions) -> Result<Store> {
        let (db, lane) = match url {
            DatabaseUrl::Postgres(raw) => {
                let (pool, conn_opts) = connect_postgres(raw, opts).await?;
                let lane = opts
                    .read_lane
                    .then(|| Arc::new(ReadLane::new(conn_opts, opts.max_connections, opts.acquire_timeout)));
                (Db::Postgres(pool), lane)
            }
            DatabaseUrl::Sqlite { path } => (Db::Sqlite(connect_sqlite(path.as_deref(), opts).await?), None),
        };
        let tokens = TokenCache::for_url(url, opts.token_cache_ttl);
        Ok(Store { db, url: Arc::new(url.clone()), tokens, lane })
    }

    /// The pools, for code in this crate and for tests.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The URL this store was opened with.
    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// Which engine is behind this store.
    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// Round-trips a trivial query.
    pub async fn ping(&self) -> Result<()> {
        on_db!(&self.db, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Pool size and idle connections, for metrics.
    pub fn pool_stats(&self) -> (u32, u32) {
        match &self.db {
            Db::Postgres(p) => (p.size(), p.num_idle() as u32),
            Db::Sqlite(p) => (p.size(), p.num_idle() as u32),
        }
    }

    /// Closes every connection, waiting for checked-out ones to return.
    pub async fn close(&self) {
        if let Some(lane) = &self.lane {
            lane.close().await;
        }
        match &self.db {
            Db::Postgres(p) => p.close().await,
            Db::Sqlite(p) => p.close().await,
        }
    }
}

/// Pooled connections idle for longer than this are pinged before use (the server, a proxy or a
/// firewall may have dropped them); busier ones are handed out at once. sqlx's default pings on
/// every acquire, which costs one extra round trip per query (two per authenticated request).
pub(crate) const PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// The pools' `before_acquire` check: pings a connection only when it sat idle for
/// [`PING_AFTER_IDLE`] or longer.
fn ping_if_idle<C: sqlx::Connection>(
    conn: &mut C,
    meta: sqlx::pool::PoolConnectionMetadata,
) -> futures::future::BoxFuture<'_, std::result::Result<bool, sqlx::Error>> {
    Box::pin(async move {
        if meta.idle_for >= PING_AFTER_IDLE {
            conn.ping().await?;
        }
        Ok(true)
    })
}

async fn connect_postgres(raw: &str, opts: &ConnectOptions) -> Result<(PgPool, PgConnectOptions)> {
    let conn_opts = PgConnectOptions::from_str(raw).map_err(|_| {
        StoreError::Unavailable(format!("malformed PostgreSQL URL {}", crate::url::redact(raw)))
    })?;
    let pool_opts = || {
        PgPoolOptions::new()
            .max_connections(opts.max_connections)
            .acquire_timeout(opts.acquire_timeout)
            .idle_timeout(Duration::from_secs(300))
            .test_before_acquire(false)
            .before_acquire(ping_if_idle)
    };
    let pool = match pool_opts().connect_with(conn_opts.clone()).await {
        Ok(pool) => pool,
        Err(err) if opts.create_if_missing && is_missing_database(&err) => {
            create_postgres_database(&conn_opts, opts.acquire_timeout).await?;
            pool_opts()
                .connect_with(conn_opts.clone())
                .await
                .map_err(|e| describe_pg_error(&e, &conn_opts))?
        }
        Err(err) => return Err(describe_pg_error(&err, &conn_opts)),
    };
    Ok((pool, conn_opts))
}

fn is_missing_database(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("3D000"))
}

/// Connects to the server's `postgres` database and creates the one named in `target`.
async fn create_postgres_database(target: &PgConnectOptions, timeout: Duration) -> Result<()> {
    let name = target.get_database().unwrap_or("postgres").to_owned();
    let admin = target.clone().database("postgres");
    let mut conn = tokio::time::timeout(timeout, admin.connect())
        .await
        .map_err(|_| unreachable(target))?
        .map_err(|e| describe_pg_error(&e, target))?;
    let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
    match sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await {
        Ok(_) => {}
        // Another process created it between our check and now: fine.
        Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P04") => {}
        Err(e) => return Err(describe_pg_error(&e, target)),
    }
    tracing::info!(database = %name, "created PostgreSQL database");
    conn.close().await.ok();
    Ok(())
}

fn where_pg(o: &PgConnectOptions) -> String {
    format!("{}:{}", o.get_host(), o.get_port())
}

fn unreachable(o: &PgConnectOptions) -> StoreError {
    StoreError::Unavailable(format!("cannot reach PostgreSQL at {} (timed out)", where_pg(o)))
}

/// Turns a connection failure into one clear line naming host, port, user or database.
fn describe_pg_error(err: &sqlx::Error, o: &PgConnectOptions) -> StoreError {
    let at = where_pg(o);
    let msg = match err {
        sqlx::Error::Io(io) => format!("cannot reach PostgreSQL at {at}: {io}"),
        sqlx::Error::PoolTimedOut => format!("cannot reach PostgreSQL at {at} (timed out)"),
        sqlx::Error::Tls(e) => format!("TLS handshake with PostgreSQL at {at} failed: {e}"),
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("28P01") | Some("28000") => {
                format!("PostgreSQL at {at} rejected the credentials of user {:?}", o.get_username())
            }
            Some("3D000") => format!(
                "database {:?} does not exist on PostgreSQL at {at} (run `relationhub migrate deploy` to create it)",
                o.get_database().unwrap_or_default()
            ),
            _ => format!("PostgreSQL at {at} refused the connection: {}", db.message()),
        },
        other => format!("cannot connect to PostgreSQL at {at}: {other}"),
    };
    StoreError::Unavailable(msg)
}

async fn connect_sqlite(path: Option<&std::path::Path>, opts: &ConnectOptions) -> Result<SqlitePool> {
    let mut conn_opts = SqliteConnectOptions::new()
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .synchronous(SqliteSynchronous::Normal)
        .statement_cache_capacity(256);
    let mut pool_opts = SqlitePoolOptions::new()
        .acquire_timeout(opts.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(ping_if_idle);
    match path {
        Some(path) => {
            if !path.exists() {
                if !opts.create_if_missing {
                    return Err(StoreError::Unavailable(format!(
                        "SQLite database {} does not exist (run `relationhub migrate deploy` to create it)",
                        path.display()
                    )));
                }
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Unavailable(format!("cannot create directory {}: {e}", dir.display()))
                    })?;
                }
            }
            conn_opts = conn_opts
                .filename(path)
                .create_if_missing(opts.create_if_missing)
                .journal_mode(SqliteJournalMode::Wal);
            pool_opts = pool_opts.max_connections(opts.max_connections.max(2));
        }
        None => {
            // Every connection to ":memory:" is its own database: keep exactly one, forever.
            conn_opts = conn_opts.in_memory(true);
            pool_opts = pool_opts.max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
        }
    }
    let shown = path.map(|p| p.display().to_string()).unwrap_or_else(|| ":memory:".into());
    pool_opts
        .connect_with(conn_opts)
        .await
        .map_err(|e| StoreError::Unavailable(format!("cannot open SQLite database {shown}: {e}")))
}
