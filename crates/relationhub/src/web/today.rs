//! `/` — "Today".

use super::contacts::priority_label;
use super::emails_list::EmailRow;
use super::page::{Chrome, WebResult, Zone, render};
use super::session::Auth;
use crate::app::today;
use crate::http::Shared;
use askama::Template;
use axum::extract::State;
use domain::{Contact, ConversationEntry};

/// A reply in the list.
pub struct Reply {
    contact_id: String,
    contact: String,
    at: String,
    excerpt: String,
}

/// A contact not talked to in a while.
pub struct Quiet {
    id: String,
    name: String,
    priority: &'static str,
    last: String,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "today.html")]
struct TodayPage {
    chrome: Chrome,
    drafts: Vec<EmailRow>,
    draft_count: i64,
    scheduled: Vec<EmailRow>,
    replies: Vec<Reply>,
    failed: Vec<EmailRow>,
    quiet: Vec<Quiet>,
    disabled_hooks: Vec<DisabledHook>,
}

/// A webhook disabled after repeated failures, as noticed on Today.
struct DisabledHook {
    id: String,
    url: String,
    reason: String,
}

fn excerpt(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    if line.chars().count() > 140 {
        format!("{}…", line.chars().take(140).collect::<String>())
    } else {
        line.to_owned()
    }
}

/// `GET /`.
pub async fn page(State(shared): State<Shared>, auth: Auth) -> WebResult {
    let t = today::today(&shared.state, &auth.user).await?;
    let zone = Zone(auth.zone);
    let name = |id: &str| t.names.get(id).cloned().unwrap_or_default();
    let rows =
        |list: &[domain::Email]| list.iter().map(|e| EmailRow::new(e, &name(&e.contact_id), zone)).collect();
    let reply = |r: &ConversationEntry| Reply {
        contact_id: r.contact_id.clone(),
        contact: name(&r.contact_id),
        at: zone.show(r.timestamp),
        excerpt: excerpt(&r.content),
    };
    let quiet = |c: &Contact| Quiet {
        id: c.id.clone(),
        name: c.name.clone(),
        priority: priority_label(c.priority),
        last: c.last_touch_at.map(|t| zone.show(t)).unwrap_or_else(|| "never".into()),
        status: match c.touch_status(shared.state.now()) {
            domain::TouchStatus::Overdue => "overdue",
            _ => "due",
        },
    };
    let view = TodayPage {
        chrome: Chrome::new(&auth, "today", "Today"),
        drafts: rows(&t.drafts),
        draft_count: t.draft_count,
        scheduled: rows(&t.scheduled),
        replies: t.replies.iter().map(reply).collect(),
        failed: rows(&t.failed),
        quiet: t.out_of_touch.iter().map(quiet).collect(),
        disabled_hooks: t
            .disabled_webhooks
            .iter()
            .map(|h| DisabledHook {
                id: h.id.clone(),
                url: h.url.clone(),
                reason: h.disabled_reason.clone().unwrap_or_default(),
            })
            .collect(),
    };
    Ok(render(&view))
}

/// The "Snooze" button of a due contact.
#[derive(serde::Deserialize, Default, Clone)]
pub struct SnoozeForm {
    #[serde(default)]
    days: String,
}

/// `POST /contacts/{id}/snooze`: hides a due contact from Today for `days` (default 7).
pub async fn snooze(
    State(shared): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
    posted: super::session::Posted<SnoozeForm>,
) -> WebResult {
    let super::session::Posted { auth, form } = posted;
    let days: i64 = form.days.trim().parse().ok().filter(|d| (1..=365).contains(d)).unwrap_or(7);
    let until = shared.state.now() + chrono::Duration::days(days);
    crate::app::contacts::snooze(&shared.state, &auth.user, &id, Some(until)).await?;
    Ok(super::page::see_other("/"))
}
