//! Browser sessions and CSRF protection.
//!
//! The session cookie holds a session token of the same token table bearer tokens live in, and
//! is resolved the same way (`authenticate_token` on its SHA-256), so sign-out, expiry, password
//! change and revocation behave exactly as for API clients. Every state-changing form carries a
//! CSRF token: signed in, it is derived from the session secret (SHA-256 with a fixed label, so
//! any server process can check it and it dies with the session); signed out (sign-in and
//! sign-up forms), it is a random value that must match a cookie (double submit).

use super::page::{WebError, next_param};
use crate::auth::token;
use crate::http::Shared;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::User;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use sha2::Digest as _;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "rh_session";
/// The signed-out forms' double-submit cookie.
pub const FORM_COOKIE: &str = "rh_form";
/// Label mixed into the session-derived CSRF token (changing it invalidates open forms).
const CSRF_LABEL: &str = "relationhub csrf v1:";

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The CSRF token belonging to a session secret.
pub fn csrf_for(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(format!("{CSRF_LABEL}{secret}").as_bytes()))
}

/// Compares a posted CSRF token with the session's (constant time), for forms read without
/// [`Posted`] (multipart uploads).
pub fn same_token(posted: &str, expected: &str) -> bool {
    same(posted, expected)
}

/// Compares without an early exit, so timing does not reveal how much of a token matched.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether cookies must be `Secure`: the server is reached over https.
fn secure(shared: &Shared) -> bool {
    shared.state.config.delivery.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
}

/// A `Set-Cookie` value with the attributes every cookie of ours carries.
pub fn set_cookie(shared: &Shared, name: &str, value: &str, max_age_secs: u64) -> HeaderValue {
    let secure = if secure(shared) { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("rh_invalid=1"))
}

/// A `Set-Cookie` value that removes cookie `name`.
pub fn clear_cookie(shared: &Shared, name: &str) -> HeaderValue {
    set_cookie(shared, name, "", 0)
}

/// A signed-in browser: the user, the session and the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct Auth {
    /// The account.
    pub user: User,
    /// Hash of the session token (for sign-out).
    pub token_hash: String,
    /// Id of the session's token row (to mark "this browser" in the token list).
    pub token_id: String,
    /// The token every state-changing form of this session carries.
    pub csrf: String,
    /// The user's time zone.
    pub zone: chrono_tz::Tz,
}

/// Where a signed-out request for `parts` is sent: `/login`, with `next` for page loads.
fn to_login(parts: &Parts) -> Response {
    if parts.method == Method::GET {
        let target = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        if target != "/" {
            return Redirect::to(&format!("/login?next={}", next_param(target))).into_response();
        }
    }
    Redirect::to("/login").into_response()
}

impl FromRequestParts<Shared> for Auth {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Shared) -> Result<Self, Self::Rejection> {
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(to_login(parts)) };
        let hash = token::hash(secret);
        let store = &shared.state.store;
        match store.authenticate_token(&hash).await {
            Ok(Some((user, tok))) => {
                let zone = match crate::app::preferences::time_zone(&shared.state, &user).await {
                    Ok(zone) => zone,
                    Err(e) => return Err(WebError::from(e).into_response()),
                };
                Ok(Auth { csrf: csrf_for(secret), user, token_hash: hash, token_id: tok.id, zone })
            }
            Ok(None) => {
                let mut resp = to_login(parts);
                resp.headers_mut().append(header::SET_COOKIE, clear_cookie(shared, SESSION_COOKIE));
                Err(resp)
            }
            Err(e) => Err(WebError::internal(e).into_response()),
        }
    }
}

#[derive(Deserialize, Default)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

async fn body_bytes(parts: Parts, body: axum::body::Body) -> Result<Bytes, Response> {
    Bytes::from_request(Request::from_parts(parts, body), &()).await.map_err(IntoResponse::into_response)
}

fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WebError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|_| WebError::BadRequest("The form was incomplete; please try again."))
}

/// A form posted by a signed-in user with a valid CSRF token (else 403, nothing changed).
pub struct Posted<T> {
    /// Who posted.
    pub auth: Auth,
    /// The fields.
    pub form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<Shared> for Posted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, shared: &Shared) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let auth = Auth::from_request_parts(&mut parts, shared).await?;
        let bytes = body_bytes(parts, body).await?;
        let check: CsrfField = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        if !same(&check.csrf, &auth.csrf) {
            return Err(WebError::Csrf.into_response());
        }
        Ok(Posted { form: parse_form(&bytes).map_err(IntoResponse::into_response)?, auth })
    }
}

/// A signed-out form (sign-in, sign-up) whose CSRF field matches the form cookie.
pub struct PublicPosted<T> {
    /// The fields.
    pub form: T,
    /// The request headers (client address, cookies).
    pub headers: HeaderMap,
}

impl<T: DeserializeOwned + Send> FromRequest<Shared> for PublicPosted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, _shared: &Shared) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let headers = parts.headers.clone();
        let bytes = body_bytes(parts, body).await?;
        let check: CsrfField = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let expected = cookie(&headers, FORM_COOKIE).unwrap_or_default();
        if expected.is_empty() || !same(&check.csrf, expected) {
            return Err(WebError::Csrf.into_response());
        }
        Ok(PublicPosted { form: parse_form(&bytes).map_err(IntoResponse::into_response)?, headers })
    }
}

/// The double-submit token for a signed-out form: the cookie's if present, else a new one
/// (returned with the `Set-Cookie` to send).
pub fn form_token(shared: &Shared, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    match cookie(headers, FORM_COOKIE) {
        Some(t) if t.len() >= 32 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => {
            (t.to_owned(), None)
        }
        _ => {
            let t = token::random_secret();
            let header = set_cookie(shared, FORM_COOKIE, &t, 24 * 3600);
            (t, Some(header))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; rh_session=abc; rh_sessionx=no"));
        assert_eq!(cookie(&h, "rh_session"), Some("abc"));
        assert_eq!(cookie(&h, "b"), None);
    }

    #[test]
    fn csrf_tokens_depend_on_the_session_and_compare_exactly() {
        let a = csrf_for("rh_one");
        assert_eq!(a, csrf_for("rh_one"));
        assert_ne!(a, csrf_for("rh_two"));
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &a[1..]));
        assert!(!same("", &a));
    }
}
