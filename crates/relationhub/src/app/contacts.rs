//! Contacts: read, list, create, change and delete one of the user's contacts. Input arrives as
//! plain strings from either front door and is parsed into validated domain types here, once.

use super::{ApiError, ApiResult, AppState};
use chrono::{DateTime, NaiveDate, Utc};
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
    /// Stay-in-touch cadence in days: Keep = the default of the priority, Clear = none.
    pub stay_in_touch_days: Change<i32>,
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
    /// New stay-in-touch cadence in days (Clear = none); the contact stops following the default.
    pub stay_in_touch_days: Change<i32>,
    /// `Some(true)`: follow the user's default cadence for the priority again (and when it
    /// changes); `Some(false)`: keep the current cadence even if the default changes.
    pub stay_in_touch_default: Option<bool>,
}

/// Checks a cadence: 1 to 3,650 days.
fn cadence(days: &Change<i32>) -> Result<Option<Option<i32>>, ValidationError> {
    use domain::touch::{MAX_CADENCE_DAYS, MIN_CADENCE_DAYS};
    match days {
        Change::Keep => Ok(None),
        Change::Clear => Ok(Some(None)),
        Change::Set(d) if (MIN_CADENCE_DAYS..=MAX_CADENCE_DAYS).contains(d) => Ok(Some(Some(*d))),
        Change::Set(d) => Err(ValidationError::new(
            "stayInTouchDays",
            format!("must be between {MIN_CADENCE_DAYS} and {MAX_CADENCE_DAYS} days (got {d})"),
        )),
    }
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
            // The form's blank cadence means "the default for the priority".
            stay_in_touch_default: matches!(f.stay_in_touch_days, Change::Keep).then_some(true),
            stay_in_touch_days: f.stay_in_touch_days,
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
            stay_in_touch_days: match (self.stay_in_touch_default, &self.stay_in_touch_days) {
                (Some(true), Change::Set(_) | Change::Clear) => {
                    return Err(ValidationError::new(
                        "stayInTouchDefault",
                        "give either a cadence (stayInTouchDays) or stayInTouchDefault: true, not both",
                    ));
                }
                _ => cadence(&self.stay_in_touch_days)?,
            },
            stay_in_touch_default: self.stay_in_touch_default,
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
    let days = cadence(&fields.stay_in_touch_days)?;
    Ok(st.store.create_contact_with_cadence(&user.id, &new, days).await?)
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

/// Hides a contact from the due list until `until` (which must be in the future); `None` wakes it.
#[tracing::instrument(skip_all, fields(op = "snooze_contact", user = %user.id))]
pub async fn snooze(
    st: &AppState,
    user: &User,
    id: &str,
    until: Option<DateTime<Utc>>,
) -> ApiResult<Contact> {
    if let Some(t) = until
        && t <= st.now()
    {
        return Err(ApiError::bad_input("until", "must be in the future"));
    }
    st.store.snooze_contact(&user.id, id, until.map(store::Ts::new)).await.map_err(not_found)
}

/// A page of the contacts due now (by the injected clock), most overdue first, HIGH priority
/// first among equals; snoozed ones only with `include_snoozed`.
pub async fn due(
    st: &AppState,
    user: &User,
    include_snoozed: bool,
    req: &PageRequest,
) -> ApiResult<Page<Contact>> {
    Ok(st.store.due_contacts(&user.id, store::Ts::new(st.now()), include_snoozed, req).await?)
}
