//! Contacts: `contact`, `contacts`, `createContact`, `updateContact`, `deleteContact`.

use super::connection::{ContactConnection, CountQuery, list_complexity};
use super::context::{state, user};
use super::loaders::first_page_args;
use super::types::{ContactNode, PriorityG};
use crate::app::contacts::{self, Change, ContactChanges, ContactFields};
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use store::{ContactFilter, ContactOrder};

/// Which contacts to list.
#[derive(InputObject, Default)]
#[graphql(name = "ContactFilter")]
pub struct ContactFilterInput {
    /// Case-insensitive substring of name, email or company.
    pub search: Option<String>,
    /// Only this priority.
    pub priority: Option<PriorityG>,
    /// Only this company (case-insensitive).
    pub company: Option<String>,
}

/// Contact sort orders.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "ContactOrder")]
pub enum ContactOrderG {
    /// By name, A→Z (default).
    NameAsc,
    /// By name, Z→A.
    NameDesc,
    /// Newest first.
    CreatedAtDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Longest out of touch first (never contacted first).
    LastContactedAtAsc,
    /// Most recently contacted first.
    LastContactedAtDesc,
}

impl From<ContactOrderG> for ContactOrder {
    fn from(o: ContactOrderG) -> Self {
        match o {
            ContactOrderG::NameAsc => ContactOrder::NameAsc,
            ContactOrderG::NameDesc => ContactOrder::NameDesc,
            ContactOrderG::CreatedAtDesc => ContactOrder::CreatedAtDesc,
            ContactOrderG::CreatedAtAsc => ContactOrder::CreatedAtAsc,
            ContactOrderG::LastContactedAtAsc => ContactOrder::LastContactedAtAsc,
            ContactOrderG::LastContactedAtDesc => ContactOrder::LastContactedAtDesc,
        }
    }
}

/// `createContact` input.
#[derive(InputObject)]
pub struct CreateContactInput {
    /// Full name (1–255 characters).
    pub name: String,
    /// Email address.
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
    pub priority: Option<PriorityG>,
    /// Birthday.
    pub birthday: Option<NaiveDate>,
    /// Notes (≤ 10,000).
    pub notes: Option<String>,
    /// Stay-in-touch cadence in days (1–3,650); omitted = your default for the priority
    /// (`stayInTouchDefaults`, initially HIGH 30, MEDIUM 60, LOW 180; the contact then follows
    /// that default when it changes), null = no cadence.
    pub stay_in_touch_days: MaybeUndefined<i32>,
}

impl From<CreateContactInput> for ContactFields {
    fn from(i: CreateContactInput) -> Self {
        ContactFields {
            name: i.name,
            email: i.email,
            phone: i.phone,
            company: i.company,
            role: i.role,
            industry: i.industry,
            linked_in_url: i.linked_in_url,
            priority: i.priority.map(Into::into),
            birthday: i.birthday,
            notes: i.notes,
            stay_in_touch_days: change(&i.stay_in_touch_days),
        }
    }
}

/// `updateContact` input: omitted fields stay as they are; `null` clears a nullable field.
#[derive(InputObject)]
pub struct UpdateContactInput {
    /// The contact.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New email, or null to clear.
    pub email: MaybeUndefined<String>,
    /// New phone, or null to clear.
    pub phone: MaybeUndefined<String>,
    /// New company, or null to clear.
    pub company: MaybeUndefined<String>,
    /// New role, or null to clear.
    pub role: MaybeUndefined<String>,
    /// New industry, or null to clear.
    pub industry: MaybeUndefined<String>,
    /// New LinkedIn URL, or null to clear.
    pub linked_in_url: MaybeUndefined<String>,
    /// New priority.
    pub priority: Option<PriorityG>,
    /// New birthday, or null to clear.
    pub birthday: MaybeUndefined<NaiveDate>,
    /// New notes, or null to clear.
    pub notes: MaybeUndefined<String>,
    /// New stay-in-touch cadence in days (1–3,650), or null for none; either way the contact no
    /// longer follows your default.
    pub stay_in_touch_days: MaybeUndefined<i32>,
    /// true: the cadence follows your default for the priority again (and whenever it changes);
    /// false: keep the current cadence when the default changes. Not together with
    /// `stayInTouchDays`.
    pub stay_in_touch_default: Option<bool>,
}

/// A nullable input field as a change: undefined = keep, null = clear, value = set.
pub fn change<T: Clone>(v: &MaybeUndefined<T>) -> Change<T> {
    match v {
        MaybeUndefined::Undefined => Change::Keep,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(x) => Change::Set(x.clone()),
    }
}

impl UpdateContactInput {
    fn changes(&self) -> ContactChanges {
        ContactChanges {
            name: self.name.clone(),
            email: change(&self.email),
            phone: change(&self.phone),
            company: change(&self.company),
            role: change(&self.role),
            industry: change(&self.industry),
            linked_in_url: change(&self.linked_in_url),
            priority: self.priority.map(Into::into),
            birthday: change(&self.birthday),
            notes: change(&self.notes),
            stay_in_touch_days: change(&self.stay_in_touch_days),
            stay_in_touch_default: self.stay_in_touch_default,
        }
    }
}

/// Input naming one row by id.
#[derive(InputObject)]
pub struct DeleteContactInput {
    /// The contact.
    pub id: ID,
}

/// Result of creating or updating a contact.
#[derive(SimpleObject)]
pub struct ContactPayload {
    /// The contact as stored.
    pub contact: ContactNode,
}

/// `snoozeContact` input.
#[derive(InputObject)]
pub struct SnoozeContactInput {
    /// The contact.
    pub id: ID,
    /// Hide it from the due list until then (must be in the future); null wakes it now.
    pub until: Option<DateTime<Utc>>,
}

/// Result of a delete.
#[derive(SimpleObject)]
pub struct DeletePayload {
    /// The id that was deleted.
    pub deleted_id: ID,
}

/// Contact queries.
#[derive(Default)]
pub struct ContactQuery;

#[Object]
impl ContactQuery {
    /// One of your contacts.
    async fn contact(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ContactNode> {
        let me = user(ctx)?;
        Ok(contacts::get(state(ctx), me, &id).await?.into())
    }

    /// Your contacts.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn contacts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ContactFilterInput>,
        order_by: Option<ContactOrderG>,
    ) -> async_graphql::Result<ContactConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        let f = filter.unwrap_or_default();
        let filter =
            ContactFilter { search: f.search, priority: f.priority.map(Into::into), company: f.company };
        let order = order_by.map(Into::into).unwrap_or_default();
        let page = contacts::list(state(ctx), me, &filter, order, &req).await?;
        Ok(ContactConnection::new(page, CountQuery::Contacts(me.id.clone(), filter)))
    }

    /// Contacts due for a touch now: most overdue first, HIGH priority first among equals.
    /// Snoozed contacts only with `includeSnoozed`.
    #[graphql(complexity = "list_complexity(first, child_complexity)")]
    async fn due_contacts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        include_snoozed: Option<bool>,
    ) -> async_graphql::Result<ContactConnection> {
        let me = user(ctx)?;
        let req = first_page_args(first, after)?;
        let include_snoozed = include_snoozed.unwrap_or(false);
        let st = state(ctx);
        let now = store::Ts::new(st.now());
        let page = contacts::due(st, me, include_snoozed, &req).await?;
        Ok(ContactConnection::new(page, CountQuery::Due(me.id.clone(), now, include_snoozed)))
    }
}

/// Contact mutations.
#[derive(Default)]
pub struct ContactMutation;

#[Object]
impl ContactMutation {
    /// Adds a contact.
    async fn create_contact(
        &self,
        ctx: &Context<'_>,
        input: CreateContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        let me = user(ctx)?;
        let c = contacts::create(state(ctx), me, &input.into()).await?;
        Ok(ContactPayload { contact: c.into() })
    }

    /// Changes a contact.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        input: UpdateContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        let me = user(ctx)?;
        let c = contacts::update(state(ctx), me, &input.id, &input.changes()).await?;
        Ok(ContactPayload { contact: c.into() })
    }

    /// Hides a contact from the due list until a time (or wakes it with `until: null`).
    async fn snooze_contact(
        &self,
        ctx: &Context<'_>,
        input: SnoozeContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        let me = user(ctx)?;
        let c = contacts::snooze(state(ctx), me, &input.id, input.until).await?;
        Ok(ContactPayload { contact: c.into() })
    }

    /// Deletes a contact with its emails and conversation history.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        input: DeleteContactInput,
    ) -> async_graphql::Result<DeletePayload> {
        let me = user(ctx)?;
        contacts::delete(state(ctx), me, &input.id).await?;
        Ok(DeletePayload { deleted_id: input.id })
    }
}
