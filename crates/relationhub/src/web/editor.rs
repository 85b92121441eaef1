//! `/emails/{id}`: the draft editor ("Save draft", "Polish", "Send now", "Schedule", "Delete
//! draft"), a scheduled email ("Cancel sending", "Back to draft"), a sent one read-only with its
//! times, a failed one with its reason and "Retry". The draft's buttons share one form, so
//! whatever was typed is saved before it is polished, sent or scheduled.

use super::emails_list::status_label;
use super::follow_ups;
use super::page::{Chrome, Field, WebResult, Zone, attach, q, render_status, see_other};
use super::sending;
use super::session::{Auth, Posted};
use crate::app::drafting::{self, Polish};
use crate::app::emails::{self, EmailChanges};
use crate::app::{ApiError, contacts};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::{Email, EmailStatus};
use llm::Style;
use serde::Deserialize;

/// Polish styles: form value, label.
const POLISH_STYLES: &[(&str, &str)] =
    &[("FORMAL", "Formal"), ("CASUAL", "Casual"), ("ELABORATE", "Elaborate"), ("CONCISE", "Concise")];

fn polish_style(v: &str) -> Option<Style> {
    match v {
        "FORMAL" => Some(Style::Formal),
        "CASUAL" => Some(Style::Casual),
        "ELABORATE" => Some(Style::Elaborate),
        "CONCISE" => Some(Style::Concise),
        _ => None,
    }
}

#[derive(Template)]
#[template(path = "email.html")]
struct EditorPage {
    chrome: Chrome,
    id: String,
    status: &'static str,
    editable: bool,
    scheduled: bool,
    failed: bool,
    contact_id: String,
    contact_name: String,
    contact_email: String,
    subject: String,
    body: String,
    facts: Vec<(&'static str, String)>,
    reason: String,
    fields: Vec<Field>,
    schedule: Vec<Field>,
    style: Vec<Field>,
    error: String,
    follow_up_rows: Vec<follow_ups::RowView>,
    follow_up: Option<follow_ups::SequenceView>,
}

/// The editor form.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EditorForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    style: String,
    #[serde(default)]
    send_at: String,
    /// "Follow up if no reply".
    #[serde(flatten)]
    follow_ups: follow_ups::FollowUpRows,
}

/// `?done=`.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

async fn show(
    shared: &Shared,
    auth: &Auth,
    e: Email,
    form: Option<(EditorForm, ApiError)>,
    done: Option<&str>,
) -> WebResult {
    let st = &shared.state;
    let contact = contacts::get(st, &auth.user, &e.contact_id).await?;
    let zone = Zone(auth.zone);
    let (f, err) = match form {
        Some((f, err)) => (f, Some(err)),
        None => {
            let default_at = zone.input(chrono::Utc::now() + chrono::Duration::days(1));
            let f = EditorForm {
                subject: e.subject.clone(),
                body: e.body.clone(),
                style: "FORMAL".into(),
                send_at: default_at,
                follow_ups: Default::default(),
            };
            (f, None)
        }
    };
    let mut fields = vec![
        Field::new("Subject", "subject", "text", &f.subject).required(),
        Field::new("Body", "body", "textarea", &f.body).required(),
    ];
    let mut schedule = vec![Field::new("Send at", "sendAt", "datetime-local", &f.send_at).hint(zone.name())];
    let mut style = vec![Field::select("Style", "style", &f.style, POLISH_STYLES)];
    let error = match &err {
        Some(err) => {
            let mut all: Vec<Field> =
                fields.drain(..).chain(schedule.drain(..)).chain(style.drain(..)).collect();
            let top = attach(&mut all, err).unwrap_or_default();
            style = all.split_off(3);
            schedule = all.split_off(2);
            fields = all;
            top
        }
        None => String::new(),
    };
    let mut facts: Vec<(&'static str, String)> = Vec::new();
    if let Some(t) = e.delivery.scheduled_at.filter(|_| e.status == EmailStatus::Scheduled) {
        facts.push(("Scheduled for", zone.show(t)));
    }
    for (label, t) in [("Sent", e.sent_at), ("Opened", e.opened_at), ("Replied", e.replied_at)] {
        if let Some(t) = t {
            facts.push((label, zone.show(t)));
        }
    }
    if let Some(p) = &e.provider_id {
        facts.push(("Written by", format!("{p} ({} tokens)", e.tokens_used.unwrap_or(0))));
    }
    let follow_up = crate::app::follow_ups::for_email(st, &auth.user.id, &e.id)
        .await?
        .map(|s| follow_ups::view(&s, &zone));
    let status = if err.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let view = EditorPage {
        chrome: Chrome::new(auth, "emails", e.subject.clone()).with_notice(done),
        id: e.id.clone(),
        status: status_label(e.status),
        editable: e.status == EmailStatus::Draft,
        scheduled: e.status == EmailStatus::Scheduled,
        failed: e.status == EmailStatus::Failed,
        contact_id: contact.id,
        contact_name: contact.name,
        contact_email: contact.email.unwrap_or_default(),
        subject: e.subject,
        body: e.body,
        facts,
        reason: if e.status == EmailStatus::Failed || e.status == EmailStatus::Scheduled {
            e.delivery.last_error.unwrap_or_default()
        } else {
            String::new()
        },
        fields,
        schedule,
        style,
        error,
        follow_up_rows: f.follow_ups.views(),
        follow_up,
    };
    Ok(render_status(status, &view))
}

/// `GET /emails/{id}`.
pub async fn page(
    State(shared): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> WebResult {
    let e = emails::get(&shared.state, &auth.user, &id).await?;
    show(&shared, &auth, e, None, d.done.as_deref()).await
}

fn back(id: &str, done: &str) -> axum::response::Response {
    see_other(&format!("/emails/{}?done={done}", q(id)))
}

/// Saves what was typed; a problem re-shows the editor with it.
async fn save(shared: &Shared, auth: &Auth, id: &str, form: &EditorForm) -> Result<(), ApiError> {
    let changes = EmailChanges {
        subject: Some(form.subject.clone()),
        body: Some(form.body.clone()),
        ..Default::default()
    };
    emails::update(&shared.state, &auth.user, id, &changes).await.map(|_| ())
}

/// Shows the editor again with `err` for form-level problems; other errors become error pages.
async fn again(shared: &Shared, auth: &Auth, id: &str, form: EditorForm, err: ApiError) -> WebResult {
    match err {
        ApiError::BadInput { .. }
        | ApiError::ProviderUnavailable(_)
        | ApiError::RateLimited { .. }
        | ApiError::Conflict(_) => {
            let e = emails::get(&shared.state, &auth.user, id).await?;
            show(shared, auth, e, Some((form, err)), None).await
        }
        other => Err(other.into()),
    }
}

/// `POST /emails/{id}`: "Save draft".
pub async fn save_draft(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<EditorForm>,
) -> WebResult {
    let Posted { auth, form } = posted;
    match save(&shared, &auth, &id, &form).await {
        Ok(()) => Ok(back(&id, "saved")),
        Err(e) => again(&shared, &auth, &id, form, e).await,
    }
}

/// `POST /emails/{id}/polish`: saves, then rewrites the draft in the chosen style.
pub async fn polish(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<EditorForm>,
) -> WebResult {
    let Posted { auth, form } = posted;
    let result = async {
        save(&shared, &auth, &id, &form).await?;
        let style =
            polish_style(&form.style).ok_or_else(|| ApiError::bad_input("style", "choose a style"))?;
        let req = Polish { email_id: Some(id.clone()), text: None, subject: None, style, provider: None };
        drafting::polish(&shared.state, &auth.user, req).await.map(|_| ())
    }
    .await;
    match result {
        Ok(()) => Ok(back(&id, "polished")),
        Err(e) => again(&shared, &auth, &id, form, e).await,
    }
}

/// `POST /emails/{id}/send`: saves (a draft), then "Send now" (also "Retry" of a failed one).
pub async fn send(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<EditorForm>,
) -> WebResult {
    let Posted { auth, form } = posted;
    let result = async {
        // Bad follow-up rows change nothing, not even the typed text.
        let steps = form.follow_ups.inputs()?;
        let current = emails::get(&shared.state, &auth.user, &id).await?;
        if current.status == EmailStatus::Draft {
            save(&shared, &auth, &id, &form).await?;
        }
        sending::send_email_with(&shared.state, &auth.user.id, &id, &steps).await
    }
    .await;
    match result {
        Ok(e) if e.status == EmailStatus::Sent => Ok(back(&id, "sent")),
        Ok(_) => Ok(back(&id, "")),
        Err(e) => again(&shared, &auth, &id, form, e).await,
    }
}

/// `POST /emails/{id}/schedule`: saves, then schedules at "Send at" in the user's time zone.
pub async fn schedule(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<EditorForm>,
) -> WebResult {
    let Posted { auth, form } = posted;
    let zone = Zone(auth.zone);
    let result = async {
        let steps = form.follow_ups.inputs()?;
        save(&shared, &auth, &id, &form).await?;
        let at =
            zone.parse(&form.send_at).ok_or_else(|| ApiError::bad_input("sendAt", "give a date and time"))?;
        sending::schedule_email_with(&shared.state, &auth.user.id, &id, at, &steps).await
    }
    .await;
    match result {
        Ok(_) => Ok(back(&id, "scheduled")),
        Err(e) => again(&shared, &auth, &id, form, e).await,
    }
}

/// `POST /emails/{id}/cancel`: "Cancel sending".
pub async fn cancel(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    sending::cancel_email(&shared.state, &posted.auth.user.id, &id).await?;
    Ok(back(&id, "cancelled"))
}

/// `POST /emails/{id}/unschedule`: "Back to draft".
pub async fn unschedule(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    sending::unschedule_email(&shared.state, &posted.auth.user.id, &id).await?;
    Ok(back(&id, "draft"))
}

/// `POST /emails/{id}/delete`: "Delete draft".
pub async fn delete(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    emails::delete(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other("/emails?done=deleted"))
}

/// "Use this draft": the other variants of the generation (`discard`, comma separated) are
/// deleted when still drafts, and the chosen one opens in the editor.
#[derive(Deserialize, Default)]
pub struct UseForm {
    #[serde(default)]
    discard: String,
}

/// `POST /emails/{id}/use`.
pub async fn use_draft(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<UseForm>,
) -> WebResult {
    let Posted { auth, form } = posted;
    let st = &shared.state;
    let chosen = emails::get(st, &auth.user, &id).await?;
    for other in form.discard.split(',').map(str::trim).filter(|s| !s.is_empty() && *s != chosen.id).take(10)
    {
        match emails::get(st, &auth.user, other).await {
            Ok(e) if e.status == EmailStatus::Draft && e.contact_id == chosen.contact_id => {
                emails::delete(st, &auth.user, &e.id).await?;
            }
            Ok(_) | Err(ApiError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(see_other(&format!("/emails/{}", q(&chosen.id))))
}
