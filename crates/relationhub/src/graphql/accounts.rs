//! Accounts: `signUp`, `signIn`, `signOut`, `me`, `changePassword`, and token management
//! (`apiTokens`, `createApiToken`, `revokeApiToken`).

use super::connection::{ApiTokenConnection, CountQuery, list_complexity};
use super::context::{state, user, viewer};
use super::loaders::first_page_args;
use super::types::ApiTokenNode;
use super::types::UserNode;
use crate::app::accounts::{self, Client, Session};
use crate::app::tokens;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

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

/// `changePassword` input.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    /// The password in use now.
    pub current_password: String,
    /// The new password (8–256 characters).
    pub new_password: String,
}

/// `changePassword` result: every session was revoked; this is the fresh one.
#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    /// The new session's bearer token; shown once.
    pub token: String,
}

/// `createApiToken` input.
#[derive(InputObject)]
pub struct CreateApiTokenInput {
    /// A label to recognise it by (1–100 characters), e.g. "backup script".
    pub name: String,
    /// Lifetime in days (1–3650); leave out for a token that does not expire.
    pub expires_in_days: Option<i32>,
}

/// `createApiToken` result.
#[derive(SimpleObject)]
pub struct CreateApiTokenPayload {
    /// The secret, for `Authorization: Bearer <token>`; shown only this once.
    pub token: String,
    /// The token's record.
    pub api_token: ApiTokenNode,
}

/// `revokeApiToken` input.
#[derive(InputObject)]
pub struct RevokeApiTokenInput {
    /// The token's id (from `apiTokens`).
    pub id: ID,
}

/// `revokeApiToken` result.
#[derive(SimpleObject)]
pub struct RevokeApiTokenPayload {
    /// The id of the revoked token.
    pub revoked_id: ID,
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

    /// The signed-in user's live tokens (sessions and personal API tokens), newest first. Secrets
    /// are never listed.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn api_tokens(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ApiTokenConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        let page = tokens::list(state(ctx), me, &req).await?;
        Ok(ApiTokenConnection::new(page, CountQuery::Tokens(me.id.clone())))
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
        let revoked = accounts::sign_out(state(ctx), &hash).await?;
        Ok(SignOutPayload { success: revoked })
    }

    /// Changes the password: revokes every session (this one too) and returns a fresh session.
    /// BAD_USER_INPUT on `currentPassword` when it is wrong (counted like a failed sign-in).
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> async_graphql::Result<ChangePasswordPayload> {
        let me = user(ctx)?;
        let session =
            accounts::change_password(state(ctx), me, &input.current_password, &input.new_password).await?;
        Ok(ChangePasswordPayload { token: session.token })
    }

    /// Creates a personal API token for scripts; the secret is shown only in this answer.
    async fn create_api_token(
        &self,
        ctx: &Context<'_>,
        input: CreateApiTokenInput,
    ) -> async_graphql::Result<CreateApiTokenPayload> {
        let me = user(ctx)?;
        let days = input.expires_in_days.map(i64::from);
        let (secret, record) = tokens::create(state(ctx), me, &input.name, days).await?;
        Ok(CreateApiTokenPayload { token: secret, api_token: ApiTokenNode(record) })
    }

    /// Revokes one of your tokens (an API token or a session); it stops working at once.
    async fn revoke_api_token(
        &self,
        ctx: &Context<'_>,
        input: RevokeApiTokenInput,
    ) -> async_graphql::Result<RevokeApiTokenPayload> {
        let me = user(ctx)?;
        let id = tokens::revoke(state(ctx), me, input.id.as_str()).await?;
        Ok(RevokeApiTokenPayload { revoked_id: ID(id) })
    }
}
