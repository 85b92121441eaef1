//! The web app: server-rendered pages over the use-case layer (`crate::app`), on the same port
//! as the API. Pages are askama templates checked at compile time; the stylesheet and script are
//! compiled in. Every action is a plain form (POST → redirect → GET), so everything works with
//! JavaScript disabled; the script only makes generation and polishing update in place.

pub mod assets;
pub mod auth;
pub mod page;
pub mod session;

use crate::http::Shared;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

/// `Content-Security-Policy` of every page: our own files only, no inline script or style, never
/// framed, forms post only to us.
pub const CSP: &str =
    "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// The page routes, with their security headers.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/signup", get(auth::signup_page).post(auth::signup))
        .route("/logout", post(auth::logout))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// The 404 page for any path nothing else answers.
pub async fn not_found() -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let mut r = page::WebError::NotFound.into_response();
    r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    r
}
