//! Contacts: create, read, patch, delete and filtered keyset listing, all scoped by user.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::lane::on_read;
use crate::outbox::{Event, emit};
use crate::page::{self, KeyKind, Page, PageRequest, SortKey, SortSpec};
use crate::sql::{Arg, Sql, like_contains};
use crate::ts::{self, Ts};
use crate::write_tx::BeginWrite;
use domain::inputs::{ContactPatch, NewContact};
use domain::touch::CadenceDefaults;
use domain::webhook::EventType;
use domain::{Contact, Priority};

crate::row::indexed_row! {
    /// One row as every statement decoding into it selects it (see [`crate::row`]).
    pub(crate) struct ContactRow {
        id: String = "id",
        user_id: String = "userId",
        name: String = "name",
        email: Option<String> = "email",
        phone: Option<String> = "phone",
        company: Option<String> = "company",
        role: Option<String> = "role",
        industry: Option<String> = "industry",
        linked_in_url: Option<String> = "linkedInUrl",
        priority: Priority = "priority",
        birthday: Option<chrono::NaiveDate> = "birthday",
        notes: Option<String> = "notes",
        last_contacted_at: Option<Ts> = "lastContactedAt",
        stay_in_touch_days: Option<i32> = "stayInTouchDays",
        stay_in_touch_default: bool = "stayInTouchDefault",
        last_touch_at: Option<Ts> = "lastTouchAt",
        next_touch_at: Option<Ts> = "nextTouchAt",
        snoozed_until: Option<Ts> = "snoozedUntil",
        created_at: Ts = "createdAt",
        updated_at: Ts = "updatedAt",
    }
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        Contact {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            email: r.email,
            phone: r.phone,
            company: r.company,
            role: r.role,
            industry: r.industry,
            linked_in_url: r.linked_in_url,
            priority: r.priority,
            birthday: r.birthday,
            notes: r.notes,
            last_contacted_at: ts::opt(r.last_contacted_at),
            stay_in_touch_days: r.stay_in_touch_days,
            stay_in_touch_default: r.stay_in_touch_default,
            last_touch_at: ts::opt(r.last_touch_at),
            next_touch_at: ts::opt(r.next_touch_at),
            snoozed_until: ts::opt(r.snoozed_until),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
        }
    }
}

macro_rules! contact_cols {
    () => {
        r#""id", "userId", "name", "email", "phone", "company", "role", "industry", "linkedInUrl", "priority", "birthday", "notes", "lastContactedAt", "stayInTouchDays", "stayInTouchDefault", "lastTouchAt", "nextTouchAt", "snoozedUntil", "createdAt", "updatedAt""#
    };
}
pub(crate) use contact_cols;

/// Which contacts to list.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    /// Case-insensitive substring of name, email or company.
    pub search: Option<String>,
    /// Only this priority.
    pub priority: Option<Priority>,
    /// Only this company (case-insensitive, exact).
    pub company: Option<String>,
}

/// How to order contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContactOrder {
    /// By name A→Z (the default).
    #[default]
    NameAsc,
    /// By name Z→A.
    NameDesc,
    /// Newest first.
    CreatedAtDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Longest out of touch first (never contacted first): who to follow up with.
    LastContactedAtAsc,
    /// Most recently contacted first.
    LastContactedAtDesc,
}

/// Never-contacted sorts as the epoch, so the key is never NULL (keyset needs total order).
const LAST_CONTACTED: &str = r#"COALESCE("lastContactedAt", '1970-01-01 00:00:00.000')"#;

impl ContactOrder {
    fn spec(self) -> SortSpec {
        let (tag, expr, desc, kind) = match self {
            ContactOrder::NameAsc => ("c.na", r#""name""#, false, KeyKind::Text),
            ContactOrder::NameDesc => ("c.nd", r#""name""#, true, KeyKind::Text),
            ContactOrder::CreatedAtDesc => ("c.cd", r#""createdAt""#, true, KeyKind::Ts),
            ContactOrder::CreatedAtAsc => ("c.ca", r#""createdAt""#, false, KeyKind::Ts),
            ContactOrder::LastContactedAtAsc => ("c.la", LAST_CONTACTED, false, KeyKind::Ts),
            ContactOrder::LastContactedAtDesc => ("c.ld", LAST_CONTACTED, true, KeyKind::Ts),
        };
        SortSpec { tag, expr, desc, kind }
    }

    fn key(self, c: &Contact) -> SortKey {
        match self {
            ContactOrder::NameAsc | ContactOrder::NameDesc => SortKey::Text(c.name.clone()),
            ContactOrder::CreatedAtDesc | ContactOrder::CreatedAtAsc => SortKey::Ts(Ts(c.created_at)),
            ContactOrder::LastContactedAtAsc | ContactOrder::LastContactedAtDesc => {
                SortKey::Ts(Ts(c.last_contacted_at.unwrap_or(chrono::DateTime::UNIX_EPOCH)))
            }
        }
    }
}

fn push_filter(sql: &mut Sql, user_id: &str, filter: &ContactFilter) {
    sql.push(r#" WHERE "userId" = "#).bind(Arg::Text(user_id.to_owned()));
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = like_contains(&search.to_lowercase());
        sql.push(r#" AND (LOWER("name") LIKE "#).bind(Arg::Text(pattern.clone())).push(r" ESCAPE '\'");
        sql.push(r#" OR LOWER(COALESCE("email", '')) LIKE "#)
            .bind(Arg::Text(pattern.clone()))
            .push(r" ESCAPE '\'");
        sql.push(r#" OR LOWER(COALESCE("company", '')) LIKE "#)
            .bind(Arg::Text(pattern))
            .push(r" ESCAPE '\')");
    }
    if let Some(priority) = filter.priority {
        sql.push(r#" AND "priority" = "#).bind(Arg::Priority(priority));
    }
    if let Some(company) = filter.company.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        sql.push(r#" AND LOWER("company") = "#).bind(Arg::Text(company.to_lowercase()));
    }
}

impl Store {
    /// Creates a contact for `user_id` with the default cadence of its priority.
    pub async fn create_contact(&self, user_id: &str, new: &NewContact) -> Result<Contact> {
        self.create_contact_with_cadence(user_id, new, None).await
    }

    /// Creates a contact; `cadence` `None` = the default of its priority, `Some(None)` = none.
    /// `nextTouchAt` is stored in the same statement (cadence counted from creation).
    pub async fn create_contact_with_cadence(
        &self,
        user_id: &str,
        new: &NewContact,
        cadence: Option<Option<i32>>,
    ) -> Result<Contact> {
        const SQL: &str = concat!(insert_contact_sql!(), " RETURNING ", contact_cols!());
        let now = Ts::now();
        let defaults = self.cadence_defaults(user_id).await?;
        let initial = initial_cadence(new, cadence, &defaults, now);
        let contact = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = bind_new_contact!(sqlx::query_as::<_, ContactRow>(SQL), user_id, new, now, initial)
                .fetch_one(&mut *tx)
                .await
                .map_err(fk_to_not_found)?;
            let contact = Contact::from(row);
            emit!(&mut *tx, user_id, Event::new(EventType::ContactCreated, contact_data(&contact)))?;
            tx.commit().await?;
            contact
        });
        Ok(contact)
    }

    /// One of the user's contacts.
    pub async fn contact(&self, user_id: &str, id: &str) -> Result<Contact> {
        const SQL: &str =
            concat!("SELECT ", contact_cols!(), r#" FROM "contacts" WHERE "id" = $1 AND "userId" = $2"#);
        let row = on_db!(&self.db, p => sqlx::query_as::<_, ContactRow>(SQL)
            .bind(id).bind(user_id).fetch_optional(p).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// Several of the user's contacts at once (for batched relation loading); missing ids are
    /// simply absent from the result.
    pub async fn contacts_by_ids(&self, user_id: &str, ids: &[String]) -> Result<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new(concat!("SELECT ", contact_cols!(), r#" FROM "contacts" WHERE "userId" = "#));
        sql.bind(Arg::Text(user_id.to_owned())).push(r#" AND "id" IN ("#);
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(Arg::Text(id.clone()));
        }
        sql.push(")");
        let rows = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, ContactRow>(sql.sql()), &sql.args)
            .fetch_all(p).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Applies a patch to one of the user's contacts.
    pub async fn update_contact(&self, user_id: &str, id: &str, patch: &ContactPatch) -> Result<Contact> {
        let sql = patch_sql(user_id, id, patch);
        let refresh = self.refresh_next_touch_sql();
        // The cadence, the priority (a contact on the default takes the new priority's default)
        // or the address may have changed: `nextTouchAt` follows in the same transaction, so the
        // due list never sees a stale value.
        let row = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = bind_all!(sqlx::query_as::<_, ContactRow>(sql.sql()), &sql.args)
                .fetch_optional(&mut *tx).await?;
            let Some(_) = row else { return Err(StoreError::NotFound) };
            sqlx::query(crate::touch::APPLY_DEFAULT_ONE).bind(id).execute(&mut *tx).await?;
            sqlx::query(refresh).bind(id).execute(&mut *tx).await?;
            let row = sqlx::query_as::<_, ContactRow>(
                concat!("SELECT ", contact_cols!(), r#" FROM "contacts" WHERE "id" = $1"#))
                .bind(id).fetch_one(&mut *tx).await?;
            let contact = Contact::from(row);
            emit!(&mut *tx, user_id, Event::new(EventType::ContactUpdated, contact_data(&contact)))?;
            tx.commit().await?;
            contact
        });
        Ok(row)
    }

    /// Deletes one of the user's contacts (its emails and history go with it: ON DELETE CASCADE).
    ///
    /// Its follow-up sequences stop first (`CONTACT_DELETED`), in the same transaction; they
    /// stay readable without the contact.
    pub async fn delete_contact(&self, user_id: &str, id: &str) -> Result<()> {
        const ACTIVE: &str = r#"SELECT "id" FROM "follow_up_sequences"
            WHERE "userId" = $1 AND "contactId" = $2 AND "stoppedAt" IS NULL"#;
        let event = Event::new(EventType::ContactDeleted, serde_json::json!({ "id": id }));
        on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let ids: Vec<String> = sqlx::query_scalar(ACTIVE).bind(user_id).bind(id).fetch_all(&mut *tx).await?;
            crate::follow_ups::stop_sequences!(tx, ids, domain::FollowUpStopReason::ContactDeleted, Ts::now());
            let done = sqlx::query(r#"DELETE FROM "contacts" WHERE "id" = $1 AND "userId" = $2"#)
                .bind(id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound);
            }
            emit!(&mut *tx, user_id, event)?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// A page of the user's contacts.
    pub async fn list_contacts(
        &self,
        user_id: &str,
        filter: &ContactFilter,
        order: ContactOrder,
        req: &PageRequest,
    ) -> Result<Page<Contact>> {
        let spec = order.spec();
        let mut sql = Sql::new(concat!("SELECT ", contact_cols!(), r#" FROM "contacts""#));
        push_filter(&mut sql, user_id, filter);
        page::push_after(&mut sql, &spec, req.after.as_deref())?;
        page::push_order_limit(&mut sql, &spec, req.first);
        let rows = on_read!(self, conn => bind_all!(sqlx::query_as::<_, ContactRow>(sql.sql()), &sql.args)
            .fetch_all(conn).await)?;
        let contacts: Vec<Contact> = rows.into_iter().map(Into::into).collect();
        Ok(page::into_page(contacts, req, &spec, |c| (order.key(c), c.id.as_str())))
    }

    /// How many of the user's contacts match the filter.
    pub async fn count_contacts(&self, user_id: &str, filter: &ContactFilter) -> Result<i64> {
        let mut sql = Sql::new(r#"SELECT COUNT(*) FROM "contacts""#);
        push_filter(&mut sql, user_id, filter);
        let n = on_db!(&self.db, p => bind_all!(sqlx::query_scalar::<_, i64>(sql.sql()), &sql.args)
            .fetch_one(p).await)?;
        Ok(n)
    }
}

/// The UPDATE … RETURNING statement for a patch (shared by single updates and imports).
/// The INSERT every contact creation runs (by hand or by import), without RETURNING.
macro_rules! insert_contact_sql {
    () => {
        r#"INSERT INTO "contacts" ("id", "userId", "name", "email", "phone", "company", "role", "industry",
           "linkedInUrl", "priority", "birthday", "notes", "createdAt", "updatedAt", "stayInTouchDays", "nextTouchAt",
           "stayInTouchDefault")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16)"#
    };
}
pub(crate) use insert_contact_sql;

/// Binds a new contact's values to [`insert_contact_sql`]'s placeholders, in order.
macro_rules! bind_new_contact {
    ($query:expr, $user_id:expr, $new:expr, $now:expr, $cadence:expr) => {
        $query
            .bind(domain::new_id())
            .bind($user_id)
            .bind($new.name.as_str())
            .bind($new.email.as_ref().map(|v| v.as_str()))
            .bind($new.phone.as_ref().map(|v| v.as_str()))
            .bind($new.company.as_ref().map(|v| v.as_str()))
            .bind($new.role.as_ref().map(|v| v.as_str()))
            .bind($new.industry.as_ref().map(|v| v.as_str()))
            .bind($new.linked_in_url.as_ref().map(|v| v.as_str()))
            .bind($new.priority)
            .bind($new.birthday)
            .bind($new.notes.as_ref().map(|v| v.as_str()))
            .bind($now)
            .bind($cadence.days)
            .bind($cadence.next)
            .bind($cadence.is_default)
    };
}
pub(crate) use bind_new_contact;

/// A new contact's cadence as stored: days, first `nextTouchAt`, and whether it follows the
/// user's default.
pub(crate) struct InitialCadence {
    pub(crate) days: Option<i32>,
    pub(crate) next: Option<Ts>,
    pub(crate) is_default: bool,
}

/// A new contact's cadence (`cadence` `None` = the user's default for its priority, `Some(None)`
/// = none) and its first `nextTouchAt`, counted from creation; no address, no cadence clock.
pub(crate) fn initial_cadence(
    new: &NewContact,
    cadence: Option<Option<i32>>,
    defaults: &CadenceDefaults,
    now: Ts,
) -> InitialCadence {
    let is_default = cadence.is_none();
    let days = cadence.unwrap_or(defaults.for_priority(new.priority));
    let next = match (days, &new.email) {
        (Some(d), Some(_)) => Some(Ts::new(now.0 + chrono::Duration::days(i64::from(d)))),
        _ => None,
    };
    InitialCadence { days, next, is_default }
}

pub(crate) fn patch_sql(user_id: &str, id: &str, patch: &ContactPatch) -> Sql {
    let mut sql = Sql::new(r#"UPDATE "contacts" SET "#);
    let text = |v: Option<&str>| Arg::OptText(v.map(str::to_owned));
    if let Some(v) = &patch.name {
        sql.set(r#""name""#, Arg::Text(v.as_str().to_owned()));
    }
    if let Some(v) = &patch.email {
        sql.set(r#""email""#, text(v.as_ref().map(|v| v.as_str())));
    }
    if let Some(v) = &patch.phone {
        sql.set(r#""phone""#, text(v.as_ref().map(|v| v.as_str())));
    }
    if let Some(v) = &patch.company {
        sql.set(r#""company""#, text(v.as_ref().map(|v| v.as_str())));
    }
    if let Some(v) = &patch.role {
        sql.set(r#""role""#, text(v.as_ref().map(|v| v.as_str())));
    }
    if let Some(v) = &patch.industry {
        sql.set(r#""industry""#, text(v.as_ref().map(|v| v.as_str())));
    }
    if let Some(v) = &patch.linked_in_url {
        sql.set(r#""linkedInUrl""#, text(v.as_ref().map(|v| v.as_str())));
    }
    if let Some(v) = patch.priority {
        sql.set(r#""priority""#, Arg::Priority(v));
    }
    if let Some(v) = patch.birthday {
        sql.set(r#""birthday""#, Arg::Date(v));
    }
    if let Some(v) = &patch.notes {
        sql.set(r#""notes""#, text(v.as_ref().map(|v| v.as_str())));
    }
    if let Some(v) = patch.last_contacted_at {
        sql.set(r#""lastContactedAt""#, Arg::OptTs(v.map(Ts::new)));
    }
    if let Some(v) = patch.stay_in_touch_days {
        sql.set(r#""stayInTouchDays""#, Arg::OptInt(v.map(i64::from)));
        // A cadence set by hand no longer follows the default (unless told to, below).
        if patch.stay_in_touch_default.is_none() {
            sql.set(r#""stayInTouchDefault""#, Arg::Bool(false));
        }
    }
    if let Some(v) = patch.stay_in_touch_default {
        sql.set(r#""stayInTouchDefault""#, Arg::Bool(v));
    }
    sql.set(r#""updatedAt""#, Arg::Ts(Ts::now()));
    sql.push(r#" WHERE "id" = "#).bind(Arg::Text(id.to_owned()));
    sql.push(r#" AND "userId" = "#).bind(Arg::Text(user_id.to_owned()));
    sql.push(concat!(" RETURNING ", contact_cols!()));
    sql
}

/// The `data` of a contact event: the contact as the API shows it.
fn contact_data(c: &Contact) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

/// A foreign-key failure on insert means the referenced user or contact is gone.
pub(crate) fn fk_to_not_found(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::ContactRow;
    use crate::row::names_of;

    #[test]
    fn the_row_decodes_the_columns_its_statements_select() {
        assert_eq!(names_of(contact_cols!()), ContactRow::COLUMNS);
    }
}
