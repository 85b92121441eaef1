//! The web app: server-rendered pages over the use-case layer (`crate::app`), on the same port
//! as the API. Pages are askama templates checked at compile time; the stylesheet and script are
//! compiled in. Every action is a plain form (POST → redirect → GET), so everything works with
//! JavaScript disabled; the script only makes generation and polishing update in place.

pub mod assets;
pub mod auth;
pub mod compose;
pub mod contact_page;
pub mod contacts;
pub mod editor;
pub mod emails_list;
pub mod export_download;
pub mod follow_ups;
pub mod import_page;
pub mod mailboxes;
pub mod page;
pub mod paging;
pub mod review;
pub mod sending;
pub mod session;
pub mod settings;
pub mod settings_digest;
pub mod templates_pages;
pub mod today;
pub mod webhooks;

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
        .route("/", get(today::page))
        .route("/contacts", get(contacts::list).post(contacts::create))
        .route("/contacts/new", get(contacts::new_form))
        .route("/contacts/{id}", get(contact_page::page))
        .route("/contacts/{id}/edit", get(contacts::edit_form).post(contacts::update))
        .route("/contacts/{id}/delete", get(contacts::delete_form).post(contacts::delete))
        .route("/contacts/{id}/log", post(contact_page::log))
        .route("/contacts/{id}/snooze", post(today::snooze))
        .route("/contacts/{id}/write", get(compose::page).post(compose::generate))
        .route("/emails", get(emails_list::list))
        .route("/emails/{id}", get(editor::page).post(editor::save_draft))
        .route("/emails/{id}/polish", post(editor::polish))
        .route("/emails/{id}/send", post(editor::send))
        .route("/emails/{id}/schedule", post(editor::schedule))
        .route("/emails/{id}/cancel", post(editor::cancel))
        .route("/emails/{id}/unschedule", post(editor::unschedule))
        .route("/emails/{id}/delete", post(editor::delete))
        .route("/emails/{id}/use", post(editor::use_draft))
        .route("/emails/{id}/follow-ups/stop", post(follow_ups::stop))
        .route("/settings", get(settings::page).post(settings::save))
        .route("/settings/digest", post(settings_digest::save))
        .route("/settings/password", post(settings::change_password))
        .route("/settings/tokens", post(settings::create_token))
        .route("/settings/tokens/{id}/revoke", post(settings::revoke_token))
        .route("/settings/mailboxes", get(mailboxes::page).post(mailboxes::connect))
        .route("/settings/mailboxes/{id}/sync", post(mailboxes::sync))
        .route("/settings/mailboxes/{id}/disconnect", post(mailboxes::disconnect))
        .route("/settings/aliases", post(mailboxes::save_aliases))
        .route("/review", get(review::page))
        .route("/review/{id}/add", post(review::add))
        .route("/review/ignore", post(review::ignore))
        .route("/settings/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/settings/webhooks/{id}", get(webhooks::page).post(webhooks::update))
        .route("/settings/webhooks/{id}/toggle", post(webhooks::toggle))
        .route("/settings/webhooks/{id}/rotate", post(webhooks::rotate))
        .route("/settings/webhooks/{id}/test", post(webhooks::test))
        .route("/settings/webhooks/{id}/delete", post(webhooks::delete))
        .route("/settings/export/{format}", get(export_download::download))
        .route("/import", get(import_page::page).post(import_page::commit).layer(import_limit()))
        .route("/import/preview", post(import_page::preview).layer(import_limit()))
        .route("/templates", get(templates_pages::list).post(templates_pages::create))
        .route("/templates/new", get(templates_pages::new_form))
        .route("/templates/{id}", get(templates_pages::edit_form).post(templates_pages::update))
        .route("/templates/{id}/default", post(templates_pages::make_default))
        .route("/templates/{id}/delete", post(templates_pages::delete))
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

/// Uploads to the import page carry a file of up to 10 MB (twice as base64 would not fit 1 MiB).
fn import_limit() -> axum::extract::DefaultBodyLimit {
    axum::extract::DefaultBodyLimit::max(crate::http::MAX_IMPORT_BODY_BYTES)
}

/// The 404 page for any path nothing else answers.
pub async fn not_found() -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let mut r = page::WebError::NotFound.into_response();
    r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    r
}
