//! `/contacts`: the list (search, priority filter, sort, paging), the contact form, and delete.
//! The contact page itself (profile, timeline, logging) is in `contact_page.rs`.

use super::page::{Chrome, Field, WebResult, Zone, attach, q, render, render_status, see_other};
use super::paging::Position;
use super::session::{Auth, Posted};
use crate::app::contacts::{self, Change, ContactChanges, ContactFields};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use domain::{Contact, Priority};
use serde::Deserialize;
use store::{ContactFilter, ContactOrder, PageRequest};

/// Contacts per list page.
pub const PAGE_SIZE: u32 = 50;

/// The priorities as form choices.
pub const PRIORITIES: &[(&str, &str)] = &[("HIGH", "High"), ("MEDIUM", "Medium"), ("LOW", "Low")];

const SORTS: &[(&str, &str, ContactOrder)] = &[
    ("name", "Name A–Z", ContactOrder::NameAsc),
    ("name-desc", "Name Z–A", ContactOrder::NameDesc),
    ("newest", "Newest first", ContactOrder::CreatedAtDesc),
    ("oldest", "Oldest first", ContactOrder::CreatedAtAsc),
    ("out-of-touch", "Longest out of touch", ContactOrder::LastContactedAtAsc),
    ("recent", "Recently contacted", ContactOrder::LastContactedAtDesc),
];

/// A priority from its form value.
pub fn priority(v: &str) -> Option<Priority> {
    match v {
        "HIGH" => Some(Priority::High),
        "MEDIUM" => Some(Priority::Medium),
        "LOW" => Some(Priority::Low),
        _ => None,
    }
}

/// A priority's label.
pub fn priority_label(p: Priority) -> &'static str {
    match p {
        Priority::High => "High",
        Priority::Medium => "Medium",
        Priority::Low => "Low",
    }
}

/// One row of the list.
pub struct Row {
    id: String,
    name: String,
    company: String,
    email: String,
    priority: &'static str,
    last: String,
}

impl Row {
    fn new(c: &Contact, zone: Zone) -> Row {
        Row {
            id: c.id.clone(),
            name: c.name.clone(),
            company: [c.role.as_deref(), c.company.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", "),
            email: c.email.clone().unwrap_or_default(),
            priority: priority_label(c.priority),
            last: c.last_contacted_at.map(|t| zone.show(t)).unwrap_or_else(|| "never".into()),
        }
    }
}

#[derive(Template)]
#[template(path = "contacts.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Row>,
    total: i64,
    search: String,
    priority_filter: String,
    sort: String,
    sorts: Vec<(&'static str, &'static str)>,
    priorities: &'static [(&'static str, &'static str)],
    next: Option<String>,
    previous: Option<String>,
}

/// `GET /contacts` query.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    search: Option<String>,
    priority: Option<String>,
    sort: Option<String>,
    after: Option<String>,
    back: Option<String>,
    done: Option<String>,
}

/// `GET /contacts`.
pub async fn list(State(shared): State<Shared>, auth: Auth, Query(lq): Query<ListQuery>) -> WebResult {
    let st = &shared.state;
    let search = lq.search.clone().unwrap_or_default();
    let prio = lq.priority.as_deref().and_then(priority);
    let sort = SORTS.iter().find(|(k, _, _)| Some(*k) == lq.sort.as_deref()).unwrap_or(&SORTS[0]);
    let filter = ContactFilter {
        search: Some(search.clone()).filter(|s| !s.trim().is_empty()),
        priority: prio,
        company: None,
    };
    let pos = Position::new(lq.after.clone(), lq.back.clone());
    let req = PageRequest { first: PAGE_SIZE, after: pos.after.clone() };
    let page = match contacts::list(st, &auth.user, &filter, sort.2, &req).await {
        Ok(p) => p,
        // A stale or edited cursor: start over rather than fail.
        Err(crate::app::ApiError::BadInput { .. }) => return Ok(see_other("/contacts")),
        Err(e) => return Err(e.into()),
    };
    let total = contacts::count(st, &auth.user, &filter).await?;
    let zone = Zone(auth.zone);
    let base = format!(
        "search={}&priority={}&sort={}",
        q(&search),
        q(lq.priority.as_deref().unwrap_or_default()),
        sort.0
    );
    let next = match (page.has_next_page, page.end_cursor()) {
        (true, Some(end)) => Some(format!("?{base}&{}", pos.next(&end))),
        _ => None,
    };
    let previous =
        pos.previous().map(|p| if p.is_empty() { format!("?{base}") } else { format!("?{base}&{p}") });
    let page_view = ListPage {
        chrome: Chrome::new(&auth, "contacts", "Contacts").with_notice(lq.done.as_deref()),
        rows: page.items.iter().map(|(c, _)| Row::new(c, zone)).collect(),
        total,
        search,
        priority_filter: prio.map(|p| p.as_str().to_owned()).unwrap_or_default(),
        sort: sort.0.to_owned(),
        sorts: SORTS.iter().map(|(k, l, _)| (*k, *l)).collect(),
        priorities: PRIORITIES,
        next,
        previous,
    };
    Ok(render(&page_view))
}

/// The contact form as submitted.
#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    company: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    industry: String,
    #[serde(default)]
    linked_in_url: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    notes: String,
    /// "Stay in touch every" (days): blank = the priority's default (new) or unchanged (edit),
    /// 0 = no cadence.
    #[serde(default, rename = "stayInTouchDays")]
    stay_in_touch_days: String,
}

impl ContactForm {
    fn of(c: &Contact) -> ContactForm {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        ContactForm {
            name: c.name.clone(),
            email: s(&c.email),
            phone: s(&c.phone),
            company: s(&c.company),
            role: s(&c.role),
            industry: s(&c.industry),
            linked_in_url: s(&c.linked_in_url),
            priority: c.priority.as_str().to_owned(),
            notes: s(&c.notes),
            stay_in_touch_days: match (c.stay_in_touch_default, c.stay_in_touch_days) {
                // On the default: blank, so saving the form keeps following it.
                (true, _) => String::new(),
                (false, None) => "0".to_owned(),
                (false, Some(d)) => d.to_string(),
            },
        }
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::new("Name", "name", "text", &self.name).required(),
            Field::new("Email", "email", "email", &self.email),
            Field::new("Phone", "phone", "tel", &self.phone),
            Field::new("Company", "company", "text", &self.company),
            Field::new("Role", "role", "text", &self.role),
            Field::new("Industry", "industry", "text", &self.industry),
            Field::new("LinkedIn", "linkedInUrl", "url", &self.linked_in_url)
                .hint("https://www.linkedin.com/in/…"),
            Field::select(
                "Priority",
                "priority",
                if self.priority.is_empty() { "MEDIUM" } else { &self.priority },
                PRIORITIES,
            ),
            Field::new("Stay in touch every", "stayInTouchDays", "number", &self.stay_in_touch_days).hint(
                "days; blank = your default for the priority (set in Settings; follows it when it changes), 0 = never remind",
            ),
            Field::new("Notes", "notes", "textarea", &self.notes),
        ]
    }

    fn into_fields(self) -> ContactFields {
        let opt = |s: String| Some(s).filter(|v| !v.trim().is_empty());
        ContactFields {
            name: self.name,
            email: opt(self.email),
            phone: opt(self.phone),
            company: opt(self.company),
            role: opt(self.role),
            industry: opt(self.industry),
            linked_in_url: opt(self.linked_in_url),
            priority: priority(&self.priority),
            birthday: None,
            notes: opt(self.notes),
            stay_in_touch_days: match self.stay_in_touch_days.trim() {
                "" => Change::Keep,
                "0" => Change::Clear,
                // Not a number: out of range on purpose, so the use-case layer names the field.
                d => Change::Set(d.parse().unwrap_or(i32::MIN)),
            },
        }
    }
}

#[derive(Template)]
#[template(path = "contact_form.html")]
struct FormPage {
    chrome: Chrome,
    action: String,
    cancel: String,
    fields: Vec<Field>,
    error: String,
}

/// `GET /contacts/new`.
pub async fn new_form(auth: Auth) -> WebResult {
    let page = FormPage {
        chrome: Chrome::new(&auth, "contacts", "Add contact"),
        action: "/contacts".into(),
        cancel: "/contacts".into(),
        fields: ContactForm::default().fields(),
        error: String::new(),
    };
    Ok(render(&page))
}

fn form_again(
    auth: &Auth,
    title: &str,
    action: String,
    cancel: String,
    form: &ContactForm,
    e: &crate::app::ApiError,
) -> WebResult {
    let mut fields = form.fields();
    let error = attach(&mut fields, e).unwrap_or_default();
    let page = FormPage { chrome: Chrome::new(auth, "contacts", title), action, cancel, fields, error };
    Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

fn is_form_error(e: &crate::app::ApiError) -> bool {
    matches!(e, crate::app::ApiError::BadInput { .. } | crate::app::ApiError::Conflict(_))
}

/// `POST /contacts`.
pub async fn create(State(shared): State<Shared>, posted: Posted<ContactForm>) -> WebResult {
    let Posted { auth, form } = posted;
    match contacts::create(&shared.state, &auth.user, &form.clone().into_fields()).await {
        Ok(c) => Ok(see_other(&format!("/contacts/{}?done=saved", q(&c.id)))),
        Err(e) if is_form_error(&e) => {
            form_again(&auth, "Add contact", "/contacts".into(), "/contacts".into(), &form, &e)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /contacts/{id}/edit`.
pub async fn edit_form(State(shared): State<Shared>, auth: Auth, Path(id): Path<String>) -> WebResult {
    let c = contacts::get(&shared.state, &auth.user, &id).await?;
    let page = FormPage {
        chrome: Chrome::new(&auth, "contacts", format!("Edit {}", c.name)),
        action: format!("/contacts/{}/edit", q(&c.id)),
        cancel: format!("/contacts/{}", q(&c.id)),
        fields: ContactForm::of(&c).fields(),
        error: String::new(),
    };
    Ok(render(&page))
}

/// `POST /contacts/{id}/edit`.
pub async fn update(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<ContactForm>,
) -> WebResult {
    let Posted { auth, form } = posted;
    let changes = ContactChanges::replace_all(form.clone().into_fields());
    match contacts::update(&shared.state, &auth.user, &id, &changes).await {
        Ok(c) => Ok(see_other(&format!("/contacts/{}?done=saved", q(&c.id)))),
        Err(e) if is_form_error(&e) => form_again(
            &auth,
            "Edit contact",
            format!("/contacts/{}/edit", q(&id)),
            format!("/contacts/{}", q(&id)),
            &form,
            &e,
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "contact_delete.html")]
struct DeletePage {
    chrome: Chrome,
    id: String,
    name: String,
}

/// `GET /contacts/{id}/delete`: asks for confirmation (works without JavaScript).
pub async fn delete_form(State(shared): State<Shared>, auth: Auth, Path(id): Path<String>) -> WebResult {
    let c = contacts::get(&shared.state, &auth.user, &id).await?;
    let page =
        DeletePage { chrome: Chrome::new(&auth, "contacts", "Delete contact"), id: c.id, name: c.name };
    Ok(render(&page))
}

/// `POST /contacts/{id}/delete`.
pub async fn delete(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    contacts::delete(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other("/contacts?done=deleted"))
}
