//! Accounts: `signUp`, `signIn`, `signOut`, `me`.

use super::context::{state, user, viewer};
use super::error::ApiError;
use super::types::UserNode;
use crate::app::accounts::{self, Client, Session};
use async_graphql::{Context, InputObject, Object, SimpleObject};

/// `signUp` input.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Sign-in address.
    pub email: String,
    /// 8–256 characters.
    pub password: String,
    /// Display name.
    pub name: String,
}

/// `signIn` input.
#[derive(InputObject)]
pub struct SignInInput {
    /// Sign-in address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A new session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Bearer token for `Authorization: Bearer <token>`; shown once.
    pub token: String,
    /// When the token stops working.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The account.
    pub user: UserNode,
}

/// `signOut` result.
#[derive(SimpleObject)]
pub struct SignOutPayload {
    /// True when the presented session token was revoked.
    pub success: bool,
}

/// Account queries.
#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<UserNode> {
        Ok(UserNode(user(ctx)?.clone()))
    }
}

/// Account mutations.
#[derive(Default)]
pub struct AccountMutation;

fn client(ctx: &Context<'_>) -> Client {
    Client { ip: viewer(ctx).and_then(|v| v.client_ip) }
}

impl From<Session> for AuthPayload {
    fn from(s: Session) -> Self {
        AuthPayload { token: s.token, expires_at: s.expires_at, user: UserNode(s.user) }
    }
}

#[Object]
impl AccountMutation {
    /// Creates an account and signs it in. FORBIDDEN when registration is closed.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> async_graphql::Result<AuthPayload> {
        let session =
            accounts::sign_up(state(ctx), client(ctx), &input.email, &input.password, &input.name).await?;
        Ok(session.into())
    }

    /// Exchanges email and password for a session token. Repeated failures are rate-limited per
    /// account and per client address (RATE_LIMITED with the wait).
    async fn sign_in(&self, ctx: &Context<'_>, input: SignInInput) -> async_graphql::Result<AuthPayload> {
        Ok(accounts::sign_in(state(ctx), client(ctx), &input.email, &input.password).await?.into())
    }

    /// Revokes the session token this request was made with.
    async fn sign_out(&self, ctx: &Context<'_>) -> async_graphql::Result<SignOutPayload> {
        user(ctx)?;
        let hash = viewer(ctx).and_then(|v| v.token_hash.clone()).unwrap_or_default();
        let revoked = accounts::sign_out(state(ctx), &hash).await.map_err(ApiError::from)?;
        Ok(SignOutPayload { success: revoked })
    }
}
