//! One sync pass over a mailbox, under its lease: for each folder, first the mail that arrived
//! since the checkpoint (oldest first, so the checkpoint moves message by message), then, while
//! the folder's first import is unfinished, older mail of the configured days, newest first.
//! A pass reads at most [`BATCH`] messages per folder and says when more remain.

use super::{BATCH, MAX_MESSAGE_BYTES, Outcome, file_message, secret_key, security_of};
use crate::app::{ApiResult, AppState};
use chrono::{Duration, Utc};
use inbound::imap::{self, Endpoint, Session};
use store::mailbox_sync::FolderState;
use store::mailboxes::MailboxRow;

/// How long a pass may hold a mailbox before another process may take it over; renewed while
/// a long pass runs, so only a crashed process's lease ever runs out.
const LEASE_MINUTES: i64 = 10;

/// Counts of one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassCounts {
    /// Messages filed into history.
    pub imported: i32,
    /// Messages queued for review.
    pub queued: i32,
    /// Messages skipped (duplicate, ignored sender, oversized, unparseable).
    pub skipped: i32,
    /// A folder had more messages than one pass reads: run another pass now.
    pub more: bool,
    /// The pass failed (the reason is the mailbox's `lastError`).
    pub failed: bool,
}

/// A failed pass: the reason in plain words (shown as the mailbox's last error) and its
/// metrics class.
struct Failure {
    reason: String,
    class: &'static str,
}

impl Failure {
    fn new(class: &'static str, reason: impl Into<String>) -> Self {
        Failure { reason: reason.into(), class }
    }
}

impl From<inbound::InboundError> for Failure {
    fn from(e: inbound::InboundError) -> Self {
        Failure { class: e.class(), reason: e.to_string() }
    }
}

fn store_failure(_: store::StoreError) -> Failure {
    Failure::new("store", "could not save what was read (database error; retrying)")
}

/// One sync pass over a mailbox, under a lease owned by `owner`: `None` when another pass holds
/// the mailbox (or it is gone). Fetches every folder from its checkpoint, files each message,
/// advances the checkpoint, and records status, counts and the last error in plain words.
#[tracing::instrument(skip_all, fields(op = "sync_mailbox", mailbox = %mailbox_id))]
pub async fn sync_pass(st: &AppState, mailbox_id: &str, owner: &str) -> ApiResult<Option<PassCounts>> {
    let Some(mb) =
        st.store.claim_mailbox(mailbox_id, owner, Utc::now() + Duration::minutes(LEASE_MINUTES)).await?
    else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let mut counts = PassCounts::default();
    let result = run_pass(st, &mb, owner, &mut counts).await;
    metrics::histogram!("relationhub_inbound_sync_seconds").record(started.elapsed().as_secs_f64());
    let error = match result {
        Ok(()) => None,
        Err(f) => {
            metrics::counter!("relationhub_inbound_errors_total", "class" => f.class).increment(1);
            tracing::warn!(class = f.class, reason = %f.reason, "mailbox sync failed");
            counts.failed = true;
            Some(f.reason)
        }
    };
    // The counts were added message by message (see `Pass::handle`).
    st.store.finish_mailbox_pass(&mb.id, owner, error.as_deref(), 0, 0).await?;
    Ok(Some(counts))
}

async fn run_pass(
    st: &AppState,
    mb: &MailboxRow,
    owner: &str,
    counts: &mut PassCounts,
) -> Result<(), Failure> {
    let key =
        secret_key(st).map_err(|_| Failure::new("secret", "RELATIONHUB_SECRET_KEY is missing or invalid"))?;
    let password = key.decrypt(&mb.password_enc).map_err(|e| Failure::new("secret", e.to_string()))?;
    let ep = Endpoint {
        host: mb.host.clone(),
        port: u16::try_from(mb.port).unwrap_or(993),
        security: security_of(&mb.security),
        username: mb.username.clone(),
        password,
    };
    let mut session = imap::login(&ep).await?;
    let Some(user) = st.store.user_by_id(&mb.user_id).await.map_err(store_failure)? else {
        return Err(Failure::new("store", "the mailbox's owner is gone"));
    };
    let mut pass = Pass { st, mb, owner, user: &user, counts, handled: 0 };
    for folder in mb.folders.lines().filter(|f| !f.is_empty()) {
        pass.folder(&mut session, folder).await?;
    }
    let _ = session.logout().await;
    Ok(())
}

struct Pass<'a> {
    st: &'a AppState,
    mb: &'a MailboxRow,
    owner: &'a str,
    user: &'a domain::User,
    counts: &'a mut PassCounts,
    handled: usize,
}

impl Pass<'_> {
    async fn folder(&mut self, session: &mut Session, folder: &str) -> Result<(), Failure> {
        let server = imap::select(session, folder).await?;
        let saved = self.st.store.folder_state(&self.mb.id, folder).await.map_err(store_failure)?;
        let mut state = match saved {
            Some(s) if s.uid_validity == i64::from(server.uid_validity) => s,
            // First sight of the folder, or its UIDVALIDITY changed (the old UIDs mean
            // nothing now): new mail is what comes after today's last UID, and everything
            // before it within the configured days is re-scanned newest first. Messages
            // already filed are recognised by Message-ID and skipped.
            _ => {
                let last = i64::from(server.uid_next.saturating_sub(1));
                let s = FolderState {
                    uid_validity: i64::from(server.uid_validity),
                    last_uid: last,
                    backfill_uid: last + 1,
                };
                self.st.store.set_folder_state(&self.mb.id, folder, s).await.map_err(store_failure)?;
                s
            }
        };
        let after = u32::try_from(state.last_uid).unwrap_or(0);
        let new = imap::uids_after(session, after, BATCH).await?;
        for m in imap::fetch_uids(session, &new, MAX_MESSAGE_BYTES).await? {
            self.handle(&m).await?;
            state.last_uid = i64::from(m.uid);
            self.st.store.set_folder_state(&self.mb.id, folder, state).await.map_err(store_failure)?;
        }
        if new.len() < BATCH && state.last_uid < i64::from(server.uid_next) - 1 {
            // Every UID below the UIDNEXT seen at SELECT was read or no longer exists (expunged
            // before we saw it): move past them, so the IDLE check does not see them as new.
            state.last_uid = i64::from(server.uid_next) - 1;
            self.st.store.set_folder_state(&self.mb.id, folder, state).await.map_err(store_failure)?;
        }
        let budget = BATCH - new.len();
        self.counts.more |= new.len() == BATCH;
        if state.backfill_uid > 0 && budget > 0 {
            let below = u32::try_from(state.backfill_uid).unwrap_or(u32::MAX);
            let old = imap::uids_before(session, below, self.st.config.inbound.since_days, budget).await?;
            if old.is_empty() {
                state.backfill_uid = 0;
                self.st.store.set_folder_state(&self.mb.id, folder, state).await.map_err(store_failure)?;
            }
            self.counts.more |= old.len() == budget;
            for m in imap::fetch_uids(session, &old, MAX_MESSAGE_BYTES).await? {
                self.handle(&m).await?;
                state.backfill_uid = i64::from(m.uid);
                self.st.store.set_folder_state(&self.mb.id, folder, state).await.map_err(store_failure)?;
            }
        }
        Ok(())
    }

    async fn handle(&mut self, m: &imap::FetchedMessage) -> Result<(), Failure> {
        metrics::counter!("relationhub_inbound_fetched_total").increment(1);
        let outcome = match m.raw.as_deref() {
            None => {
                tracing::info!(uid = m.uid, size = m.size, "message skipped: larger than the limit");
                metrics::counter!("relationhub_inbound_skipped_total", "reason" => "oversized").increment(1);
                Outcome::Skipped
            }
            Some(raw) => match inbound::parse_message(raw) {
                None => {
                    metrics::counter!("relationhub_inbound_skipped_total", "reason" => "unparseable")
                        .increment(1);
                    Outcome::Skipped
                }
                Some(p) => file_message(self.st, self.user, &self.mb.id, &p).await.map_err(|_| {
                    Failure::new("store", "could not store a message (database error; retrying)")
                })?,
            },
        };
        match outcome {
            Outcome::Imported => self.counts.imported += 1,
            Outcome::Queued => self.counts.queued += 1,
            Outcome::Skipped => self.counts.skipped += 1,
        }
        let (imported, queued) = match outcome {
            Outcome::Imported => (1, 0),
            Outcome::Queued => (0, 1),
            Outcome::Skipped => (0, 0),
        };
        if imported + queued > 0 {
            self.st.store.add_mailbox_counts(&self.mb.id, imported, queued).await.map_err(store_failure)?;
        }
        metrics::counter!("relationhub_inbound_messages_total", "outcome" => outcome.name()).increment(1);
        self.handled += 1;
        if self.handled.is_multiple_of(100) {
            let until = Utc::now() + Duration::minutes(LEASE_MINUTES);
            if !self
                .st
                .store
                .renew_mailbox_lease(&self.mb.id, self.owner, until)
                .await
                .map_err(store_failure)?
            {
                return Err(Failure::new("lease", "another process took over this mailbox"));
            }
        }
        Ok(())
    }
}
