//! Accounts: sign-up, sign-in (rate-limited), sign-out and sessions.

use super::{ApiError, ApiResult, AppState};
use crate::auth::{password, token};
use domain::inputs::NewUser;
use domain::validate::{EmailAddress, Password, PersonName};
use domain::{TokenKind, User};
use std::net::IpAddr;

/// A new session: the secret is shown to the client once and stored only as its hash.
#[derive(Debug, Clone)]
pub struct Session {
    /// Bearer token (`rh_…`).
    pub token: String,
    /// When the token stops working.
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The account.
    pub user: User,
}

/// Who is asking, for rate limits: the client address as the server sees it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Client {
    /// The client's address (after trusted-proxy resolution), if known.
    pub ip: Option<IpAddr>,
}

impl Client {
    fn key(&self) -> String {
        self.ip.map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())
    }
}

fn limited(wait: std::time::Duration) -> ApiError {
    ApiError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
}

/// Issues a session token for `user`.
pub async fn issue_session(st: &AppState, user: User) -> ApiResult<Session> {
    let (secret, hash) = token::generate();
    let expires_at =
        chrono::Utc::now() + chrono::Duration::from_std(st.config.session_ttl).unwrap_or_default();
    st.store.create_token(&user.id, &hash, TokenKind::Session, None, Some(expires_at)).await?;
    Ok(Session { token: secret, expires_at, user })
}

/// Creates an account and signs it in. FORBIDDEN when registration is closed.
#[tracing::instrument(skip_all, fields(op = "sign_up"))]
pub async fn sign_up(
    st: &AppState,
    client: Client,
    email: &str,
    password_text: &str,
    name: &str,
) -> ApiResult<Session> {
    if !st.config.registration_open {
        return Err(ApiError::Forbidden("registration is closed on this server".into()));
    }
    let email = EmailAddress::parse("email", email)?;
    let name = PersonName::parse("name", name)?;
    let pw = Password::parse("password", password_text)?;
    st.signup_by_ip.hit(&client.key()).map_err(limited)?;
    let hash = password::hash(pw.into_inner()).await.map_err(|e| ApiError::Internal(e.into()))?;
    let user =
        st.store.create_user(&NewUser { email, name, password_hash: hash }).await.map_err(|e| match e {
            store::StoreError::Conflict(_) => {
                ApiError::Conflict("an account with this email already exists".into())
            }
            other => ApiError::from(other),
        })?;
    issue_session(st, user).await
}

/// Exchanges email and password for a session. Repeated failures are rate-limited per account and
/// per client address (RATE_LIMITED with the wait); unknown email and wrong password answer alike.
#[tracing::instrument(skip_all, fields(op = "sign_in"))]
pub async fn sign_in(st: &AppState, client: Client, email: &str, password_text: &str) -> ApiResult<Session> {
    let email_key = email.trim().to_lowercase();
    let ip_key = client.key();
    st.signin_by_email.check(&email_key).map_err(limited)?;
    st.signin_by_ip.check(&ip_key).map_err(limited)?;
    let found = st.store.user_by_email(&email_key).await?;
    let stored = match &found {
        Some(u) => u.password_hash.clone(),
        None => password::dummy_hash().await.to_owned(),
    };
    let ok = password::verify(password_text.to_owned(), stored).await && found.is_some();
    match (ok, found) {
        (true, Some(user)) => {
            st.signin_by_email.clear(&email_key);
            issue_session(st, user).await
        }
        _ => {
            st.signin_by_email.record(&email_key);
            st.signin_by_ip.record(&ip_key);
            Err(ApiError::Unauthenticated("wrong email or password"))
        }
    }
}

/// Revokes the session or token with this hash; true when a live one was revoked.
#[tracing::instrument(skip_all, fields(op = "sign_out"))]
pub async fn sign_out(st: &AppState, token_hash: &str) -> ApiResult<bool> {
    Ok(st.store.revoke_token_by_hash(token_hash).await?)
}
