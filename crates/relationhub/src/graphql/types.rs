//! GraphQL object types and enums; each mirrors a database row or enum exactly.

use super::connection::{ConversationEntryConnection, EmailConnection, list_complexity};
use super::context::{state, user};
use super::error::ApiError;
use super::loaders::{Loaders, first_page_args};
use async_graphql::{ComplexObject, Context, Enum, ID, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{Contact, ConversationEntry, Email, EmailTemplate, User};

/// Email lifecycle state.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::EmailStatus", name = "EmailStatus")]
pub enum EmailStatusG {
    /// Being composed.
    Draft,
    /// Queued for sending.
    Scheduled,
    /// Successfully sent.
    Sent,
    /// Send attempt failed.
    Failed,
    /// User cancelled.
    Cancelled,
}

/// Email style or source.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::TemplateType", name = "TemplateType")]
pub enum TemplateTypeG {
    /// Professional tone.
    Formal,
    /// Friendly tone.
    Casual,
    /// User-defined.
    Custom,
    /// Created by AI from instructions.
    AiGenerated,
    /// From a saved template.
    TemplateBased,
}

/// Communication direction.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::Direction", name = "Direction")]
pub enum DirectionG {
    /// The user sent it to the contact.
    Sent,
    /// The user received it from the contact.
    Received,
}

/// How important keeping in touch with a contact is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "domain::Priority", name = "Priority")]
pub enum PriorityG {
    /// Keep in close touch.
    High,
    /// The default.
    Medium,
    /// Occasional contact is enough.
    Low,
}

/// Relay page information.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(serial)]
pub struct PageInfo {
    /// More items follow `endCursor`.
    pub has_next_page: bool,
    /// Items precede `startCursor`.
    pub has_previous_page: bool,
    /// Cursor of the first item.
    pub start_cursor: Option<String>,
    /// Cursor of the last item; pass as `after` for the next page.
    pub end_cursor: Option<String>,
}

/// An account.
#[derive(Clone, Debug)]
pub struct UserNode(pub User);

#[Object(name = "User")]
impl UserNode {
    /// Row id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Sign-in address.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Your settings: time zone, default cadences, daily digest and auto-drafts.
    async fn preferences(
        &self,
        ctx: &async_graphql::Context<'_>,
    ) -> async_graphql::Result<super::preferences::PreferencesNode> {
        let st = super::context::state(ctx);
        let p = st.store.preferences(&self.0.id).await.map_err(crate::app::ApiError::from)?;
        Ok(p.into())
    }
}

/// Whether a token is a sign-in session or a personal API token.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::TokenKind", name = "TokenKind")]
pub enum TokenKindG {
    /// Issued by `signIn` / `signUp` (or the web app's sign-in); ends with sign-out or expiry.
    Session,
    /// A personal API token for scripts (`createApiToken`, `relationhub token create`).
    Api,
}

/// A live access token of the signed-in user. The secret is never shown again after creation.
#[derive(Clone, Debug)]
pub struct ApiTokenNode(pub domain::ApiToken);

#[Object(name = "ApiToken", serial)]
impl ApiTokenNode {
    /// Row id (pass to `revokeApiToken`).
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The label given at creation (none for sessions).
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// Session or API token.
    async fn kind(&self) -> TokenKindG {
        self.0.kind.into()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it stops working (none: never).
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// When a request last used it (to the minute; none: never).
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_used_at
    }
}

/// A person the user keeps in touch with.
#[derive(Clone, Debug, SimpleObject)]
#[graphql(name = "Contact", complex)]
pub struct ContactNode {
    /// Row id.
    pub id: ID,
    /// Full name.
    pub name: String,
    /// Email address (required to send).
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Employer.
    pub company: Option<String>,
    /// Job title.
    pub role: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// LinkedIn profile URL.
    pub linked_in_url: Option<String>,
    /// Importance.
    pub priority: PriorityG,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Free-form notes.
    #[graphql(complexity = 20)]
    pub notes: Option<String>,
    /// When the user last sent something to this contact.
    pub last_contacted_at: Option<DateTime<Utc>>,
    /// Stay-in-touch cadence in days (null = no cadence).
    pub stay_in_touch_days: Option<i32>,
    /// True when the cadence is your default for the contact's priority and follows it when the
    /// default (or the priority) changes; false once a cadence or "none" was set by hand.
    pub stay_in_touch_default: bool,
    /// The latest real contact: a SENT email or a conversation entry in either direction.
    pub last_touch_at: Option<DateTime<Utc>>,
    /// When the contact becomes due (null without a cadence or an email address).
    pub next_touch_at: Option<DateTime<Utc>>,
    /// Hidden from the due list until then.
    pub snoozed_until: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The contact as stored, for derived fields.
    #[graphql(skip)]
    pub source: Box<Contact>,
}

/// Where a contact stands against its stay-in-touch cadence.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TouchStatus {
    /// Not due yet.
    OnTrack,
    /// Past `nextTouchAt`.
    Due,
    /// Past twice the cadence since the last touch.
    Overdue,
    /// Snoozed (see `snoozedUntil`).
    Snoozed,
    /// No cadence, or no email address.
    NoCadence,
}

impl From<domain::TouchStatus> for TouchStatus {
    fn from(s: domain::TouchStatus) -> Self {
        match s {
            domain::TouchStatus::OnTrack => TouchStatus::OnTrack,
            domain::TouchStatus::Due => TouchStatus::Due,
            domain::TouchStatus::Overdue => TouchStatus::Overdue,
            domain::TouchStatus::Snoozed => TouchStatus::Snoozed,
            domain::TouchStatus::NoCadence => TouchStatus::NoCadence,
        }
    }
}

impl From<Contact> for ContactNode {
    fn from(c: Contact) -> Self {
        Self {
            id: ID(c.id.clone()),
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            company: c.company.clone(),
            role: c.role.clone(),
            industry: c.industry.clone(),
            linked_in_url: c.linked_in_url.clone(),
            priority: c.priority.into(),
            birthday: c.birthday,
            notes: c.notes.clone(),
            last_contacted_at: c.last_contacted_at,
            stay_in_touch_days: c.stay_in_touch_days,
            stay_in_touch_default: c.stay_in_touch_default,
            last_touch_at: c.last_touch_at,
            next_touch_at: c.next_touch_at,
            snoozed_until: c.snoozed_until,
            created_at: c.created_at,
            updated_at: c.updated_at,
            source: Box::new(c),
        }
    }
}

#[ComplexObject]
impl ContactNode {
    /// Where the contact stands against its cadence now (by the server's clock).
    async fn touch_status(&self, ctx: &Context<'_>) -> TouchStatus {
        self.source.touch_status(state(ctx).now()).into()
    }

    /// This contact's emails, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn emails(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<super::emails::EmailFilterInput>,
        order_by: Option<super::emails::EmailOrderG>,
    ) -> async_graphql::Result<EmailConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        let mut filter: store::EmailFilter = filter.map(Into::into).unwrap_or_default();
        filter.contact_id = Some(self.id.0.clone());
        let order = order_by.map(Into::into).unwrap_or_default();
        super::loaders::contact_emails(ctx, &me.id, &self.id, filter, order, req).await
    }

    /// What was sent to and received from this contact, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn conversation_history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ConversationEntryConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        super::loaders::contact_history(ctx, &me.id, &self.id, req).await
    }
}

/// An email: a draft, a scheduled or sent message, with its AI provenance and engagement.
#[derive(Clone, Debug)]
pub struct EmailNode(pub Email);

// Fields resolve one after another (`serial`): all but two are reads of the row in memory, and
// async-graphql's concurrent resolution costs a task and a waker per field of every row. The
// same holds for the other row types below.
#[Object(name = "Email", serial)]
impl EmailNode {
    /// Row id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The recipient's id.
    async fn contact_id(&self) -> ID {
        ID(self.0.contact_id.clone())
    }
    /// The recipient.
    async fn contact(&self, ctx: &Context<'_>) -> async_graphql::Result<ContactNode> {
        let loaders = ctx.data_unchecked::<Loaders>();
        let found = loaders.contacts().load_one(self.0.contact_id.clone()).await.map_err(ApiError::from)?;
        Ok(found.map(ContactNode::from).ok_or(ApiError::NotFound("contact"))?)
    }
    /// Subject line.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Plain-text body.
    // Long text weighs in the complexity budget like a hundred short fields (up to 50,000
    // characters each), so a page of 100 emails with both bodies is over it; notes and metadata
    // (up to 10,000 characters, 16 KiB) weigh 20.
    #[graphql(complexity = 100)]
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Sanitised HTML body.
    #[graphql(complexity = 100)]
    async fn body_html(&self) -> Option<&str> {
        self.0.body_html.as_deref()
    }
    /// Lifecycle state.
    async fn status(&self) -> EmailStatusG {
        self.0.status.into()
    }
    /// Style or source.
    async fn template_type(&self) -> Option<TemplateTypeG> {
        self.0.template_type.map(Into::into)
    }
    /// Which LLM wrote it (`openai`, `anthropic`, `gemini`, `builtin`).
    async fn provider_id(&self) -> Option<&str> {
        self.0.provider_id.as_deref()
    }
    /// Tokens the provider reported for writing it.
    async fn tokens_used(&self) -> Option<i32> {
        self.0.tokens_used
    }
    /// When it was generated.
    async fn generated_at(&self) -> Option<DateTime<Utc>> {
        self.0.generated_at
    }
    /// When it was sent.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0.sent_at
    }
    /// First open seen by the tracking pixel.
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at
    }
    /// First reply seen.
    async fn replied_at(&self) -> Option<DateTime<Utc>> {
        self.0.replied_at
    }
    /// When a SCHEDULED email is due.
    async fn scheduled_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivery.scheduled_at
    }
    /// Send attempts made so far.
    async fn send_attempts(&self) -> i32 {
        self.0.delivery.send_attempts
    }
    /// The last delivery error, as the mail server phrased it.
    async fn last_error(&self) -> Option<&str> {
        self.0.delivery.last_error.as_deref()
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The follow-up sequence this email starts or belongs to (as one of its follow-ups).
    async fn follow_up(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::follow_ups::FollowUpSequenceNode>> {
        let st = super::context::state(ctx);
        let seq = crate::app::follow_ups::for_email(st, &self.0.user_id, &self.0.id).await?;
        Ok(seq.map(super::follow_ups::FollowUpSequenceNode))
    }
}

/// A reusable email pattern.
#[derive(Clone, Debug)]
pub struct EmailTemplateNode(pub EmailTemplate);

#[Object(name = "EmailTemplate", serial)]
impl EmailTemplateNode {
    /// Row id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Subject pattern.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// Body pattern.
    #[graphql(complexity = 100)]
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// Style classification.
    async fn template_type(&self) -> TemplateTypeG {
        self.0.template_type.into()
    }
    /// Whether this is the user's default (at most one is).
    async fn is_default(&self) -> bool {
        self.0.is_default
    }
    /// Creation time.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Last change.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

/// One message sent to or received from a contact.
#[derive(Clone, Debug)]
pub struct ConversationEntryNode(pub ConversationEntry);

#[Object(name = "ConversationEntry", serial)]
impl ConversationEntryNode {
    /// Row id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// The contact's id.
    async fn contact_id(&self) -> ID {
        ID(self.0.contact_id.clone())
    }
    /// Message text.
    #[graphql(complexity = 100)]
    async fn content(&self) -> &str {
        &self.0.content
    }
    /// Sent or received.
    async fn direction(&self) -> DirectionG {
        self.0.direction.into()
    }
    /// When it happened.
    async fn timestamp(&self) -> DateTime<Utc> {
        self.0.timestamp
    }
    /// Extra data (a JSON object), e.g. `{"subject": …}`.
    #[graphql(complexity = 20)]
    async fn metadata(&self) -> Option<async_graphql::Json<&serde_json::Value>> {
        self.0.metadata.as_ref().map(async_graphql::Json)
    }
}
