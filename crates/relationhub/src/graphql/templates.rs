//! Email templates: CRUD and `setDefaultEmailTemplate` (atomic: exactly one default).

use super::connection::{CountQuery, EmailTemplateConnection, list_complexity};
use super::contacts::DeletePayload;
use super::context::{state, user};
use super::loaders::first_page_args;
use super::types::{EmailTemplateNode, TemplateTypeG};
use crate::app::templates::{self, TemplateChanges, TemplateFields};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

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
    fn changes(&self) -> TemplateChanges {
        TemplateChanges {
            name: self.name.clone(),
            subject: self.subject.clone(),
            body: self.body.clone(),
            template_type: self.template_type.map(Into::into),
            is_default: self.is_default,
        }
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
        let t = templates::get(state(ctx), me, &id).await?;
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
        let page = templates::list(state(ctx), me, &req).await?;
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
        let fields = TemplateFields {
            name: input.name,
            subject: input.subject,
            body: input.body,
            template_type: input.template_type.into(),
            is_default: input.is_default,
        };
        let t = templates::create(state(ctx), me, &fields).await?;
        Ok(EmailTemplatePayload { email_template: EmailTemplateNode(t) })
    }

    /// Changes a template.
    async fn update_email_template(
        &self,
        ctx: &Context<'_>,
        input: UpdateEmailTemplateInput,
    ) -> async_graphql::Result<EmailTemplatePayload> {
        let me = user(ctx)?;
        let t = templates::update(state(ctx), me, &input.id, &input.changes()).await?;
        Ok(EmailTemplatePayload { email_template: EmailTemplateNode(t) })
    }

    /// Deletes a template.
    async fn delete_email_template(
        &self,
        ctx: &Context<'_>,
        input: EmailTemplateIdInput,
    ) -> async_graphql::Result<DeletePayload> {
        let me = user(ctx)?;
        templates::delete(state(ctx), me, &input.id).await?;
        Ok(DeletePayload { deleted_id: input.id })
    }

    /// Makes a template your only default, atomically.
    async fn set_default_email_template(
        &self,
        ctx: &Context<'_>,
        input: EmailTemplateIdInput,
    ) -> async_graphql::Result<EmailTemplatePayload> {
        let me = user(ctx)?;
        let t = templates::make_default(state(ctx), me, &input.id).await?;
        Ok(EmailTemplatePayload { email_template: EmailTemplateNode(t) })
    }
}
