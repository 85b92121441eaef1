//! What a resolver can reach: the shared application state and the per-request viewer.

use super::error::{ApiError, ApiResult};
pub use crate::app::state::AppState;
use async_graphql::Context;
use domain::User;
use std::net::IpAddr;

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
