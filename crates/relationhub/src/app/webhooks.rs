//! Webhooks (issue 14), use-case layer: register endpoints, change, delete, rotate their
//! secret, read the delivery log and queue a test event. Delivery itself is the worker's
//! ([`crate::webhooks::Worker`]); events are written by the store in the transaction of the
//! change that caused them (`store::outbox`).

use super::{ApiError, ApiResult, AppState};
use crate::webhooks::{SecretBox, guard, signing};
use domain::User;
use domain::webhook::EventType;
use store::webhooks::{DeliveryRow, WebhookRow, events_column};

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;
/// Longest description accepted.
pub const MAX_DESCRIPTION_LEN: usize = 500;
/// Endpoints per account.
pub const MAX_WEBHOOKS: usize = 20;
/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_GRACE_HOURS: i64 = 24;

/// Changes to an endpoint; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// New URL.
    pub url: Option<String>,
    /// New event list.
    pub events: Option<Vec<String>>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Enable (clears an automatic disable) or disable.
    pub enabled: Option<bool>,
}

fn secrets(st: &AppState) -> ApiResult<SecretBox> {
    SecretBox::from_config(&st.config).map_err(|e| ApiError::Internal(e.into()))
}

/// Checks a URL: absolute http(s), a host, no credentials, and (unless private destinations
/// are allowed) not a literal private address or `localhost`. Names are checked again on the
/// resolved address at every connection.
fn parse_url(st: &AppState, raw: &str) -> ApiResult<String> {
    let raw = raw.trim();
    let bad = |m: &str| ApiError::bad_input("url", m);
    if raw.len() > MAX_URL_LEN {
        return Err(bad("must be at most 2048 characters"));
    }
    let url = url::Url::parse(raw).map_err(|_| bad("must be an absolute http:// or https:// URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must be an absolute http:// or https:// URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain a user name or password"));
    }
    let host = url.host().ok_or_else(|| bad("must name a host"))?;
    if !st.config.webhook_allow_private {
        let private = match host {
            url::Host::Ipv4(ip) => guard::is_forbidden(ip.into()),
            url::Host::Ipv6(ip) => guard::is_forbidden(ip.into()),
            url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost"),
        };
        if private {
            return Err(bad(
                "private, loopback and link-local destinations are refused (RELATIONHUB_WEBHOOK_ALLOW_PRIVATE=on allows them)",
            ));
        }
    }
    Ok(url.to_string())
}

/// Checks event names against the closed set; returns the stored column.
fn parse_events(names: &[String]) -> ApiResult<String> {
    if names.is_empty() {
        return Err(ApiError::bad_input("events", "name at least one event type"));
    }
    let mut kept: Vec<&str> = Vec::new();
    for name in names {
        let kind = EventType::parse(name.trim()).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
            ApiError::bad_input("events", format!("unknown event type {name:?}; known: {}", known.join(", ")))
        })?;
        if !kept.contains(&kind.as_str()) {
            kept.push(kind.as_str());
        }
    }
    Ok(events_column(&kept))
}

fn parse_description(d: Option<String>) -> ApiResult<Option<String>> {
    let d = d.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if d.as_ref().is_some_and(|s| s.chars().count() > MAX_DESCRIPTION_LEN) {
        return Err(ApiError::bad_input("description", "must be at most 500 characters"));
    }
    Ok(d)
}

/// Registers an endpoint; returns it and its secret (`whsec_…`), which is shown only now.
#[tracing::instrument(skip_all, fields(op = "create_webhook", user = %user.id))]
pub async fn create(
    st: &AppState,
    user: &User,
    url: &str,
    events: &[String],
    description: Option<String>,
) -> ApiResult<(WebhookRow, String)> {
    let url = parse_url(st, url)?;
    let events = parse_events(events)?;
    let description = parse_description(description)?;
    if st.store.webhooks(&user.id).await?.len() >= MAX_WEBHOOKS {
        return Err(ApiError::bad_input("url", format!("at most {MAX_WEBHOOKS} webhooks per account")));
    }
    let secret = signing::new_secret();
    let sealed = secrets(st)?.seal(&secret);
    let row = st.store.create_webhook(&user.id, &url, &events, description.as_deref(), &sealed).await?;
    Ok((row, secret))
}

/// The caller's endpoints.
pub async fn list(st: &AppState, user: &User) -> ApiResult<Vec<WebhookRow>> {
    Ok(st.store.webhooks(&user.id).await?)
}

/// One of the caller's endpoints.
pub async fn get(st: &AppState, user: &User, id: &str) -> ApiResult<WebhookRow> {
    st.store.webhook(&user.id, id).await.map_err(|e| ApiError::from_store(e, "webhook"))
}

/// Changes an endpoint.
#[tracing::instrument(skip_all, fields(op = "update_webhook", user = %user.id))]
pub async fn update(st: &AppState, user: &User, id: &str, changes: Changes) -> ApiResult<WebhookRow> {
    let url = changes.url.as_deref().map(|u| parse_url(st, u)).transpose()?;
    let events = changes.events.as_deref().map(parse_events).transpose()?;
    let description = changes.description.map(parse_description).transpose()?;
    st.store
        .update_webhook(
            &user.id,
            id,
            url.as_deref(),
            events.as_deref(),
            description.as_ref().map(|d| d.as_deref()),
            changes.enabled,
        )
        .await
        .map_err(|e| ApiError::from_store(e, "webhook"))
}

/// Deletes an endpoint with its delivery log (pending deliveries are dropped).
#[tracing::instrument(skip_all, fields(op = "delete_webhook", user = %user.id))]
pub async fn delete(st: &AppState, user: &User, id: &str) -> ApiResult<()> {
    st.store.delete_webhook(&user.id, id).await.map_err(|e| ApiError::from_store(e, "webhook"))
}

/// Gives an endpoint a new secret (returned once); the old one keeps signing, as a second
/// signature, for [`ROTATION_GRACE_HOURS`].
#[tracing::instrument(skip_all, fields(op = "rotate_webhook_secret", user = %user.id))]
pub async fn rotate(st: &AppState, user: &User, id: &str) -> ApiResult<(WebhookRow, String)> {
    let secret = signing::new_secret();
    let sealed = secrets(st)?.seal(&secret);
    let until = st.now() + chrono::Duration::hours(ROTATION_GRACE_HOURS);
    let row = st
        .store
        .rotate_webhook_secret(&user.id, id, &sealed, until)
        .await
        .map_err(|e| ApiError::from_store(e, "webhook"))?;
    Ok((row, secret))
}

/// A page of an endpoint's delivery log, newest first: up to `first` rows plus whether more follow.
pub async fn deliveries(
    st: &AppState,
    user: &User,
    webhook_id: &str,
    req: &store::PageRequest,
) -> ApiResult<(Vec<DeliveryRow>, bool)> {
    get(st, user, webhook_id).await?;
    let first = i64::from(req.first);
    let mut rows = st.store.webhook_deliveries(&user.id, webhook_id, first + 1, req.after.as_deref()).await?;
    let more = rows.len() as i64 > first;
    rows.truncate(req.first as usize);
    Ok((rows, more))
}

/// Queues a test event (payload `type` `webhook.test`) for one endpoint, whatever it
/// subscribes to; it is signed, retried and logged like any other.
#[tracing::instrument(skip_all, fields(op = "send_test_webhook", user = %user.id))]
pub async fn send_test(st: &AppState, user: &User, id: &str) -> ApiResult<()> {
    let event = store::outbox::Event::test(serde_json::json!({
        "message": "Test event from RelationHub",
        "webhookId": id,
    }));
    st.store.enqueue_webhook_test(&user.id, id, &event).await.map_err(|e| ApiError::from_store(e, "webhook"))
}

/// Endpoints that were disabled after repeated failures (Today shows a notice for each).
pub async fn disabled(st: &AppState, user: &User) -> ApiResult<Vec<WebhookRow>> {
    Ok(st.store.disabled_webhooks(&user.id).await?)
}
