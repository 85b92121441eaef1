//! `/settings`: name and time zone, "Change password", API tokens, the configured AI providers
//! (never keys) and how mail is sent.

use super::page::{Chrome, Field, WebResult, attach, render, render_status, see_other};
use super::session::{Auth, Posted};
use crate::app::{ApiError, drafting, preferences};
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

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    chrome: Chrome,
    fields: Vec<Field>,
    error: String,
    providers: Vec<Provider>,
    mail: String,
    email: String,
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

async fn show(
    shared: &Shared,
    auth: &Auth,
    form: ProfileForm,
    err: Option<ApiError>,
    done: Option<&str>,
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
    let error = err.as_ref().and_then(|e| attach(&mut fields, e)).unwrap_or_default();
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
        providers,
        mail,
        email: auth.user.email.clone(),
    };
    Ok(if err.is_some() { render_status(StatusCode::UNPROCESSABLE_ENTITY, &view) } else { render(&view) })
}

/// `GET /settings`.
pub async fn page(State(shared): State<Shared>, auth: Auth, Query(d): Query<Done>) -> WebResult {
    let saved = shared.state.store.time_zone(&auth.user.id).await.map_err(ApiError::from)?;
    let form = ProfileForm { name: auth.user.name.clone(), time_zone: saved.unwrap_or_default() };
    show(&shared, &auth, form, None, d.done.as_deref()).await
}

/// `POST /settings`: name and time zone.
pub async fn save(State(shared): State<Shared>, posted: Posted<ProfileForm>) -> WebResult {
    let Posted { auth, form } = posted;
    let zone = if form.time_zone.trim().is_empty() { "UTC" } else { form.time_zone.as_str() };
    match preferences::update_profile(&shared.state, &auth.user, &form.name, zone).await {
        Ok(()) => Ok(see_other("/settings?done=saved")),
        Err(e @ ApiError::BadInput { .. }) => show(&shared, &auth, form, Some(e), None).await,
        Err(e) => Err(e.into()),
    }
}
