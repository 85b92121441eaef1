//! "Write follow-up" (`/contacts/{id}/write`): styles, "Template", "Instructions", "Generate
//! drafts"; the variants side by side with provider and tokens, each with "Use this draft".
//! Generating posts and redirects to the same page listing the new drafts (POST → redirect →
//! GET); with JavaScript the result replaces the page's result section in place.

use super::page::{Chrome, Field, WebResult, attach, q, render_status, see_other};
use super::session::{Auth, Posted};
use crate::app::drafting::{self, Generate};
use crate::app::{ApiError, contacts, emails, templates};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::{EmailStatus, TemplateType};
use llm::Style;
use serde::Deserialize;
use store::PageRequest;

/// A generated variant.
pub struct Variant {
    id: String,
    style: &'static str,
    subject: String,
    body: String,
    provider: String,
    tokens: i32,
    others: String,
}

#[derive(Template)]
#[template(path = "write.html")]
struct WritePage {
    chrome: Chrome,
    id: String,
    name: String,
    formal: bool,
    casual: bool,
    fields: Vec<Field>,
    error: String,
    variants: Vec<Variant>,
    note: String,
}

/// `GET /contacts/{id}/write` query: the drafts just generated, and failures worth telling.
#[derive(Deserialize, Default)]
pub struct WriteQuery {
    drafts: Option<String>,
    note: Option<String>,
}

/// The form.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct WriteForm {
    #[serde(default)]
    formal: String,
    #[serde(default)]
    casual: String,
    #[serde(default)]
    template_id: String,
    #[serde(default)]
    instructions: String,
}

async fn fields(shared: &Shared, auth: &Auth, f: &WriteForm) -> Result<Vec<Field>, ApiError> {
    let list = templates::list(&shared.state, &auth.user, &PageRequest { first: 100, after: None }).await?;
    let mut options = vec![(String::new(), "None".to_owned())];
    options.extend(list.items.into_iter().map(|(t, _)| (t.id, t.name)));
    Ok(vec![
        Field {
            label: "Template",
            name: "templateId",
            kind: "select",
            value: f.template_id.clone(),
            options,
            ..Default::default()
        },
        Field::new("Instructions", "instructions", "textarea", &f.instructions)
            .hint("Optional: what to say, in your words (at most 4,000 characters)."),
    ])
}

fn style_label(t: Option<TemplateType>) -> &'static str {
    match t {
        Some(TemplateType::Formal) => "Formal",
        Some(TemplateType::Casual) => "Casual",
        Some(TemplateType::TemplateBased) => "From template",
        _ => "AI",
    }
}

#[allow(clippy::too_many_arguments)]
async fn show(
    shared: &Shared,
    auth: &Auth,
    id: &str,
    form: WriteForm,
    err: Option<ApiError>,
    draft_ids: &str,
    note: String,
) -> WebResult {
    let st = &shared.state;
    let c = contacts::get(st, &auth.user, id).await?;
    let mut fields = fields(shared, auth, &form).await?;
    let error = err.as_ref().and_then(|e| attach(&mut fields, e)).unwrap_or_default();
    let ids: Vec<&str> = draft_ids.split(',').map(str::trim).filter(|s| !s.is_empty()).take(4).collect();
    let mut variants = Vec::new();
    for draft in &ids {
        match emails::get(st, &auth.user, draft).await {
            Ok(e) if e.contact_id == c.id && e.status == EmailStatus::Draft => variants.push(Variant {
                others: ids.iter().filter(|o| **o != e.id).copied().collect::<Vec<_>>().join(","),
                id: e.id,
                style: style_label(e.template_type),
                subject: e.subject,
                body: e.body,
                provider: e.provider_id.unwrap_or_default(),
                tokens: e.tokens_used.unwrap_or(0),
            }),
            Ok(_) | Err(ApiError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let status = if err.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let (formal, casual) =
        if err.is_some() { (!form.formal.is_empty(), !form.casual.is_empty()) } else { (true, true) };
    let view = WritePage {
        chrome: Chrome::new(auth, "contacts", format!("Write follow-up to {}", c.name)),
        id: c.id,
        name: c.name,
        formal,
        casual,
        fields,
        error,
        variants,
        note,
    };
    Ok(render_status(status, &view))
}

/// `GET /contacts/{id}/write`.
pub async fn page(
    State(shared): State<Shared>,
    auth: Auth,
    Path(id): Path<String>,
    Query(wq): Query<WriteQuery>,
) -> WebResult {
    let note: String = wq.note.unwrap_or_default().chars().take(600).collect();
    show(&shared, &auth, &id, WriteForm::default(), None, wq.drafts.as_deref().unwrap_or_default(), note)
        .await
}

/// `POST /contacts/{id}/write`: "Generate drafts".
pub async fn generate(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<WriteForm>,
) -> WebResult {
    let Posted { auth, form } = posted;
    let mut styles = Vec::new();
    if !form.formal.is_empty() {
        styles.push(Style::Formal);
    }
    if !form.casual.is_empty() {
        styles.push(Style::Casual);
    }
    let req = Generate {
        contact_id: id.clone(),
        styles,
        template_id: Some(form.template_id.clone()).filter(|t| !t.is_empty()),
        instructions: Some(form.instructions.clone()).filter(|t| !t.trim().is_empty()),
        provider: None,
    };
    match drafting::generate(&shared.state, &auth.user, req).await {
        Ok(drafted) => {
            let ids: Vec<&str> = drafted.emails.iter().map(|e| e.id.as_str()).collect();
            let failed: Vec<String> = drafted
                .attempts
                .iter()
                .filter(|a| a.outcome.as_str() == "failed")
                .map(|a| format!("{}: {}", a.provider, a.message))
                .collect();
            let mut to = format!("/contacts/{}/write?drafts={}", q(&id), q(&ids.join(",")));
            if !failed.is_empty() {
                to.push_str(&format!(
                    "&note={}",
                    q(&failed.join("\n").chars().take(600).collect::<String>())
                ));
            }
            Ok(see_other(&to))
        }
        Err(
            e @ (ApiError::BadInput { .. } | ApiError::ProviderUnavailable(_) | ApiError::RateLimited { .. }),
        ) => {
            let e = match e {
                ApiError::BadInput { field, message } if field == "styles" => {
                    ApiError::bad_input("form", format!("choose a style, or write instructions ({message})"))
                }
                other => other,
            };
            show(&shared, &auth, &id, form, Some(e), "", String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}
