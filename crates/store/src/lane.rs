//! The read lane: PostgreSQL connections of their own for the hot single-statement reads
//! (one email, a page of emails, contacts or history), handed back without a round trip.
//!
//! sqlx's pool checks every connection given back to it with a `Sync` round trip (it cannot
//! know whether the last query finished, and a query future dropped mid-flight leaves the
//! connection mid-protocol). For a request that runs one statement that check is a second
//! round trip to the database, a second wake-up of its backend and a spawned task: about a
//! sixth of the throughput of `email(id)` under load (docs/BENCHMARKS.md). Here the check is
//! replaced by knowing: a [`Lease`] whose statement completed puts its connection back as it
//! is; one dropped before that (cancelled, failed) closes its connection instead, so nothing
//! mid-protocol is ever reused. Connections idle for longer than [`PING_AFTER_IDLE`] are pinged
//! before use, as the pool's are.
//!
//! The lane holds at most as many connections as the pool (`RELATIONHUB_DB_MAX_CONNECTIONS`),
//! opened on demand; writes, transactions and everything else keep using the pool.

use crate::db::PING_AFTER_IDLE;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions as _, Connection as _};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connections for hot reads, beside the pool.
#[derive(Debug)]
pub(crate) struct ReadLane {
    options: PgConnectOptions,
    /// One permit per connection the lane may have in use at once.
    permits: std::sync::Arc<Semaphore>,
    /// Connections not in use, with when each was last handed back.
    idle: Mutex<Vec<(PgConnection, Instant)>>,
    acquire_timeout: Duration,
}

impl ReadLane {
    /// A lane of at most `size` connections opened with `options`.
    pub(crate) fn new(options: PgConnectOptions, size: u32, acquire_timeout: Duration) -> Self {
        Self {
            options,
            permits: std::sync::Arc::new(Semaphore::new(size.max(1) as usize)),
            idle: Mutex::new(Vec::new()),
            acquire_timeout,
        }
    }

    /// A connection for one statement: an idle one, or a new one. Waits at most the pool's
    /// acquire timeout for a free slot (`PoolTimedOut`, as the pool would).
    pub(crate) async fn lease(&self) -> Result<Lease<'_>, sqlx::Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let reused = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match reused {
            Some((mut conn, at)) if at.elapsed() >= PING_AFTER_IDLE => match conn.ping().await {
                Ok(()) => conn,
                // The server or something between dropped it while idle: open a fresh one.
                Err(_) => self.options.connect().await?,
            },
            Some((conn, _)) => conn,
            None => self.options.connect().await?,
        };
        Ok(Lease { lane: self, conn: Some(conn), done: false, _permit: permit })
    }

    /// Closes the idle connections and refuses new leases (for [`crate::Store::close`]).
    pub(crate) async fn close(&self) {
        self.permits.close();
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for (conn, _) in idle {
            let _ = conn.close().await;
        }
    }
}

/// One connection taken from the lane for one statement.
pub(crate) struct Lease<'a> {
    lane: &'a ReadLane,
    conn: Option<PgConnection>,
    done: bool,
    _permit: OwnedSemaphorePermit,
}

impl Lease<'_> {
    /// The connection to run the statement on.
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        // Only `Drop` takes the connection out.
        self.conn.as_mut().unwrap_or_else(|| unreachable!("a lease holds its connection until dropped"))
    }

    /// Records that the statement ran to completion: the connection goes back to the lane.
    pub(crate) fn finish(mut self) {
        self.done = true;
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && self.done
        {
            self.lane.idle.lock().unwrap_or_else(PoisonError::into_inner).push((conn, Instant::now()));
        }
        // Otherwise the connection is dropped here, which closes it: it may be mid-protocol.
    }
}

/// Runs one read statement: on PostgreSQL on a lane connection (bound to `$conn` as
/// `&mut PgConnection`), on SQLite on the pool (bound as `&SqlitePool`). `$body` must evaluate to
/// a `Result<_, sqlx::Error>` and use `$conn` once.
macro_rules! on_read {
    ($store:expr, $conn:ident => $body:expr) => {
        match (&$store.db, &$store.lane) {
            ($crate::db::Db::Postgres(_), Some(lane)) => match lane.lease().await {
                Ok(mut lease) => {
                    let out = {
                        let $conn = lease.conn();
                        $body
                    };
                    if out.is_ok() {
                        lease.finish();
                    }
                    out
                }
                Err(e) => Err(e),
            },
            ($crate::db::Db::Postgres($conn), None) => $body,
            ($crate::db::Db::Sqlite($conn), _) => $body,
        }
    };
}
pub(crate) use on_read;
