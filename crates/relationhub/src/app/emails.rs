//! Emails: read, list, create a DRAFT by hand, edit a DRAFT, delete.

use super::contacts::Change;
use super::{ApiError, ApiResult, AppState};
use domain::html::SafeHtml;
use domain::inputs::{EmailPatch, NewEmail};
use domain::validate::{Body, Subject};
use domain::{Email, TemplateType, User, ValidationError};
use store::{EmailColumns, EmailFilter, EmailOrder, Page, PageRequest};

fn not_found(e: store::StoreError) -> ApiError {
    ApiError::from_store(e, "email")
}

/// One of the user's emails; another user's id is NOT_FOUND.
pub async fn get(st: &AppState, user: &User, id: &str) -> ApiResult<Email> {
    st.store.email(&user.id, id).await.map_err(not_found)
}

/// A page of the user's emails, reading only `columns`.
pub async fn list(
    st: &AppState,
    user: &User,
    filter: &EmailFilter,
    order: EmailOrder,
    req: &PageRequest,
    columns: EmailColumns,
) -> ApiResult<Page<Email>> {
    Ok(st.store.list_emails_reading(&user.id, filter, order, req, columns).await?)
}

/// How many emails match `filter`.
pub async fn count(st: &AppState, user: &User, filter: &EmailFilter) -> ApiResult<i64> {
    Ok(st.store.count_emails(&user.id, filter).await?)
}

/// A hand-written email, as typed.
#[derive(Debug, Clone)]
pub struct EmailFields {
    /// Recipient (one of the user's contacts).
    pub contact_id: String,
    /// Subject (1–500).
    pub subject: String,
    /// Plain-text body (1–50,000).
    pub body: String,
    /// HTML body (sanitised).
    pub body_html: Option<String>,
    /// Style classification.
    pub template_type: Option<TemplateType>,
}

/// Creates a DRAFT email to one of the user's contacts.
#[tracing::instrument(skip_all, fields(op = "create_email", user = %user.id))]
pub async fn create(st: &AppState, user: &User, fields: EmailFields) -> ApiResult<Email> {
    let subject = Subject::parse("subject", &fields.subject)?;
    let body = Body::parse("body", &fields.body)?;
    let html = fields.body_html.as_deref().map(|h| SafeHtml::parse("bodyHtml", h)).transpose()?;
    let mut new = NewEmail::draft(fields.contact_id, subject, body, html);
    new.template_type = fields.template_type;
    st.store.create_email(&user.id, &new).await.map_err(|e| ApiError::from_store(e, "contact"))
}

/// Changes to a DRAFT. When `body` changes and `body_html` is `Keep`, the HTML part is
/// re-rendered from the new body so the two never disagree.
#[derive(Debug, Clone, Default)]
pub struct EmailChanges {
    /// New subject.
    pub subject: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New HTML body.
    pub body_html: Change<String>,
    /// New style.
    pub template_type: Change<TemplateType>,
}

impl EmailChanges {
    fn parse(&self) -> Result<EmailPatch, ValidationError> {
        let body = self.body.as_deref().map(|s| Body::parse("body", s)).transpose()?;
        let body_html = match &self.body_html {
            Change::Keep => body.as_ref().map(|b| Some(SafeHtml::from_plain_text(b.as_str()))),
            Change::Clear => Some(None),
            Change::Set(h) => Some(Some(SafeHtml::parse("bodyHtml", h)?)),
        };
        Ok(EmailPatch {
            subject: self.subject.as_deref().map(|s| Subject::parse("subject", s)).transpose()?,
            body,
            body_html,
            template_type: match &self.template_type {
                Change::Keep => None,
                Change::Clear => Some(None),
                Change::Set(t) => Some(Some(*t)),
            },
        })
    }
}

/// Edits a DRAFT; other statuses answer CONFLICT naming the current status.
#[tracing::instrument(skip_all, fields(op = "update_email", user = %user.id))]
pub async fn update(st: &AppState, user: &User, id: &str, changes: &EmailChanges) -> ApiResult<Email> {
    let patch = changes.parse()?;
    st.store.update_email(&user.id, id, &patch).await.map_err(not_found)
}

/// Deletes an email.
#[tracing::instrument(skip_all, fields(op = "delete_email", user = %user.id))]
pub async fn delete(st: &AppState, user: &User, id: &str) -> ApiResult<()> {
    st.store.delete_email(&user.id, id).await.map_err(not_found)
}
