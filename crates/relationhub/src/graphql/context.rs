//! What a resolver can reach: the shared application state and the per-request viewer.

use super::error::{ApiError, ApiResult};
use crate::auth::rate_limit::RateLimiter;
use crate::config::Config;
use async_graphql::Context;
use domain::User;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use store::Store;

/// Shared by every request (schema data).
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Validated configuration.
    pub config: Arc<Config>,
    /// Failed sign-ins per account (5 per 15 minutes).
    pub signin_by_email: Arc<RateLimiter>,
    /// Failed sign-ins per client address (20 per 15 minutes).
    pub signin_by_ip: Arc<RateLimiter>,
    /// Sign-ups per client address (10 per hour).
    pub signup_by_ip: Arc<RateLimiter>,
    /// The AI drafting engine (providers, retries, fallback).
    pub generator: llm::Generator,
    /// Generations per user per minute.
    pub generations_by_user: Arc<RateLimiter>,
    /// Sends email now and wakes the scheduler when something is scheduled.
    pub sender: Arc<delivery::Sender>,
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
            generations_by_user: Arc::new(RateLimiter::new(
                config.ai_rate_per_minute as usize,
                Duration::from_secs(60),
            )),
            generator,
            store,
            config,
            signin_by_email: Arc::new(RateLimiter::new(5, quarter)),
            signin_by_ip: Arc::new(RateLimiter::new(20, quarter)),
            signup_by_ip: Arc::new(RateLimiter::new(10, Duration::from_secs(3600))),
        })
    }
}

/// Who is calling: set per request from the `Authorization` header.
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    /// The signed-in user, if the token was valid.
    pub user: Option<User>,
    /// Hash of the presented token (for `signOut`).
    pub token_hash: Option<String>,
    /// Why a presented token was refused.
    pub token_problem: Option<&'static str>,
    /// The token could not be checked (the database failed): protected fields answer INTERNAL,
    /// not UNAUTHENTICATED, so a client does not throw away a token that may well be valid.
    pub token_unverified: bool,
    /// The client's address (rate limits).
    pub client_ip: Option<IpAddr>,
}

/// The shared state.
pub fn state<'a>(ctx: &Context<'a>) -> &'a AppState {
    // The schema is always built with AppState (see graphql::build_schema); a schema built for
    // SDL printing never executes resolvers.
    ctx.data_unchecked::<AppState>()
}

/// The per-request viewer (anonymous when absent).
pub fn viewer<'a>(ctx: &Context<'a>) -> Option<&'a Viewer> {
    ctx.data_opt::<Viewer>()
}

/// The signed-in user, or UNAUTHENTICATED.
pub fn user<'a>(ctx: &Context<'a>) -> ApiResult<&'a User> {
    let v = viewer(ctx);
    match v.and_then(|v| v.user.as_ref()) {
        Some(u) => Ok(u),
        None if v.is_some_and(|v| v.token_unverified) => {
            Err(ApiError::Internal(anyhow::anyhow!("the token lookup failed (logged above)")))
        }
        None => Err(ApiError::Unauthenticated(
            v.and_then(|v| v.token_problem).unwrap_or("sign in first: send `Authorization: Bearer <token>`"),
        )),
    }
}
