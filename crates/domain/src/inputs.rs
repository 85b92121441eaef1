//! Validated inputs for creating and changing rows. Built from raw API input at the edge;
//! the store trusts them.
//!
//! Patches use `Option<Option<T>>` for nullable columns: `None` leaves the column alone,
//! `Some(None)` clears it, `Some(Some(v))` sets it.

use crate::enums::{Direction, EmailStatus, Priority, TemplateType};
use crate::html::SafeHtml;
use crate::validate::{
    Body, EmailAddress, HistoryContent, Metadata, Notes, PersonName, Phone, ShortText, Subject, TemplateName,
    WebUrl,
};
use chrono::{DateTime, NaiveDate, Utc};

/// A new account; the password is already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in address.
    pub email: EmailAddress,
    /// Display name.
    pub name: PersonName,
    /// PHC-format argon2id hash.
    pub password_hash: String,
}

/// A new contact.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// Full name.
    pub name: PersonName,
    /// Email address.
    pub email: Option<EmailAddress>,
    /// Phone number.
    pub phone: Option<Phone>,
    /// Employer.
    pub company: Option<ShortText>,
    /// Job title.
    pub role: Option<ShortText>,
    /// Industry.
    pub industry: Option<ShortText>,
    /// LinkedIn profile.
    pub linked_in_url: Option<WebUrl>,
    /// Importance (MEDIUM when not given).
    pub priority: Priority,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Notes.
    pub notes: Option<Notes>,
}

impl NewContact {
    /// A contact with only a name: MEDIUM priority (the schema's default), nothing else set.
    pub fn named(name: PersonName) -> Self {
        Self {
            name,
            email: None,
            phone: None,
            company: None,
            role: None,
            industry: None,
            linked_in_url: None,
            priority: Priority::Medium,
            birthday: None,
            notes: None,
        }
    }
}

/// Changes to a contact.
#[derive(Debug, Clone, Default)]
pub struct ContactPatch {
    /// New name.
    pub name: Option<PersonName>,
    /// New or cleared email.
    pub email: Option<Option<EmailAddress>>,
    /// New or cleared phone.
    pub phone: Option<Option<Phone>>,
    /// New or cleared company.
    pub company: Option<Option<ShortText>>,
    /// New or cleared role.
    pub role: Option<Option<ShortText>>,
    /// New or cleared industry.
    pub industry: Option<Option<ShortText>>,
    /// New or cleared LinkedIn URL.
    pub linked_in_url: Option<Option<WebUrl>>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New or cleared birthday.
    pub birthday: Option<Option<NaiveDate>>,
    /// New or cleared notes.
    pub notes: Option<Option<Notes>>,
    /// New or cleared last-contacted time.
    pub last_contacted_at: Option<Option<DateTime<Utc>>>,
    /// Stay-in-touch cadence in days (`Some(None)` = no cadence); setting one stops the contact
    /// following the default unless `stay_in_touch_default` says otherwise.
    pub stay_in_touch_days: Option<Option<i32>>,
    /// `Some(true)`: the cadence follows the user's default for the priority again.
    pub stay_in_touch_default: Option<bool>,
}

/// A new email row.
#[derive(Debug, Clone)]
pub struct NewEmail {
    /// Recipient; must be one of the owner's contacts.
    pub contact_id: String,
    /// Subject.
    pub subject: Subject,
    /// Plain-text body.
    pub body: Body,
    /// Sanitised HTML body.
    pub body_html: Option<SafeHtml>,
    /// Initial state (DRAFT for anything a user or the AI creates).
    pub status: EmailStatus,
    /// Style or source.
    pub template_type: Option<TemplateType>,
    /// Which LLM wrote it.
    pub provider_id: Option<String>,
    /// Tokens the provider reported.
    pub tokens_used: Option<i32>,
    /// When it was generated.
    pub generated_at: Option<DateTime<Utc>>,
    /// When it was sent (seed data only; sending sets this itself).
    pub sent_at: Option<DateTime<Utc>>,
    /// Delivery error text (seed data only).
    pub last_error: Option<String>,
}

impl NewEmail {
    /// A hand-written DRAFT.
    pub fn draft(contact_id: String, subject: Subject, body: Body, body_html: Option<SafeHtml>) -> Self {
        Self {
            contact_id,
            subject,
            body,
            body_html,
            status: EmailStatus::Draft,
            template_type: None,
            provider_id: None,
            tokens_used: None,
            generated_at: None,
            sent_at: None,
            last_error: None,
        }
    }
}

/// Changes to a DRAFT email.
#[derive(Debug, Clone, Default)]
pub struct EmailPatch {
    /// New subject.
    pub subject: Option<Subject>,
    /// New body.
    pub body: Option<Body>,
    /// New or cleared HTML body.
    pub body_html: Option<Option<SafeHtml>>,
    /// New or cleared style.
    pub template_type: Option<Option<TemplateType>>,
}

impl EmailPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.subject.is_none()
            && self.body.is_none()
            && self.body_html.is_none()
            && self.template_type.is_none()
    }
}

/// A new template.
#[derive(Debug, Clone)]
pub struct NewTemplate {
    /// Display name.
    pub name: TemplateName,
    /// Subject pattern.
    pub subject: Subject,
    /// Body pattern.
    pub body: Body,
    /// Style classification.
    pub template_type: TemplateType,
    /// Make it the user's default (clearing any other default).
    pub is_default: bool,
}

/// Changes to a template.
#[derive(Debug, Clone, Default)]
pub struct TemplatePatch {
    /// New name.
    pub name: Option<TemplateName>,
    /// New subject.
    pub subject: Option<Subject>,
    /// New body.
    pub body: Option<Body>,
    /// New style.
    pub template_type: Option<TemplateType>,
    /// `Some(true)` makes it the default (atomically clearing others); `Some(false)` clears it.
    pub is_default: Option<bool>,
}

/// A new conversation entry.
#[derive(Debug, Clone)]
pub struct NewHistoryEntry {
    /// The contact; must be one of the owner's.
    pub contact_id: String,
    /// Message text.
    pub content: HistoryContent,
    /// Sent or received.
    pub direction: Direction,
    /// When it happened (now when not given).
    pub timestamp: Option<DateTime<Utc>>,
    /// Extra data.
    pub metadata: Option<Metadata>,
}
