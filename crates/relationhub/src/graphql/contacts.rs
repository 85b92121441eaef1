//! Contacts: `contact`, `contacts`, `createContact`, `updateContact`, `deleteContact`.

use super::connection::{ContactConnection, CountQuery, list_complexity};
use super::context::{state, user};
use super::error::ApiError;
use super::loaders::first_page_args;
use super::types::{ContactNode, PriorityG};
use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::NaiveDate;
use domain::inputs::{ContactPatch, NewContact};
use domain::validate::{EmailAddress, Notes, PersonName, Phone, ShortText, WebUrl, optional};
use domain::{Priority, ValidationError};
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
}

impl CreateContactInput {
    fn parse(self) -> Result<NewContact, ValidationError> {
        Ok(NewContact {
            name: PersonName::parse("name", &self.name)?,
            email: optional(self.email.as_deref(), |s| EmailAddress::parse("email", s))?,
            phone: optional(self.phone.as_deref(), |s| Phone::parse("phone", s))?,
            company: optional(self.company.as_deref(), |s| ShortText::parse("company", s))?,
            role: optional(self.role.as_deref(), |s| ShortText::parse("role", s))?,
            industry: optional(self.industry.as_deref(), |s| ShortText::parse("industry", s))?,
            linked_in_url: optional(self.linked_in_url.as_deref(), |s| WebUrl::parse("linkedInUrl", s))?,
            priority: self.priority.map(Into::into).unwrap_or(Priority::Medium),
            birthday: self.birthday,
            notes: optional(self.notes.as_deref(), |s| Notes::parse("notes", s))?,
        })
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
}

/// Parses a nullable patch field: undefined = keep, null or blank = clear, value = set.
fn patch<T>(
    v: &MaybeUndefined<String>,
    parse: impl FnOnce(&str) -> Result<T, ValidationError>,
) -> Result<Option<Option<T>>, ValidationError> {
    match v {
        MaybeUndefined::Undefined => Ok(None),
        MaybeUndefined::Null => Ok(Some(None)),
        MaybeUndefined::Value(s) => optional(Some(s.as_str()), parse).map(Some),
    }
}

impl UpdateContactInput {
    fn parse(&self) -> Result<ContactPatch, ValidationError> {
        Ok(ContactPatch {
            name: self.name.as_deref().map(|s| PersonName::parse("name", s)).transpose()?,
            email: patch(&self.email, |s| EmailAddress::parse("email", s))?,
            phone: patch(&self.phone, |s| Phone::parse("phone", s))?,
            company: patch(&self.company, |s| ShortText::parse("company", s))?,
            role: patch(&self.role, |s| ShortText::parse("role", s))?,
            industry: patch(&self.industry, |s| ShortText::parse("industry", s))?,
            linked_in_url: patch(&self.linked_in_url, |s| WebUrl::parse("linkedInUrl", s))?,
            priority: self.priority.map(Into::into),
            birthday: match &self.birthday {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(d) => Some(Some(*d)),
            },
            notes: patch(&self.notes, |s| Notes::parse("notes", s))?,
            last_contacted_at: None,
        })
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
        let c =
            state(ctx).store.contact(&me.id, &id).await.map_err(|e| ApiError::from_store(e, "contact"))?;
        Ok(c.into())
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
        let page =
            state(ctx).store.list_contacts(&me.id, &filter, order, &req).await.map_err(ApiError::from)?;
        Ok(ContactConnection::new(page, CountQuery::Contacts(me.id.clone(), filter)))
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
        let new = input.parse().map_err(ApiError::from)?;
        let c = state(ctx).store.create_contact(&me.id, &new).await.map_err(ApiError::from)?;
        Ok(ContactPayload { contact: c.into() })
    }

    /// Changes a contact.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        input: UpdateContactInput,
    ) -> async_graphql::Result<ContactPayload> {
        let me = user(ctx)?;
        let patch = input.parse().map_err(ApiError::from)?;
        let c = state(ctx)
            .store
            .update_contact(&me.id, &input.id, &patch)
            .await
            .map_err(|e| ApiError::from_store(e, "contact"))?;
        Ok(ContactPayload { contact: c.into() })
    }

    /// Deletes a contact with its emails and conversation history.
    async fn delete_contact(
        &self,
        ctx: &Context<'_>,
        input: DeleteContactInput,
    ) -> async_graphql::Result<DeletePayload> {
        let me = user(ctx)?;
        state(ctx)
            .store
            .delete_contact(&me.id, &input.id)
            .await
            .map_err(|e| ApiError::from_store(e, "contact"))?;
        Ok(DeletePayload { deleted_id: input.id })
    }
}
