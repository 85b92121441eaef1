//! Accounts: `signUp`, `signIn`, `signOut`, `me`.

use super::context::{state, user, viewer};
use super::error::ApiError;
use super::types::UserNode;
use crate::auth::{password, token};
use async_graphql::{Context, InputObject, Object, SimpleObject};
use domain::TokenKind;
use domain::inputs::NewUser;
use domain::validate::{EmailAddress, Password, PersonName};

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

fn client_key(ctx: &Context<'_>) -> String {
    viewer(ctx).and_then(|v| v.client_ip).map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())
}

fn limited(wait: std::time::Duration) -> ApiError {
    ApiError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
}

async fn issue_session(ctx: &Context<'_>, user: domain::User) -> async_graphql::Result<AuthPayload> {
    let st = state(ctx);
    let (secret, hash) = token::generate();
    let expires_at =
        chrono::Utc::now() + chrono::Duration::from_std(st.config.session_ttl).unwrap_or_default();
    st.store
        .create_token(&user.id, &hash, TokenKind::Session, None, Some(expires_at))
        .await
        .map_err(ApiError::from)?;
    Ok(AuthPayload { token: secret, expires_at, user: UserNode(user) })
}

#[Object]
impl AccountMutation {
    /// Creates an account and signs it in. FORBIDDEN when registration is closed.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> async_graphql::Result<AuthPayload> {
        let st = state(ctx);
        if !st.config.registration_open {
            return Err(ApiError::Forbidden("registration is closed on this server".into()).into());
        }
        let email = EmailAddress::parse("email", &input.email).map_err(ApiError::from)?;
        let name = PersonName::parse("name", &input.name).map_err(ApiError::from)?;
        let pw = Password::parse("password", &input.password).map_err(ApiError::from)?;
        st.signup_by_ip.hit(&client_key(ctx)).map_err(limited)?;
        let hash = password::hash(pw.into_inner()).await.map_err(|e| ApiError::Internal(e.into()))?;
        let user = st.store.create_user(&NewUser { email, name, password_hash: hash }).await.map_err(
            |e| match e {
                store::StoreError::Conflict(_) => {
                    ApiError::Conflict("an account with this email already exists".into())
                }
                other => ApiError::from(other),
            },
        )?;
        issue_session(ctx, user).await
    }

    /// Exchanges email and password for a session token. Repeated failures are rate-limited per
    /// account and per client address (RATE_LIMITED with the wait).
    async fn sign_in(&self, ctx: &Context<'_>, input: SignInInput) -> async_graphql::Result<AuthPayload> {
        let st = state(ctx);
        let email_key = input.email.trim().to_lowercase();
        let ip_key = client_key(ctx);
        st.signin_by_email.check(&email_key).map_err(limited)?;
        st.signin_by_ip.check(&ip_key).map_err(limited)?;
        let found = st.store.user_by_email(&email_key).await.map_err(ApiError::from)?;
        let stored = match &found {
            Some(u) => u.password_hash.clone(),
            None => password::dummy_hash().await.to_owned(),
        };
        let ok = password::verify(input.password, stored).await && found.is_some();
        match (ok, found) {
            (true, Some(user)) => {
                st.signin_by_email.clear(&email_key);
                issue_session(ctx, user).await
            }
            _ => {
                st.signin_by_email.record(&email_key);
                st.signin_by_ip.record(&ip_key);
                Err(ApiError::Unauthenticated("wrong email or password").into())
            }
        }
    }

    /// Revokes the session token this request was made with.
    async fn sign_out(&self, ctx: &Context<'_>) -> async_graphql::Result<SignOutPayload> {
        user(ctx)?;
        let hash = viewer(ctx).and_then(|v| v.token_hash.clone()).unwrap_or_default();
        let revoked = state(ctx).store.revoke_token_by_hash(&hash).await.map_err(ApiError::from)?;
        Ok(SignOutPayload { success: revoked })
    }
}
