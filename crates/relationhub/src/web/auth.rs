//! `/signup`, `/login` and sign-out.

use super::page::{Chrome, Field, WebResult, attach, render, render_status, safe_next, see_other};
use super::session::{Auth, PublicPosted, SESSION_COOKIE, clear_cookie, form_token, set_cookie};
use crate::app::accounts::{self, Client};
use crate::app::{ApiError, AppState};
use crate::http::Shared;
use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    fields: Vec<Field>,
    error: String,
    next: String,
    registration_open: bool,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    chrome: Chrome,
    fields: Vec<Field>,
    error: String,
    tz: String,
}

/// `?next=` of the sign-in page.
#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The sign-up form.
#[derive(Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    tz: String,
}

fn login_fields(email: &str) -> Vec<Field> {
    vec![
        Field::new("Email", "email", "email", email).required().autocomplete("username"),
        Field::new("Password", "password", "password", "").required().autocomplete("current-password"),
    ]
}

fn signup_fields(name: &str, email: &str) -> Vec<Field> {
    vec![
        Field::new("Name", "name", "text", name).required().autocomplete("name"),
        Field::new("Email", "email", "email", email).required().autocomplete("username"),
        Field::new("Password", "password", "password", "")
            .required()
            .autocomplete("new-password")
            .hint("At least 8 characters."),
    ]
}

fn with_cookie(mut resp: Response, cookie: Option<axum::http::HeaderValue>) -> Response {
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// The client for rate limits: the peer, or the address a trusted proxy forwarded for.
fn client(shared: &Shared, headers: &HeaderMap, addr: SocketAddr) -> Client {
    let ip = crate::http::client_ip::resolve(addr.ip(), headers, &shared.state.config.trusted_proxies);
    Client { ip: Some(ip) }
}

/// Signs the browser in: the session cookie, then `to`.
fn signed_in(shared: &Shared, session: &accounts::Session, to: &str) -> Response {
    let ttl = shared.state.config.session_ttl.as_secs();
    let mut resp = see_other(to);
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(shared, SESSION_COOKIE, &session.token, ttl));
    resp
}

/// `GET /login`.
pub async fn login_page(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let (csrf, cookie) = form_token(&shared, &headers);
    let page = LoginPage {
        chrome: Chrome::public("Sign in", csrf),
        fields: login_fields(""),
        error: String::new(),
        next: safe_next(q.next.as_deref()),
        registration_open: shared.state.config.registration_open,
    };
    with_cookie(render(&page), cookie)
}

/// `POST /login`.
pub async fn login(
    State(shared): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    posted: PublicPosted<LoginForm>,
) -> Response {
    let f = posted.form;
    let next = safe_next(Some(&f.next));
    match accounts::sign_in(&shared.state, client(&shared, &posted.headers, addr), &f.email, &f.password)
        .await
    {
        Ok(session) => signed_in(&shared, &session, &next),
        Err(e @ ApiError::Internal(_)) => super::page::WebError::from(e).into_response(),
        Err(e) => {
            let (csrf, _) = form_token(&shared, &posted.headers);
            let status = if matches!(e, ApiError::RateLimited { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let error = match e {
                ApiError::Unauthenticated(_) => "Wrong email or password.".to_owned(),
                other => super::page::capitalise(&other.to_string()),
            };
            let page = LoginPage {
                chrome: Chrome::public("Sign in", csrf),
                fields: login_fields(&f.email),
                error,
                next,
                registration_open: shared.state.config.registration_open,
            };
            render_status(status, &page)
        }
    }
}

fn closed() -> Response {
    super::page::WebError::NotFound.into_response()
}

/// `GET /signup` (404 when registration is closed).
pub async fn signup_page(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    if !shared.state.config.registration_open {
        return closed();
    }
    let (csrf, cookie) = form_token(&shared, &headers);
    let page = SignupPage {
        chrome: Chrome::public("Sign up", csrf),
        fields: signup_fields("", ""),
        error: String::new(),
        tz: String::new(),
    };
    with_cookie(render(&page), cookie)
}

/// `POST /signup`.
pub async fn signup(
    State(shared): State<Shared>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    posted: PublicPosted<SignupForm>,
) -> WebResult {
    if !shared.state.config.registration_open {
        return Ok(closed());
    }
    let f = posted.form;
    let st: &AppState = &shared.state;
    match accounts::sign_up(st, client(&shared, &posted.headers, addr), &f.email, &f.password, &f.name).await
    {
        Ok(session) => {
            if let Ok(zone) = f.tz.trim().parse::<chrono_tz::Tz>() {
                crate::app::preferences::set_time_zone(st, &session.user, zone).await?;
            }
            Ok(signed_in(&shared, &session, "/"))
        }
        Err(e @ ApiError::Internal(_)) => Err(e.into()),
        Err(e) => {
            let (csrf, _) = form_token(&shared, &posted.headers);
            let mut fields = signup_fields(&f.name, &f.email);
            let error = attach(&mut fields, &e).unwrap_or_default();
            let page = SignupPage { chrome: Chrome::public("Sign up", csrf), fields, error, tz: f.tz };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

/// `POST /logout`: revokes the session and clears the cookie.
pub async fn logout(State(shared): State<Shared>, posted: super::session::Posted<Empty>) -> WebResult {
    let auth: Auth = posted.auth;
    accounts::sign_out(&shared.state, &auth.token_hash).await?;
    let mut resp = see_other("/login");
    resp.headers_mut().append(header::SET_COOKIE, clear_cookie(&shared, SESSION_COOKIE));
    Ok(resp)
}

/// A form with no fields but its CSRF token.
#[derive(Deserialize)]
pub struct Empty {}
