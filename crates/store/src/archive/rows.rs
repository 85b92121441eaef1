//! The rows of an account archive: every column of each table the archive carries, named like
//! the columns (camelCase) in JSON. `userId` is left out (rows belong to whichever account they
//! are exported from or restored into); so are the scheduler's lease columns (`lockedBy`,
//! `lockedUntil`), which describe a server process, not the data.

use crate::ts::Ts;
use domain::{Direction, EmailStatus, Priority, TemplateType};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;

/// A table the exporter reads page by page, in `"id"` order.
pub trait ArchiveTable:
    for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
    + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + Serialize
    + Send
    + Unpin
    + 'static
{
    /// `SELECT <columns> FROM <table> WHERE "userId" = $1 AND "id" > $2 ORDER BY "id" LIMIT $3`.
    const PAGE_SQL: &'static str;
    /// The row's id (the keyset cursor of the next page).
    fn id(&self) -> &str;
}

/// The account's own row and preferences (restored: name and time zone; never email or password).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[sqlx(rename_all = "camelCase")]
pub struct ArchiveAccount {
    /// Sign-in address of the exported account (informational).
    pub email: String,
    /// Display name.
    pub name: String,
    /// When the account was created.
    pub created_at: Ts,
    /// Preferred IANA time zone, if one was saved.
    #[sqlx(default)]
    pub time_zone: Option<String>,
}

/// A `contacts` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[sqlx(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ArchiveContact {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub role: Option<String>,
    pub industry: Option<String>,
    pub linked_in_url: Option<String>,
    pub priority: Priority,
    pub birthday: Option<chrono::NaiveDate>,
    pub notes: Option<String>,
    pub last_contacted_at: Option<Ts>,
    pub stay_in_touch_days: Option<i32>,
    pub last_touch_at: Option<Ts>,
    pub next_touch_at: Option<Ts>,
    pub snoozed_until: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl ArchiveTable for ArchiveContact {
    const PAGE_SQL: &'static str = r#"SELECT "id", "name", "email", "phone", "company", "role", "industry",
        "linkedInUrl", "priority", "birthday", "notes", "lastContactedAt", "stayInTouchDays", "lastTouchAt",
        "nextTouchAt", "snoozedUntil", "createdAt", "updatedAt"
        FROM "contacts" WHERE "userId" = $1 AND "id" > $2 ORDER BY "id" LIMIT $3"#;
    fn id(&self) -> &str {
        &self.id
    }
}

/// An `email_templates` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[sqlx(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ArchiveTemplate {
    pub id: String,
    pub name: String,
    pub subject: String,
    pub body: String,
    pub template_type: TemplateType,
    pub is_default: bool,
    pub created_at: Ts,
    pub updated_at: Ts,
}

impl ArchiveTable for ArchiveTemplate {
    const PAGE_SQL: &'static str = r#"SELECT "id", "name", "subject", "body", "templateType", "isDefault",
        "createdAt", "updatedAt"
        FROM "email_templates" WHERE "userId" = $1 AND "id" > $2 ORDER BY "id" LIMIT $3"#;
    fn id(&self) -> &str {
        &self.id
    }
}

/// A `conversation_history` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[sqlx(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ArchiveEntry {
    pub id: String,
    pub contact_id: String,
    pub content: String,
    pub direction: Direction,
    pub timestamp: Ts,
    pub metadata: Option<Json<serde_json::Value>>,
}

impl ArchiveTable for ArchiveEntry {
    const PAGE_SQL: &'static str = r#"SELECT "id", "contactId", "content", "direction", "timestamp", "metadata"
        FROM "conversation_history" WHERE "userId" = $1 AND "id" > $2 ORDER BY "id" LIMIT $3"#;
    fn id(&self) -> &str {
        &self.id
    }
}

/// An `emails` row, with its delivery bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
#[sqlx(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ArchiveEmail {
    pub id: String,
    pub contact_id: String,
    pub subject: String,
    pub body: String,
    pub body_html: Option<String>,
    pub status: EmailStatus,
    pub template_type: Option<TemplateType>,
    pub provider_id: Option<String>,
    pub tokens_used: Option<i32>,
    pub generated_at: Option<Ts>,
    pub sent_at: Option<Ts>,
    pub opened_at: Option<Ts>,
    pub replied_at: Option<Ts>,
    pub created_at: Ts,
    pub updated_at: Ts,
    pub scheduled_at: Option<Ts>,
    pub next_attempt_at: Option<Ts>,
    pub send_attempts: i32,
    pub last_error: Option<String>,
    pub message_id: Option<String>,
    pub tracking_token: Option<String>,
}

impl ArchiveTable for ArchiveEmail {
    const PAGE_SQL: &'static str = r#"SELECT "id", "contactId", "subject", "body", "bodyHtml", "status",
        "templateType", "providerId", "tokensUsed", "generatedAt", "sentAt", "openedAt", "repliedAt",
        "createdAt", "updatedAt", "scheduledAt", "nextAttemptAt", "sendAttempts", "lastError", "messageId",
        "trackingToken"
        FROM "emails" WHERE "userId" = $1 AND "id" > $2 ORDER BY "id" LIMIT $3"#;
    fn id(&self) -> &str {
        &self.id
    }
}
