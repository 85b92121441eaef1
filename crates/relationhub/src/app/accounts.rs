//! Accounts: sign-up, sign-in, sign-out and password changes.
//!
//! Sign-in is defended in depth: the email is validated (and so capped) before anything is
//! stored or looked up; the client address takes a slot in a bounded in-memory limiter before the
//! password is checked; an existing account takes a slot in the database (so the per-account limit
//! holds across server processes, and N parallel attempts take N slots); and argon2 runs behind
//! the [`crate::auth::password::PasswordGate`]. Unknown email and wrong password answer alike.

use super::{ApiError, ApiResult, AppState};
use crate::auth::password::Busy;
use crate::auth::token;
use domain::inputs::NewUser;
use domain::validate::{EmailAddress, Password, PersonName};
use domain::{TokenKind, User};
use std::net::IpAddr;
use store::sign_in::{AttemptLimits, Slot};

/// Per account, in the database: 5 failed checks and 30 checks in all per 15 minutes.
pub const SIGN_IN_LIMITS: AttemptLimits =
    AttemptLimits { max_failures: 5, max_attempts: 30, window: chrono::Duration::minutes(15) };

/// Longer passwords cannot be valid ([`Password`] allows 256 characters); they are refused
/// without hashing.
const MAX_PASSWORD_BYTES: usize = 1024;

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

/// Who is asking, for rate limits: the client address as the server sees it (after trusted-proxy
/// resolution).
#[derive(Debug, Clone, Copy, Default)]
pub struct Client {
    /// The client's address, if known.
    pub ip: Option<IpAddr>,
}

impl Client {
    /// The rate-limit key: the IPv4 address, or the /64 network of an IPv6 address (one host
    /// usually holds a whole /64, so per-address limits on IPv6 would be free to dodge).
    pub fn key(&self) -> String {
        match self.ip {
            None => "unknown".into(),
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => {
                    let s = v6.segments();
                    format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
                }
            },
        }
    }
}

pub(crate) fn limited(wait: std::time::Duration) -> ApiError {
    ApiError::RateLimited { retry_after_secs: wait.as_secs().max(1) }
}

fn busy(_: Busy) -> ApiError {
    ApiError::RateLimited { retry_after_secs: 1 }
}

fn wrong_credentials() -> ApiError {
    ApiError::Unauthenticated("wrong email or password")
}

/// Issues a session token for `user`.
pub async fn issue_session(st: &AppState, user: User) -> ApiResult<Session> {
    let (secret, hash) = token::generate();
    let expires_at =
        chrono::Utc::now() + chrono::Duration::from_std(st.config.session_ttl).unwrap_or_default();
    st.store.create_token(&user.id, &hash, TokenKind::Session, None, Some(expires_at)).await?;
    Ok(Session { token: secret, expires_at, user })
}

/// Hashes a new password behind the gate.
async fn hash_password(st: &AppState, pw: Password) -> ApiResult<String> {
    st.passwords.hash(pw.into_inner()).await.map_err(busy)?.map_err(|e| ApiError::Internal(e.into()))
}

/// Creates an account and signs it in. FORBIDDEN when registration is closed; CONFLICT when the
/// email is taken (sign-up is itself rate-limited per client address, which bounds probing).
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
    let hash = hash_password(st, pw).await?;
    let user =
        st.store.create_user(&NewUser { email, name, password_hash: hash }).await.map_err(|e| match e {
            store::StoreError::Conflict(_) => {
                ApiError::Conflict("an account with this email already exists".into())
            }
            other => ApiError::from(other),
        })?;
    issue_session(st, user).await
}

/// Checks `password_text` against `user`'s hash inside a per-account slot. `Ok(false)` is a
/// wrong password (recorded as a failure).
async fn check_password(st: &AppState, user: &User, password_text: &str) -> ApiResult<bool> {
    let attempt = match st.store.begin_sign_in_attempt(&user.id, SIGN_IN_LIMITS).await? {
        Slot::Granted(id) => id,
        Slot::Limited(wait) => return Err(limited(wait)),
    };
    let verified = match st.passwords.verify(password_text.to_owned(), user.password_hash.clone()).await {
        Ok(v) => v,
        Err(b) => {
            st.store.cancel_sign_in_attempt(&attempt).await?;
            return Err(busy(b));
        }
    };
    st.store.finish_sign_in_attempt(&user.id, &attempt, verified).await?;
    Ok(verified)
}

/// Exchanges email and password for a session. Limits: see the module documentation.
#[tracing::instrument(skip_all, fields(op = "sign_in"))]
pub async fn sign_in(st: &AppState, client: Client, email: &str, password_text: &str) -> ApiResult<Session> {
    let email = EmailAddress::parse("email", email)?;
    let ip_key = client.key();
    st.signin_by_ip.hit(&ip_key).map_err(limited)?;
    let outcome = async {
        if password_text.len() > MAX_PASSWORD_BYTES {
            return Err(wrong_credentials());
        }
        match st.store.user_by_email(email.as_str()).await? {
            Some(user) => match check_password(st, &user, password_text).await? {
                true => Ok(user),
                false => Err(wrong_credentials()),
            },
            None => {
                // Same work as a wrong password, so timing does not tell which accounts exist.
                let dummy = crate::auth::password::dummy_hash().await.to_owned();
                st.passwords.verify(password_text.to_owned(), dummy).await.map_err(busy)?;
                Err(wrong_credentials())
            }
        }
    }
    .await;
    match outcome {
        Ok(user) => {
            // The per-address limit counts failures: a success gives its slot back.
            st.signin_by_ip.refund(&ip_key);
            issue_session(st, user).await
        }
        Err(e @ ApiError::Unauthenticated(_)) => Err(e),
        Err(other) => {
            // Not a credential failure (limited elsewhere, busy, database): not the client's fault.
            st.signin_by_ip.refund(&ip_key);
            Err(other)
        }
    }
}

/// Revokes the session or token with this hash; true when a live one was revoked.
#[tracing::instrument(skip_all, fields(op = "sign_out"))]
pub async fn sign_out(st: &AppState, token_hash: &str) -> ApiResult<bool> {
    Ok(st.store.revoke_token_by_hash(token_hash).await?)
}

/// Changes the signed-in user's password: checks the current one (counted like a sign-in, so a
/// stolen session cannot guess it at leisure), stores the new hash, revokes every session and
/// returns a fresh one. Personal API tokens stay valid (revoke them with
/// [`super::tokens::revoke`]).
#[tracing::instrument(skip_all, fields(op = "change_password", user_id = %user.id))]
pub async fn change_password(st: &AppState, user: &User, current: &str, new: &str) -> ApiResult<Session> {
    let new_pw = Password::parse("newPassword", new)?;
    if current.len() > MAX_PASSWORD_BYTES || !check_password(st, user, current).await? {
        return Err(ApiError::bad_input("currentPassword", "is not your current password"));
    }
    let hash = hash_password(st, new_pw).await?;
    st.store.set_password_hash(&user.id, &hash).await?;
    let mut fresh = user.clone();
    fresh.password_hash = hash;
    issue_session(st, fresh).await
}

/// Sets an account's password as the operator (`relationhub user set-password`): no current
/// password needed; every session of the account is revoked.
pub async fn set_password(store: &store::Store, email: &str, new: &str) -> ApiResult<User> {
    let email = EmailAddress::parse("email", email)?;
    let pw = Password::parse("password", new)?;
    let user = store.user_by_email(email.as_str()).await?.ok_or(ApiError::NotFound("account"))?;
    let hash =
        crate::auth::password::hash(pw.into_inner()).await.map_err(|e| ApiError::Internal(e.into()))?;
    store.set_password_hash(&user.id, &hash).await?;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::Client;

    #[test]
    fn ipv6_clients_share_a_key_per_64() {
        let a = Client { ip: Some("2001:db8:1:2:aaaa::1".parse().unwrap()) };
        let b = Client { ip: Some("2001:db8:1:2:ffff::9".parse().unwrap()) };
        let c = Client { ip: Some("2001:db8:1:3::1".parse().unwrap()) };
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), c.key());
        assert_eq!(Client { ip: Some("::ffff:1.2.3.4".parse().unwrap()) }.key(), "1.2.3.4");
        assert_eq!(Client { ip: Some("1.2.3.4".parse().unwrap()) }.key(), "1.2.3.4");
    }
}
