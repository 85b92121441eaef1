//! The scheduler loop: claim a batch of due emails, send them with bounded concurrency, and sleep
//! until the next one is due (at most the poll interval) or until woken.
//!
//! All state lives in the database, so any number of schedulers (processes) can run against one
//! PostgreSQL: claims are exclusive and leased, a crashed scheduler's claims expire, and a restart
//! resumes where the data says. When idle it costs one small indexed query per poll interval.

use crate::sender::Sender;
use chrono::Utc;
use futures::StreamExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// The shortest sleep between rounds, so a due time a hair in the future cannot spin the loop.
const MIN_SLEEP: Duration = Duration::from_millis(5);

/// Runs the send loop of one [`Sender`].
pub struct Scheduler {
    sender: Arc<Sender>,
}

impl Scheduler {
    /// A scheduler over `sender` (which may also serve `send_now` requests).
    pub fn new(sender: Arc<Sender>) -> Scheduler {
        Scheduler { sender }
    }

    /// The wake-up handle: `notify_one()` after scheduling an email makes the loop re-plan now.
    /// Same as [`Sender::notify`].
    pub fn notifier(&self) -> Arc<Notify> {
        self.sender.wake_handle()
    }

    /// Claims one batch of due emails and sends them; returns how many were claimed.
    pub async fn run_once(&self) -> Result<usize, store::StoreError> {
        self.round(&CancellationToken::new()).await
    }

    /// One round; once `cancel` fires, claimed emails not yet started are released instead.
    async fn round(&self, cancel: &CancellationToken) -> Result<usize, store::StoreError> {
        let cfg = self.sender.config();
        let batch = self
            .sender
            .store()
            .claim_due(self.sender.worker_id(), Utc::now(), cfg.lease, cfg.batch_size)
            .await?;
        let claimed = batch.len();
        if claimed > 0 {
            tracing::debug!(claimed, "claimed due emails");
        }
        futures::stream::iter(batch)
            .for_each_concurrent(cfg.concurrency.max(1), |due| async move {
                let id = due.email.id.clone();
                let result = if cancel.is_cancelled() {
                    self.sender.release(&id).await
                } else {
                    self.sender.send_claimed(due).await
                };
                if let Err(e) = result {
                    // The lease keeps the email from being sent twice until it expires; then
                    // another round (here or elsewhere) takes it again.
                    tracing::error!(email_id = %id, error = %e, "could not record a send outcome");
                }
            })
            .await;
        Ok(claimed)
    }

    /// Runs until `cancel` fires. Sends already started finish and are recorded; claimed emails
    /// not yet started are released for the next scheduler (no waiting for their lease).
    pub async fn run(self, cancel: CancellationToken) {
        let wake = self.notifier();
        let cfg = self.sender.config().clone();
        tracing::info!(
            worker = %self.sender.worker_id(),
            transport = %self.sender.transport().describe(),
            "email scheduler started"
        );
        while !cancel.is_cancelled() {
            let full = match self.round(&cancel).await {
                Ok(claimed) => claimed >= cfg.batch_size as usize,
                Err(e) => {
                    tracing::error!(error = %e, "claiming due emails failed");
                    false
                }
            };
            if full {
                continue;
            }
            let sleep = match self.sender.store().next_due_at().await {
                Ok(Some(at)) => (at - Utc::now()).to_std().unwrap_or_default().min(cfg.poll_interval),
                Ok(None) => cfg.poll_interval,
                Err(e) => {
                    tracing::error!(error = %e, "reading the next due time failed");
                    cfg.poll_interval
                }
            };
            tokio::select! {
                () = cancel.cancelled() => break,
                () = wake.notified() => {}
                () = tokio::time::sleep(sleep.max(MIN_SLEEP)) => {}
            }
        }
        tracing::info!(worker = %self.sender.worker_id(), "email scheduler stopped");
    }
}
