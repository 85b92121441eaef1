//! Account archives: read every row of an account page by page (the exporter streams them out
//! without holding the account in memory), and restore an archive into an EMPTY account in one
//! transaction.
//!
//! Ids are kept when they are free, so an archive restored into another database reproduces the
//! account row for row. When they are taken (the archive comes from this same database, e.g. a
//! copy into a second account), the caller asks for `remap`: every row gets a fresh id, references
//! follow, and tracking tokens are dropped (they are globally unique and belong to the original).

pub mod rows;

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::ts::Ts;
use crate::write_tx::BeginWrite;
pub use rows::{ArchiveAccount, ArchiveContact, ArchiveEmail, ArchiveEntry, ArchiveTable, ArchiveTemplate};
use std::collections::HashMap;

/// Rows per page when exporting.
pub const PAGE_ROWS: i64 = 500;

/// Everything a restore writes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountData {
    /// Name and time zone to take over (None leaves the account's own).
    pub account: Option<ArchiveAccount>,
    /// Contacts.
    pub contacts: Vec<ArchiveContact>,
    /// Email templates (at most one default).
    pub templates: Vec<ArchiveTemplate>,
    /// Conversation history; every `contactId` must be one of `contacts`.
    pub history: Vec<ArchiveEntry>,
    /// Emails; every `contactId` must be one of `contacts`.
    pub emails: Vec<ArchiveEmail>,
}

impl Store {
    /// The account's profile and time zone.
    pub async fn archive_account(&self, user_id: &str) -> Result<ArchiveAccount> {
        const SQL: &str = r#"SELECT u."email", u."name", u."createdAt", p."timeZone"
            FROM "users" u LEFT JOIN "user_preferences" p ON p."userId" = u."id" WHERE u."id" = $1"#;
        let row = on_db!(&self.db, p => sqlx::query_as::<_, ArchiveAccount>(SQL)
            .bind(user_id).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// One page of the user's rows of `T`, ids after `after` ("" for the first page), in id order.
    pub async fn archive_page<T: ArchiveTable>(
        &self,
        user_id: &str,
        after: &str,
        limit: i64,
    ) -> Result<Vec<T>> {
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, T>(T::PAGE_SQL)
            .bind(user_id).bind(after).bind(limit).fetch_all(p).await)?;
        Ok(rows)
    }

    /// True when the user has no contacts and no templates (so no history or emails either).
    pub async fn account_is_empty(&self, user_id: &str) -> Result<bool> {
        const SQL: &str = r#"SELECT (SELECT COUNT(*) FROM "contacts" WHERE "userId" = $1)
            + (SELECT COUNT(*) FROM "email_templates" WHERE "userId" = $1)"#;
        let n = on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(SQL).bind(user_id).fetch_one(p).await)?;
        Ok(n == 0)
    }

    /// Writes `data` into the user's account in one transaction. CONFLICT when the account is not
    /// empty or (without `remap`) an id is already taken; NOT_FOUND when a history entry or an
    /// email refers to a contact that is not in `data`. Nothing is written on any error.
    pub async fn restore_account(&self, user_id: &str, data: &AccountData, remap: bool) -> Result<()> {
        const LOCK_ACCOUNT: &str = r#"UPDATE "users" SET "updatedAt" = "updatedAt" WHERE "id" = $1"#;
        const NOT_EMPTY: &str = r#"SELECT (SELECT COUNT(*) FROM "contacts" WHERE "userId" = $1)
            + (SELECT COUNT(*) FROM "email_templates" WHERE "userId" = $1)"#;
        const NAME: &str = r#"UPDATE "users" SET "name" = $1, "updatedAt" = $2 WHERE "id" = $3"#;
        const TZ: &str = r#"INSERT INTO "user_preferences" ("userId", "timeZone", "updatedAt") VALUES ($1, $2, $3)
            ON CONFLICT ("userId") DO UPDATE SET "timeZone" = excluded."timeZone", "updatedAt" = excluded."updatedAt""#;
        const CONTACT: &str = r#"INSERT INTO "contacts" ("id", "userId", "name", "email", "phone", "company",
            "role", "industry", "linkedInUrl", "priority", "birthday", "notes", "lastContactedAt",
            "stayInTouchDays", "lastTouchAt", "nextTouchAt", "snoozedUntil", "createdAt", "updatedAt")
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"#;
        const TEMPLATE: &str = r#"INSERT INTO "email_templates" ("id", "userId", "name", "subject", "body",
            "templateType", "isDefault", "createdAt", "updatedAt") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#;
        // History and emails are inserted through the user's own contact, so an archive can never
        // attach rows to another account's contact.
        const ENTRY: &str = r#"INSERT INTO "conversation_history" ("id", "userId", "contactId", "content",
            "direction", "timestamp", "metadata")
            SELECT $1, c."userId", c."id", $2, $3, $4, $5 FROM "contacts" c WHERE c."id" = $6 AND c."userId" = $7"#;
        const EMAIL: &str = r#"INSERT INTO "emails" ("id", "userId", "contactId", "subject", "body", "bodyHtml",
            "status", "templateType", "providerId", "tokensUsed", "generatedAt", "sentAt", "openedAt",
            "repliedAt", "createdAt", "updatedAt", "scheduledAt", "nextAttemptAt", "sendAttempts", "lastError",
            "messageId", "trackingToken")
            SELECT $1, c."userId", c."id", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                $17, $18, $19, $20 FROM "contacts" c WHERE c."id" = $21 AND c."userId" = $22"#;

        let mut contact_ids: HashMap<&str, String> = HashMap::new();
        for c in &data.contacts {
            let id = if remap { domain::new_id() } else { c.id.clone() };
            contact_ids.insert(c.id.as_str(), id);
        }
        let new_id = |old: &str| if remap { domain::new_id() } else { old.to_owned() };
        let contact_of = |old: &str| contact_ids.get(old).cloned().ok_or(StoreError::NotFound);
        let now = Ts::now();
        on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            // Lock the account row first: on PostgreSQL this serialises two restores into one
            // account (SQLite's `BEGIN IMMEDIATE` already holds the whole database).
            sqlx::query(LOCK_ACCOUNT).bind(user_id).execute(&mut *tx).await?;
            let rows = sqlx::query_scalar::<_, i64>(NOT_EMPTY).bind(user_id).fetch_one(&mut *tx).await?;
            if rows != 0 {
                return Err(StoreError::Conflict("the account is not empty".into()));
            }
            if let Some(a) = &data.account {
                let done = sqlx::query(NAME).bind(&a.name).bind(now).bind(user_id).execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if let Some(tz) = &a.time_zone {
                    sqlx::query(TZ).bind(user_id).bind(tz).bind(now).execute(&mut *tx).await?;
                }
            }
            for c in &data.contacts {
                sqlx::query(CONTACT)
                    .bind(contact_of(&c.id)?).bind(user_id).bind(&c.name).bind(&c.email).bind(&c.phone)
                    .bind(&c.company).bind(&c.role).bind(&c.industry).bind(&c.linked_in_url).bind(c.priority)
                    .bind(c.birthday).bind(&c.notes).bind(c.last_contacted_at).bind(c.stay_in_touch_days)
                    .bind(c.last_touch_at).bind(c.next_touch_at).bind(c.snoozed_until).bind(c.created_at)
                    .bind(c.updated_at)
                    .execute(&mut *tx).await?;
            }
            for t in &data.templates {
                sqlx::query(TEMPLATE)
                    .bind(new_id(&t.id)).bind(user_id).bind(&t.name).bind(&t.subject).bind(&t.body)
                    .bind(t.template_type).bind(t.is_default).bind(t.created_at).bind(t.updated_at)
                    .execute(&mut *tx).await?;
            }
            for h in &data.history {
                let done = sqlx::query(ENTRY)
                    .bind(new_id(&h.id)).bind(&h.content).bind(h.direction).bind(h.timestamp)
                    .bind(&h.metadata).bind(contact_of(&h.contact_id)?).bind(user_id)
                    .execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
            }
            for e in &data.emails {
                let token = if remap { None } else { e.tracking_token.clone() };
                let done = sqlx::query(EMAIL)
                    .bind(new_id(&e.id)).bind(&e.subject).bind(&e.body).bind(&e.body_html).bind(e.status)
                    .bind(e.template_type).bind(&e.provider_id).bind(e.tokens_used).bind(e.generated_at)
                    .bind(e.sent_at).bind(e.opened_at).bind(e.replied_at).bind(e.created_at).bind(e.updated_at)
                    .bind(e.scheduled_at).bind(e.next_attempt_at).bind(e.send_attempts).bind(&e.last_error)
                    .bind(&e.message_id).bind(token).bind(contact_of(&e.contact_id)?).bind(user_id)
                    .execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
