//! Emails: `email`, `emails`, `createEmail`, `updateEmail` (only while DRAFT), `deleteEmail`.

use super::connection::{CountQuery, EmailConnection, list_complexity};
use super::contacts::{DeletePayload, change};
use super::context::{state, user};
use super::loaders::first_page_args;
use super::types::{EmailNode, EmailStatusG, TemplateTypeG};
use crate::app::contacts::Change;
use crate::app::emails::{self, EmailChanges, EmailFields};
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use store::{EmailColumnSet, EmailColumns, EmailFilter, EmailOrder};

/// Which emails to list.
#[derive(InputObject, Default)]
#[graphql(name = "EmailFilter")]
pub struct EmailFilterInput {
    /// Only this status.
    pub status: Option<EmailStatusG>,
    /// Only emails to this contact.
    pub contact_id: Option<ID>,
    /// Only this style/source.
    pub template_type: Option<TemplateTypeG>,
}

impl From<EmailFilterInput> for EmailFilter {
    fn from(f: EmailFilterInput) -> Self {
        EmailFilter {
            status: f.status.map(Into::into),
            contact_id: f.contact_id.map(|id| id.0),
            template_type: f.template_type.map(Into::into),
        }
    }
}

/// Email sort orders.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "EmailOrder")]
pub enum EmailOrderG {
    /// Newest first (default).
    CreatedAtDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Most recently changed first.
    UpdatedAtDesc,
}

impl From<EmailOrderG> for EmailOrder {
    fn from(o: EmailOrderG) -> Self {
        match o {
            EmailOrderG::CreatedAtDesc => EmailOrder::CreatedAtDesc,
            EmailOrderG::CreatedAtAsc => EmailOrder::CreatedAtAsc,
            EmailOrderG::UpdatedAtDesc => EmailOrder::UpdatedAtDesc,
        }
    }
}

/// `createEmail` input: a hand-written DRAFT.
#[derive(InputObject)]
pub struct CreateEmailInput {
    /// Recipient (one of your contacts).
    pub contact_id: ID,
    /// Subject (1–500 characters).
    pub subject: String,
    /// Plain-text body (1–50,000 characters).
    pub body: String,
    /// HTML body (≤ 50,000; sanitised: scripts, event handlers and `javascript:` URLs are removed).
    pub body_html: Option<String>,
    /// Style classification.
    pub template_type: Option<TemplateTypeG>,
}

/// `updateEmail` input: only DRAFT emails can change. When `body` changes and `bodyHtml` is
/// not given, the HTML part is re-rendered from the new body so the two never disagree.
#[derive(InputObject)]
pub struct UpdateEmailInput {
    /// The email.
    pub id: ID,
    /// New subject.
    pub subject: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New HTML body, or null to clear.
    pub body_html: MaybeUndefined<String>,
    /// New style, or null to clear.
    pub template_type: MaybeUndefined<TemplateTypeG>,
}

impl UpdateEmailInput {
    fn changes(&self) -> EmailChanges {
        EmailChanges {
            subject: self.subject.clone(),
            body: self.body.clone(),
            body_html: change(&self.body_html),
            template_type: match &self.template_type {
                MaybeUndefined::Undefined => Change::Keep,
                MaybeUndefined::Null => Change::Clear,
                MaybeUndefined::Value(t) => Change::Set((*t).into()),
            },
        }
    }
}

/// Input naming an email.
#[derive(InputObject)]
pub struct DeleteEmailInput {
    /// The email.
    pub id: ID,
}

/// Result of creating or changing an email.
#[derive(SimpleObject)]
pub struct EmailPayload {
    /// The email as stored.
    pub email: EmailNode,
}

/// Email queries.
#[derive(Default)]
pub struct EmailQuery;

#[Object]
impl EmailQuery {
    /// One of your emails.
    async fn email(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<EmailNode> {
        let me = user(ctx)?;
        Ok(EmailNode(emails::get(state(ctx), me, &id).await?))
    }

    /// Your emails, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn emails(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<EmailFilterInput>,
        order_by: Option<EmailOrderG>,
    ) -> async_graphql::Result<EmailConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        let filter: EmailFilter = filter.map(Into::into).unwrap_or_default();
        let order = order_by.map(Into::into).unwrap_or_default();
        let columns = selected_columns(ctx);
        let page = emails::list(state(ctx), me, &filter, order, &req, columns).await?;
        Ok(EmailConnection::new(page, CountQuery::Emails(me.id.clone(), filter)))
    }
}

/// The columns a connection's selection shows (under `edges { node }` or `nodes`, fragments
/// included), so the page reads only those. `Email`'s scalar fields are named as the guide's
/// columns; `contact` and `followUp` need only columns every read keeps. Directives are not
/// evaluated, so a field under `@skip`/`@include` errs on the side of being read; a field that is
/// not a column (one added later) reads every column.
fn selected_columns(ctx: &Context<'_>) -> EmailColumns {
    let mut set = EmailColumnSet::new();
    for part in ctx.field().selection_set() {
        let nodes: Vec<_> = match part.name() {
            "nodes" => vec![part],
            "edges" => part.selection_set().filter(|f| f.name() == "node").collect(),
            _ => continue,
        };
        for field in nodes.iter().flat_map(|n| n.selection_set()) {
            match field.name() {
                "__typename" | "contact" | "followUp" => {}
                column => match set.with(column) {
                    Some(more) => set = more,
                    None => return EmailColumns::All,
                },
            }
        }
    }
    EmailColumns::Only(set)
}

/// Email mutations.
#[derive(Default)]
pub struct EmailMutation;

#[Object]
impl EmailMutation {
    /// Creates a DRAFT email to one of your contacts.
    async fn create_email(
        &self,
        ctx: &Context<'_>,
        input: CreateEmailInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let fields = EmailFields {
            contact_id: input.contact_id.0,
            subject: input.subject,
            body: input.body,
            body_html: input.body_html,
            template_type: input.template_type.map(Into::into),
        };
        let e = emails::create(state(ctx), me, fields).await?;
        Ok(EmailPayload { email: EmailNode(e) })
    }

    /// Edits a DRAFT email; other statuses answer CONFLICT naming the current status.
    async fn update_email(
        &self,
        ctx: &Context<'_>,
        input: UpdateEmailInput,
    ) -> async_graphql::Result<EmailPayload> {
        let me = user(ctx)?;
        let e = emails::update(state(ctx), me, &input.id, &input.changes()).await?;
        Ok(EmailPayload { email: EmailNode(e) })
    }

    /// Deletes an email.
    async fn delete_email(
        &self,
        ctx: &Context<'_>,
        input: DeleteEmailInput,
    ) -> async_graphql::Result<DeletePayload> {
        let me = user(ctx)?;
        emails::delete(state(ctx), me, &input.id).await?;
        Ok(DeletePayload { deleted_id: input.id })
    }
}
