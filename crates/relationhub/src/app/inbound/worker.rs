//! The mailbox sync worker inside `serve`: one task per mailbox. Each runs a pass, then waits
//! for news (IDLE on the first folder where the server offers it, else the poll interval),
//! and after a failure waits with exponential backoff. Tasks are independent, so one failing
//! mailbox never holds up another; passes take the mailbox's lease, so several processes on one
//! database never sync the same mailbox at once (the one that loses the race just waits again).

use super::sync_pass;
use crate::app::AppState;
use inbound::imap::{self, Endpoint, Woke};
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// First wait after a failed pass; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
/// Longest wait after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// How often the worker looks for mailboxes connected in other processes.
const DISCOVERY: Duration = Duration::from_secs(30);
/// Longest IDLE before re-issuing it (RFC 2177 asks clients to stay under 29 minutes).
const MAX_IDLE: Duration = Duration::from_secs(25 * 60);

/// Runs until `cancel` fires, then stops every mailbox task (a pass in progress is abandoned
/// at its next network step; its checkpoint is exact up to the last message filed).
pub async fn run(st: AppState, cancel: CancellationToken) {
    let owner = format!("inbound-{}", domain::new_id());
    tracing::info!(worker = %owner, "mailbox sync worker started");
    let mut tasks: HashMap<String, (JoinHandle<()>, CancellationToken)> = HashMap::new();
    while !cancel.is_cancelled() {
        // Registered before the look, so a wake during it is not lost.
        let wake = st.inbound_wake.notified();
        match st.store.all_mailbox_ids().await {
            Ok(ids) => {
                tasks.retain(|id, (handle, stop)| {
                    let keep = ids.contains(id) && !handle.is_finished();
                    if !keep {
                        stop.cancel();
                    }
                    keep
                });
                for id in ids {
                    if let std::collections::hash_map::Entry::Vacant(slot) = tasks.entry(id) {
                        let stop = cancel.child_token();
                        let id = slot.key().clone();
                        let handle = tokio::spawn(watch(st.clone(), id, owner.clone(), stop.clone()));
                        slot.insert((handle, stop));
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "listing mailboxes failed"),
        }
        tokio::select! {
            () = cancel.cancelled() => break,
            () = wake => {}
            () = tokio::time::sleep(DISCOVERY.min(st.config.inbound.poll_interval)) => {}
        }
    }
    for (_, (handle, stop)) in tasks {
        stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(10), handle).await;
    }
    tracing::info!(worker = %owner, "mailbox sync worker stopped");
}

/// Syncs one mailbox until `stop` fires (the mailbox was removed, or the server shuts down).
async fn watch(st: AppState, id: String, owner: String, stop: CancellationToken) {
    let mut backoff = FIRST_BACKOFF;
    while !stop.is_cancelled() {
        let pass = tokio::select! {
            () = stop.cancelled() => {
                // Cut short: what was filed is checkpointed; free the mailbox for the next
                // process now rather than when the lease runs out.
                if let Err(e) = st.store.release_mailbox_lease(&id, &owner).await {
                    tracing::warn!(mailbox = %id, error = %e, "could not release the mailbox lease");
                }
                break;
            }
            r = sync_pass(&st, &id, &owner) => r,
        };
        let wait = match pass {
            Ok(Some(c)) if c.failed => {
                let w = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                tracing::debug!(mailbox = %id, wait_secs = w.as_secs(), "retrying after a failure");
                Some(w)
            }
            Ok(Some(c)) if c.more => {
                backoff = FIRST_BACKOFF;
                continue;
            }
            Ok(Some(_)) => {
                backoff = FIRST_BACKOFF;
                None
            }
            // Another process is syncing it: wait for news like after a pass of our own.
            Ok(None) => None,
            Err(e) => {
                tracing::error!(mailbox = %id, error = %e, "mailbox sync could not record its outcome");
                let w = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                Some(w)
            }
        };
        match wait {
            Some(w) => sleep_or_wake(&st, &stop, w).await,
            None => wait_for_news(&st, &id, &stop).await,
        }
    }
}

async fn sleep_or_wake(st: &AppState, stop: &CancellationToken, d: Duration) {
    tokio::select! {
        () = stop.cancelled() => {}
        () = st.inbound_wake.notified() => {}
        () = tokio::time::sleep(d) => {}
    }
}

/// Waits for new mail: IDLE on the mailbox's first folder when allowed and offered (for at
/// most the poll interval, so the other folders are read that often), else the poll interval.
async fn wait_for_news(st: &AppState, id: &str, stop: &CancellationToken) {
    let poll = st.config.inbound.poll_interval;
    if st.config.inbound.idle && idle(st, id, stop, poll.min(MAX_IDLE)).await.is_some() {
        return;
    }
    sleep_or_wake(st, stop, poll).await;
}

/// One IDLE wait; `None` when IDLE is not possible (no IDLE capability, or any failure: the
/// next pass reports real problems).
async fn idle(st: &AppState, id: &str, stop: &CancellationToken, max: Duration) -> Option<Woke> {
    let mb = st.store.mailbox_by_id(id).await.ok()??;
    let key = super::secret_key(st).ok()?;
    let ep = Endpoint {
        host: mb.host.clone(),
        port: u16::try_from(mb.port).ok()?,
        security: super::security_of(&mb.security),
        username: mb.username.clone(),
        password: key.decrypt(&mb.password_enc).ok()?,
    };
    let folder = mb.folders.lines().find(|f| !f.is_empty())?.to_owned();
    let seen = st.store.folder_state(id, &folder).await.ok()?.and_then(|s| {
        Some(imap::Checkpoint {
            uid_validity: u32::try_from(s.uid_validity).ok()?,
            last_uid: u32::try_from(s.last_uid).ok()?,
        })
    });
    let mut session = imap::login(&ep).await.ok()?;
    if !imap::supports_idle(&mut session).await.unwrap_or(false) {
        let _ = session.logout().await;
        return None;
    }
    let woke = st.inbound_wake.notified();
    let stopped = async {
        tokio::select! {
            () = stop.cancelled() => {}
            () = woke => {}
        }
    };
    match imap::idle_wait(session, &folder, seen, max, stopped).await {
        Ok(w) => {
            tracing::debug!(mailbox = %id, woke = ?w, "IDLE returned");
            Some(w)
        }
        Err(e) => {
            tracing::debug!(mailbox = %id, error = %e, "IDLE failed; polling instead");
            None
        }
    }
}

/// Registers the inbound metrics' descriptions with the installed recorder (call once).
pub fn describe_metrics() {
    metrics::describe_counter!("relationhub_inbound_fetched_total", "Messages fetched from mailboxes.");
    metrics::describe_counter!(
        "relationhub_inbound_messages_total",
        "Fetched messages by outcome (imported, queued for review, skipped)."
    );
    metrics::describe_counter!(
        "relationhub_inbound_skipped_total",
        "Messages skipped before matching, by reason (oversized, unparseable)."
    );
    metrics::describe_counter!(
        "relationhub_inbound_errors_total",
        "Failed mailbox sync passes by class (auth, tls, connect, folder, protocol, timeout, secret, store, lease)."
    );
    metrics::describe_histogram!(
        "relationhub_inbound_sync_seconds",
        metrics::Unit::Seconds,
        "Duration of one mailbox sync pass."
    );
}
