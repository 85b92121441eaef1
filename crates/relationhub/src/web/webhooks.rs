//! `/settings/webhooks`: register endpoints (the secret is shown once, on the answer to the
//! POST), list them, and per endpoint: edit, pause or enable, rotate the secret, send a test
//! event, delete, and the delivery log. Thin over [`crate::app::webhooks`].

use super::page::{Chrome, WebResult, render, render_status, see_other};
use super::session::{Auth, Posted};
use crate::app::{ApiError, webhooks};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::webhook::EventType;
use serde::Deserialize;
use std::collections::HashMap;
use store::webhooks::WebhookRow;

/// One checkbox of the event list.
pub struct EventBox {
    name: &'static str,
    checked: bool,
}

/// An endpoint as listed.
pub struct HookRow {
    id: String,
    url: String,
    description: String,
    events: String,
    enabled: bool,
    disabled_reason: String,
}

/// A delivery as listed.
pub struct DeliveryLine {
    when: String,
    event_type: String,
    event_id: String,
    status: String,
    attempt: i32,
    code: String,
    duration: String,
    error: String,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct ListPage {
    chrome: Chrome,
    hooks: Vec<HookRow>,
    url: String,
    description: String,
    events: Vec<EventBox>,
    error: String,
    new_secret: String,
}

#[derive(Template)]
#[template(path = "webhook.html")]
struct HookPage {
    chrome: Chrome,
    id: String,
    url: String,
    description: String,
    events: Vec<EventBox>,
    enabled: bool,
    disabled_reason: String,
    error: String,
    new_secret: String,
    deliveries: Vec<DeliveryLine>,
}

/// `?done=`.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

fn boxes(selected: &[String]) -> Vec<EventBox> {
    EventType::ALL
        .iter()
        .map(|e| EventBox { name: e.as_str(), checked: selected.iter().any(|s| s == e.as_str()) })
        .collect()
}

/// The event names ticked in a posted form (`ev_<name>=on`).
fn ticked(form: &HashMap<String, String>) -> Vec<String> {
    EventType::ALL
        .iter()
        .filter(|e| form.contains_key(&format!("ev_{}", e.as_str())))
        .map(|e| e.as_str().to_owned())
        .collect()
}

fn field(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name).cloned().unwrap_or_default()
}

fn row(h: WebhookRow) -> HookRow {
    HookRow {
        events: h.event_names().join(", "),
        id: h.id,
        url: h.url,
        description: h.description.unwrap_or_default(),
        enabled: h.enabled,
        disabled_reason: h.disabled_reason.unwrap_or_default(),
    }
}

fn notice(chrome: Chrome, done: Option<&str>) -> Chrome {
    let mut chrome = chrome.with_notice(done);
    let extra = match done {
        Some("tested") => "Test event queued; it appears in the delivery log below.",
        Some("enabled") => "Webhook enabled.",
        Some("paused") => "Webhook paused.",
        _ => "",
    };
    if !extra.is_empty() {
        chrome.notice = extra.to_owned();
    }
    chrome
}

async fn show_list(
    shared: &Shared,
    auth: &Auth,
    form: &HashMap<String, String>,
    error: String,
    new_secret: String,
    done: Option<&str>,
) -> WebResult {
    let hooks = webhooks::list(&shared.state, &auth.user).await?.into_iter().map(row).collect();
    let failed = !error.is_empty();
    let view = ListPage {
        chrome: notice(Chrome::new(auth, "settings", "Webhooks"), done),
        hooks,
        url: if new_secret.is_empty() { field(form, "url") } else { String::new() },
        description: if new_secret.is_empty() { field(form, "description") } else { String::new() },
        events: boxes(&if new_secret.is_empty() { ticked(form) } else { Vec::new() }),
        error,
        new_secret,
    };
    Ok(if failed { render_status(StatusCode::UNPROCESSABLE_ENTITY, &view) } else { render(&view) })
}

/// `GET /settings/webhooks`.
pub async fn list(State(shared): State<Shared>, auth: Auth, Query(d): Query<Done>) -> WebResult {
    show_list(&shared, &auth, &HashMap::new(), String::new(), String::new(), d.done.as_deref()).await
}

/// `POST /settings/webhooks`: the answer shows the new secret once.
pub async fn create(State(shared): State<Shared>, posted: Posted<HashMap<String, String>>) -> WebResult {
    let Posted { auth, form } = posted;
    let description = Some(field(&form, "description"));
    match webhooks::create(&shared.state, &auth.user, &field(&form, "url"), &ticked(&form), description).await
    {
        Ok((_, secret)) => show_list(&shared, &auth, &form, String::new(), secret, None).await,
        Err(e @ ApiError::BadInput { .. }) => {
            show_list(&shared, &auth, &form, e.to_string(), String::new(), None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn show_hook(
    shared: &Shared,
    auth: &Auth,
    id: &str,
    form: Option<&HashMap<String, String>>,
    error: String,
    new_secret: String,
    done: Option<&str>,
) -> WebResult {
    let st = &shared.state;
    let h = webhooks::get(st, &auth.user, id).await?;
    let req = store::PageRequest { first: 50, after: None };
    let (rows, _) = webhooks::deliveries(st, &auth.user, id, &req).await?;
    let zone = super::page::Zone(auth.zone);
    let deliveries = rows
        .into_iter()
        .map(|d| DeliveryLine {
            when: zone.show(d.created_at.0),
            event_type: d.event_type,
            event_id: d.event_id,
            status: d.status,
            attempt: d.attempts,
            code: d.last_status_code.map(|c| c.to_string()).unwrap_or_default(),
            duration: d.last_duration_ms.map(|ms| format!("{ms} ms")).unwrap_or_default(),
            error: d.last_error.unwrap_or_default(),
        })
        .collect();
    let failed = !error.is_empty();
    let (url, description, events) = match form {
        Some(f) => (field(f, "url"), field(f, "description"), ticked(f)),
        None => (h.url.clone(), h.description.clone().unwrap_or_default(), h.event_names()),
    };
    let view = HookPage {
        chrome: notice(Chrome::new(auth, "settings", "Webhook"), done),
        id: h.id,
        url,
        description,
        events: boxes(&events),
        enabled: h.enabled,
        disabled_reason: h.disabled_reason.unwrap_or_default(),
        error,
        new_secret,
        deliveries,
    };
    Ok(if failed { render_status(StatusCode::UNPROCESSABLE_ENTITY, &view) } else { render(&view) })
}

/// `GET /settings/webhooks/{id}`: edit form and delivery log.
pub async fn page(
    State(shared): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> WebResult {
    show_hook(&shared, &auth, &id, None, String::new(), String::new(), d.done.as_deref()).await
}

/// `POST /settings/webhooks/{id}`: saves URL, events and description.
pub async fn update(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<HashMap<String, String>>,
) -> WebResult {
    let Posted { auth, form } = posted;
    let changes = webhooks::Changes {
        url: Some(field(&form, "url")),
        events: Some(ticked(&form)),
        description: Some(Some(field(&form, "description"))),
        enabled: None,
    };
    match webhooks::update(&shared.state, &auth.user, &id, changes).await {
        Ok(_) => Ok(see_other(&format!("/settings/webhooks/{id}?done=saved"))),
        Err(e @ ApiError::BadInput { .. }) => {
            show_hook(&shared, &auth, &id, Some(&form), e.to_string(), String::new(), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/webhooks/{id}/toggle`: pause, or enable again.
pub async fn toggle(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    let st = &shared.state;
    let enable = !webhooks::get(st, &posted.auth.user, &id).await?.enabled;
    let changes = webhooks::Changes { enabled: Some(enable), ..Default::default() };
    webhooks::update(st, &posted.auth.user, &id, changes).await?;
    let done = if enable { "enabled" } else { "paused" };
    Ok(see_other(&format!("/settings/webhooks/{id}?done={done}")))
}

/// `POST /settings/webhooks/{id}/rotate`: the answer shows the new secret once.
pub async fn rotate(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    let (_, secret) = webhooks::rotate(&shared.state, &posted.auth.user, &id).await?;
    show_hook(&shared, &posted.auth, &id, None, String::new(), secret, None).await
}

/// `POST /settings/webhooks/{id}/test`: "Send test event".
pub async fn test(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    webhooks::send_test(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other(&format!("/settings/webhooks/{id}?done=tested")))
}

/// `POST /settings/webhooks/{id}/delete`.
pub async fn delete(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    webhooks::delete(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other("/settings/webhooks?done=deleted"))
}
