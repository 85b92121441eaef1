//! The application state every front door shares: the store, the configuration, the AI
//! generator, the mail sender and the in-process rate limiters.

use crate::auth::password::PasswordGate;
use crate::auth::rate_limit::RateLimiter;
use crate::config::Config;
use std::sync::Arc;
use std::time::Duration;
use store::Store;

/// Shared by every request, whichever front door it came through.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Validated configuration.
    pub config: Arc<Config>,
    /// Failed sign-ins per client address (20 per 15 minutes, per process; the per-account
    /// limit is counted in the database, see [`crate::app::accounts::SIGN_IN_LIMITS`]).
    pub signin_by_ip: Arc<RateLimiter>,
    /// Bounds concurrent argon2 work (one hash per core, a short queue, the rest RATE_LIMITED).
    pub passwords: Arc<PasswordGate>,
    /// Sign-ups per client address (10 per hour).
    pub signup_by_ip: Arc<RateLimiter>,
    /// The AI drafting engine (providers, retries, fallback).
    pub generator: llm::Generator,
    /// Generations per user per minute.
    pub generations_by_user: Arc<RateLimiter>,
    /// Sends and schedules per user per hour (`RELATIONHUB_SEND_LIMIT_PER_HOUR`).
    pub sends_by_user: Arc<RateLimiter>,
    /// Sends email now and wakes the scheduler when something is scheduled.
    pub sender: Arc<delivery::Sender>,
    /// "Now" for business rules (cadences, due lists); the system clock in production, a
    /// [`domain::ManualClock`] in tests.
    pub clock: domain::SharedClock,
    /// Wakes this process's mailbox sync worker (a mailbox was connected or changed, or a
    /// sync was asked for).
    pub inbound_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// State over `store` with the default limits, the configured AI providers and mail transport.
    pub fn new(store: Store, config: Arc<Config>) -> anyhow::Result<Self> {
        let generator = llm::Generator::new(&config.ai)?;
        Ok(Self::with_generator(store, config, generator)?)
    }

    /// State with a given generator (tests plug in fake providers through it).
    pub fn with_generator(
        store: Store,
        config: Arc<Config>,
        generator: llm::Generator,
    ) -> Result<Self, delivery::ConfigError> {
        let quarter = Duration::from_secs(15 * 60);
        let sender = Arc::new(delivery::Sender::from_config(store.clone(), config.delivery.clone())?);
        Ok(Self {
            sender,
            clock: Arc::new(domain::SystemClock),
            inbound_wake: Arc::new(tokio::sync::Notify::new()),
            sends_by_user: Arc::new(RateLimiter::new(
                config.send_limit_per_hour as usize,
                Duration::from_secs(3600),
            )),
            generations_by_user: Arc::new(RateLimiter::new(
                config.ai_rate_per_minute as usize,
                Duration::from_secs(60),
            )),
            generator,
            store,
            config,
            passwords: Arc::new(PasswordGate::for_cores()),
            signin_by_ip: Arc::new(RateLimiter::new(20, quarter)),
            signup_by_ip: Arc::new(RateLimiter::new(10, Duration::from_secs(3600))),
        })
    }

    /// Now, by the injected clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
