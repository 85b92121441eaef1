//! Email templates: CRUD and `setDefaultEmailTemplate` (atomic: exactly one default).

use super::connection::{CountQuery, EmailTemplateConnection, list_complexity};
use super::contacts::DeletePayload;
use super::context::{state, user};
use super::error::ApiError;
use super::loaders::first_page_args;
use super::types::{EmailTemplateNode, TemplateTypeG};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use domain::ValidationError;
use domain::inputs::{NewTemplate, TemplatePatch};
use domain::validate::{Body, Subject, TemplateName};

/// `createEmailTemplate` input.
#[derive(InputObject)]
pub struct CreateEmailTemplateInput {
    /// Display name (1–255).
    pub name: String,
    /// Subject pattern (1–500); placeholders like `{{firstName}}` are filled when generating.
    pub subject: String,
    /// Body pattern (1–50,000).
    pub body: String,
    /// Style classification.
    pub template_type: TemplateTypeG,
    /// Make it your default (clearing any other default).
    #[graphql(default)]
    pub is_default: bool,
}

/// `updateEmailTemplate` input; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateEmailTemplateInput {
    /// The template.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New subject.
    pub subject: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New style.
    pub template_type: Option<TemplateTypeG>,
    /// true makes it the default (clearing others); false clears it.
    pub is_default: Option<bool>,
}

impl UpdateEmailTemplateInput {
    fn parse(&self) -> Result<TemplatePatch, ValidationError> {
        Ok(TemplatePatch {
            name: self.name.as_deref().map(|s| TemplateName::parse("name", s)).transpose()?,
            subject: self.subject.as_deref().map(|s| Subject::parse("subject", s)).transpose()?,
            body: self.body.as_deref().map(|s| Body::parse("body", s)).transpose()?,
            template_type: self.template_type.map(Into::into),
            is_default: self.is_default,
        })
    }
}

/// Input naming a template.
#[derive(InputObject)]
pub struct EmailTemplateIdInput {
    /// The template.
    pub id: ID,
}

/// Result of creating or changing a template.
#[derive(SimpleObject)]
pub struct EmailTemplatePayload {
    /// The template as stored.
    pub email_template: EmailTemplateNode,
}

/// Template queries.
#[derive(Default)]
pub struct TemplateQuery;

#[Object]
impl TemplateQuery {
    /// One of your templates.
    async fn email_template(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<EmailTemplateNode> {
        let me = user(ctx)?;
        let t = state(ctx)
            .store
            .template(&me.id, &id)
            .await
            .map_err(|e| ApiError::from_store(e, "email template"))?;
        Ok(EmailTemplateNode(t))
    }

    /// Your templates, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn email_templates(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<EmailTemplateConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        let page = state(ctx).store.list_templates(&me.id, &req).await.map_err(ApiError::from)?;
        Ok(EmailTemplateConnection::new(page, CountQuery::Templates(me.id.clone())))
    }
}

/// Template mutations.
#[derive(Default)]
pub struct TemplateMutation;

#[Object]
impl TemplateMutation {
    /// Saves a template.
    async fn create_email_template(
        &self,
        ctx: &Context<'_>,
        input: CreateEmailTemplateInput,
    ) -> async_graphql::Result<EmailTemplatePayload> {
        let me = user(ctx)?;
        let new = NewTemplate {
            name: TemplateName::parse("name", &input.name).map_err(ApiError::from)?,
            subject: Subject::parse("subject", &input.subject).map_err(ApiError::from)?,
            body: Body::parse("body", &input.body).map_err(ApiError::from)?,
            template_type: input.template_type.into(),
            is_default: input.is_default,
        };
        let t = state(ctx).store.create_template(&me.id, &new).await.map_err(ApiError::from)?;
        Ok(EmailTemplatePayload { email_template: EmailTemplateNode(t) })
    }

    /// Changes a template.
    async fn update_email_template(
        &self,
        ctx: &Context<'_>,
        input: UpdateEmailTemplateInput,
    ) -> async_graphql::Result<EmailTemplatePayload> {
        let me = user(ctx)?;
        let patch = input.parse().map_err(ApiError::from)?;
        let t = state(ctx)
            .store
            .update_template(&me.id, &input.id, &patch)
            .await
            .map_err(|e| ApiError::from_store(e, "email template"))?;
        Ok(EmailTemplatePayload { email_template: EmailTemplateNode(t) })
    }

    /// Deletes a template.
    async fn delete_email_template(
        &self,
        ctx: &Context<'_>,
        input: EmailTemplateIdInput,
    ) -> async_graphql::Result<DeletePayload> {
        let me = user(ctx)?;
        state(ctx)
            .store
            .delete_template(&me.id, &input.id)
            .await
            .map_err(|e| ApiError::from_store(e, "email template"))?;
        Ok(DeletePayload { deleted_id: input.id })
    }

    /// Makes a template your only default, atomically.
    async fn set_default_email_template(
        &self,
        ctx: &Context<'_>,
        input: EmailTemplateIdInput,
    ) -> async_graphql::Result<EmailTemplatePayload> {
        let me = user(ctx)?;
        let t = state(ctx)
            .store
            .set_default_template(&me.id, &input.id)
            .await
            .map_err(|e| ApiError::from_store(e, "email template"))?;
        Ok(EmailTemplatePayload { email_template: EmailTemplateNode(t) })
    }
}
