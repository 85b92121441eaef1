//! Inbound mail over GraphQL: mailboxes (connect, list, update, disconnect, sync now), the
//! review queue (`inboxReview`, `addContactFromReview`, `ignoreSender`) and the user's mail
//! aliases. Thin: every rule lives in `app::inbound`. The password is write-only.

use super::connection::{CountQuery, ReviewItemConnection, list_complexity};
use super::contacts::DeletePayload;
use super::context::{state, user};
use super::loaders::first_page_args;
use super::types::ContactNode;
use crate::app::ApiError;
use crate::app::inbound::{self as app, Connect, aliases, manage, review};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use inbound::Security;
use store::mailboxes::{MailboxRow, ReviewRow};

/// How the IMAP connection is protected.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MailboxSecurity {
    /// TLS from the first byte (usually port 993).
    #[graphql(name = "TLS")]
    Tls,
    /// Plain connection upgraded with STARTTLS (usually port 143).
    #[graphql(name = "STARTTLS")]
    StartTls,
    /// No encryption: loopback hosts only.
    #[graphql(name = "NONE")]
    None,
}

/// What a mailbox is for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MailboxRole {
    /// A dedicated box the user BCCs or forwards to.
    Capture,
    /// The user's own mailbox (only the folders named).
    Personal,
}

/// Where a mailbox's sync stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum MailboxStatus {
    /// A pass is running.
    Syncing,
    /// Up to date, waiting for new mail.
    Idle,
    /// The last pass failed: see `lastError`.
    Error,
}

/// A connected IMAP mailbox. The password is never returned.
#[derive(Clone, Debug)]
pub struct MailboxNode(pub MailboxRow);

#[Object(name = "Mailbox")]
impl MailboxNode {
    /// Row id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// IMAP host.
    async fn host(&self) -> &str {
        &self.0.host
    }
    /// IMAP port.
    async fn port(&self) -> i32 {
        self.0.port
    }
    /// Transport security.
    async fn security(&self) -> MailboxSecurity {
        match self.0.security.as_str() {
            "STARTTLS" => MailboxSecurity::StartTls,
            "NONE" => MailboxSecurity::None,
            _ => MailboxSecurity::Tls,
        }
    }
    /// Login name.
    async fn username(&self) -> &str {
        &self.0.username
    }
    /// Folders read.
    async fn folders(&self) -> Vec<String> {
        self.0.folders.lines().filter(|f| !f.is_empty()).map(str::to_owned).collect()
    }
    /// Capture box or personal mailbox.
    async fn role(&self) -> MailboxRole {
        if self.0.role == "PERSONAL" { MailboxRole::Personal } else { MailboxRole::Capture }
    }
    /// Sync state.
    async fn status(&self) -> MailboxStatus {
        match self.0.status.as_str() {
            "SYNCING" => MailboxStatus::Syncing,
            "ERROR" => MailboxStatus::Error,
            _ => MailboxStatus::Idle,
        }
    }
    /// End of the last successful pass.
    async fn last_sync_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_sync_at.map(Into::into)
    }
    /// The last error in plain words (wrong password, TLS failure, folder missing, …).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// Messages filed into conversation history.
    async fn imported_count(&self) -> i32 {
        self.0.imported_count
    }
    /// Messages queued for review.
    async fn queued_count(&self) -> i32 {
        self.0.queued_count
    }
}

/// A message from an unknown sender, waiting for a decision.
#[derive(Clone, Debug)]
pub struct ReviewItemNode(pub ReviewRow);

impl From<ReviewRow> for ReviewItemNode {
    fn from(r: ReviewRow) -> Self {
        ReviewItemNode(r)
    }
}

#[Object(name = "ReviewItem")]
impl ReviewItemNode {
    /// Row id.
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }
    /// Sender address.
    #[graphql(name = "from")]
    async fn sender(&self) -> &str {
        &self.0.from_address
    }
    /// Sender display name.
    #[graphql(name = "fromName")]
    async fn sender_name(&self) -> Option<&str> {
        self.0.from_name.as_deref()
    }
    /// Subject.
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The readable text (quotes and signature trimmed).
    #[graphql(complexity = 20)]
    async fn text(&self) -> &str {
        &self.0.content
    }
    /// When it was sent (its Date header).
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at.into()
    }
}

/// `connectMailbox` input.
#[derive(InputObject)]
pub struct ConnectMailboxInput {
    /// IMAP host.
    pub host: String,
    /// IMAP port (993 for TLS, 143 for STARTTLS).
    pub port: i32,
    /// Transport security (`NONE` only for loopback hosts).
    pub security: MailboxSecurity,
    /// Login name.
    pub username: String,
    /// Password: encrypted at rest, never returned.
    pub password: String,
    /// Folders to read (default `["INBOX"]`), e.g. INBOX and Sent for a personal mailbox.
    pub folders: Option<Vec<String>>,
    /// Capture box or personal mailbox.
    pub role: MailboxRole,
}

/// `updateMailbox` input; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateMailboxInput {
    /// The mailbox.
    pub id: ID,
    /// New folder list.
    pub folders: Option<Vec<String>>,
    /// New password (the login is tested first).
    pub password: Option<String>,
}

/// Input naming a mailbox.
#[derive(InputObject)]
pub struct MailboxIdInput {
    /// The mailbox.
    pub id: ID,
}

/// A mailbox as stored.
#[derive(SimpleObject)]
pub struct MailboxPayload {
    /// The mailbox.
    pub mailbox: MailboxNode,
}

/// `addContactFromReview` input.
#[derive(InputObject)]
pub struct AddContactFromReviewInput {
    /// The review item.
    pub id: ID,
    /// The contact's name (default: the sender's display name, else the address).
    pub name: Option<String>,
}

/// What `addContactFromReview` did.
#[derive(SimpleObject)]
pub struct AddContactFromReviewPayload {
    /// The new contact.
    pub contact: ContactNode,
    /// Queued messages from the sender filed into its history.
    pub filed_count: i32,
}

/// `ignoreSender` input.
#[derive(InputObject)]
pub struct IgnoreSenderInput {
    /// The sender's address.
    pub address: String,
}

/// What `ignoreSender` did.
#[derive(SimpleObject)]
pub struct IgnoreSenderPayload {
    /// The address now ignored (lower-cased).
    pub address: String,
    /// Queued messages from it that were removed.
    pub removed_count: i32,
}

/// `setMailAliases` input.
#[derive(InputObject)]
pub struct SetMailAliasesInput {
    /// Every other address you send from (replaces the list; empty clears it).
    pub addresses: Vec<String>,
}

/// The aliases as stored.
#[derive(SimpleObject)]
pub struct MailAliasesPayload {
    /// Lower-cased and sorted.
    pub addresses: Vec<String>,
}

/// Inbound mail queries.
#[derive(Default)]
pub struct InboundQuery;

#[Object]
impl InboundQuery {
    /// Your mailboxes, oldest first.
    async fn mailboxes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MailboxNode>> {
        let me = user(ctx)?;
        Ok(app::list(state(ctx), me).await?.into_iter().map(MailboxNode).collect())
    }

    /// Messages from unknown senders, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn inbox_review(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ReviewItemConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        let page = review::list(state(ctx), me, &req).await?;
        Ok(ReviewItemConnection::new(page, CountQuery::Review(me.id.clone())))
    }

    /// The other addresses you send from: mail from them counts as sent by you.
    async fn mail_aliases(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let me = user(ctx)?;
        Ok(aliases::list(state(ctx), me).await?)
    }
}

/// Inbound mail mutations.
#[derive(Default)]
pub struct InboundMutation;

#[Object]
impl InboundMutation {
    /// Connects an IMAP mailbox after testing the login (BAD_USER_INPUT with the server's
    /// reason when it fails). Needs `RELATIONHUB_SECRET_KEY` on the server.
    async fn connect_mailbox(
        &self,
        ctx: &Context<'_>,
        input: ConnectMailboxInput,
    ) -> async_graphql::Result<MailboxPayload> {
        let me = user(ctx)?;
        let port = u16::try_from(input.port)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| ApiError::bad_input("port", "must be between 1 and 65535"))?;
        let connect = Connect {
            host: input.host,
            port,
            security: match input.security {
                MailboxSecurity::Tls => Security::Tls,
                MailboxSecurity::StartTls => Security::StartTls,
                MailboxSecurity::None => Security::None,
            },
            username: input.username,
            password: input.password,
            folders: input.folders.unwrap_or_default(),
            role: match input.role {
                MailboxRole::Capture => "CAPTURE".into(),
                MailboxRole::Personal => "PERSONAL".into(),
            },
        };
        let row = app::connect(state(ctx), me, connect).await?;
        Ok(MailboxPayload { mailbox: MailboxNode(row) })
    }

    /// Changes a mailbox's folders or password.
    async fn update_mailbox(
        &self,
        ctx: &Context<'_>,
        input: UpdateMailboxInput,
    ) -> async_graphql::Result<MailboxPayload> {
        let me = user(ctx)?;
        let changes = manage::Update { folders: input.folders, password: input.password };
        let row = manage::update(state(ctx), me, &input.id, changes).await?;
        Ok(MailboxPayload { mailbox: MailboxNode(row) })
    }

    /// Removes a mailbox (history already captured stays).
    async fn disconnect_mailbox(
        &self,
        ctx: &Context<'_>,
        input: MailboxIdInput,
    ) -> async_graphql::Result<DeletePayload> {
        let me = user(ctx)?;
        app::disconnect(state(ctx), me, &input.id).await?;
        Ok(DeletePayload { deleted_id: input.id })
    }

    /// Syncs a mailbox now and answers it as it stands afterwards (`SYNCING` when a pass was
    /// already running).
    async fn sync_mailbox(
        &self,
        ctx: &Context<'_>,
        input: MailboxIdInput,
    ) -> async_graphql::Result<MailboxPayload> {
        let me = user(ctx)?;
        let row = manage::sync_now(state(ctx), me, &input.id).await?;
        Ok(MailboxPayload { mailbox: MailboxNode(row) })
    }

    /// Creates a contact from a review item's sender and files their queued messages.
    async fn add_contact_from_review(
        &self,
        ctx: &Context<'_>,
        input: AddContactFromReviewInput,
    ) -> async_graphql::Result<AddContactFromReviewPayload> {
        let me = user(ctx)?;
        let added = review::add_contact(state(ctx), me, &input.id, input.name).await?;
        Ok(AddContactFromReviewPayload {
            contact: ContactNode::from(added.contact),
            filed_count: added.filed,
        })
    }

    /// Ignores a sender: queued messages from them go, later ones are dropped.
    async fn ignore_sender(
        &self,
        ctx: &Context<'_>,
        input: IgnoreSenderInput,
    ) -> async_graphql::Result<IgnoreSenderPayload> {
        let me = user(ctx)?;
        let removed = review::ignore_sender(state(ctx), me, &input.address).await?;
        Ok(IgnoreSenderPayload {
            address: input.address.trim().to_lowercase(),
            removed_count: i32::try_from(removed).unwrap_or(i32::MAX),
        })
    }

    /// Replaces your mail aliases.
    async fn set_mail_aliases(
        &self,
        ctx: &Context<'_>,
        input: SetMailAliasesInput,
    ) -> async_graphql::Result<MailAliasesPayload> {
        let me = user(ctx)?;
        Ok(MailAliasesPayload { addresses: aliases::set(state(ctx), me, &input.addresses).await? })
    }
}
