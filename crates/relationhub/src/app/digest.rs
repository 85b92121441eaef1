//! The daily pass: at each user's digest time (a local time in their zone), draft one email for
//! every contact that became due since the previous pass (when `autoDraft` is on) and send the
//! user one digest email (when `dailyDigest` is on and something is due).
//!
//! Exactly once per user per day, whatever the number of server processes and restarts: each
//! pass claims a `digests` row keyed UNIQUE by (user, local day) with a lease. A worker that
//! dies mid-pass leaves the row RUNNING; once the lease runs out another worker takes it over and
//! finishes it. Auto-drafts are stored in the same transaction as their per-day marker, so a
//! resumed pass never drafts a contact twice. The digest email itself is at-least-once in the
//! narrow window between handing it to the transport and recording SENT (as for any mail).

use super::preferences::parse_digest_time;
use super::{ApiError, ApiResult, AppState};
use crate::app::digest_mail::{self, DigestContent};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use domain::User;
use futures::StreamExt;
use store::{DuePass, PassOutcome, PassResult};

/// The instruction every auto-draft is written from.
pub const CHECK_IN: &str = "A short, friendly check-in to stay in touch: it has been a while since we last talked. \
     Ask how they are doing and refer to our last conversation if there was one.";

/// How the daily pass runs.
#[derive(Debug, Clone)]
pub struct DigestOptions {
    /// How long a claimed pass stays reserved for its worker (renewed while drafting).
    pub lease: Duration,
    /// Users taken per round.
    pub batch: u32,
    /// Most auto-drafts per user per day (protects a paid AI provider from a flood).
    pub draft_limit: u32,
    /// Drafts generated at once for one user.
    pub concurrency: usize,
    /// Sleep between rounds.
    pub poll: std::time::Duration,
}

impl Default for DigestOptions {
    fn default() -> Self {
        Self {
            lease: Duration::minutes(5),
            batch: 100,
            draft_limit: 200,
            concurrency: 4,
            poll: std::time::Duration::from_secs(30),
        }
    }
}

impl DigestOptions {
    /// Defaults, with `RELATIONHUB_DIGEST_POLL_SECS` (1–3600, default 30) and
    /// `RELATIONHUB_AUTO_DRAFT_LIMIT` (0–100000, default 200) from the settings.
    pub fn from_settings(settings: &crate::config::Settings) -> Result<Self, crate::config::ConfigError> {
        let mut o = Self::default();
        let poll = settings.number("RELATIONHUB_DIGEST_POLL_SECS", 30u64)?;
        if !(1..=3600).contains(&poll) {
            return Err(crate::config::ConfigError(format!(
                "RELATIONHUB_DIGEST_POLL_SECS must be between 1 and 3600 (got {poll})"
            )));
        }
        o.poll = std::time::Duration::from_secs(poll);
        let limit = settings.number("RELATIONHUB_AUTO_DRAFT_LIMIT", 200u32)?;
        if limit > 100_000 {
            return Err(crate::config::ConfigError(format!(
                "RELATIONHUB_AUTO_DRAFT_LIMIT must be at most 100000 (got {limit})"
            )));
        }
        o.draft_limit = limit;
        Ok(o)
    }
}

/// `time` on local date `day` in `zone` as UTC; in a DST gap, an hour later.
fn at_local(zone: Tz, day: chrono::NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let local = day.and_time(time);
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| zone.from_local_datetime(&(local + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
}

/// The first instant strictly after `after` that is `time` o'clock in `zone`.
pub fn next_slot(after: DateTime<Utc>, zone: Tz, time: NaiveTime) -> DateTime<Utc> {
    let today = after.with_timezone(&zone).date_naive();
    (0..3)
        .filter_map(|d| today.checked_add_days(chrono::Days::new(d)))
        .filter_map(|day| at_local(zone, day, time))
        .find(|t| *t > after)
        .unwrap_or(after + Duration::days(1))
}

/// The local day (`YYYY-MM-DD` in `zone`) a slot belongs to: the key of "once per day".
pub fn local_day(slot: DateTime<Utc>, zone: Tz) -> String {
    slot.with_timezone(&zone).date_naive().format("%Y-%m-%d").to_string()
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Passes this worker finished.
    pub passes: usize,
    /// Digest emails sent.
    pub digests: usize,
    /// Auto-drafts created.
    pub drafts: usize,
}

/// One round: every user whose pass is due now (by the injected clock), up to the batch size.
/// A failure for one user is logged and leaves that user's claim to be retried.
#[tracing::instrument(skip_all, fields(worker = %worker))]
pub async fn run_round(st: &AppState, worker: &str, opts: &DigestOptions) -> ApiResult<RoundReport> {
    let due = st.store.due_passes(st.now(), opts.batch).await?;
    let mut report = RoundReport::default();
    for pass in &due {
        match run_user(st, worker, opts, pass).await {
            Ok(Some(r)) => {
                report.passes += 1;
                report.drafts += r.draft_count as usize;
                report.digests += usize::from(r.outcome == PassOutcome::Sent);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::error!(user = %pass.user_id, error = %e, "daily pass failed; it will be retried")
            }
        }
    }
    Ok(report)
}

/// Runs one user's pass if this worker can claim it; None when it is another worker's or done.
async fn run_user(
    st: &AppState,
    worker: &str,
    opts: &DigestOptions,
    pass: &DuePass,
) -> ApiResult<Option<PassResult>> {
    let zone: Tz = pass.time_zone.as_deref().and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::UTC);
    let time = parse_digest_time(&pass.digest_time).unwrap_or(NaiveTime::MIN);
    let slot = pass.next_digest_at;
    let day = local_day(slot.0, zone);
    let now = st.now();
    let next = next_slot(now.max(slot.0), zone, time);
    let Some(id) = st.store.claim_pass(&pass.user_id, &day, worker, now + opts.lease, now).await? else {
        if st.store.pass_status(&pass.user_id, &day).await?.as_deref() != Some("RUNNING") {
            // Today's pass is done (here before a restart, or by another process): move on.
            st.store.skip_slot(&pass.user_id, slot, Some(next)).await?;
        }
        return Ok(None);
    };
    let Some(user) = st.store.user_by_id(&pass.user_id).await? else { return Ok(None) };
    let drafted = if pass.auto_draft {
        auto_draft(st, &user, &id, worker, &day, pass.last_pass(), opts).await?
    } else {
        0
    };
    let content = digest_mail::gather(st, &user, pass.last_digest()).await?;
    let mut result = PassResult {
        outcome: PassOutcome::Skipped,
        due_count: content.due_count,
        draft_count: drafted,
        message_id: None,
        now: st.now(),
        next: Some(next),
    };
    // Nothing due, no digest (drafts and replies ride along with due contacts).
    if pass.daily_digest && content.due_count > 0 {
        result.message_id = Some(send_digest(st, &user, &day, &content).await?);
        result.outcome = PassOutcome::Sent;
    }
    if !st.store.finish_pass(&id, worker, &user.id, slot, &result).await? {
        tracing::warn!(user = %user.id, %day, "the daily pass's claim was taken over before it finished");
    }
    Ok(Some(result))
}

/// Drafts one email for each contact that became due since the previous pass, storing each with
/// its marker for the day; renews the claim between batches. Returns how many were stored.
async fn auto_draft(
    st: &AppState,
    user: &User,
    id: &str,
    worker: &str,
    day: &str,
    since: Option<DateTime<Utc>>,
    opts: &DigestOptions,
) -> ApiResult<i64> {
    const BATCH: u32 = 50;
    let mut stored = 0i64;
    let mut remaining = i64::from(opts.draft_limit) - st.store.auto_draft_count(&user.id, day).await?;
    while remaining > 0 {
        let take = BATCH.min(u32::try_from(remaining).unwrap_or(BATCH));
        let contacts = st.store.newly_due_contacts(&user.id, day, since, st.now(), take).await?;
        if contacts.is_empty() {
            break;
        }
        // Each future owns what it uses (no borrowed captures), so the spawned worker stays `Send`.
        let results: Vec<ApiResult<bool>> = futures::stream::iter(contacts.iter().cloned())
            .map(|c| draft_one(st.clone(), user.clone(), day.to_owned(), c))
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
        let mut failed = false;
        for r in results {
            match r {
                Ok(true) => stored += 1,
                Ok(false) => {}
                Err(e) => {
                    // A provider that fails now fails for the rest too: stop drafting this pass;
                    // the digest still lists every due contact.
                    tracing::warn!(user = %user.id, error = %e, "auto-draft failed; no more drafts this pass");
                    failed = true;
                }
            }
        }
        remaining -= contacts.len() as i64;
        if failed || !st.store.renew_pass(id, worker, st.now() + opts.lease).await? {
            break;
        }
    }
    Ok(stored)
}

/// Generates and stores one auto-draft; false when the contact was drafted that day already.
async fn draft_one(st: AppState, user: User, day: String, contact: domain::Contact) -> ApiResult<bool> {
    let new = crate::ai::generate_unstored(&st.store, &st.generator, &user, &contact, CHECK_IN)
        .await
        .map_err(|e| ApiError::ProviderUnavailable(e.to_string()))?;
    Ok(st.store.store_auto_draft(&user.id, &day, &new).await?.is_some())
}

/// Sends the digest through the configured transport; its `Message-ID`.
async fn send_digest(st: &AppState, user: &User, day: &str, content: &DigestContent) -> ApiResult<String> {
    let public = st.config.delivery.public_url.as_deref();
    let (subject, text) = digest_mail::render(user, day, content, public);
    let composed =
        delivery::compose_notice(&user.name, &user.email, &subject, &text, st.config.delivery.from.as_ref())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("digest for {}: {e}", user.id)))?;
    st.sender
        .transport()
        .send(&composed.message)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("sending the digest: {e}")))?;
    Ok(composed.message_id)
}

/// Runs [`run_round`] every `poll` until `cancel` fires (the worker `serve` starts).
pub struct DigestWorker {
    state: AppState,
    options: DigestOptions,
    worker: String,
}

impl DigestWorker {
    /// A worker over `state` (its clock decides when passes are due).
    pub fn new(state: AppState, options: DigestOptions) -> Self {
        Self { state, options, worker: delivery::worker_id() }
    }

    /// Loops until cancelled.
    pub async fn run(self, cancel: tokio_util::sync::CancellationToken) {
        tracing::info!(worker = %self.worker, "daily digest worker started");
        while !cancel.is_cancelled() {
            match run_round(&self.state, &self.worker, &self.options).await {
                Ok(r) if r.passes > 0 => {
                    tracing::info!(
                        passes = r.passes,
                        digests = r.digests,
                        drafts = r.drafts,
                        "daily passes done"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "finding due daily passes failed"),
            }
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(self.options.poll) => {}
            }
        }
        tracing::info!(worker = %self.worker, "daily digest worker stopped");
    }
}
