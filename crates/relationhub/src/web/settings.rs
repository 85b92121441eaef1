//! `/settings`: name and time zone, "Stay in touch" (default cadences and the daily digest, see
//! [`super::settings_digest`]), "Change password", API tokens, the configured AI providers (never
//! keys) and how mail is sent.

use super::page::{Chrome, Field, WebResult, attach, render, render_status, see_other};
use super::session::{Auth, Posted};
use super::session::{SESSION_COOKIE, set_cookie};
use super::settings_digest::DigestForm;
use crate::app::{ApiError, accounts, drafting, preferences, tokens};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;

/// A configured provider as shown.
pub struct Provider {
    id: String,
    model: String,
    endpoint: String,
}

/// A live token as listed.
pub struct TokenRow {
    id: String,
    label: String,
    created: String,
    last_used: String,
    expires: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    fields: Vec<Field>,
    error: String,
    digest_fields: Vec<Field>,
    digest_error: String,
    password_fields: Vec<Field>,
    password_error: String,
    token_fields: Vec<Field>,
    token_error: String,
    new_secret: String,
    tokens: Vec<TokenRow>,
    providers: Vec<Provider>,
    mail: String,
    email: String,
}

/// Which form of the page a problem belongs to.
pub(super) enum Problem {
    None,
    Profile(ApiError),
    Digest(ApiError),
    Password(ApiError),
    Token(ApiError),
}

/// `?done=`.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// The profile form.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
}

fn zone_options(saved: bool) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(chrono_tz::TZ_VARIANTS.len() + 1);
    if !saved {
        out.push((String::new(), "Not set (UTC)".to_owned()));
    }
    out.extend(chrono_tz::TZ_VARIANTS.iter().map(|z| (z.name().to_owned(), z.name().to_owned())));
    out
}

pub(super) async fn show(
    shared: &Shared,
    auth: &Auth,
    form: ProfileForm,
    digest: Option<DigestForm>,
    problem: Problem,
    done: Option<&str>,
    new_secret: String,
) -> WebResult {
    let st = &shared.state;
    let saved = st.store.time_zone(&auth.user.id).await.map_err(ApiError::from)?.is_some();
    let mut fields = vec![
        Field::new("Name", "name", "text", &form.name).required().autocomplete("name"),
        Field {
            label: "Time zone",
            name: "timeZone",
            kind: "select",
            value: form.time_zone.clone(),
            options: zone_options(saved),
            hint: "Times on every page are shown, and schedules read, in this zone.",
            ..Default::default()
        },
    ];
    let mut password_fields = vec![
        Field::new("Current password", "currentPassword", "password", "")
            .required()
            .autocomplete("current-password"),
        Field::new("New password", "newPassword", "password", "")
            .required()
            .autocomplete("new-password")
            .hint("At least 8 characters."),
    ];
    let mut token_fields = vec![
        Field::new("Token name", "name", "text", "")
            .required()
            .hint("What will use it, e.g. \"backup script\"."),
        Field::new("Expires in days", "expiresInDays", "number", "")
            .hint("Leave empty for a token that does not expire."),
    ];
    let digest = match digest {
        Some(d) => d,
        None => DigestForm::of(&st.store.preferences(&auth.user.id).await.map_err(ApiError::from)?),
    };
    let mut digest_fields = digest.fields();
    let mut digest_error = String::new();
    let (mut error, mut password_error, mut token_error) = (String::new(), String::new(), String::new());
    let failed = !matches!(problem, Problem::None);
    match &problem {
        Problem::None => {}
        Problem::Profile(e) => error = attach(&mut fields, e).unwrap_or_default(),
        Problem::Digest(e) => digest_error = attach(&mut digest_fields, e).unwrap_or_default(),
        Problem::Password(e) => password_error = attach(&mut password_fields, e).unwrap_or_default(),
        Problem::Token(e) => token_error = attach(&mut token_fields, e).unwrap_or_default(),
    }
    let zone = super::page::Zone(auth.zone);
    let live = tokens::list(st, &auth.user, &store::PageRequest { first: 100, after: None }).await?;
    let tokens = live
        .items
        .into_iter()
        .map(|(t, _)| TokenRow {
            current: t.id == auth.token_id,
            label: match t.kind {
                domain::TokenKind::Api => format!("API token: {}", t.name.unwrap_or_default()),
                domain::TokenKind::Session => "Browser or API session".to_owned(),
            },
            created: zone.show(t.created_at),
            last_used: t.last_used_at.map(|x| zone.show(x)).unwrap_or_else(|| "never".into()),
            expires: t.expires_at.map(|x| zone.show(x)).unwrap_or_else(|| "never".into()),
            id: t.id,
        })
        .collect();
    let providers = drafting::providers(st)
        .into_iter()
        .map(|p| Provider { id: p.id, model: p.model, endpoint: p.base_url.unwrap_or_default() })
        .collect();
    let mail = match st.config.delivery.outbox_dir() {
        Some(_) => {
            "Outbox: no SMTP server is configured, so sent emails are written as .eml files on the server."
                .to_owned()
        }
        None => format!("Over SMTP: {}.", st.sender.transport().describe()),
    };
    let view = SettingsPage {
        chrome: Chrome::new(auth, "settings", "Settings").with_notice(done),
        fields,
        error,
        digest_fields,
        digest_error,
        password_fields,
        password_error,
        token_fields,
        token_error,
        new_secret,
        tokens,
        providers,
        mail,
        email: auth.user.email.clone(),
    };
    Ok(if failed { render_status(StatusCode::UNPROCESSABLE_ENTITY, &view) } else { render(&view) })
}

/// `GET /settings`.
pub async fn page(State(shared): State<Shared>, auth: Auth, Query(d): Query<Done>) -> WebResult {
    let saved = shared.state.store.time_zone(&auth.user.id).await.map_err(ApiError::from)?;
    let form = ProfileForm { name: auth.user.name.clone(), time_zone: saved.unwrap_or_default() };
    show(&shared, &auth, form, None, Problem::None, d.done.as_deref(), String::new()).await
}

/// `POST /settings`: name and time zone.
pub async fn save(State(shared): State<Shared>, posted: Posted<ProfileForm>) -> WebResult {
    let Posted { auth, form } = posted;
    let zone = if form.time_zone.trim().is_empty() { "UTC" } else { form.time_zone.as_str() };
    match preferences::update_profile(&shared.state, &auth.user, &form.name, zone).await {
        Ok(()) => Ok(see_other("/settings?done=saved")),
        Err(e @ ApiError::BadInput { .. }) => {
            show(&shared, &auth, form, None, Problem::Profile(e), None, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn profile_of(auth: &Auth) -> ProfileForm {
    ProfileForm { name: auth.user.name.clone(), time_zone: auth.zone.name().to_owned() }
}

/// "Change password" form.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// `POST /settings/password`: every session ends; this browser gets a fresh one.
pub async fn change_password(State(shared): State<Shared>, posted: Posted<PasswordForm>) -> WebResult {
    let Posted { auth, form } = posted;
    match accounts::change_password(&shared.state, &auth.user, &form.current_password, &form.new_password)
        .await
    {
        Ok(session) => {
            let mut resp = see_other("/settings?done=password");
            let ttl = shared.state.config.session_ttl.as_secs();
            resp.headers_mut().append(
                axum::http::header::SET_COOKIE,
                set_cookie(&shared, SESSION_COOKIE, &session.token, ttl),
            );
            Ok(resp)
        }
        Err(e @ (ApiError::BadInput { .. } | ApiError::RateLimited { .. })) => {
            show(&shared, &auth, profile_of(&auth), None, Problem::Password(e), None, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// "Create token" form.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_in_days: String,
}

/// `POST /settings/tokens`: the new secret is shown on the answer to this POST, once, and never
/// again (it is not put in a URL or a cookie to survive a redirect).
pub async fn create_token(State(shared): State<Shared>, posted: Posted<TokenForm>) -> WebResult {
    let Posted { auth, form } = posted;
    let days = match form.expires_in_days.trim() {
        "" => Ok(None),
        d => d
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::bad_input("expiresInDays", "must be a whole number of days")),
    };
    let created = match days {
        Ok(days) => tokens::create(&shared.state, &auth.user, &form.name, days).await,
        Err(e) => Err(e),
    };
    match created {
        Ok((secret, _)) => show(&shared, &auth, profile_of(&auth), None, Problem::None, None, secret).await,
        Err(e @ ApiError::BadInput { .. }) => {
            show(&shared, &auth, profile_of(&auth), None, Problem::Token(e), None, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/tokens/{id}/revoke`: "Revoke".
pub async fn revoke_token(
    State(shared): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    tokens::revoke(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other("/settings?done=revoked"))
}
