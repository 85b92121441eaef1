//! Conversation history: list one contact's entries, log one, delete one.

use super::{ApiError, ApiResult, AppState};
use chrono::{DateTime, Utc};
use domain::inputs::NewHistoryEntry;
use domain::validate::{HistoryContent, Metadata};
use domain::{ConversationEntry, Direction, User};
use store::{Page, PageRequest};

/// A page of one contact's history, newest first; a foreign or unknown contact is NOT_FOUND.
pub async fn list(
    st: &AppState,
    user: &User,
    contact_id: &str,
    req: &PageRequest,
) -> ApiResult<Page<ConversationEntry>> {
    let page = st.store.list_history(&user.id, contact_id, req).await?;
    // Rows are scoped by user, so a non-empty page proves the contact is the caller's; only
    // an empty one needs the check that makes a foreign id answer NOT_FOUND.
    if page.items.is_empty() {
        st.store.contact(&user.id, contact_id).await.map_err(|e| ApiError::from_store(e, "contact"))?;
    }
    Ok(page)
}

/// What to log.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// The contact (one of the user's).
    pub contact_id: String,
    /// What was said (1–100,000 characters).
    pub content: String,
    /// Who wrote it.
    pub direction: Direction,
    /// When (default now).
    pub timestamp: Option<DateTime<Utc>>,
    /// Extra data, a JSON object of at most 16 KB.
    pub metadata: Option<serde_json::Value>,
}

/// Records a message sent to or received from a contact. A RECEIVED entry marks the latest
/// earlier SENT email to the contact as replied.
#[tracing::instrument(skip_all, fields(op = "log_conversation", user = %user.id))]
pub async fn log(st: &AppState, user: &User, entry: LogEntry) -> ApiResult<ConversationEntry> {
    let new = NewHistoryEntry {
        contact_id: entry.contact_id,
        content: HistoryContent::parse("content", &entry.content)?,
        direction: entry.direction,
        // "Now" is the injected clock's, so a cadence test can log "today" after moving time.
        timestamp: Some(entry.timestamp.unwrap_or_else(|| st.now())),
        metadata: entry.metadata.map(|j| Metadata::parse("metadata", j)).transpose()?,
    };
    st.store.append_history(&user.id, &new).await.map_err(|e| ApiError::from_store(e, "contact"))
}

/// Deletes an entry.
#[tracing::instrument(skip_all, fields(op = "delete_conversation_entry", user = %user.id))]
pub async fn delete(st: &AppState, user: &User, id: &str) -> ApiResult<()> {
    st.store
        .delete_history_entry(&user.id, id)
        .await
        .map_err(|e| ApiError::from_store(e, "conversation entry"))
}
