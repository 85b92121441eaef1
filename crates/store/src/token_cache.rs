//! A short-lived cache of bearer-token lookups, so an authenticated request runs one statement
//! instead of two.
//!
//! Revocation stays immediate: every statement that revokes a token, deletes an account or
//! changes its password drops that account's entries here and, on PostgreSQL, tells every other
//! server process with `NOTIFY relationhub_tokens` (payload: the user id, `*` for everyone),
//! which [`Store::watch_token_revocations`] applies as it arrives. While that listener is not
//! connected (starting up, connection lost) the cache is bypassed, so a missed notification can
//! never keep a revoked token alive. SQLite is one process: invalidation is in-process, through
//! one cache per database file shared by every `Store` opened on it.
//!
//! Entries also end at the token's own expiry and after the configured lifetime
//! (`RELATIONHUB_TOKEN_CACHE_SECS`), which bounds how stale the cached account (name, email)
//! may get.

use crate::db::{Db, Store};
use crate::url::DatabaseUrl;
use domain::{ApiToken, User};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

/// The PostgreSQL channel revocations are announced on.
pub const CHANNEL: &str = "relationhub_tokens";
/// The payload that drops every entry (bulk deletions).
const EVERYONE: &str = "*";
/// Most entries kept; beyond it expired ones are dropped, then all (a cache, not a store).
const MAX_ENTRIES: usize = 10_000;
/// Pause before reconnecting a lost listener.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

struct Entry {
    user: User,
    token: ApiToken,
    until: Instant,
}

#[derive(Default)]
struct Entries {
    /// By token hash.
    map: HashMap<String, Entry>,
    /// Bumped by every invalidation: a lookup that started before one must not insert what it
    /// read (it may have read the row just before the revocation committed).
    generation: u64,
}

/// Cached `authenticate_token` answers, keyed by token hash.
pub struct TokenCache {
    ttl: Duration,
    /// Whether invalidations are known to arrive (always on SQLite; on PostgreSQL while the
    /// listener is connected). When false every lookup goes to the database.
    live: AtomicBool,
    entries: RwLock<Entries>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").field("ttl", &self.ttl).field("live", &self.is_live()).finish()
    }
}

/// A lookup in progress: the generation it started at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

impl TokenCache {
    fn new(ttl: Duration, live: bool) -> Self {
        Self { ttl, live: AtomicBool::new(live), entries: RwLock::new(Entries::default()) }
    }

    /// The cache for a store on `url`: one per SQLite file in this process (so every store on it
    /// sees the others' revocations), a fresh one for PostgreSQL (kept live by the listener).
    pub(crate) fn for_url(url: &DatabaseUrl, ttl: Duration) -> Arc<Self> {
        match url {
            DatabaseUrl::Postgres(_) => Arc::new(Self::new(ttl, false)),
            DatabaseUrl::Sqlite { path: None } => Arc::new(Self::new(ttl, true)),
            DatabaseUrl::Sqlite { path: Some(path) } => sqlite_shared(path, ttl),
        }
    }

    fn enabled(&self) -> bool {
        !self.ttl.is_zero() && self.is_live()
    }

    /// Whether cached answers are being served (false while invalidations could be missed).
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        // A panic while holding the lock cannot leave the map inconsistent (single inserts and
        // removals), so a poisoned lock is still usable.
        self.entries.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        self.entries.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached answer for `hash`, if fresh and the token has not expired meanwhile.
    pub(crate) fn get(&self, hash: &str) -> Option<(User, ApiToken)> {
        if !self.enabled() {
            return None;
        }
        let entries = self.read();
        let e = entries.map.get(hash)?;
        let now = chrono::Utc::now();
        (e.until > Instant::now() && e.token.expires_at.is_none_or(|t| t > now))
            .then(|| (e.user.clone(), e.token.clone()))
    }

    /// Starts a lookup whose answer may be cached by [`TokenCache::put`].
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.read().generation)
    }

    /// Caches a live token's answer unless an invalidation happened since `ticket`.
    pub(crate) fn put(&self, ticket: Ticket, hash: &str, user: &User, token: &ApiToken) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.write();
        if entries.generation != ticket.0 {
            return;
        }
        if entries.map.len() >= MAX_ENTRIES {
            let now = Instant::now();
            entries.map.retain(|_, e| e.until > now);
            if entries.map.len() >= MAX_ENTRIES {
                entries.map.clear();
            }
        }
        let until = Instant::now() + self.ttl;
        entries.map.insert(hash.to_owned(), Entry { user: user.clone(), token: token.clone(), until });
    }

    /// Records a `lastUsedAt` write in the cached copy, so the next request does not write again.
    pub(crate) fn touched(&self, token_id: &str, at: chrono::DateTime<chrono::Utc>) {
        let mut entries = self.write();
        if let Some(e) = entries.map.values_mut().find(|e| e.token.id == token_id) {
            e.token.last_used_at = Some(at);
        }
    }

    /// Drops every entry of `user_id` (`*`: everyone's).
    pub(crate) fn invalidate(&self, user_id: &str) {
        let mut entries = self.write();
        entries.generation += 1;
        if user_id == EVERYONE {
            entries.map.clear();
        } else {
            entries.map.retain(|_, e| e.user.id != user_id);
        }
    }

    fn set_live(&self, live: bool) {
        // Whatever was cached before a change of state may have missed an invalidation.
        self.invalidate(EVERYONE);
        self.live.store(live, Ordering::Release);
    }
}

/// SQLite: every store this process opens on one file shares one cache, so a revocation through
/// any of them reaches the others at once.
fn sqlite_shared(path: &std::path::Path, ttl: Duration) -> Arc<TokenCache> {
    static SHARED: OnceLock<Mutex<HashMap<PathBuf, Weak<TokenCache>>>> = OnceLock::new();
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut shared = SHARED.get_or_init(Default::default).lock().unwrap_or_else(PoisonError::into_inner);
    shared.retain(|_, cache| cache.strong_count() > 0);
    if let Some(cache) = shared.get(&key).and_then(Weak::upgrade)
        && cache.ttl == ttl
    {
        return cache;
    }
    let cache = Arc::new(TokenCache::new(ttl, true));
    shared.insert(key, Arc::downgrade(&cache));
    cache
}

impl Store {
    /// Whether token lookups are currently answered from the cache (tests wait for this before
    /// relying on the listener).
    pub fn token_cache_is_live(&self) -> bool {
        self.tokens.enabled()
    }

    /// Drops `user_id`'s cached tokens here and announces it to every other process; called
    /// after any statement that revokes tokens or changes the account. A failed announcement is
    /// logged: the change itself is committed, and the other processes' entries end with their
    /// lifetime.
    pub(crate) async fn tokens_changed(&self, user_id: &str) {
        self.tokens.invalidate(user_id);
        if let Db::Postgres(p) = &self.db
            && let Err(e) =
                sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(user_id).execute(p).await
        {
            tracing::warn!(error = %e, "could not announce a token revocation to other processes");
        }
    }

    /// Drops every cached token here and in every other process (bulk deletions).
    pub(crate) async fn all_tokens_changed(&self) {
        self.tokens_changed(EVERYONE).await;
    }

    /// PostgreSQL: listens for other processes' revocations and applies them to this store's
    /// cache, until the process ends; the cache is served only while the listener is connected.
    /// Returns at once on SQLite or with the cache disabled. Spawn it beside the server.
    pub async fn watch_token_revocations(self) {
        let (DatabaseUrl::Postgres(url), false) = (&*self.url, self.tokens.ttl.is_zero()) else { return };
        loop {
            match listen(url).await {
                Ok(mut listener) => {
                    self.tokens.set_live(true);
                    tracing::debug!("token cache live: listening for revocations");
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(n)) => self.tokens.invalidate(n.payload()),
                            Ok(None) => break,
                            Err(e) => {
                                tracing::warn!(error = %e, "token revocation listener failed");
                                break;
                            }
                        }
                    }
                    self.tokens.set_live(false);
                    tracing::warn!("token revocation listener lost its connection; bypassing the cache");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for token revocations; bypassing the cache")
                }
            }
            tokio::time::sleep(RECONNECT_AFTER).await;
        }
    }
}

/// A dedicated connection (outside the pool) listening on [`CHANNEL`]. It does not reconnect by
/// itself: the caller must learn of a loss to stop serving the cache.
async fn listen(url: &str) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(user_id: &str, token_id: &str) -> (User, ApiToken) {
        let now = chrono::Utc::now();
        let user = User {
            id: user_id.into(),
            email: "a@example.com".into(),
            name: "A".into(),
            password_hash: String::new(),
            created_at: now,
            updated_at: now,
        };
        let token = ApiToken {
            id: token_id.into(),
            user_id: user_id.into(),
            kind: domain::TokenKind::Session,
            name: None,
            expires_at: None,
            revoked_at: None,
            created_at: now,
            last_used_at: None,
        };
        (user, token)
    }

    #[test]
    fn an_invalidation_drops_the_users_entries_and_refuses_lookups_that_started_before_it() {
        let cache = TokenCache::new(Duration::from_secs(60), true);
        let (u, t) = sample("u1", "t1");
        let (v, s) = sample("u2", "t2");
        cache.put(cache.ticket(), "h1", &u, &t);
        cache.put(cache.ticket(), "h2", &v, &s);
        assert!(cache.get("h1").is_some());
        let before = cache.ticket();
        cache.invalidate("u1");
        assert!(cache.get("h1").is_none());
        assert!(cache.get("h2").is_some(), "other users keep their entries");
        cache.put(before, "h1", &u, &t);
        assert!(cache.get("h1").is_none(), "a lookup that raced the revocation is not cached");
        cache.invalidate(EVERYONE);
        assert!(cache.get("h2").is_none());
    }

    #[test]
    fn expired_tokens_and_a_cache_that_is_not_live_answer_nothing() {
        let cache = TokenCache::new(Duration::from_secs(60), false);
        let (u, mut t) = sample("u1", "t1");
        cache.put(cache.ticket(), "h1", &u, &t);
        assert!(cache.get("h1").is_none(), "not live: nothing cached");
        cache.set_live(true);
        t.expires_at = Some(chrono::Utc::now() - chrono::Duration::seconds(1));
        cache.put(cache.ticket(), "h1", &u, &t);
        assert!(cache.get("h1").is_none(), "the token's own expiry ends the entry");
        let disabled = TokenCache::new(Duration::ZERO, true);
        disabled.put(disabled.ticket(), "h1", &u, &sample("u1", "t1").1);
        assert!(disabled.get("h1").is_none());
    }
}
