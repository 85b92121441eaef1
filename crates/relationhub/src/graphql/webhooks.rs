//! Webhooks: register endpoints, change, delete, rotate secrets, the delivery log and test
//! events. Thin over [`crate::app::webhooks`].

use super::contacts::DeletePayload;
use super::context::{state, user};
use super::loaders::first_page_args;
use super::types::PageInfo;
use crate::app::webhooks::{self, Changes};
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use store::webhooks::{DeliveryRow, WebhookRow};

/// An endpoint that receives signed event notifications.
pub struct WebhookNode(pub WebhookRow);

#[Object(name = "Webhook")]
impl WebhookNode {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Where events are posted.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// Subscribed event types (`contact.created`, …; the payload's `type`).
    async fn events(&self) -> Vec<String> {
        self.0.event_names()
    }
    /// Free text.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// False when disabled (by you, or after repeated failed deliveries).
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Why it was disabled automatically.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// When it was disabled automatically.
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at.map(|t| t.0)
    }
    /// Deliveries that failed for good since the last success.
    async fn consecutive_failures(&self) -> i32 {
        self.0.consecutive_failures
    }
    /// Until when the previous secret also signs (after a rotation).
    async fn previous_secret_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.previous_secret_until.map(|t| t.0)
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.0
    }
}

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Not delivered yet; attempts continue.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Retries ran out (a day after the event).
    Failed,
}

/// One event sent (or being sent) to one endpoint, with its last attempt.
pub struct WebhookDeliveryNode(pub DeliveryRow);

#[Object(name = "WebhookDelivery")]
impl WebhookDeliveryNode {
    /// Id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The `webhook-id` header: the same on every attempt (deduplicate on it).
    async fn event_id(&self) -> &str {
        &self.0.event_id
    }
    /// The event type.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// Delivery state.
    async fn status(&self) -> WebhookDeliveryStatus {
        match self.0.status.as_str() {
            "DELIVERED" => WebhookDeliveryStatus::Delivered,
            "FAILED" => WebhookDeliveryStatus::Failed,
            _ => WebhookDeliveryStatus::Pending,
        }
    }
    /// Attempts made so far.
    async fn attempt(&self) -> i32 {
        self.0.attempts
    }
    /// HTTP status of the last attempt (null when no response came).
    async fn status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    /// Duration of the last attempt in milliseconds.
    async fn duration_ms(&self) -> Option<i32> {
        self.0.last_duration_ms
    }
    /// Why the last attempt failed.
    async fn error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the next attempt is due (while pending).
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.next_attempt_at.map(|t| t.0)
    }
    /// When it was delivered.
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at.map(|t| t.0)
    }
    /// When the event happened.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at.0
    }
    /// The exact body sent.
    async fn payload(&self) -> &str {
        &self.0.payload
    }
}

/// An edge of [`WebhookDeliveryConnection`].
#[derive(SimpleObject)]
pub struct WebhookDeliveryEdge {
    /// Opaque cursor.
    pub cursor: String,
    /// The delivery.
    pub node: WebhookDeliveryNode,
}

/// A page of an endpoint's deliveries, newest first.
pub struct WebhookDeliveryConnection {
    rows: Vec<DeliveryRow>,
    more: bool,
    after: bool,
}

fn cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("wd:{id}"))
}

fn decode_cursor(c: &str) -> Option<String> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(c).ok()?).ok()?;
    raw.strip_prefix("wd:").map(str::to_owned)
}

#[Object]
impl WebhookDeliveryConnection {
    /// Deliveries with their cursors.
    async fn edges(&self) -> Vec<WebhookDeliveryEdge> {
        self.rows
            .iter()
            .map(|r| WebhookDeliveryEdge { cursor: cursor(&r.id), node: WebhookDeliveryNode(r.clone()) })
            .collect()
    }
    /// Deliveries.
    async fn nodes(&self) -> Vec<WebhookDeliveryNode> {
        self.rows.iter().cloned().map(WebhookDeliveryNode).collect()
    }
    /// Paging.
    async fn page_info(&self) -> PageInfo {
        PageInfo {
            has_next_page: self.more,
            has_previous_page: self.after,
            start_cursor: self.rows.first().map(|r| cursor(&r.id)),
            end_cursor: self.rows.last().map(|r| cursor(&r.id)),
        }
    }
}

/// `createWebhook` input.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// Absolute http(s) URL.
    pub url: String,
    /// Event types to receive (at least one; see `Webhook.events`).
    pub events: Vec<String>,
    /// Free text (at most 500 characters).
    pub description: Option<String>,
}

/// `updateWebhook` input; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    /// The endpoint.
    pub id: ID,
    /// New URL.
    pub url: Option<String>,
    /// New event types.
    pub events: Option<Vec<String>>,
    /// New description, or null to clear.
    pub description: MaybeUndefined<String>,
    /// true enables it again (clearing an automatic disable); false pauses it.
    pub enabled: Option<bool>,
}

/// Input naming an endpoint.
#[derive(InputObject)]
pub struct WebhookIdInput {
    /// The endpoint.
    pub id: ID,
}

/// Result of creating an endpoint or rotating its secret.
#[derive(SimpleObject)]
pub struct WebhookSecretPayload {
    /// The endpoint.
    pub webhook: WebhookNode,
    /// The signing secret (`whsec_…`). Shown only in this answer: store it now.
    pub secret: String,
}

/// Result of changing an endpoint.
#[derive(SimpleObject)]
pub struct WebhookPayload {
    /// The endpoint.
    pub webhook: WebhookNode,
}

/// Webhook queries.
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// Your endpoints, oldest first (at most 20).
    async fn webhooks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookNode>> {
        let me = user(ctx)?;
        Ok(webhooks::list(state(ctx), me).await?.into_iter().map(WebhookNode).collect())
    }

    /// One of your endpoints.
    async fn webhook(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<WebhookNode> {
        let me = user(ctx)?;
        Ok(WebhookNode(webhooks::get(state(ctx), me, &id).await?))
    }

    /// An endpoint's delivery log, newest first.
    #[graphql(complexity = "super::connection::list_complexity(first, child_complexity)")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        webhook_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<WebhookDeliveryConnection> {
        let me = user(ctx)?;
        let after_id =
            match after {
                None => None,
                Some(c) => Some(decode_cursor(&c).ok_or_else(|| {
                    crate::app::ApiError::bad_input("after", "is not a cursor from this list")
                })?),
            };
        let req = first_page_args(first, after_id.clone())?;
        let (rows, more) = webhooks::deliveries(state(ctx), me, &webhook_id, &req).await?;
        Ok(WebhookDeliveryConnection { rows, more, after: after_id.is_some() })
    }
}

/// Webhook mutations.
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Registers an endpoint. The answer carries its secret, shown only once.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookInput,
    ) -> async_graphql::Result<WebhookSecretPayload> {
        let me = user(ctx)?;
        let (row, secret) =
            webhooks::create(state(ctx), me, &input.url, &input.events, input.description).await?;
        Ok(WebhookSecretPayload { webhook: WebhookNode(row), secret })
    }

    /// Changes an endpoint.
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookInput,
    ) -> async_graphql::Result<WebhookPayload> {
        let me = user(ctx)?;
        let description = match input.description {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(d) => Some(Some(d)),
        };
        let changes = Changes { url: input.url, events: input.events, description, enabled: input.enabled };
        let row = webhooks::update(state(ctx), me, &input.id, changes).await?;
        Ok(WebhookPayload { webhook: WebhookNode(row) })
    }

    /// Deletes an endpoint and its delivery log.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        input: WebhookIdInput,
    ) -> async_graphql::Result<DeletePayload> {
        let me = user(ctx)?;
        webhooks::delete(state(ctx), me, &input.id).await?;
        Ok(DeletePayload { deleted_id: input.id })
    }

    /// Gives an endpoint a new secret (shown only in this answer). For 24 hours deliveries carry
    /// two signatures, by the new and the old secret, so receivers can switch without a gap.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        input: WebhookIdInput,
    ) -> async_graphql::Result<WebhookSecretPayload> {
        let me = user(ctx)?;
        let (row, secret) = webhooks::rotate(state(ctx), me, &input.id).await?;
        Ok(WebhookSecretPayload { webhook: WebhookNode(row), secret })
    }

    /// Queues a `webhook.test` event for an endpoint (delivered, signed and logged like any other).
    async fn send_test_webhook_event(
        &self,
        ctx: &Context<'_>,
        input: WebhookIdInput,
    ) -> async_graphql::Result<WebhookPayload> {
        let me = user(ctx)?;
        let st = state(ctx);
        webhooks::send_test(st, me, &input.id).await?;
        Ok(WebhookPayload { webhook: WebhookNode(webhooks::get(st, me, &input.id).await?) })
    }
}
