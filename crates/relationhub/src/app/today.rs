//! The "Today" overview: drafts waiting, emails scheduled in the next 7 days, replies received
//! in the last 7 days, failed sends with their reason, and the contacts due for a touch by their
//! stay-in-touch cadence (most overdue first, high priority first among equals), and a notice
//! for each webhook disabled after repeated failed deliveries.

use super::{ApiResult, AppState};
use chrono::Duration;
use domain::{Contact, ConversationEntry, Email, EmailStatus, User};
use std::collections::HashMap;
use store::{EmailColumns, EmailFilter, EmailOrder, PageRequest};

/// Rows shown per section.
pub const SECTION_ROWS: u32 = 10;

/// Everything the Today page shows.
#[derive(Debug, Clone, Default)]
pub struct Today {
    /// Drafts waiting, most recently changed first.
    pub drafts: Vec<Email>,
    /// How many drafts there are in all.
    pub draft_count: i64,
    /// SCHEDULED emails due in the next 7 days, soonest first.
    pub scheduled: Vec<Email>,
    /// RECEIVED entries of the last 7 days, newest first.
    pub replies: Vec<ConversationEntry>,
    /// FAILED emails, most recent first.
    pub failed: Vec<Email>,
    /// Contacts due for a touch (not snoozed).
    pub out_of_touch: Vec<Contact>,
    /// Names of every contact mentioned above, by id.
    pub names: HashMap<String, String>,
    /// Webhooks disabled after repeated failed deliveries (shown as a notice).
    pub disabled_webhooks: Vec<store::webhooks::WebhookRow>,
}

/// Gathers the Today overview for `user`.
#[tracing::instrument(skip_all, fields(op = "today", user = %user.id))]
pub async fn today(st: &AppState, user: &User) -> ApiResult<Today> {
    let now = st.now();
    let store = &st.store;
    let first = PageRequest { first: SECTION_ROWS, after: None };
    let drafts_filter = EmailFilter { status: Some(EmailStatus::Draft), ..Default::default() };
    let failed_filter = EmailFilter { status: Some(EmailStatus::Failed), ..Default::default() };
    let (drafts, draft_count, scheduled, replies, failed, out_of_touch, disabled_webhooks) = futures::try_join!(
        store.list_emails_reading(
            &user.id,
            &drafts_filter,
            EmailOrder::UpdatedAtDesc,
            &first,
            EmailColumns::WithoutBodies
        ),
        store.count_emails(&user.id, &drafts_filter),
        store.scheduled_between(&user.id, now, now + Duration::days(7), SECTION_ROWS),
        store.received_since(&user.id, now - Duration::days(7), SECTION_ROWS),
        store.list_emails_reading(
            &user.id,
            &failed_filter,
            EmailOrder::UpdatedAtDesc,
            &first,
            EmailColumns::WithoutBodies
        ),
        store.due_contacts(&user.id, store::Ts::new(now), false, &first),
        store.disabled_webhooks(&user.id),
    )?;
    let out_of_touch: Vec<Contact> = out_of_touch.items.into_iter().map(|(c, _)| c).collect();
    let drafts: Vec<Email> = drafts.items.into_iter().map(|(e, _)| e).collect();
    let failed: Vec<Email> = failed.items.into_iter().map(|(e, _)| e).collect();
    let mut ids: Vec<String> = drafts
        .iter()
        .chain(&scheduled)
        .chain(&failed)
        .map(|e| e.contact_id.clone())
        .chain(replies.iter().map(|r| r.contact_id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let names = store.contacts_by_ids(&user.id, &ids).await?.into_iter().map(|c| (c.id, c.name)).collect();
    Ok(Today { drafts, draft_count, scheduled, replies, failed, out_of_touch, names, disabled_webhooks })
}
