//! Contacts: read, list, create, change and delete one of the user's contacts. Input arrives as
//! plain strings from either front door and is parsed into validated domain types here, once.

use super::{ApiError, ApiResult, AppState};
use chrono::NaiveDate;
use domain::inputs::{ContactPatch, NewContact};
use domain::validate::{EmailAddress, Notes, PersonName, Phone, ShortText, WebUrl, optional};
use domain::{Contact, Priority, User, ValidationError};
use store::{ContactFilter, ContactOrder, Page, PageRequest};

/// The fields of a new contact, as typed.
#[derive(Debug, Clone, Default)]
pub struct ContactFields {
    /// Full name (1–255 characters).
    pub name: String,
    /// Email address (blank = none).
    pub email: Option<String>,
    /// Phone (≤ 50).
    pub phone: Option<String>,
    /// Employer (≤ 255).
    pub company: Option<String>,
    /// Job title (≤ 255).
    pub role: Option<String>,
    /// Industry (≤ 255).
    pub industry: Option<String>,
    /// LinkedIn profile, http(s).
    pub linked_in_url: Option<String>,
    /// Importance (default MEDIUM).
    pub priority: Option<Priority>,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Notes (≤ 10,000).
    pub notes: Option<String>,
}

impl ContactFields {
    fn parse(&self) -> Result<NewContact, ValidationError> {
        Ok(NewContact {
            name: PersonName::parse("name", &self.name)?,
            email: optional(self.email.as_deref(), |s| EmailAddress::parse("email", s))?,
            phone: optional(self.phone.as_deref(), |s| Phone::parse("phone", s))?,
            company: optional(self.company.as_deref(), |s| ShortText::parse("company", s))?,
            role: optional(self.role.as_deref(), |s| ShortText::parse("role", s))?,
            industry: optional(self.industry.as_deref(), |s| ShortText::parse("industry", s))?,
            linked_in_url: optional(self.linked_in_url.as_deref(), |s| WebUrl::parse("linkedInUrl", s))?,
            priority: self.priority.unwrap_or(Priority::Medium),
            birthday: self.birthday,
            notes: optional(self.notes.as_deref(), |s| Notes::parse("notes", s))?,
        })
    }
}

/// One field of a change: keep it, clear it, or set it (a blank value clears).
#[derive(Debug, Clone, Default)]
pub enum Change<T> {
    /// Leave as it is.
    #[default]
    Keep,
    /// Clear (set to null).
    Clear,
    /// Set to this value.
    Set(T),
}

impl Change<String> {
    fn parse<T>(
        &self,
        parse: impl FnOnce(&str) -> Result<T, ValidationError>,
    ) -> Result<Option<Option<T>>, ValidationError> {
        match self {
            Change::Keep => Ok(None),
            Change::Clear => Ok(Some(None)),
            Change::Set(s) => optional(Some(s.as_str()), parse).map(Some),
        }
    }
}

/// Changes to a contact: omitted fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct ContactChanges {
    /// New name.
    pub name: Option<String>,
    /// New email.
    pub email: Change<String>,
    /// New phone.
    pub phone: Change<String>,
    /// New company.
    pub company: Change<String>,
    /// New role.
    pub role: Change<String>,
    /// New industry.
    pub industry: Change<String>,
    /// New LinkedIn URL.
    pub linked_in_url: Change<String>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New birthday.
    pub birthday: Change<NaiveDate>,
    /// New notes.
    pub notes: Change<String>,
}

impl ContactChanges {
    /// Every field of the contact form set from what was submitted (blank clears); the
    /// birthday, which the form does not show, is kept.
    pub fn replace_all(f: ContactFields) -> Self {
        let set = |v: Option<String>| Change::Set(v.unwrap_or_default());
        ContactChanges {
            name: Some(f.name),
            email: set(f.email),
            phone: set(f.phone),
            company: set(f.company),
            role: set(f.role),
            industry: set(f.industry),
            linked_in_url: set(f.linked_in_url),
            priority: f.priority,
            birthday: f.birthday.map_or(Change::Keep, Change::Set),
            notes: set(f.notes),
        }
    }

    fn parse(&self) -> Result<ContactPatch, ValidationError> {
        Ok(ContactPatch {
            name: self.name.as_deref().map(|s| PersonName::parse("name", s)).transpose()?,
            email: self.email.parse(|s| EmailAddress::parse("email", s))?,
            phone: self.phone.parse(|s| Phone::parse("phone", s))?,
            company: self.company.parse(|s| ShortText::parse("company", s))?,
            role: self.role.parse(|s| ShortText::parse("role", s))?,
            industry: self.industry.parse(|s| ShortText::parse("industry", s))?,
            linked_in_url: self.linked_in_url.parse(|s| WebUrl::parse("linkedInUrl", s))?,
            priority: self.priority,
            birthday: match &self.birthday {
                Change::Keep => None,
                Change::Clear => Some(None),
                Change::Set(d) => Some(Some(*d)),
            },
            notes: self.notes.parse(|s| Notes::parse("notes", s))?,
            last_contacted_at: None,
        })
    }
}

fn not_found(e: store::StoreError) -> ApiError {
    ApiError::from_store(e, "contact")
}

/// One of the user's contacts; another user's id is NOT_FOUND.
pub async fn get(st: &AppState, user: &User, id: &str) -> ApiResult<Contact> {
    st.store.contact(&user.id, id).await.map_err(not_found)
}

/// A page of the user's contacts.
pub async fn list(
    st: &AppState,
    user: &User,
    filter: &ContactFilter,
    order: ContactOrder,
    req: &PageRequest,
) -> ApiResult<Page<Contact>> {
    Ok(st.store.list_contacts(&user.id, filter, order, req).await?)
}

/// How many contacts match `filter`.
pub async fn count(st: &AppState, user: &User, filter: &ContactFilter) -> ApiResult<i64> {
    Ok(st.store.count_contacts(&user.id, filter).await?)
}

/// Adds a contact.
#[tracing::instrument(skip_all, fields(op = "create_contact", user = %user.id))]
pub async fn create(st: &AppState, user: &User, fields: &ContactFields) -> ApiResult<Contact> {
    let new = fields.parse()?;
    Ok(st.store.create_contact(&user.id, &new).await?)
}

/// Changes a contact.
#[tracing::instrument(skip_all, fields(op = "update_contact", user = %user.id))]
pub async fn update(st: &AppState, user: &User, id: &str, changes: &ContactChanges) -> ApiResult<Contact> {
    let patch = changes.parse()?;
    st.store.update_contact(&user.id, id, &patch).await.map_err(not_found)
}

/// Deletes a contact with its emails and conversation history.
#[tracing::instrument(skip_all, fields(op = "delete_contact", user = %user.id))]
pub async fn delete(st: &AppState, user: &User, id: &str) -> ApiResult<()> {
    st.store.delete_contact(&user.id, id).await.map_err(not_found)
}
