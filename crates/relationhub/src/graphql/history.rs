//! Conversation history: `conversationHistory`, `logConversation`, `deleteConversationEntry`.

use super::connection::{ConversationEntryConnection, CountQuery, list_complexity};
use super::contacts::DeletePayload;
use super::context::{state, user};
use super::loaders::first_page_args;
use super::types::{ConversationEntryNode, DirectionG};
use crate::app::history::{self, LogEntry};
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// `logConversation` input.
#[derive(InputObject)]
pub struct LogConversationInput {
    /// The contact (one of yours).
    pub contact_id: ID,
    /// Message text (1–100,000 characters).
    pub content: String,
    /// SENT (you wrote) or RECEIVED (they wrote). A RECEIVED entry marks your latest earlier
    /// SENT email to this contact as replied.
    pub direction: DirectionG,
    /// When it happened (default now).
    pub timestamp: Option<DateTime<Utc>>,
    /// Extra data: a JSON object of at most 16 KB (e.g. `{"subject": "…"}`).
    pub metadata: Option<Json<serde_json::Value>>,
}

/// Input naming an entry.
#[derive(InputObject)]
pub struct DeleteConversationEntryInput {
    /// The entry.
    pub id: ID,
}

/// Result of logging an entry.
#[derive(SimpleObject)]
pub struct LogConversationPayload {
    /// The entry as stored.
    pub conversation_entry: ConversationEntryNode,
}

/// History queries.
#[derive(Default)]
pub struct HistoryQuery;

#[Object]
impl HistoryQuery {
    /// One contact's conversation history, newest first.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn conversation_history(
        &self,
        ctx: &Context<'_>,
        contact_id: ID,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<ConversationEntryConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        let page = history::list(state(ctx), me, &contact_id, &req).await?;
        Ok(ConversationEntryConnection::new(page, CountQuery::History(me.id.clone(), contact_id.0)))
    }
}

/// History mutations.
#[derive(Default)]
pub struct HistoryMutation;

#[Object]
impl HistoryMutation {
    /// Records a message sent to or received from a contact.
    async fn log_conversation(
        &self,
        ctx: &Context<'_>,
        input: LogConversationInput,
    ) -> async_graphql::Result<LogConversationPayload> {
        let me = user(ctx)?;
        let entry = LogEntry {
            contact_id: input.contact_id.0,
            content: input.content,
            direction: input.direction.into(),
            timestamp: input.timestamp,
            metadata: input.metadata.map(|j| j.0),
        };
        let e = history::log(state(ctx), me, entry).await?;
        Ok(LogConversationPayload { conversation_entry: ConversationEntryNode(e) })
    }

    /// Deletes an entry.
    async fn delete_conversation_entry(
        &self,
        ctx: &Context<'_>,
        input: DeleteConversationEntryInput,
    ) -> async_graphql::Result<DeletePayload> {
        let me = user(ctx)?;
        history::delete(state(ctx), me, &input.id).await?;
        Ok(DeletePayload { deleted_id: input.id })
    }
}
