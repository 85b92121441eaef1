//! The review queue: messages from senders who are neither contacts nor the user. The user
//! adds the sender as a contact (every queued message from them is filed as a RECEIVED entry)
//! or ignores the sender (their queued messages go, and later ones are dropped).

use crate::app::contacts::{self, ContactFields};
use crate::app::{ApiError, ApiResult, AppState};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::inputs::NewHistoryEntry;
use domain::validate::{EmailAddress, HistoryContent, Metadata};
use domain::{Contact, Direction, User};
use store::mailboxes::ReviewRow;
use store::page::{Page, PageRequest};

fn cursor(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("review:{id}"))
}

fn from_cursor(c: &str) -> ApiResult<String> {
    let bad = || ApiError::bad_input("after", "not a cursor of this list");
    let raw = URL_SAFE_NO_PAD.decode(c).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix("review:").map(str::to_owned).ok_or_else(bad)
}

/// A page of the review queue, newest first.
pub async fn list(st: &AppState, user: &User, req: &PageRequest) -> ApiResult<Page<ReviewRow>> {
    let after = req.after.as_deref().map(from_cursor).transpose()?;
    let mut rows = st.store.review_items(&user.id, i64::from(req.first) + 1, after.as_deref()).await?;
    let has_next_page = rows.len() > req.first as usize;
    rows.truncate(req.first as usize);
    Ok(Page {
        items: rows
            .into_iter()
            .map(|r| {
                let c = store::Cursor::from_text(cursor(&r.id));
                (r, c)
            })
            .collect(),
        has_next_page,
        has_previous_page: after.is_some(),
    })
}

/// What adding a contact from the queue did.
#[derive(Debug, Clone)]
pub struct Added {
    /// The new contact.
    pub contact: Contact,
    /// How many queued messages from the sender were filed into its history.
    pub filed: i32,
}

/// Creates a contact for the sender of review item `id` (named `name`, else the sender's
/// display name, else the address) and files every queued message from that sender as a
/// RECEIVED entry.
#[tracing::instrument(skip_all, fields(op = "add_contact_from_review", user = %user.id))]
pub async fn add_contact(st: &AppState, user: &User, id: &str, name: Option<String>) -> ApiResult<Added> {
    let item =
        st.store.review_item(&user.id, id).await.map_err(|e| ApiError::from_store(e, "review item"))?;
    let name = name
        .filter(|n| !n.trim().is_empty())
        .or_else(|| item.from_name.clone().filter(|n| !n.trim().is_empty()))
        .unwrap_or_else(|| item.from_address.clone());
    let fields = ContactFields { name, email: Some(item.from_address.clone()), ..Default::default() };
    let contact = contacts::create(st, user, &fields).await?;
    let mut filed = 0;
    // Every queued message from this sender belongs to the new contact (oldest first).
    let mut queued: Vec<ReviewRow> = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = st.store.review_items(&user.id, 100, after.as_deref()).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        queued.extend(page.into_iter().filter(|r| r.from_address == item.from_address));
    }
    queued.reverse();
    for r in &queued {
        let text =
            if r.content.trim().is_empty() { format!("(no text) {}", r.subject) } else { r.content.clone() };
        let metadata = serde_json::from_str(&r.metadata).unwrap_or(serde_json::Value::Null);
        let new = NewHistoryEntry {
            contact_id: contact.id.clone(),
            content: HistoryContent::parse("content", &text)?,
            direction: Direction::Received,
            timestamp: Some(r.received_at.into()),
            metadata: if metadata.is_object() { Some(Metadata::parse("metadata", metadata)?) } else { None },
        };
        st.store.append_history(&user.id, &new).await?;
        st.store.delete_review_item(&user.id, &r.id).await?;
        filed += 1;
    }
    Ok(Added { contact, filed })
}

/// Ignores a sender: their queued messages are removed (returns how many) and later ones are
/// dropped when they arrive.
#[tracing::instrument(skip_all, fields(op = "ignore_sender", user = %user.id))]
pub async fn ignore_sender(st: &AppState, user: &User, address: &str) -> ApiResult<u64> {
    let address = EmailAddress::parse("address", address)?.as_str().to_lowercase();
    st.store.ignore_sender(&user.id, &address).await?;
    Ok(st.store.delete_review_items_from(&user.id, &address).await?)
}
