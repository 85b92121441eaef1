//! `/templates`: list, create and edit ("Name", "Subject", "Body", "Type"), "Make default",
//! delete, and the placeholders templates understand.

use super::page::{Chrome, Field, WebResult, attach, q, render, render_status, see_other};
use super::session::{Auth, Posted};
use crate::app::ApiError;
use crate::app::templates::{self, PLACEHOLDERS, TemplateChanges, TemplateFields};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::{EmailTemplate, TemplateType};
use serde::Deserialize;
use store::PageRequest;

const TYPES: &[(&str, &str)] = &[
    ("FORMAL", "Formal"),
    ("CASUAL", "Casual"),
    ("TEMPLATE_BASED", "Template based"),
    ("AI_GENERATED", "AI generated"),
];

fn template_type(v: &str) -> Option<TemplateType> {
    match v {
        "FORMAL" => Some(TemplateType::Formal),
        "CASUAL" => Some(TemplateType::Casual),
        "TEMPLATE_BASED" => Some(TemplateType::TemplateBased),
        "AI_GENERATED" => Some(TemplateType::AiGenerated),
        _ => None,
    }
}

fn type_label(t: TemplateType) -> &'static str {
    TYPES.iter().find(|(v, _)| *v == t.as_str()).map(|(_, l)| *l).unwrap_or("Formal")
}

/// A template in the list.
pub struct Row {
    id: String,
    name: String,
    subject: String,
    kind: &'static str,
    is_default: bool,
}

#[derive(Template)]
#[template(path = "templates.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    placeholders: &'static [(&'static str, &'static str)],
}

#[derive(Template)]
#[template(path = "template_form.html")]
struct FormPage {
    chrome: Chrome,
    action: String,
    fields: Vec<Field>,
    error: String,
    id: String,
    is_default: bool,
    placeholders: &'static [(&'static str, &'static str)],
}

/// `?done=`.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

/// `GET /templates`.
pub async fn list(State(shared): State<Shared>, auth: Auth, Query(d): Query<Done>) -> WebResult {
    let page = templates::list(&shared.state, &auth.user, &PageRequest { first: 100, after: None }).await?;
    let rows = page
        .items
        .into_iter()
        .map(|(t, _)| Row {
            kind: type_label(t.template_type),
            id: t.id,
            name: t.name,
            subject: t.subject,
            is_default: t.is_default,
        })
        .collect();
    let view = ListPage {
        chrome: Chrome::new(&auth, "templates", "Templates").with_notice(d.done.as_deref()),
        rows,
        placeholders: PLACEHOLDERS,
    };
    Ok(render(&view))
}

/// The template form.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct TemplateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    template_type: String,
}

impl TemplateForm {
    fn of(t: &EmailTemplate) -> TemplateForm {
        TemplateForm {
            name: t.name.clone(),
            subject: t.subject.clone(),
            body: t.body.clone(),
            template_type: t.template_type.as_str().to_owned(),
        }
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("Name", "name", "text", &self.name).required(),
            Field::new("Subject", "subject", "text", &self.subject).required(),
            Field::new("Body", "body", "textarea", &self.body).required(),
            Field::select(
                "Type",
                "templateType",
                if self.template_type.is_empty() { "FORMAL" } else { &self.template_type },
                TYPES,
            ),
        ]
    }
}

fn form_page(
    auth: &Auth,
    title: &str,
    action: String,
    form: &TemplateForm,
    id: &str,
    is_default: bool,
    err: Option<&ApiError>,
) -> axum::response::Response {
    let mut fields = form.fields();
    let error = err.and_then(|e| attach(&mut fields, e)).unwrap_or_default();
    let view = FormPage {
        chrome: Chrome::new(auth, "templates", title),
        action,
        fields,
        error,
        id: id.to_owned(),
        is_default,
        placeholders: PLACEHOLDERS,
    };
    if err.is_some() { render_status(StatusCode::UNPROCESSABLE_ENTITY, &view) } else { render(&view) }
}

/// `GET /templates/new`.
pub async fn new_form(auth: Auth) -> WebResult {
    Ok(form_page(&auth, "New template", "/templates".into(), &TemplateForm::default(), "", false, None))
}

fn kind(form: &TemplateForm) -> Result<TemplateType, ApiError> {
    template_type(&form.template_type).ok_or_else(|| ApiError::bad_input("templateType", "choose a type"))
}

/// `POST /templates`.
pub async fn create(State(shared): State<Shared>, posted: Posted<TemplateForm>) -> WebResult {
    let Posted { auth, form } = posted;
    let result = async {
        let fields = TemplateFields {
            name: form.name.clone(),
            subject: form.subject.clone(),
            body: form.body.clone(),
            template_type: kind(&form)?,
            is_default: false,
        };
        templates::create(&shared.state, &auth.user, &fields).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/templates?done=saved")),
        Err(e @ ApiError::BadInput { .. }) => {
            Ok(form_page(&auth, "New template", "/templates".into(), &form, "", false, Some(&e)))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /templates/{id}`.
pub async fn edit_form(State(shared): State<Shared>, auth: Auth, Path(id): Path<String>) -> WebResult {
    let t = templates::get(&shared.state, &auth.user, &id).await?;
    Ok(form_page(
        &auth,
        &format!("Edit {}", t.name),
        format!("/templates/{}", q(&t.id)),
        &TemplateForm::of(&t),
        &t.id,
        t.is_default,
        None,
    ))
}

/// `POST /templates/{id}`.
pub async fn update(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<TemplateForm>,
) -> WebResult {
    let Posted { auth, form } = posted;
    let result = async {
        let changes = TemplateChanges {
            name: Some(form.name.clone()),
            subject: Some(form.subject.clone()),
            body: Some(form.body.clone()),
            template_type: Some(kind(&form)?),
            is_default: None,
        };
        templates::update(&shared.state, &auth.user, &id, &changes).await
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/templates?done=saved")),
        Err(e @ ApiError::BadInput { .. }) => Ok(form_page(
            &auth,
            "Edit template",
            format!("/templates/{}", q(&id)),
            &form,
            &id,
            false,
            Some(&e),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /templates/{id}/default`: "Make default".
pub async fn make_default(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    templates::make_default(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other("/templates?done=default"))
}

/// `POST /templates/{id}/delete`.
pub async fn delete(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    templates::delete(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other("/templates?done=deleted"))
}
