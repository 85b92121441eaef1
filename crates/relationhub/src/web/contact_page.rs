//! `/contacts/{id}`: the profile, the conversation timeline (newest first, paged), the
//! "Log conversation" form and the contact's emails.

use super::contacts::priority_label;
use super::emails_list::EmailRow;
use super::page::{Chrome, Field, WebResult, Zone, attach, q, render_status, see_other};
use super::paging::Position;
use super::session::{Auth, Posted};
use crate::app::history::{self, LogEntry};
use crate::app::{ApiError, contacts, emails};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::{ConversationEntry, Direction};
use serde::Deserialize;
use store::{EmailColumns, EmailFilter, EmailOrder, PageRequest};

/// Timeline entries per page.
pub const TIMELINE_PAGE: u32 = 20;

/// One timeline entry.
pub struct Entry {
    sent: bool,
    who: &'static str,
    at: String,
    subject: String,
    content: String,
}

impl Entry {
    fn new(e: &ConversationEntry, zone: Zone) -> Entry {
        let sent = e.direction == Direction::Sent;
        Entry {
            sent,
            who: if sent { "Sent" } else { "Received" },
            at: zone.show(e.timestamp),
            subject: e
                .metadata
                .as_ref()
                .and_then(|m| m.get("subject"))
                .and_then(|s| s.as_str())
                .unwrap_or_default()
                .to_owned(),
            content: e.content.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    chrome: Chrome,
    id: String,
    name: String,
    profile: Vec<(&'static str, String)>,
    linked_in: String,
    notes: String,
    entries: Vec<Entry>,
    history_total: i64,
    next: Option<String>,
    previous: Option<String>,
    emails: Vec<EmailRow>,
    fields: Vec<Field>,
    direction: String,
    error: String,
}

/// `GET /contacts/{id}` query.
#[derive(Deserialize, Default)]
pub struct ContactQuery {
    after: Option<String>,
    back: Option<String>,
    done: Option<String>,
}

/// The "Log conversation" form.
#[derive(Deserialize, Default, Clone)]
pub struct LogForm {
    #[serde(default)]
    content: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    timestamp: String,
}

fn log_fields(f: &LogForm, zone: &str) -> Vec<Field> {
    vec![
        Field::new("What was said", "content", "textarea", &f.content).required(),
        Field::new("When (optional)", "timestamp", "datetime-local", &f.timestamp).hint(if zone == "UTC" {
            "Leave empty for now. Times are UTC."
        } else {
            "Leave empty for now."
        }),
    ]
}

async fn show(
    shared: &Shared,
    auth: &Auth,
    id: &str,
    cq: &ContactQuery,
    log: Option<(LogForm, ApiError)>,
) -> WebResult {
    let st = &shared.state;
    let c = contacts::get(st, &auth.user, id).await?;
    let zone = Zone(auth.zone);
    let pos = Position::new(cq.after.clone(), cq.back.clone());
    let req = PageRequest { first: TIMELINE_PAGE, after: pos.after.clone() };
    let page = match history::list(st, &auth.user, &c.id, &req).await {
        Ok(p) => p,
        Err(ApiError::BadInput { .. }) => return Ok(see_other(&format!("/contacts/{}", q(&c.id)))),
        Err(e) => return Err(e.into()),
    };
    let history_total = st.store.count_history(&auth.user.id, &c.id).await.map_err(ApiError::from)?;
    let filter = EmailFilter { contact_id: Some(c.id.clone()), ..Default::default() };
    let mails = emails::list(
        st,
        &auth.user,
        &filter,
        EmailOrder::CreatedAtDesc,
        &PageRequest { first: 20, after: None },
        EmailColumns::WithoutBodies,
    )
    .await?;
    let next = match (page.has_next_page, page.end_cursor()) {
        (true, Some(end)) => Some(format!("?{}", pos.next(&end))),
        _ => None,
    };
    let previous = pos.previous().map(|p| format!("?{p}"));
    let (form, error, status) = match log {
        Some((f, e)) => {
            let mut fields = log_fields(&f, zone.name());
            let error = attach(&mut fields, &e).unwrap_or_default();
            ((fields, f.direction), error, StatusCode::UNPROCESSABLE_ENTITY)
        }
        None => (
            (log_fields(&LogForm::default(), zone.name()), "RECEIVED".to_owned()),
            String::new(),
            StatusCode::OK,
        ),
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut profile = vec![
        ("Email", opt(&c.email)),
        ("Phone", opt(&c.phone)),
        ("Company", opt(&c.company)),
        ("Role", opt(&c.role)),
        ("Industry", opt(&c.industry)),
        ("Priority", priority_label(c.priority).to_owned()),
        ("Last contact", c.last_contacted_at.map(|t| zone.show(t)).unwrap_or_else(|| "never".into())),
    ];
    if let Some(b) = c.birthday {
        profile.push(("Birthday", b.format("%Y-%m-%d").to_string()));
    }
    profile.retain(|(_, v)| !v.is_empty());
    let view = ContactPage {
        chrome: Chrome::new(auth, "contacts", c.name.clone()).with_notice(cq.done.as_deref()),
        id: c.id.clone(),
        name: c.name.clone(),
        linked_in: opt(&c.linked_in_url),
        notes: opt(&c.notes),
        profile,
        entries: page.items.iter().map(|(e, _)| Entry::new(e, zone)).collect(),
        history_total,
        next,
        previous,
        emails: mails.items.iter().map(|(e, _)| EmailRow::new(e, &c.name, zone)).collect(),
        fields: form.0,
        direction: form.1,
        error,
    };
    Ok(render_status(status, &view))
}

/// `GET /contacts/{id}`.
pub async fn page(
    State(shared): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Query(cq): Query<ContactQuery>,
) -> WebResult {
    show(&shared, &auth, &id, &cq, None).await
}

/// `POST /contacts/{id}/log`: "Log conversation".
pub async fn log(State(shared): State<Shared>, Path(id): Path<String>, posted: Posted<LogForm>) -> WebResult {
    let Posted { auth, form } = posted;
    let zone = Zone(auth.zone);
    let direction = match form.direction.as_str() {
        "SENT" => Some(Direction::Sent),
        "RECEIVED" => Some(Direction::Received),
        _ => None,
    };
    let timestamp = if form.timestamp.trim().is_empty() {
        Ok(None)
    } else {
        zone.parse(&form.timestamp).map(Some).ok_or(())
    };
    let result = match (direction, timestamp) {
        (None, _) => Err(ApiError::bad_input("direction", "choose Sent or Received")),
        (_, Err(())) => Err(ApiError::bad_input("timestamp", "give a date and time, or leave it empty")),
        (Some(direction), Ok(timestamp)) => {
            let entry = LogEntry {
                contact_id: id.clone(),
                content: form.content.clone(),
                direction,
                timestamp,
                metadata: None,
            };
            history::log(&shared.state, &auth.user, entry).await.map(|_| ())
        }
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/contacts/{}?done=logged", q(&id)))),
        Err(e @ ApiError::BadInput { .. }) => {
            show(&shared, &auth, &id, &ContactQuery::default(), Some((form, e))).await
        }
        Err(e) => Err(e.into()),
    }
}
