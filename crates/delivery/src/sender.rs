//! Sending one claimed email and recording the outcome: SENT, a retry with backoff, or FAILED.
//! Also the "send now" path a request takes.

use crate::config::{ConfigError, DeliveryConfig};
use crate::message::{ComposeOptions, compose};
use crate::metrics::{OUTCOME, SEND_LAG, SENT_TOTAL};
use crate::transport::{SendError, Transport, build_transport};
use chrono::{DateTime, Utc};
use domain::{Email, EmailStatus};
use rand::Rng as _;
use std::sync::Arc;
use std::time::Duration;
use store::{DueEmail, Store, StoreError};
use tokio::sync::Notify;

/// What became of one claimed email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered and recorded as SENT.
    Sent {
        /// The `Message-ID` it went out with.
        message_id: String,
    },
    /// A transient failure; another attempt is due at `at`.
    Retry {
        /// When the next attempt is due.
        at: DateTime<Utc>,
        /// The failure, as shown to the user (see [`SendError::reason`]).
        error: String,
    },
    /// Given up: a permanent failure or the last allowed attempt.
    Failed {
        /// The failure.
        error: String,
    },
    /// The lease ran out and another worker took the email over; nothing was recorded.
    LeaseLost,
    /// Not attempted: less than half of the lease was left (the email waited too long in its
    /// batch) or the scheduler is stopping. The claim was released for the next round.
    Released,
}

/// Why [`Sender::send_now`] did not return an email.
#[derive(Debug, thiserror::Error)]
pub enum SendNowError {
    /// The email is missing or another user's (`NotFound`), not sendable in its state
    /// (`Conflict` naming the status), or the database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A worker id unique to this process and sender: host name, process id and a random suffix.
pub fn worker_id() -> String {
    let host = hostname::get().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "localhost".into());
    let suffix: u32 = rand::random();
    format!("{host}:{}:{suffix:08x}", std::process::id())
}

/// The wait before attempt `attempts + 1` after `attempts` failed ones: `base * 2^(attempts-1)`,
/// capped, then jittered down by up to half so that many failures do not retry in lockstep.
pub fn backoff(attempts: u32, base: Duration, cap: Duration) -> Duration {
    let exp = attempts.saturating_sub(1).min(30);
    let full = base.saturating_mul(1u32 << exp).min(cap);
    full.mul_f64(rand::rng().random_range(0.5..=1.0))
}

/// Sends claimed emails through one transport and records each outcome.
pub struct Sender {
    store: Store,
    transport: Arc<dyn Transport>,
    config: DeliveryConfig,
    worker: String,
    wake: Arc<Notify>,
}

impl Sender {
    /// A sender over an explicit transport (tests, custom transports).
    pub fn new(store: Store, transport: Arc<dyn Transport>, config: DeliveryConfig) -> Sender {
        Sender { store, transport, config, worker: worker_id(), wake: Arc::new(Notify::new()) }
    }

    /// A sender over the transport the configuration names (SMTP or the outbox); refuses a
    /// configuration that fails [`DeliveryConfig::validate`] (SMTP without `SMTP_FROM`).
    pub fn from_config(store: Store, config: DeliveryConfig) -> Result<Sender, ConfigError> {
        config.validate()?;
        let transport = build_transport(&config)?;
        Ok(Sender::new(store, transport, config))
    }

    /// This sender's worker id (the lease holder name).
    pub fn worker_id(&self) -> &str {
        &self.worker
    }

    /// The configuration.
    pub fn config(&self) -> &DeliveryConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The transport.
    pub fn transport(&self) -> &dyn Transport {
        self.transport.as_ref()
    }

    /// Wakes the scheduler running on this sender (call after scheduling an email), so it
    /// re-plans now instead of at the end of its current sleep. A wake with no scheduler waiting
    /// is kept for the next wait.
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    pub(crate) fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Sends one email this sender's worker has claimed and records the outcome (fenced by the
    /// lease). Only database errors are returned; delivery failures are outcomes.
    #[tracing::instrument(skip_all, fields(email_id = %due.email.id, attempt = due.email.delivery.send_attempts + 1))]
    pub async fn send_claimed(&self, due: DueEmail) -> Result<Outcome, StoreError> {
        let id = due.email.id.clone();
        let lease_left = due.lease_until.map(|until| (until - Utc::now()).to_std().unwrap_or_default());
        if lease_left.is_some_and(|left| left < self.config.lease / 2) {
            // Starting now risks outliving the lease, after which another worker may send it too.
            tracing::warn!(?lease_left, "too little of the lease left to start sending; released");
            return self.release(&id).await;
        }
        let attempts = u32::try_from(due.email.delivery.send_attempts).unwrap_or(0).saturating_add(1);
        let options =
            ComposeOptions { from: self.config.from.as_ref(), public_url: self.config.public_url.as_deref() };
        let result = match compose(&due, options) {
            Err(e) => Err(SendError::permanent(e.0)),
            Ok(composed) => self.transport.send(&composed.message).await.map(|()| composed.message_id),
        };
        let outcome = match result {
            Ok(message_id) => {
                let sent_at = Utc::now();
                if self.record_sent(&id, &message_id, sent_at).await? {
                    if let Some(due_at) = due.due_at {
                        let lag = (sent_at - due_at).to_std().unwrap_or_default();
                        metrics::histogram!(SEND_LAG).record(lag.as_secs_f64());
                    }
                    tracing::info!(%message_id, "email sent");
                    Outcome::Sent { message_id }
                } else {
                    tracing::warn!(%message_id, "email sent, but the lease was lost before recording it");
                    Outcome::LeaseLost
                }
            }
            Err(error) if error.is_permanent() || attempts >= self.config.max_attempts => {
                if !self.store.mark_failed(&id, &self.worker, &error.reason).await? {
                    return Ok(self.lost());
                }
                tracing::warn!(error = %error.detail, attempts, "email failed");
                Outcome::Failed { error: error.reason }
            }
            Err(error) => {
                let wait = backoff(attempts, self.config.retry_base, self.config.retry_cap);
                let at = Utc::now() + chrono::TimeDelta::from_std(wait).unwrap_or_default();
                if !self.store.mark_retry(&id, &self.worker, &error.reason, at).await? {
                    return Ok(self.lost());
                }
                tracing::warn!(error = %error.detail, attempts, retry_in = ?wait, "email will be retried");
                Outcome::Retry { at, error: error.reason }
            }
        };
        let label = match &outcome {
            Outcome::Sent { .. } => "sent",
            Outcome::Retry { .. } => "retry",
            Outcome::Failed { .. } => "failed",
            Outcome::LeaseLost => "lease_lost",
            Outcome::Released => "released",
        };
        metrics::counter!(SENT_TOTAL, OUTCOME => label).increment(1);
        Ok(outcome)
    }

    /// `mark_sent`, retried a few times on database errors: the message is out, and an
    /// unrecorded send would be sent again once the lease expires.
    async fn record_sent(
        &self,
        id: &str,
        message_id: &str,
        sent_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut wait = Duration::from_millis(100);
        for _ in 0..3 {
            match self.store.mark_sent(id, &self.worker, message_id, sent_at).await {
                Ok(recorded) => return Ok(recorded),
                Err(e) => {
                    tracing::warn!(error = %e, "recording a sent email failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait *= 4;
                }
            }
        }
        self.store.mark_sent(id, &self.worker, message_id, sent_at).await
    }

    /// Gives a claimed email back without attempting it (see [`Outcome::Released`]).
    pub async fn release(&self, id: &str) -> Result<Outcome, StoreError> {
        self.store.release_claim(id, &self.worker).await?;
        metrics::counter!(SENT_TOTAL, OUTCOME => "released").increment(1);
        Ok(Outcome::Released)
    }

    fn lost(&self) -> Outcome {
        tracing::warn!("the lease was lost before the outcome could be recorded");
        metrics::counter!(SENT_TOTAL, OUTCOME => "lease_lost").increment(1);
        Outcome::LeaseLost
    }

    /// Sends one of the user's DRAFT or FAILED emails right away and returns it as it ends up:
    /// SENT, FAILED, or SCHEDULED with `lastError` after a transient failure (the scheduler then
    /// retries it). The email is leased to this process while the request sends it, so no
    /// scheduler sends it at the same time.
    pub async fn send_now(&self, user_id: &str, email_id: &str) -> Result<Email, SendNowError> {
        self.send_now_with(user_id, email_id, None).await
    }

    /// [`Sender::send_now`]; with `follow_ups`, the sequence the email starts is created in the
    /// transaction that starts the send (before anything goes out).
    #[tracing::instrument(skip_all, fields(email_id = %email_id))]
    pub async fn send_now_with(
        &self,
        user_id: &str,
        email_id: &str,
        follow_ups: Option<&domain::followup::NewFollowUps>,
    ) -> Result<Email, SendNowError> {
        let token = store::delivery::new_tracking_token();
        self.store
            .begin_send_now_with(user_id, email_id, &self.worker, self.config.lease, &token, follow_ups)
            .await?;
        if let Some(due) = self.store.claimed_email(email_id, &self.worker).await? {
            self.send_claimed(due).await?;
        }
        let email = self.store.email(user_id, email_id).await?;
        if email.status == EmailStatus::Scheduled {
            self.notify();
        }
        Ok(email)
    }
}
