//! The delivery worker that runs inside `serve`: it leases due outbox rows, posts each to its
//! endpoint with Standard Webhooks headers, and records the outcome.
//!
//! - At-least-once: a row stays PENDING until a 2xx answer is recorded; a worker that dies
//!   mid-post loses its lease (60 s) and another worker posts again, with the same
//!   `webhook-id`, so receivers deduplicate on it.
//! - Each POST: 10 s timeout, no redirects (a 3xx is a failure), no proxy, at most 64 KB of
//!   the response read.
//! - Failures retry after 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, but never past a day
//!   after the event: then the delivery is FAILED. After [`DISABLE_AFTER`] failed deliveries in
//!   a row the endpoint is disabled and Today shows a notice.

use super::guard::{self, GuardedResolver};
use super::{SecretBox, signing};
use crate::app::AppState;
use chrono::{DateTime, Duration as TimeDelta, Utc};
use futures::StreamExt as _;
use std::time::{Duration, Instant};
use store::webhooks::{Attempt, DueDelivery};
use tokio_util::sync::CancellationToken;

/// Time allowed for one POST, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Most of a response body read (the rest is dropped unread).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// Waits after the 1st, 2nd, … failed attempt.
pub const RETRY_DELAYS_SECS: [i64; 8] = [5, 60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];
/// No attempt is made later than this after the event.
pub const GIVE_UP_AFTER_HOURS: i64 = 24;
/// Failed deliveries in a row that disable an endpoint.
pub const DISABLE_AFTER: i32 = 5;
/// How long a claimed row stays leased.
const LEASE_SECS: i64 = 60;
/// Rows claimed per pass; posted concurrently.
const BATCH: i64 = 32;
const CONCURRENCY: usize = 8;

/// Posts the outbox. Cheap to build; [`Worker::run`] loops until cancelled.
pub struct Worker {
    state: AppState,
    id: String,
    poll: Duration,
    client: reqwest::Client,
    secrets: SecretBox,
    allow_private: bool,
}

impl Worker {
    /// A worker over `state`'s store and clock, polling every second when idle.
    pub fn new(state: AppState) -> anyhow::Result<Worker> {
        let allow_private = state.config.webhook_allow_private;
        let mut builder = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("RelationHub-Webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(std::sync::Arc::new(GuardedResolver));
        }
        let client = builder.build()?;
        let secrets = SecretBox::from_config(&state.config)?;
        Ok(Worker {
            id: format!("webhooks-{}", domain::new_id()),
            poll: Duration::from_secs(1),
            client,
            secrets,
            allow_private,
            state,
        })
    }

    /// Polls this often when there is nothing to do (tests use a short interval).
    pub fn poll_every(mut self, poll: Duration) -> Worker {
        self.poll = poll;
        self
    }

    /// Delivers until `cancel` fires; a pass in progress finishes first.
    pub async fn run(self, cancel: CancellationToken) {
        tracing::info!(worker = %self.id, "webhook delivery worker started");
        loop {
            let busy = match self.run_once().await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "webhook delivery pass failed");
                    false
                }
            };
            if busy && !cancel.is_cancelled() {
                continue;
            }
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// One pass: claims due deliveries and posts them; returns how many it handled.
    pub async fn run_once(&self) -> store::Result<usize> {
        let now = self.state.now();
        let due = self
            .state
            .store
            .claim_webhook_deliveries(&self.id, now, now + TimeDelta::seconds(LEASE_SECS), BATCH)
            .await?;
        let n = due.len();
        futures::stream::iter(due)
            .for_each_concurrent(CONCURRENCY, |d| async move {
                if let Err(e) = self.deliver(d).await {
                    tracing::warn!(error = %e, "recording a webhook delivery failed");
                }
            })
            .await;
        Ok(n)
    }

    async fn deliver(&self, d: DueDelivery) -> store::Result<()> {
        let started = Instant::now();
        let outcome = self.post(&d).await;
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let store = &self.state.store;
        match outcome {
            Ok(code) if (200..300).contains(&code) => {
                let a = Attempt { status_code: Some(i32::from(code)), duration_ms, error: None };
                store.delivery_succeeded(&d.id, &self.id, &a).await?;
            }
            other => {
                let (status_code, error) = match other {
                    Ok(code) => (Some(i32::from(code)), format!("HTTP {code}")),
                    Err(e) => (None, e),
                };
                let a = Attempt { status_code, duration_ms, error: Some(error) };
                match next_attempt(self.state.now(), d.created_at.0, d.attempts + 1) {
                    Some(next) => {
                        store.delivery_retry(&d.id, &self.id, &a, next).await?;
                    }
                    None => {
                        let reason = format!(
                            "disabled after {DISABLE_AFTER} deliveries in a row failed for a day; last error: {}",
                            a.error.as_deref().unwrap_or("unknown")
                        );
                        if store.delivery_failed(&d.id, &self.id, &a, DISABLE_AFTER, &reason).await? {
                            tracing::warn!(webhook = %d.webhook_id, user = %d.user_id, "webhook endpoint disabled");
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Posts one delivery; the HTTP status, or why there was none.
    async fn post(&self, d: &DueDelivery) -> Result<u16, String> {
        let url = d.url.as_deref().ok_or("the endpoint was deleted")?;
        let parsed = reqwest::Url::parse(url).map_err(|_| "the endpoint URL is invalid".to_owned())?;
        if !self.allow_private {
            let literal = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            if let Some(ip) = literal.filter(|ip| guard::is_forbidden(*ip)) {
                return Err(guard::Refused(ip.to_string()).to_string());
            }
        }
        let keys = self.keys(d)?;
        // The receiver checks this against ITS clock (Standard Webhooks allows 5 minutes of
        // skew), so it is the wall clock, not the injected business clock.
        let timestamp = Utc::now().timestamp();
        let signature = signing::signature_header(&keys, &d.event_id, timestamp, d.payload.as_bytes());
        let resp = self
            .client
            .post(parsed)
            .header("content-type", "application/json")
            .header("webhook-id", &d.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(d.payload.clone())
            .send()
            .await
            .map_err(describe)?;
        let status = resp.status().as_u16();
        drain(resp).await;
        Ok(status)
    }

    /// The signing keys: the current secret, plus the previous one during its grace period.
    fn keys(&self, d: &DueDelivery) -> Result<Vec<Vec<u8>>, String> {
        let read = |stored: &str| {
            self.secrets
                .open(stored)
                .ok()
                .and_then(|s| signing::secret_bytes(&s))
                .ok_or_else(|| super::Unreadable.to_string())
        };
        let mut keys = vec![read(d.secret_enc.as_deref().ok_or("the endpoint was deleted")?)?];
        if let (Some(prev), Some(until)) = (&d.previous_secret_enc, d.previous_secret_until)
            && until.0 > self.state.now()
        {
            keys.push(read(prev)?);
        }
        Ok(keys)
    }
}

/// When to try again after `attempts` failed attempts, or `None` to give up.
pub fn next_attempt(now: DateTime<Utc>, created: DateTime<Utc>, attempts: i32) -> Option<DateTime<Utc>> {
    let index = usize::try_from(attempts).ok()?.checked_sub(1)?;
    let delay = *RETRY_DELAYS_SECS.get(index)?;
    let next = now + TimeDelta::seconds(delay);
    (next <= created + TimeDelta::hours(GIVE_UP_AFTER_HOURS)).then_some(next)
}

/// Reads at most [`MAX_RESPONSE_BYTES`] of a response and drops the rest.
async fn drain(mut resp: reqwest::Response) {
    let mut read = 0usize;
    while read < MAX_RESPONSE_BYTES {
        match resp.chunk().await {
            Ok(Some(chunk)) => read += chunk.len(),
            _ => break,
        }
    }
}

/// A transport error in plain words (never the whole chain of internals).
fn describe(e: reqwest::Error) -> String {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(inner) = cur {
        if let Some(r) = inner.downcast_ref::<guard::Refused>() {
            return r.to_string();
        }
        cur = inner.source();
    }
    // The connector may wrap the resolver's error in a way that hides its type; its text stays.
    if format!("{e:?}").contains("destination refused") {
        return "destination refused: the host resolves only to private, loopback, link-local or other non-public addresses".into();
    }
    if e.is_timeout() {
        "timed out after 10 s".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        "request failed".into()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn delays_grow_and_stop_within_a_day() {
        let t0 = Utc::now();
        assert_eq!(next_attempt(t0, t0, 1), Some(t0 + TimeDelta::seconds(5)));
        assert_eq!(next_attempt(t0, t0, 2), Some(t0 + TimeDelta::seconds(60)));
        let late = t0 + TimeDelta::hours(20);
        assert_eq!(next_attempt(late, t0, 7), None, "a 10 h wait would pass the day");
        assert_eq!(next_attempt(t0, t0, 9), None, "the schedule is exhausted");
        assert_eq!(next_attempt(t0, t0, 0), None);
    }
}
