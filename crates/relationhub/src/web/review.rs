//! `/review`: messages from senders who are neither contacts nor you, with "Add as contact"
//! and "Ignore sender".

use super::page::{Chrome, WebResult, Zone, render, see_other};
use super::paging::Position;
use super::session::{Auth, Posted};
use crate::app::inbound::review;
use crate::http::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use store::PageRequest;

/// A queued message as listed.
pub struct Item {
    id: String,
    from: String,
    from_name: String,
    subject: String,
    at: String,
    excerpt: String,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
    chrome: Chrome,
    items: Vec<Item>,
    next: String,
    previous: String,
}

/// `?after=…&back=…&done=…`.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    after: Option<String>,
    back: Option<String>,
    done: Option<String>,
}

fn excerpt(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 200 {
        format!("{}…", flat.chars().take(200).collect::<String>())
    } else {
        flat
    }
}

/// `GET /review`.
pub async fn page(State(shared): State<Shared>, auth: Auth, Query(q): Query<ListQuery>) -> WebResult {
    let pos = Position::new(q.after.clone(), q.back.clone());
    let req = PageRequest { first: 20, after: pos.after.clone() };
    let page = review::list(&shared.state, &auth.user, &req).await?;
    let zone = Zone(auth.zone);
    let next = match (page.has_next_page, page.end_cursor()) {
        (true, Some(c)) => format!("/review?{}", pos.next(&c)),
        _ => String::new(),
    };
    let previous = pos.previous().map(|p| format!("/review?{p}")).unwrap_or_default();
    let items = page
        .items
        .into_iter()
        .map(|(r, _)| Item {
            from_name: r.from_name.clone().unwrap_or_default(),
            subject: if r.subject.is_empty() { "(no subject)".into() } else { r.subject.clone() },
            at: zone.show(r.received_at.into()),
            excerpt: excerpt(&r.content),
            from: r.from_address,
            id: r.id,
        })
        .collect();
    let view = ReviewPage {
        chrome: Chrome::new(&auth, "review", "Review").with_notice(q.done.as_deref()),
        items,
        next,
        previous,
    };
    Ok(render(&view))
}

/// "Add as contact" (an optional name).
#[derive(Deserialize, Default)]
pub struct AddForm {
    #[serde(default)]
    name: String,
}

/// `POST /review/{id}/add`: creates the contact and files the sender's queued messages.
pub async fn add(State(shared): State<Shared>, Path(id): Path<String>, posted: Posted<AddForm>) -> WebResult {
    let Posted { auth, form } = posted;
    let name = Some(form.name).filter(|n| !n.trim().is_empty());
    let added = review::add_contact(&shared.state, &auth.user, &id, name).await?;
    Ok(see_other(&format!("/contacts/{}", added.contact.id)))
}

/// "Ignore sender".
#[derive(Deserialize, Default)]
pub struct IgnoreForm {
    #[serde(default)]
    address: String,
}

/// `POST /review/ignore`.
pub async fn ignore(State(shared): State<Shared>, posted: Posted<IgnoreForm>) -> WebResult {
    let Posted { auth, form } = posted;
    review::ignore_sender(&shared.state, &auth.user, &form.address).await?;
    Ok(see_other("/review?done=ignored"))
}
