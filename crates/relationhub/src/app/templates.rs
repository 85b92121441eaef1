//! Email templates: read, list, create, change, delete, make default (atomically the only one).

use super::{ApiError, ApiResult, AppState};
use domain::inputs::{NewTemplate, TemplatePatch};
use domain::validate::{Body, Subject, TemplateName};
use domain::{EmailTemplate, TemplateType, User, ValidationError};
use store::{Page, PageRequest};

/// The placeholders templates understand, with what each becomes (shown to users; the builtin
/// writer fills exactly these, case-insensitively, and AI providers are told to).
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("{{firstName}}", "the contact's first name"),
    ("{{name}}", "the contact's full name"),
    ("{{lastName}}", "the contact's last name"),
    ("{{company}}", "the contact's company"),
    ("{{role}}", "the contact's role"),
    ("{{senderName}}", "your name"),
];

fn not_found(e: store::StoreError) -> ApiError {
    ApiError::from_store(e, "email template")
}

/// A new template, as typed.
#[derive(Debug, Clone)]
pub struct TemplateFields {
    /// Display name (1–255).
    pub name: String,
    /// Subject pattern (1–500).
    pub subject: String,
    /// Body pattern (1–50,000).
    pub body: String,
    /// Style classification.
    pub template_type: TemplateType,
    /// Make it the default (clearing any other).
    pub is_default: bool,
}

/// Changes to a template; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct TemplateChanges {
    /// New name.
    pub name: Option<String>,
    /// New subject.
    pub subject: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New style.
    pub template_type: Option<TemplateType>,
    /// true makes it the default (clearing others); false clears it.
    pub is_default: Option<bool>,
}

impl TemplateChanges {
    fn parse(&self) -> Result<TemplatePatch, ValidationError> {
        Ok(TemplatePatch {
            name: self.name.as_deref().map(|s| TemplateName::parse("name", s)).transpose()?,
            subject: self.subject.as_deref().map(|s| Subject::parse("subject", s)).transpose()?,
            body: self.body.as_deref().map(|s| Body::parse("body", s)).transpose()?,
            template_type: self.template_type,
            is_default: self.is_default,
        })
    }
}

/// One of the user's templates.
pub async fn get(st: &AppState, user: &User, id: &str) -> ApiResult<EmailTemplate> {
    st.store.template(&user.id, id).await.map_err(not_found)
}

/// A page of the user's templates, newest first.
pub async fn list(st: &AppState, user: &User, req: &PageRequest) -> ApiResult<Page<EmailTemplate>> {
    Ok(st.store.list_templates(&user.id, req).await?)
}

/// Saves a template.
#[tracing::instrument(skip_all, fields(op = "create_template", user = %user.id))]
pub async fn create(st: &AppState, user: &User, fields: &TemplateFields) -> ApiResult<EmailTemplate> {
    let new = NewTemplate {
        name: TemplateName::parse("name", &fields.name)?,
        subject: Subject::parse("subject", &fields.subject)?,
        body: Body::parse("body", &fields.body)?,
        template_type: fields.template_type,
        is_default: fields.is_default,
    };
    Ok(st.store.create_template(&user.id, &new).await?)
}

/// Changes a template.
#[tracing::instrument(skip_all, fields(op = "update_template", user = %user.id))]
pub async fn update(
    st: &AppState,
    user: &User,
    id: &str,
    changes: &TemplateChanges,
) -> ApiResult<EmailTemplate> {
    let patch = changes.parse()?;
    st.store.update_template(&user.id, id, &patch).await.map_err(not_found)
}

/// Deletes a template.
#[tracing::instrument(skip_all, fields(op = "delete_template", user = %user.id))]
pub async fn delete(st: &AppState, user: &User, id: &str) -> ApiResult<()> {
    st.store.delete_template(&user.id, id).await.map_err(not_found)
}

/// Makes a template the user's only default, atomically.
#[tracing::instrument(skip_all, fields(op = "set_default_template", user = %user.id))]
pub async fn make_default(st: &AppState, user: &User, id: &str) -> ApiResult<EmailTemplate> {
    st.store.set_default_template(&user.id, id).await.map_err(not_found)
}
