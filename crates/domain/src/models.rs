//! Entities as stored: one struct per table, fields named after the guide's columns.

use crate::enums::{Direction, EmailStatus, Priority, TemplateType, TokenKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// An account. The password hash never leaves the store except for verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Row id.
    pub id: String,
    /// Sign-in address, stored lowercased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// PHC-format argon2id hash.
    #[serde(skip)]
    pub password_hash: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A bearer token (session or personal API token); only its hash is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiToken {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Session or API token.
    pub kind: TokenKind,
    /// Label given at creation (e.g. "backup script").
    pub name: Option<String>,
    /// After this instant the token is refused.
    pub expires_at: Option<DateTime<Utc>>,
    /// Set when revoked; a revoked token is refused.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When a request last authenticated with it (to the minute; None when never used).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A person the user keeps in touch with.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Full name.
    pub name: String,
    /// Email address, if known; required to send.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Employer.
    pub company: Option<String>,
    /// Job title.
    pub role: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// LinkedIn profile URL (http or https).
    pub linked_in_url: Option<String>,
    /// Importance.
    pub priority: Priority,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Free-form notes.
    pub notes: Option<String>,
    /// When the user last sent something to this contact.
    pub last_contacted_at: Option<DateTime<Utc>>,
    /// Stay-in-touch cadence in days (None = no cadence).
    pub stay_in_touch_days: Option<i32>,
    /// Whether the cadence follows the user's default for the contact's priority (changing that
    /// default, or the priority, changes it); false once a cadence (or none) is set by hand.
    pub stay_in_touch_default: bool,
    /// The latest real contact: a SENT email or a conversation entry in either direction.
    pub last_touch_at: Option<DateTime<Utc>>,
    /// When the contact becomes due (stored so due lists are one index range scan); None
    /// without a cadence.
    pub next_touch_at: Option<DateTime<Utc>>,
    /// Hidden from the due list until then.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Contact {
    /// The first word of the name, for greetings.
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or(&self.name)
    }
}

/// An email: drafted by hand or by an LLM, then scheduled, sent and tracked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Email {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Recipient contact.
    pub contact_id: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Sanitised HTML body.
    pub body_html: Option<String>,
    /// Lifecycle state.
    pub status: EmailStatus,
    /// Style or source.
    pub template_type: Option<TemplateType>,
    /// Which LLM wrote it (`openai`, `anthropic`, `gemini`, `builtin`).
    pub provider_id: Option<String>,
    /// Tokens the provider reported for writing it.
    pub tokens_used: Option<i32>,
    /// When it was generated.
    pub generated_at: Option<DateTime<Utc>>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// First open seen by the tracking pixel.
    pub opened_at: Option<DateTime<Utc>>,
    /// First reply seen.
    pub replied_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Delivery bookkeeping (scheduling, attempts, last error).
    #[serde(flatten)]
    pub delivery: Delivery,
}

/// The delivery columns an email carries beyond the guide's (scheduling and retries).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// When a SCHEDULED email is due.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// How many send attempts were made.
    pub send_attempts: i32,
    /// The last delivery error, as the mail server phrased it.
    pub last_error: Option<String>,
    /// The RFC 5322 `Message-ID` it was sent with.
    pub message_id: Option<String>,
}

/// A reusable email pattern; at most one per user is the default.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailTemplate {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Display name.
    pub name: String,
    /// Subject pattern.
    pub subject: String,
    /// Body pattern.
    pub body: String,
    /// Style classification.
    pub template_type: TemplateType,
    /// Whether this is the user's default.
    pub is_default: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// One message sent to or received from a contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationEntry {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// The contact it was exchanged with.
    pub contact_id: String,
    /// Message text.
    pub content: String,
    /// Sent or received.
    pub direction: Direction,
    /// When it happened.
    pub timestamp: DateTime<Utc>,
    /// Extra data (subject, email id, …); always a JSON object when present.
    pub metadata: Option<serde_json::Value>,
}
