//! What the daily digest says: the contacts due and overdue, the drafts waiting for approval and
//! the replies received since the previous digest, as a plain-text email with links to the web
//! app when `RELATIONHUB_PUBLIC_URL` is set.

use super::{ApiResult, AppState};
use chrono::{DateTime, Duration, Utc};
use domain::{Contact, ConversationEntry, Email, EmailStatus, TouchStatus, User};
use std::collections::HashMap;
use std::fmt::Write as _;
use store::{EmailColumns, EmailFilter, EmailOrder, PageRequest};

/// Rows listed per section (the counts say how many there are in all).
pub const DIGEST_ROWS: u32 = 25;

/// The digest's content at the time of the pass.
#[derive(Debug, Clone, Default)]
pub struct DigestContent {
    /// When it was gathered (the injected clock).
    pub now: DateTime<Utc>,
    /// Due contacts (not snoozed), most overdue first.
    pub due: Vec<Contact>,
    /// How many are due in all.
    pub due_count: i64,
    /// DRAFT emails, most recently changed first.
    pub drafts: Vec<Email>,
    /// How many drafts wait in all.
    pub draft_count: i64,
    /// RECEIVED entries since the previous digest (the last day for the first one), newest first.
    pub replies: Vec<ConversationEntry>,
    /// Contact names by id, for drafts and replies.
    pub names: HashMap<String, String>,
}

/// Gathers the digest for `user`; replies since `last_digest` (else the last 24 hours).
pub async fn gather(
    st: &AppState,
    user: &User,
    last_digest: Option<DateTime<Utc>>,
) -> ApiResult<DigestContent> {
    let now = st.now();
    let store = &st.store;
    let first = PageRequest { first: DIGEST_ROWS, after: None };
    let drafts_filter = EmailFilter { status: Some(EmailStatus::Draft), ..Default::default() };
    let since = last_digest.unwrap_or(now - Duration::days(1));
    let (due, due_count, drafts, draft_count, replies) = futures::try_join!(
        store.due_contacts(&user.id, store::Ts::new(now), false, &first),
        store.count_due(&user.id, store::Ts::new(now), false),
        store.list_emails_reading(
            &user.id,
            &drafts_filter,
            EmailOrder::UpdatedAtDesc,
            &first,
            EmailColumns::WithoutBodies
        ),
        store.count_emails(&user.id, &drafts_filter),
        store.received_since(&user.id, since, DIGEST_ROWS),
    )?;
    let due: Vec<Contact> = due.items.into_iter().map(|(c, _)| c).collect();
    let drafts: Vec<Email> = drafts.items.into_iter().map(|(e, _)| e).collect();
    let mut ids: Vec<String> = drafts
        .iter()
        .map(|e| e.contact_id.clone())
        .chain(replies.iter().map(|r| r.contact_id.clone()))
        .collect();
    ids.sort();
    ids.dedup();
    let names = store.contacts_by_ids(&user.id, &ids).await?.into_iter().map(|c| (c.id, c.name)).collect();
    Ok(DigestContent { now, due, due_count, drafts, draft_count, replies, names })
}

/// One line of text: no line breaks from user data, at most `max` characters.
fn line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Subject and plain-text body of the digest for local day `day`.
pub fn render(user: &User, day: &str, c: &DigestContent, public_url: Option<&str>) -> (String, String) {
    let link = |path: String| public_url.map(|base| format!("\n    {base}{path}")).unwrap_or_default();
    let subject = match c.due_count {
        1 => format!("RelationHub digest for {day}: 1 contact to get in touch with"),
        n => format!("RelationHub digest for {day}: {n} contacts to get in touch with"),
    };
    let mut t = String::new();
    let greeting = user.name.split_whitespace().next().unwrap_or("there");
    let _ = writeln!(t, "Hello {},\n", line(greeting, 60));
    let _ = writeln!(t, "Due to get in touch ({}):", c.due_count);
    for contact in &c.due {
        let label = match contact.touch_status(c.now) {
            TouchStatus::Overdue => "OVERDUE",
            _ => "due",
        };
        let days = contact.next_touch_at.map(|n| (c.now - n).num_days()).unwrap_or_default();
        let since = match days {
            0 => "today".to_owned(),
            1 => "since yesterday".to_owned(),
            d => format!("for {d} days"),
        };
        let _ = writeln!(
            t,
            "  - {} ({}, {label} {since}){}",
            line(&contact.name, 80),
            contact.priority.as_str(),
            link(format!("/contacts/{}", contact.id))
        );
    }
    if c.due_count > c.due.len() as i64 {
        let _ = writeln!(t, "  … and {} more{}", c.due_count - c.due.len() as i64, link("/".to_owned()));
    }
    let _ = writeln!(t, "\nDrafts waiting for your approval ({}):", c.draft_count);
    for e in &c.drafts {
        let to = c.names.get(&e.contact_id).map(|n| line(n, 80)).unwrap_or_default();
        let _ = writeln!(t, "  - To {to}: {}{}", line(&e.subject, 120), link(format!("/emails/{}", e.id)));
    }
    if c.draft_count > c.drafts.len() as i64 {
        let _ = writeln!(
            t,
            "  … and {} more{}",
            c.draft_count - c.drafts.len() as i64,
            link("/emails".to_owned())
        );
    }
    let _ = writeln!(t, "\nReplies since the last digest ({}):", c.replies.len());
    for r in &c.replies {
        let from = c.names.get(&r.contact_id).map(|n| line(n, 80)).unwrap_or_default();
        let _ = writeln!(
            t,
            "  - From {from} ({}): {}{}",
            r.timestamp.format("%Y-%m-%d %H:%M UTC"),
            line(&r.content, 100),
            link(format!("/contacts/{}", r.contact_id))
        );
    }
    let _ = writeln!(
        t,
        "\nYou get this email because the daily digest is on; turn it off in Settings.{}",
        link("/settings".to_owned())
    );
    (subject, t)
}
