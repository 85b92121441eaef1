//! Inbound mail: mailboxes with their per-folder checkpoints and lease, the messages already
//! captured (one per user and Message-ID), the review queue and ignored senders.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::ts::Ts;
use crate::write_tx::BeginWrite;
use chrono::{DateTime, Utc};

/// A stored mailbox (the password stays encrypted).
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct MailboxRow {
    /// Row id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// IMAP host.
    pub host: String,
    /// IMAP port.
    pub port: i32,
    /// `TLS`, `STARTTLS` or `NONE`.
    pub security: String,
    /// Login name.
    pub username: String,
    /// Password encrypted with the server's secret key.
    pub password_enc: String,
    /// Folders to read, newline-separated.
    pub folders: String,
    /// `CAPTURE` or `PERSONAL`.
    pub role: String,
    /// `SYNCING`, `IDLE` or `ERROR`.
    pub status: String,
    /// End of the last successful pass.
    pub last_sync_at: Option<Ts>,
    /// The last error in plain words.
    pub last_error: Option<String>,
    /// Messages filed into history.
    pub imported_count: i32,
    /// Messages queued for review.
    pub queued_count: i32,
}

macro_rules! mailbox_cols {
    () => {
        r#""id", "userId", "host", "port", "security", "username", "passwordEnc", "folders", "role", "status", "lastSyncAt", "lastError", "importedCount", "queuedCount""#
    };
}

/// What a new mailbox is made of.
#[derive(Debug, Clone)]
pub struct NewMailbox {
    /// IMAP host.
    pub host: String,
    /// IMAP port.
    pub port: i32,
    /// `TLS`, `STARTTLS` or `NONE`.
    pub security: String,
    /// Login name.
    pub username: String,
    /// Encrypted password.
    pub password_enc: String,
    /// Folders, newline-separated.
    pub folders: String,
    /// `CAPTURE` or `PERSONAL`.
    pub role: String,
}

/// A message from an unknown sender waiting for the user's decision.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct ReviewRow {
    /// Row id (time-ordered).
    pub id: String,
    /// Mailbox it came from.
    pub mailbox_id: Option<String>,
    /// Its Message-ID.
    pub message_id: String,
    /// Sender address.
    pub from_address: String,
    /// Sender name.
    pub from_name: Option<String>,
    /// Subject.
    pub subject: String,
    /// Readable text.
    pub content: String,
    /// History metadata (JSON text).
    pub metadata: String,
    /// When it was received.
    pub received_at: Ts,
}

impl Store {
    /// Stores a new mailbox (status IDLE, nothing imported yet).
    pub async fn create_mailbox(&self, user_id: &str, m: &NewMailbox) -> Result<MailboxRow> {
        const SQL: &str = concat!(
            r#"INSERT INTO "mailboxes" ("id", "userId", "host", "port", "security", "username", "passwordEnc", "folders", "role", "status", "createdAt", "updatedAt")
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'IDLE', $10, $10) RETURNING "#,
            mailbox_cols!()
        );
        let now = Ts::now();
        let row = on_db!(&self.db, p => sqlx::query_as::<_, MailboxRow>(SQL)
            .bind(domain::new_id()).bind(user_id).bind(&m.host).bind(m.port).bind(&m.security)
            .bind(&m.username).bind(&m.password_enc).bind(&m.folders).bind(&m.role).bind(now)
            .fetch_one(p).await)
        .map_err(crate::contacts::fk_to_not_found)?;
        Ok(row)
    }

    /// The user's mailboxes, oldest first.
    pub async fn mailboxes(&self, user_id: &str) -> Result<Vec<MailboxRow>> {
        const SQL: &str = concat!(
            "SELECT ",
            mailbox_cols!(),
            r#" FROM "mailboxes" WHERE "userId" = $1 ORDER BY "createdAt", "id""#
        );
        Ok(on_db!(&self.db, p => sqlx::query_as::<_, MailboxRow>(SQL).bind(user_id).fetch_all(p).await)?)
    }

    /// One of the user's mailboxes.
    pub async fn mailbox(&self, user_id: &str, id: &str) -> Result<MailboxRow> {
        const SQL: &str =
            concat!("SELECT ", mailbox_cols!(), r#" FROM "mailboxes" WHERE "id" = $1 AND "userId" = $2"#);
        let row = on_db!(&self.db, p => sqlx::query_as::<_, MailboxRow>(SQL).bind(id).bind(user_id).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// A mailbox by id alone (the sync worker, which acts for every user).
    pub async fn mailbox_by_id(&self, id: &str) -> Result<Option<MailboxRow>> {
        const SQL: &str = concat!("SELECT ", mailbox_cols!(), r#" FROM "mailboxes" WHERE "id" = $1"#);
        Ok(on_db!(&self.db, p => sqlx::query_as::<_, MailboxRow>(SQL).bind(id).fetch_optional(p).await)?)
    }

    /// Changes a mailbox's folders and, when given, its encrypted password.
    pub async fn update_mailbox(
        &self,
        user_id: &str,
        id: &str,
        folders: Option<&str>,
        password_enc: Option<&str>,
    ) -> Result<MailboxRow> {
        const SQL: &str = concat!(
            r#"UPDATE "mailboxes" SET "folders" = COALESCE($1, "folders"), "passwordEnc" = COALESCE($2, "passwordEnc"),
               "updatedAt" = $3 WHERE "id" = $4 AND "userId" = $5 RETURNING "#,
            mailbox_cols!()
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, MailboxRow>(SQL)
            .bind(folders).bind(password_enc).bind(Ts::now()).bind(id).bind(user_id).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Deletes a mailbox with its checkpoints (captured history stays).
    pub async fn delete_mailbox(&self, user_id: &str, id: &str) -> Result<()> {
        const SQL: &str = r#"DELETE FROM "mailboxes" WHERE "id" = $1 AND "userId" = $2"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL).bind(id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Ids of every mailbox whose lease is free at `now` (the worker's candidates).
    pub async fn mailboxes_due(&self, now: DateTime<Utc>) -> Result<Vec<String>> {
        const SQL: &str =
            r#"SELECT "id" FROM "mailboxes" WHERE "leaseUntil" IS NULL OR "leaseUntil" < $1 ORDER BY "id""#;
        Ok(on_db!(&self.db, p => sqlx::query_scalar::<_, String>(SQL).bind(Ts::new(now)).fetch_all(p).await)?)
    }

    /// Takes the lease on a mailbox until `until` when it is free (or already `owner`'s): one
    /// atomic UPDATE, so two processes on one database never both win. Marks it SYNCING.
    pub async fn claim_mailbox(
        &self,
        id: &str,
        owner: &str,
        until: DateTime<Utc>,
    ) -> Result<Option<MailboxRow>> {
        const SQL: &str = concat!(
            r#"UPDATE "mailboxes" SET "leaseOwner" = $1, "leaseUntil" = $2, "status" = 'SYNCING'
               WHERE "id" = $3 AND ("leaseUntil" IS NULL OR "leaseUntil" < $4 OR "leaseOwner" = $1) RETURNING "#,
            mailbox_cols!()
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, MailboxRow>(SQL)
            .bind(owner).bind(Ts::new(until)).bind(id).bind(Ts::now()).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Adds to a mailbox's imported / queued counts as each message is filed, so a pass cut
    /// short (shutdown, lost lease) still counts what it filed.
    pub async fn add_mailbox_counts(&self, id: &str, imported: i32, queued: i32) -> Result<()> {
        const SQL: &str = r#"UPDATE "mailboxes" SET "importedCount" = "importedCount" + $1,
               "queuedCount" = "queuedCount" + $2 WHERE "id" = $3"#;
        on_db!(&self.db, p => sqlx::query(SQL).bind(imported).bind(queued).bind(id)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Ends a pass: frees the lease and records the outcome and counts.
    pub async fn finish_mailbox_pass(
        &self,
        id: &str,
        owner: &str,
        error: Option<&str>,
        imported: i32,
        queued: i32,
    ) -> Result<()> {
        const SQL: &str = r#"UPDATE "mailboxes" SET "leaseOwner" = NULL, "leaseUntil" = NULL,
               "status" = CASE WHEN $1 IS NULL THEN 'IDLE' ELSE 'ERROR' END, "lastError" = $1,
               "lastSyncAt" = CASE WHEN $1 IS NULL THEN $2 ELSE "lastSyncAt" END,
               "importedCount" = "importedCount" + $3, "queuedCount" = "queuedCount" + $4
               WHERE "id" = $5 AND "leaseOwner" = $6"#;
        on_db!(&self.db, p => sqlx::query(SQL).bind(error).bind(Ts::now()).bind(imported).bind(queued)
            .bind(id).bind(owner).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// A folder's checkpoint: (UIDVALIDITY, last UID).
    pub async fn folder_checkpoint(&self, mailbox_id: &str, folder: &str) -> Result<Option<(i64, i64)>> {
        const SQL: &str = r#"SELECT "uidValidity", "lastUid" FROM "mailbox_folders" WHERE "mailboxId" = $1 AND "folder" = $2"#;
        Ok(
            on_db!(&self.db, p => sqlx::query_as::<_, (i64, i64)>(SQL).bind(mailbox_id).bind(folder).fetch_optional(p).await)?,
        )
    }

    /// Moves a folder's checkpoint.
    pub async fn set_folder_checkpoint(
        &self,
        mailbox_id: &str,
        folder: &str,
        uid_validity: i64,
        last_uid: i64,
    ) -> Result<()> {
        const SQL: &str = r#"INSERT INTO "mailbox_folders" ("mailboxId", "folder", "uidValidity", "lastUid") VALUES ($1, $2, $3, $4)
            ON CONFLICT ("mailboxId", "folder") DO UPDATE SET "uidValidity" = excluded."uidValidity", "lastUid" = excluded."lastUid""#;
        on_db!(&self.db, p => sqlx::query(SQL).bind(mailbox_id).bind(folder).bind(uid_validity).bind(last_uid)
            .execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Records that a message was handled; false when it already was (by any mailbox or
    /// process), which is what makes a message one entry however often it arrives.
    pub async fn claim_inbound_message(
        &self,
        user_id: &str,
        message_id: &str,
        mailbox_id: &str,
        outcome: &str,
    ) -> Result<bool> {
        const SQL: &str = r#"INSERT INTO "inbound_messages" ("userId", "messageId", "mailboxId", "outcome", "createdAt")
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("userId", "messageId") DO NOTHING"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL).bind(user_id).bind(message_id).bind(mailbox_id).bind(outcome)
            .bind(Ts::now()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Forgets a claimed message (its filing failed, so a later pass may retry it).
    pub async fn unclaim_inbound_message(&self, user_id: &str, message_id: &str) -> Result<()> {
        const SQL: &str = r#"DELETE FROM "inbound_messages" WHERE "userId" = $1 AND "messageId" = $2"#;
        on_db!(&self.db, p => sqlx::query(SQL).bind(user_id).bind(message_id).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// The SENT email with one of these Message-IDs (stored with angle brackets): (email id,
    /// contact id).
    pub async fn sent_email_by_message_ids(
        &self,
        user_id: &str,
        ids: &[String],
    ) -> Result<Option<(String, String)>> {
        const SQL: &str =
            r#"SELECT "id", "contactId" FROM "emails" WHERE "userId" = $1 AND "messageId" = $2"#;
        for id in ids {
            let bracketed = format!("<{id}>");
            let row = on_db!(&self.db, p => sqlx::query_as::<_, (String, String)>(SQL).bind(user_id).bind(&bracketed).fetch_optional(p).await)?;
            if row.is_some() {
                return Ok(row);
            }
        }
        Ok(None)
    }

    /// Sets an email's `repliedAt` when unset.
    pub async fn mark_email_replied(&self, user_id: &str, email_id: &str, at: DateTime<Utc>) -> Result<()> {
        const SQL: &str = r#"UPDATE "emails" SET "repliedAt" = $1, "updatedAt" = $2 WHERE "id" = $3 AND "userId" = $4 AND "repliedAt" IS NULL
            RETURNING "contactId", "subject""#;
        let at = Ts::new(at);
        on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query_as::<_, (String, String)>(SQL).bind(at).bind(Ts::now()).bind(email_id).bind(user_id)
                .fetch_optional(&mut *tx).await?;
            if let Some((contact_id, subject)) = &row {
                let data = crate::outbox::email_data(email_id, contact_id, subject,
                    serde_json::json!({ "repliedAt": crate::outbox::time(at) }));
                crate::outbox::emit!(&mut *tx, user_id, crate::outbox::Event::new(domain::webhook::EventType::EmailReplied, data))?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The user's contact with this address (case-insensitive), if any.
    pub async fn contact_id_by_email(&self, user_id: &str, address: &str) -> Result<Option<String>> {
        const SQL: &str = r#"SELECT "id" FROM "contacts" WHERE "userId" = $1 AND LOWER("email") = $2 ORDER BY "id" LIMIT 1"#;
        Ok(
            on_db!(&self.db, p => sqlx::query_scalar::<_, String>(SQL).bind(user_id).bind(address.to_lowercase()).fetch_optional(p).await)?,
        )
    }

    /// Queues a message for review; false when it is already queued.
    pub async fn add_review_item(&self, user_id: &str, r: &ReviewRow) -> Result<bool> {
        const SQL: &str = r#"INSERT INTO "review_items" ("id", "userId", "mailboxId", "messageId", "fromAddress", "fromName", "subject", "content", "metadata", "receivedAt")
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT ("userId", "messageId") DO NOTHING"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL).bind(&r.id).bind(user_id).bind(&r.mailbox_id).bind(&r.message_id)
            .bind(&r.from_address).bind(&r.from_name).bind(&r.subject).bind(&r.content).bind(&r.metadata).bind(r.received_at)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Up to `first` review items after the item `after` (newest first by id).
    pub async fn review_items(
        &self,
        user_id: &str,
        first: i64,
        after: Option<&str>,
    ) -> Result<Vec<ReviewRow>> {
        const SQL: &str = r#"SELECT "id", "mailboxId", "messageId", "fromAddress", "fromName", "subject", "content", "metadata", "receivedAt"
            FROM "review_items" WHERE "userId" = $1 AND ($2 IS NULL OR "id" < $2) ORDER BY "id" DESC LIMIT $3"#;
        Ok(
            on_db!(&self.db, p => sqlx::query_as::<_, ReviewRow>(SQL).bind(user_id).bind(after).bind(first).fetch_all(p).await)?,
        )
    }

    /// One review item.
    pub async fn review_item(&self, user_id: &str, id: &str) -> Result<ReviewRow> {
        const SQL: &str = r#"SELECT "id", "mailboxId", "messageId", "fromAddress", "fromName", "subject", "content", "metadata", "receivedAt"
            FROM "review_items" WHERE "userId" = $1 AND "id" = $2"#;
        let row = on_db!(&self.db, p => sqlx::query_as::<_, ReviewRow>(SQL).bind(user_id).bind(id).fetch_optional(p).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// Removes every review item from `address`; returns how many.
    pub async fn delete_review_items_from(&self, user_id: &str, address: &str) -> Result<u64> {
        const SQL: &str = r#"DELETE FROM "review_items" WHERE "userId" = $1 AND "fromAddress" = $2"#;
        Ok(
            on_db!(&self.db, p => sqlx::query(SQL).bind(user_id).bind(address).execute(p).await.map(|r| r.rows_affected()))?,
        )
    }

    /// Ignores a sender from now on.
    pub async fn ignore_sender(&self, user_id: &str, address: &str) -> Result<()> {
        const SQL: &str = r#"INSERT INTO "ignored_senders" ("userId", "address", "createdAt") VALUES ($1, $2, $3)
            ON CONFLICT ("userId", "address") DO NOTHING"#;
        on_db!(&self.db, p => sqlx::query(SQL).bind(user_id).bind(address).bind(Ts::now()).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// True when the user ignores this sender.
    pub async fn is_ignored_sender(&self, user_id: &str, address: &str) -> Result<bool> {
        const SQL: &str = r#"SELECT COUNT(*) FROM "ignored_senders" WHERE "userId" = $1 AND "address" = $2"#;
        let n = on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(SQL).bind(user_id).bind(address).fetch_one(p).await)?;
        Ok(n > 0)
    }
}
