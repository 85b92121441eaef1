//! Emails: create, read, edit (only while DRAFT), delete and filtered keyset listing.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::lane::on_read;
use crate::outbox::{self, Event, emit};
use crate::page::{self, KeyKind, Page, PageRequest, SortKey, SortSpec};
use crate::sql::{Arg, Sql};
use crate::ts::{self, Ts};
use crate::write_tx::BeginWrite;
use domain::inputs::{EmailPatch, NewEmail};
use domain::models::Delivery;
use domain::webhook::EventType;
use domain::{Email, EmailStatus, TemplateType};

crate::row::indexed_row! {
    /// One row as every statement decoding into it selects it (see [`crate::row`]).
    pub(crate) struct EmailRow {
        id: String = "id",
        user_id: String = "userId",
        contact_id: String = "contactId",
        subject: String = "subject",
        body: String = "body",
        body_html: Option<String> = "bodyHtml",
        status: EmailStatus = "status",
        template_type: Option<TemplateType> = "templateType",
        provider_id: Option<String> = "providerId",
        tokens_used: Option<i32> = "tokensUsed",
        generated_at: Option<Ts> = "generatedAt",
        sent_at: Option<Ts> = "sentAt",
        opened_at: Option<Ts> = "openedAt",
        replied_at: Option<Ts> = "repliedAt",
        created_at: Ts = "createdAt",
        updated_at: Ts = "updatedAt",
        scheduled_at: Option<Ts> = "scheduledAt",
        send_attempts: i32 = "sendAttempts",
        last_error: Option<String> = "lastError",
        message_id: Option<String> = "messageId",
    }
}

impl From<EmailRow> for Email {
    fn from(r: EmailRow) -> Self {
        Email {
            id: r.id,
            user_id: r.user_id,
            contact_id: r.contact_id,
            subject: r.subject,
            body: r.body,
            body_html: r.body_html,
            status: r.status,
            template_type: r.template_type,
            provider_id: r.provider_id,
            tokens_used: r.tokens_used,
            generated_at: ts::opt(r.generated_at),
            sent_at: ts::opt(r.sent_at),
            opened_at: ts::opt(r.opened_at),
            replied_at: ts::opt(r.replied_at),
            created_at: r.created_at.0,
            updated_at: r.updated_at.0,
            delivery: Delivery {
                scheduled_at: ts::opt(r.scheduled_at),
                send_attempts: r.send_attempts,
                last_error: r.last_error,
                message_id: r.message_id,
            },
        }
    }
}

macro_rules! email_cols {
    () => {
        r#""id", "userId", "contactId", "subject", "body", "bodyHtml", "status", "templateType", "providerId", "tokensUsed", "generatedAt", "sentAt", "openedAt", "repliedAt", "createdAt", "updatedAt", "scheduledAt", "sendAttempts", "lastError", "messageId""#
    };
}
pub(crate) use email_cols;

/// Inserts a new email (INSERT … SELECT from the contact row scoped by user: the ownership
/// check and the insert are one statement, so there is no window between them); no row comes
/// back when the contact is not the user's. Bound by [`bind_new_email`].
pub(crate) const INSERT_EMAIL: &str = concat!(
    r#"INSERT INTO "emails" ("id", "userId", "contactId", "subject", "body", "bodyHtml", "status",
       "templateType", "providerId", "tokensUsed", "generatedAt", "sentAt", "lastError",
       "createdAt", "updatedAt")
       SELECT $1, c."userId", c."id", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12
       FROM "contacts" c WHERE c."id" = $13 AND c."userId" = $14
       RETURNING "#,
    email_cols!()
);

/// Binds a [`NewEmail`] to [`INSERT_EMAIL`]'s placeholders, in order.
macro_rules! bind_new_email {
    ($query:expr, $user_id:expr, $new:expr) => {
        $query
            .bind(domain::new_id())
            .bind($new.subject.as_str())
            .bind($new.body.as_str())
            .bind($new.body_html.as_ref().map(|h| h.as_str()))
            .bind($new.status)
            .bind($new.template_type)
            .bind($new.provider_id.as_deref())
            .bind($new.tokens_used)
            .bind($new.generated_at.map(Ts::new))
            .bind($new.sent_at.map(Ts::new))
            .bind($new.last_error.as_deref())
            .bind(Ts::now())
            .bind(&$new.contact_id)
            .bind($user_id)
    };
}
pub(crate) use bind_new_email;

/// Which columns a list of emails reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailColumns {
    /// Every column.
    #[default]
    All,
    /// Every column but the bodies, which come back empty (`body` = "", `bodyHtml` = None): for
    /// lists whose selection does not show them. Bodies are the bulk of a row (2–5 KB, mostly
    /// compressed in the heap); reading, decompressing and sending 21 of them makes a page
    /// several times more expensive for PostgreSQL than the rest of it.
    WithoutBodies,
    /// These columns (and the ones every email keeps, see [`EmailColumnSet`]); the others come
    /// back empty: "" for text, None, 0.
    Only(EmailColumnSet),
}

impl EmailColumns {
    fn set(self) -> EmailColumnSet {
        match self {
            EmailColumns::All => EmailColumnSet::ALL,
            EmailColumns::WithoutBodies => {
                EmailColumnSet(EmailColumnSet::ALL.0 & !(bit("body") | bit("bodyHtml")))
            }
            EmailColumns::Only(set) => EmailColumnSet(set.0 | EmailColumnSet::KEPT.0),
        }
    }
}

/// A set of `emails` columns, for reading only what a page shows: fewer columns are less work
/// for the database (each one is formatted and sent per row) and for the decoding here. Always
/// read: `id`, `userId`, `contactId`, `status`, `createdAt`, `updatedAt` (identity, ownership,
/// the sort keys of cursors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailColumnSet(u32);

impl Default for EmailColumnSet {
    fn default() -> Self {
        Self::KEPT
    }
}

/// The bit of a column of [`EmailRow::COLUMNS`] (0 for a name that is not one).
const fn bit(name: &str) -> u32 {
    let mut i = 0;
    while i < EmailRow::COLUMNS.len() {
        if const_eq(EmailRow::COLUMNS[i], name) {
            return 1 << i;
        }
        i += 1;
    }
    0
}

const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl EmailColumnSet {
    /// Every column.
    const ALL: EmailColumnSet = EmailColumnSet((1 << EmailRow::COLUMNS.len()) - 1);
    /// The columns every read keeps.
    const KEPT: EmailColumnSet = EmailColumnSet(
        bit("id") | bit("userId") | bit("contactId") | bit("status") | bit("createdAt") | bit("updatedAt"),
    );

    /// No column beyond the kept ones.
    pub fn new() -> Self {
        Self::KEPT
    }

    /// This set and the column named as in the schema (`"subject"`, `"sentAt"`, …); None for a
    /// name that is not a column of `emails`.
    pub fn with(self, column: &str) -> Option<Self> {
        let b = EmailRow::COLUMNS.iter().position(|c| *c == column)?;
        Some(Self(self.0 | 1 << b))
    }

    fn has(self, position: usize) -> bool {
        self.0 & (1 << position) != 0
    }

    /// `SELECT <the set's columns> FROM "emails"`.
    fn select(self) -> String {
        let mut sql = String::with_capacity(320);
        sql.push_str("SELECT ");
        let mut first = true;
        for (i, name) in EmailRow::COLUMNS.iter().enumerate() {
            if self.has(i) {
                if !first {
                    sql.push_str(", ");
                }
                first = false;
                sql.push('"');
                sql.push_str(name);
                sql.push('"');
            }
        }
        sql.push_str(r#" FROM "emails""#);
        sql
    }
}

impl EmailRow {
    /// Decodes a row holding only `set`'s columns, in [`EmailRow::COLUMNS`] order; the others
    /// take empty values (the kept columns are always in `set`, so theirs are never used).
    fn decode_selected<'r, R>(row: &'r R, set: EmailColumnSet) -> Result<Self, sqlx::Error>
    where
        R: sqlx::Row,
        usize: sqlx::ColumnIndex<R>,
        String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        EmailStatus: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        Option<TemplateType>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        Option<i32>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        i32: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        Option<Ts>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        Ts: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    {
        let mut index = 0usize;
        let mut position = 0usize;
        // Fields are written in `COLUMNS` order, and a struct literal evaluates in that order.
        macro_rules! next {
            ($empty:expr) => {{
                let wanted = set.has(position);
                position += 1;
                if wanted {
                    let value = row.try_get_unchecked(index)?;
                    index += 1;
                    value
                } else {
                    $empty
                }
            }};
        }
        let never = Ts(chrono::DateTime::UNIX_EPOCH);
        let email = EmailRow {
            id: next!(String::new()),
            user_id: next!(String::new()),
            contact_id: next!(String::new()),
            subject: next!(String::new()),
            body: next!(String::new()),
            body_html: next!(None),
            status: next!(EmailStatus::Draft),
            template_type: next!(None),
            provider_id: next!(None),
            tokens_used: next!(None),
            generated_at: next!(None),
            sent_at: next!(None),
            opened_at: next!(None),
            replied_at: next!(None),
            created_at: next!(never),
            updated_at: next!(never),
            scheduled_at: next!(None),
            send_attempts: next!(0),
            last_error: next!(None),
            message_id: next!(None),
        };
        let _ = (index, position);
        Ok(email)
    }
}

/// Which emails to list.
#[derive(Debug, Clone, Default)]
pub struct EmailFilter {
    /// Only this status.
    pub status: Option<EmailStatus>,
    /// Only emails to this contact.
    pub contact_id: Option<String>,
    /// Only this style/source.
    pub template_type: Option<TemplateType>,
}

/// How to order emails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmailOrder {
    /// Newest first (the default; served by `("userId", "createdAt" DESC, "id")`).
    #[default]
    CreatedAtDesc,
    /// Oldest first.
    CreatedAtAsc,
    /// Most recently changed first.
    UpdatedAtDesc,
}

impl EmailOrder {
    fn spec(self) -> SortSpec {
        let (tag, expr, desc) = match self {
            EmailOrder::CreatedAtDesc => ("e.cd", r#""createdAt""#, true),
            EmailOrder::CreatedAtAsc => ("e.ca", r#""createdAt""#, false),
            EmailOrder::UpdatedAtDesc => ("e.ud", r#""updatedAt""#, true),
        };
        SortSpec { tag, expr, desc, kind: KeyKind::Ts }
    }

    fn key(self, e: &Email) -> SortKey {
        match self {
            EmailOrder::CreatedAtDesc | EmailOrder::CreatedAtAsc => SortKey::Ts(Ts(e.created_at)),
            EmailOrder::UpdatedAtDesc => SortKey::Ts(Ts(e.updated_at)),
        }
    }
}

fn push_filter(sql: &mut Sql, user_id: &str, filter: &EmailFilter) {
    sql.push(r#" WHERE "userId" = "#).bind(Arg::Text(user_id.to_owned()));
    if let Some(status) = filter.status {
        sql.push(r#" AND "status" = "#).bind(Arg::Status(status));
    }
    if let Some(contact_id) = &filter.contact_id {
        sql.push(r#" AND "contactId" = "#).bind(Arg::Text(contact_id.clone()));
    }
    if let Some(t) = filter.template_type {
        sql.push(r#" AND "templateType" = "#).bind(Arg::TemplateType(t));
    }
}

impl Store {
    /// Creates an email to one of the user's contacts; another user's contact is `NotFound`.
    pub async fn create_email(&self, user_id: &str, new: &NewEmail) -> Result<Email> {
        let email = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = bind_new_email!(sqlx::query_as::<_, EmailRow>(INSERT_EMAIL), user_id, new)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else { return Err(StoreError::NotFound) };
            let email = Email::from(row);
            if email.status == EmailStatus::Draft {
                let data = outbox::email_data(&email.id, &email.contact_id, &email.subject,
                    serde_json::json!({ "status": "DRAFT" }));
                emit!(&mut *tx, user_id, Event::new(EventType::EmailDrafted, data))?;
            }
            tx.commit().await?;
            email
        });
        Ok(email)
    }

    /// One of the user's emails.
    pub async fn email(&self, user_id: &str, id: &str) -> Result<Email> {
        const SQL: &str =
            concat!("SELECT ", email_cols!(), r#" FROM "emails" WHERE "id" = $1 AND "userId" = $2"#);
        let row = on_read!(self, c => sqlx::query_as::<_, EmailRow>(SQL)
            .bind(id).bind(user_id).fetch_optional(c).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// Edits a DRAFT email; any other status is a `Conflict` naming it.
    pub async fn update_email(&self, user_id: &str, id: &str, patch: &EmailPatch) -> Result<Email> {
        let mut sql = Sql::new(r#"UPDATE "emails" SET "#);
        if let Some(v) = &patch.subject {
            sql.set(r#""subject""#, Arg::Text(v.as_str().to_owned()));
        }
        if let Some(v) = &patch.body {
            sql.set(r#""body""#, Arg::Text(v.as_str().to_owned()));
        }
        if let Some(v) = &patch.body_html {
            sql.set(r#""bodyHtml""#, Arg::OptText(v.as_ref().map(|h| h.as_str().to_owned())));
        }
        if let Some(v) = patch.template_type {
            sql.set(r#""templateType""#, Arg::OptTemplateType(v));
        }
        sql.set(r#""updatedAt""#, Arg::Ts(Ts::now()));
        sql.push(r#" WHERE "id" = "#).bind(Arg::Text(id.to_owned()));
        sql.push(r#" AND "userId" = "#).bind(Arg::Text(user_id.to_owned()));
        sql.push(r#" AND "status" = 'DRAFT'"#);
        sql.push(concat!(" RETURNING ", email_cols!()));
        let row = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, EmailRow>(sql.sql()), &sql.args)
            .fetch_optional(p).await)?;
        match row {
            Some(row) => Ok(row.into()),
            None => {
                let current = self.email(user_id, id).await?;
                Err(StoreError::Conflict(format!(
                    "email is {}; only DRAFT emails can be edited",
                    current.status
                )))
            }
        }
    }

    /// Records which provider (re)wrote a DRAFT and the tokens it reported.
    pub async fn record_generation(
        &self,
        user_id: &str,
        id: &str,
        provider_id: &str,
        tokens: u32,
    ) -> Result<Email> {
        const SQL: &str = concat!(
            r#"UPDATE "emails" SET "providerId" = $1, "tokensUsed" = $2, "generatedAt" = $3, "updatedAt" = $3
               WHERE "id" = $4 AND "userId" = $5 AND "status" = 'DRAFT' RETURNING "#,
            email_cols!()
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, EmailRow>(SQL)
            .bind(provider_id)
            .bind(i32::try_from(tokens).unwrap_or(i32::MAX))
            .bind(Ts::now())
            .bind(id)
            .bind(user_id)
            .fetch_optional(p)
            .await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// Deletes one of the user's emails.
    ///
    /// A follow-up sequence it starts or belongs to stops first (`EMAIL_DELETED`), in the same
    /// transaction.
    pub async fn delete_email(&self, user_id: &str, id: &str) -> Result<()> {
        let done = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let ids: Vec<String> = sqlx::query_scalar(crate::follow_ups::ACTIVE_FOR_EMAIL)
                .bind(user_id).bind(id).fetch_all(&mut *tx).await?;
            crate::follow_ups::stop_sequences!(tx, ids, domain::FollowUpStopReason::EmailDeleted, Ts::now());
            let done = sqlx::query(r#"DELETE FROM "emails" WHERE "id" = $1 AND "userId" = $2"#)
                .bind(id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            done
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// A page of the user's emails.
    pub async fn list_emails(
        &self,
        user_id: &str,
        filter: &EmailFilter,
        order: EmailOrder,
        req: &PageRequest,
    ) -> Result<Page<Email>> {
        self.list_emails_reading(user_id, filter, order, req, EmailColumns::All).await
    }

    /// A page of the user's emails, reading only `columns`.
    pub async fn list_emails_reading(
        &self,
        user_id: &str,
        filter: &EmailFilter,
        order: EmailOrder,
        req: &PageRequest,
        columns: EmailColumns,
    ) -> Result<Page<Email>> {
        let spec = order.spec();
        let set = columns.set();
        let mut sql = Sql::new(&set.select());
        push_filter(&mut sql, user_id, filter);
        page::push_after(&mut sql, &spec, req.after.as_deref())?;
        page::push_order_limit(&mut sql, &spec, req.first);
        let emails = on_read!(self, c => match bind_all!(sqlx::query(sql.sql()), &sql.args).fetch_all(c).await {
            Ok(rows) => rows
                .iter()
                .map(|row| EmailRow::decode_selected(row, set).map(Email::from))
                .collect::<Result<Vec<Email>, sqlx::Error>>(),
            Err(e) => Err(e),
        })?;
        Ok(page::into_page(emails, req, &spec, |e| (order.key(e), e.id.as_str())))
    }

    /// How many of the user's emails match the filter.
    pub async fn count_emails(&self, user_id: &str, filter: &EmailFilter) -> Result<i64> {
        let mut sql = Sql::new(r#"SELECT COUNT(*) FROM "emails""#);
        push_filter(&mut sql, user_id, filter);
        let n = on_db!(&self.db, p => bind_all!(sqlx::query_scalar::<_, i64>(sql.sql()), &sql.args)
            .fetch_one(p).await)?;
        Ok(n)
    }

    /// The first page (newest first) of emails for each of several contacts in one query, for
    /// batched relation loading. Contacts without emails map to an empty page.
    pub async fn first_emails_for_contacts(
        &self,
        user_id: &str,
        contact_ids: &[String],
        first: u32,
    ) -> Result<std::collections::HashMap<String, Page<Email>>> {
        let order = EmailOrder::CreatedAtDesc;
        let spec = order.spec();
        let mut sql = Sql::new(concat!(
            "SELECT ",
            email_cols!(),
            r#" FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "contactId" ORDER BY "createdAt" DESC, "id" ASC) AS "rn"
               FROM "emails" WHERE "userId" = "#
        ));
        sql.bind(Arg::Text(user_id.to_owned()));
        push_in(&mut sql, r#""contactId""#, contact_ids);
        sql.push(r#") ranked WHERE "rn" <= "#).bind(Arg::Int(i64::from(first) + 1));
        sql.push(r#" ORDER BY "contactId", "rn""#);
        let rows = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, EmailRow>(sql.sql()), &sql.args)
            .fetch_all(p).await)?;
        let mut grouped: std::collections::HashMap<String, Vec<Email>> =
            contact_ids.iter().map(|id| (id.clone(), Vec::new())).collect();
        for row in rows {
            let e: Email = row.into();
            grouped.entry(e.contact_id.clone()).or_default().push(e);
        }
        let req = PageRequest { first, after: None };
        Ok(grouped
            .into_iter()
            .map(|(id, items)| (id, page::into_page(items, &req, &spec, |e| (order.key(e), e.id.as_str()))))
            .collect())
    }

    /// Email counts for several contacts in one query (contacts with none are absent).
    pub async fn count_emails_by_contacts(
        &self,
        user_id: &str,
        contact_ids: &[String],
    ) -> Result<Vec<(String, i64)>> {
        let mut sql = Sql::new(r#"SELECT "contactId", COUNT(*) FROM "emails" WHERE "userId" = "#);
        sql.bind(Arg::Text(user_id.to_owned()));
        push_in(&mut sql, r#""contactId""#, contact_ids);
        sql.push(r#" GROUP BY "contactId""#);
        let rows = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, (String, i64)>(sql.sql()), &sql.args)
            .fetch_all(p).await)?;
        Ok(rows)
    }
}

/// Appends ` AND column IN ($a, $b, …)` (or a false condition for an empty list).
pub(crate) fn push_in(sql: &mut Sql, column: &str, values: &[String]) {
    if values.is_empty() {
        sql.push(" AND 1 = 0");
        return;
    }
    sql.push(" AND ").push(column).push(" IN (");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(Arg::Text(v.clone()));
    }
    sql.push(")");
}

#[cfg(test)]
mod tests {
    use super::EmailRow;
    use crate::row::names_of;

    #[test]
    fn the_row_decodes_the_columns_its_statements_select() {
        assert_eq!(names_of(email_cols!()), EmailRow::COLUMNS);
    }
}
