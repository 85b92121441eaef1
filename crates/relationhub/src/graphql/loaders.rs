//! Batched relation loading (no N+1 queries). Loaders are created per request and carry the
//! viewer's user id, so a cached row can never leak to another user.

use super::connection::{ConversationEntryConnection, CountQuery, EmailConnection};
use super::context::state;
use super::error::ApiError;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, ID};
use domain::{Contact, ConversationEntry, Email};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use store::{EmailFilter, EmailOrder, Page, PageRequest, Store, StoreError};

/// Contacts by id, scoped to one user.
pub struct ContactLoader {
    store: Store,
    user_id: Option<String>,
}

impl Loader<String> for ContactLoader {
    type Value = Contact;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Contact>, Self::Error> {
        let Some(user_id) = &self.user_id else { return Ok(HashMap::new()) };
        let rows = self.store.contacts_by_ids(user_id, keys).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|c| (c.id.clone(), c)).collect())
    }
}

/// First pages of emails per contact, keyed by (contact id, page size).
pub struct ContactEmailsLoader {
    store: Store,
    user_id: Option<String>,
}

impl Loader<(String, u32)> for ContactEmailsLoader {
    type Value = Page<Email>;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[(String, u32)]) -> Result<HashMap<(String, u32), Page<Email>>, Self::Error> {
        let Some(user_id) = &self.user_id else { return Ok(HashMap::new()) };
        let mut out = HashMap::new();
        for (first, ids) in group_by_size(keys) {
            let pages = self.store.first_emails_for_contacts(user_id, &ids, first).await.map_err(Arc::new)?;
            out.extend(pages.into_iter().map(|(id, page)| ((id, first), page)));
        }
        Ok(out)
    }
}

/// First pages of history per contact, keyed by (contact id, page size).
pub struct ContactHistoryLoader {
    store: Store,
    user_id: Option<String>,
}

impl Loader<(String, u32)> for ContactHistoryLoader {
    type Value = Page<ConversationEntry>;
    type Error = Arc<StoreError>;

    async fn load(
        &self,
        keys: &[(String, u32)],
    ) -> Result<HashMap<(String, u32), Page<ConversationEntry>>, Self::Error> {
        let Some(user_id) = &self.user_id else { return Ok(HashMap::new()) };
        let mut out = HashMap::new();
        for (first, ids) in group_by_size(keys) {
            let pages =
                self.store.first_history_for_contacts(user_id, &ids, first).await.map_err(Arc::new)?;
            out.extend(pages.into_iter().map(|(id, page)| ((id, first), page)));
        }
        Ok(out)
    }
}

/// Which per-contact count a [`CountLoader`] key asks for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CountKey {
    /// Emails to the contact.
    Emails(String),
    /// History entries with the contact.
    History(String),
}

/// Per-contact counts for nested `totalCount`s, batched.
pub struct CountLoader {
    store: Store,
    user_id: Option<String>,
}

impl Loader<CountKey> for CountLoader {
    type Value = i64;
    type Error = Arc<StoreError>;

    async fn load(&self, keys: &[CountKey]) -> Result<HashMap<CountKey, i64>, Self::Error> {
        let Some(user_id) = &self.user_id else { return Ok(HashMap::new()) };
        let (mut emails, mut history) = (Vec::new(), Vec::new());
        for k in keys {
            match k {
                CountKey::Emails(id) => emails.push(id.clone()),
                CountKey::History(id) => history.push(id.clone()),
            }
        }
        let mut out: HashMap<CountKey, i64> = keys.iter().map(|k| (k.clone(), 0)).collect();
        if !emails.is_empty() {
            for (id, n) in self.store.count_emails_by_contacts(user_id, &emails).await.map_err(Arc::new)? {
                out.insert(CountKey::Emails(id), n);
            }
        }
        if !history.is_empty() {
            for (id, n) in self.store.count_history_by_contacts(user_id, &history).await.map_err(Arc::new)? {
                out.insert(CountKey::History(id), n);
            }
        }
        Ok(out)
    }
}

fn group_by_size(keys: &[(String, u32)]) -> HashMap<u32, Vec<String>> {
    let mut groups: HashMap<u32, Vec<String>> = HashMap::new();
    for (id, first) in keys {
        groups.entry(*first).or_default().push(id.clone());
    }
    groups
}

/// The per-request loaders, to be added to the request's data. Each is built on first use:
/// most requests touch none of them, and building all four for every request was a measurable
/// share of a small one.
pub struct Loaders {
    store: Store,
    user_id: Option<String>,
    contacts: OnceLock<DataLoader<ContactLoader>>,
    contact_emails: OnceLock<DataLoader<ContactEmailsLoader>>,
    contact_history: OnceLock<DataLoader<ContactHistoryLoader>>,
    counts: OnceLock<DataLoader<CountLoader>>,
}

impl Loaders {
    /// Loaders for one request by `user_id` (None = anonymous: they load nothing).
    pub fn new(store: &Store, user_id: Option<String>) -> Self {
        Self {
            store: store.clone(),
            user_id,
            contacts: OnceLock::new(),
            contact_emails: OnceLock::new(),
            contact_history: OnceLock::new(),
            counts: OnceLock::new(),
        }
    }

    /// Contacts by id.
    pub fn contacts(&self) -> &DataLoader<ContactLoader> {
        self.lazy(&self.contacts, |store, user_id| ContactLoader { store, user_id })
    }

    /// First pages of emails per contact.
    pub fn contact_emails(&self) -> &DataLoader<ContactEmailsLoader> {
        self.lazy(&self.contact_emails, |store, user_id| ContactEmailsLoader { store, user_id })
    }

    /// First pages of history per contact.
    pub fn contact_history(&self) -> &DataLoader<ContactHistoryLoader> {
        self.lazy(&self.contact_history, |store, user_id| ContactHistoryLoader { store, user_id })
    }

    /// Per-contact counts.
    pub fn counts(&self) -> &DataLoader<CountLoader> {
        self.lazy(&self.counts, |store, user_id| CountLoader { store, user_id })
    }

    /// The loader in `cell`, built by `make` over this request's store and user on first use.
    fn lazy<'a, L>(
        &self,
        cell: &'a OnceLock<DataLoader<L>>,
        make: fn(Store, Option<String>) -> L,
    ) -> &'a DataLoader<L>
    where
        L: Send + Sync + 'static,
    {
        cell.get_or_init(|| DataLoader::new(make(self.store.clone(), self.user_id.clone()), tokio::spawn))
    }
}

/// Validates `first` (default 20, 1..=100) and `after`.
pub fn first_page_args(first: Option<i32>, after: Option<String>) -> Result<PageRequest, ApiError> {
    Ok(PageRequest::new(first.map(i64::from), after)?)
}

/// `Contact.emails`: the first unfiltered page is batched across contacts; later pages and
/// filtered lists query directly.
pub async fn contact_emails(
    ctx: &Context<'_>,
    user_id: &str,
    contact_id: &ID,
    filter: EmailFilter,
    order: EmailOrder,
    req: PageRequest,
) -> async_graphql::Result<EmailConnection> {
    let unfiltered = filter.status.is_none() && filter.template_type.is_none();
    let count = match unfiltered {
        true => CountQuery::ContactEmails(contact_id.0.clone()),
        false => CountQuery::Emails(user_id.to_owned(), filter.clone()),
    };
    if req.after.is_none() && unfiltered && order == EmailOrder::CreatedAtDesc {
        let loaders = ctx.data_unchecked::<Loaders>();
        let page = loaders
            .contact_emails()
            .load_one((contact_id.0.clone(), req.first))
            .await
            .map_err(ApiError::from)?;
        let page = page.unwrap_or(Page { items: Vec::new(), has_next_page: false, has_previous_page: false });
        return Ok(EmailConnection::new(page, count));
    }
    let page = state(ctx).store.list_emails(user_id, &filter, order, &req).await.map_err(ApiError::from)?;
    Ok(EmailConnection::new(page, count))
}

/// `Contact.conversationHistory`, batched like [`contact_emails`].
pub async fn contact_history(
    ctx: &Context<'_>,
    user_id: &str,
    contact_id: &ID,
    req: PageRequest,
) -> async_graphql::Result<ConversationEntryConnection> {
    let count = CountQuery::ContactHistory(contact_id.0.clone());
    if req.after.is_none() {
        let loaders = ctx.data_unchecked::<Loaders>();
        let page = loaders
            .contact_history()
            .load_one((contact_id.0.clone(), req.first))
            .await
            .map_err(ApiError::from)?;
        let page = page.unwrap_or(Page { items: Vec::new(), has_next_page: false, has_previous_page: false });
        return Ok(ConversationEntryConnection::new(page, count));
    }
    let page = state(ctx).store.list_history(user_id, &contact_id.0, &req).await.map_err(ApiError::from)?;
    Ok(ConversationEntryConnection::new(page, count))
}
