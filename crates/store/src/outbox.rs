//! The webhook outbox: an event is written in the SAME transaction as the change that caused
//! it, as one `webhook_deliveries` row per enabled endpoint of the user subscribed to its type.
//! If the change rolls back, so does the event: nothing is ever sent for a change that did not
//! happen. The delivery worker (`webhooks.rs`) posts the rows later.
//!
//! Store mutations call [`emit!`] on their open transaction with an [`Event`]; when the user has
//! no webhook the statement inserts nothing.

use crate::ts::Ts;
use domain::webhook::EventType;

/// One event, serialised once: the exact bytes every endpoint receives (and that are signed),
/// identical on every retry.
#[derive(Debug, Clone)]
pub struct Event {
    /// The stable `webhook-id` (`msg_` + a time-ordered id), the same for every attempt.
    pub id: String,
    /// Its type's wire name (an [`EventType`], or `webhook.test` for a test event).
    pub kind: &'static str,
    /// `{"type", "timestamp", "data"}` as JSON text.
    pub payload: String,
    /// When it happened.
    pub at: Ts,
}

impl Event {
    /// An event of `kind` about `data`, happening now.
    pub fn new(kind: EventType, data: serde_json::Value) -> Event {
        Event::named(kind.as_str(), data)
    }

    /// The "Send test event" event (`webhook.test`), sent to one endpoint whatever it subscribes to.
    pub fn test(data: serde_json::Value) -> Event {
        Event::named("webhook.test", data)
    }

    fn named(kind: &'static str, data: serde_json::Value) -> Event {
        let at = Ts::now();
        let payload = serde_json::json!({
            "type": kind,
            "timestamp": at.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": data,
        });
        Event { id: format!("msg_{}", domain::new_id()), kind, payload: payload.to_string(), at }
    }

    /// The LIKE pattern that finds endpoints subscribed to this type (their `"events"` column is
    /// the list with commas around every name: `,contact.created,email.sent,`).
    pub fn pattern(&self) -> String {
        format!("%,{},%", self.kind)
    }
}

/// Fans an event out to the user's enabled, subscribed endpoints. Binds: event id, type,
/// payload, time, user id, pattern. `"nextAttemptAt"` NULL means "due at once".
pub(crate) const FAN_OUT: &str = r#"INSERT INTO "webhook_deliveries"
    ("id", "userId", "webhookId", "eventId", "eventType", "payload", "status", "attempts", "createdAt", "updatedAt")
    SELECT CAST($1 AS TEXT) || ':' || w."id", w."userId", w."id", $1, $2, $3, 'PENDING', 0, $4, $4
    FROM "webhooks" w WHERE w."userId" = $5 AND w."enabled" = true AND w."events" LIKE $6"#;

/// Writes `$event` to the outbox on `$conn` (a transaction of the change it reports); evaluates
/// to the `sqlx::Result` of the statement.
macro_rules! emit {
    ($conn:expr, $user_id:expr, $event:expr) => {{
        let event: &$crate::outbox::Event = &$event;
        sqlx::query($crate::outbox::FAN_OUT)
            .bind(&event.id)
            .bind(event.kind)
            .bind(&event.payload)
            .bind(event.at)
            .bind($user_id)
            .bind(event.pattern())
            .execute($conn)
            .await
    }};
}
pub(crate) use emit;

impl crate::db::Store {
    /// Writes one event in a transaction of its own, for a change committed elsewhere. Store
    /// mutations emit inside their own transaction with [`emit!`] instead (a follow-up sequence
    /// that stops in a store transaction emits `followup.stopped` there the same way).
    pub async fn emit_event(&self, user_id: &str, event: &Event) -> crate::error::Result<()> {
        on_db!(&self.db, p => emit!(p, user_id, *event).map(|_| ()))?;
        Ok(())
    }
}

/// The `data` of an email event: which email, to whom, about what, plus `extra` fields.
pub(crate) fn email_data(
    id: &str,
    contact_id: &str,
    subject: &str,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut data = serde_json::json!({ "id": id, "contactId": contact_id, "subject": subject });
    if let (Some(map), serde_json::Value::Object(more)) = (data.as_object_mut(), extra) {
        map.extend(more);
    }
    data
}

/// An RFC 3339 time with milliseconds, as payloads spell times.
pub(crate) fn time(t: Ts) -> String {
    t.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_has_type_timestamp_and_data() {
        let e = Event::new(EventType::ContactDeleted, serde_json::json!({ "id": "c1" }));
        let v: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
        assert_eq!(v["type"], "contact.deleted");
        assert_eq!(v["data"]["id"], "c1");
        assert!(v["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(e.id.starts_with("msg_"));
        assert_eq!(e.pattern(), "%,contact.deleted,%");
    }
}
