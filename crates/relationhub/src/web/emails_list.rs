//! `/emails`: tabs "Drafts", "Scheduled", "Sent", "Failed", "Cancelled" with counts, paged.

use super::page::{Chrome, WebResult, Zone, render, see_other};
use super::paging::Position;
use super::session::Auth;
use crate::app::{ApiError, emails};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Query, State};
use domain::{Email, EmailStatus};
use serde::Deserialize;
use std::collections::HashMap;
use store::{EmailColumns, EmailFilter, EmailOrder, PageRequest};

/// Emails per list page.
pub const PAGE_SIZE: u32 = 50;

/// The tabs: query value, label, status.
pub const TABS: &[(&str, &str, EmailStatus)] = &[
    ("drafts", "Drafts", EmailStatus::Draft),
    ("scheduled", "Scheduled", EmailStatus::Scheduled),
    ("sent", "Sent", EmailStatus::Sent),
    ("failed", "Failed", EmailStatus::Failed),
    ("cancelled", "Cancelled", EmailStatus::Cancelled),
];

/// A status in words.
pub fn status_label(s: EmailStatus) -> &'static str {
    match s {
        EmailStatus::Draft => "Draft",
        EmailStatus::Scheduled => "Scheduled",
        EmailStatus::Sent => "Sent",
        EmailStatus::Failed => "Failed",
        EmailStatus::Cancelled => "Cancelled",
    }
}

/// One email in a list.
pub struct EmailRow {
    /// Id.
    pub id: String,
    /// Subject.
    pub subject: String,
    /// Recipient's name.
    pub contact: String,
    /// Status in words.
    pub status: &'static str,
    /// The time that matters for its status (created, scheduled, sent).
    pub when: String,
    /// Why it failed, if it did.
    pub reason: String,
}

impl EmailRow {
    /// A row for `e` sent to `contact`.
    pub fn new(e: &Email, contact: &str, zone: Zone) -> EmailRow {
        let when = match e.status {
            EmailStatus::Scheduled => e.delivery.scheduled_at.map(|t| format!("for {}", zone.show(t))),
            EmailStatus::Sent => e.sent_at.map(|t| format!("sent {}", zone.show(t))),
            _ => None,
        }
        .unwrap_or_else(|| zone.show(e.updated_at));
        EmailRow {
            id: e.id.clone(),
            subject: e.subject.clone(),
            contact: contact.to_owned(),
            status: status_label(e.status),
            when,
            reason: if e.status == EmailStatus::Failed {
                e.delivery.last_error.clone().unwrap_or_default()
            } else {
                String::new()
            },
        }
    }
}

/// The names of the contacts `emails` go to.
pub async fn contact_names(
    shared: &Shared,
    auth: &Auth,
    emails: &[&Email],
) -> Result<HashMap<String, String>, ApiError> {
    let mut ids: Vec<String> = emails.iter().map(|e| e.contact_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let contacts = shared.state.store.contacts_by_ids(&auth.user.id, &ids).await?;
    Ok(contacts.into_iter().map(|c| (c.id, c.name)).collect())
}

/// A tab with its count.
pub struct Tab {
    key: &'static str,
    label: &'static str,
    count: i64,
    current: bool,
}

#[derive(Template)]
#[template(path = "emails.html")]
struct ListPage {
    chrome: Chrome,
    tabs: Vec<Tab>,
    tab: &'static str,
    rows: Vec<EmailRow>,
    next: Option<String>,
    previous: Option<String>,
}

/// `GET /emails` query.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    tab: Option<String>,
    after: Option<String>,
    back: Option<String>,
    done: Option<String>,
}

/// `GET /emails`.
pub async fn list(State(shared): State<Shared>, auth: Auth, Query(lq): Query<ListQuery>) -> WebResult {
    let st = &shared.state;
    let tab = TABS.iter().find(|(k, _, _)| Some(*k) == lq.tab.as_deref()).unwrap_or(&TABS[0]);
    let pos = Position::new(lq.after.clone(), lq.back.clone());
    let filter = EmailFilter { status: Some(tab.2), ..Default::default() };
    let req = PageRequest { first: PAGE_SIZE, after: pos.after.clone() };
    let order = EmailOrder::UpdatedAtDesc;
    let page = match emails::list(st, &auth.user, &filter, order, &req, EmailColumns::WithoutBodies).await {
        Ok(p) => p,
        Err(ApiError::BadInput { .. }) => return Ok(see_other(&format!("/emails?tab={}", tab.0))),
        Err(e) => return Err(e.into()),
    };
    let mut tabs = Vec::new();
    for (key, label, status) in TABS {
        let f = EmailFilter { status: Some(*status), ..Default::default() };
        tabs.push(Tab {
            key,
            label,
            count: emails::count(st, &auth.user, &f).await?,
            current: *key == tab.0,
        });
    }
    let list: Vec<&Email> = page.items.iter().map(|(e, _)| e).collect();
    let names = contact_names(&shared, &auth, &list).await?;
    let zone = Zone(auth.zone);
    let rows = list
        .iter()
        .map(|e| EmailRow::new(e, names.get(&e.contact_id).map(String::as_str).unwrap_or_default(), zone))
        .collect();
    let next = match (page.has_next_page, page.end_cursor()) {
        (true, Some(end)) => Some(format!("?tab={}&{}", tab.0, pos.next(&end))),
        _ => None,
    };
    let previous = pos.previous().map(|p| format!("?tab={}&{p}", tab.0));
    let view = ListPage {
        chrome: Chrome::new(&auth, "emails", "Emails").with_notice(lq.done.as_deref()),
        tabs,
        tab: tab.1,
        rows,
        next,
        previous,
    };
    Ok(render(&view))
}
