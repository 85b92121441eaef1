//! What the mailbox sync worker and the review actions need beyond `mailboxes`: each folder's
//! full state (new-mail checkpoint and how far the first import has walked back), the lease
//! renewal of a long pass, every mailbox id, the user's mail aliases, and review-item removal.

use crate::db::Store;
use crate::error::Result;
use crate::ts::Ts;
use crate::write_tx::BeginWrite;
use chrono::{DateTime, Utc};

/// Where a folder's import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct FolderState {
    /// UIDVALIDITY the UIDs below belong to.
    pub uid_validity: i64,
    /// Highest UID of new mail handled.
    pub last_uid: i64,
    /// The first import still has to handle the messages below this UID (0: done).
    pub backfill_uid: i64,
}

impl Store {
    /// A folder's whole state, if it was ever synced.
    pub async fn folder_state(&self, mailbox_id: &str, folder: &str) -> Result<Option<FolderState>> {
        const SQL: &str = r#"SELECT "uidValidity", "lastUid", "backfillUid" FROM "mailbox_folders" WHERE "mailboxId" = $1 AND "folder" = $2"#;
        Ok(
            on_db!(&self.db, p => sqlx::query_as::<_, FolderState>(SQL).bind(mailbox_id).bind(folder).fetch_optional(p).await)?,
        )
    }

    /// Stores a folder's whole state.
    pub async fn set_folder_state(&self, mailbox_id: &str, folder: &str, s: FolderState) -> Result<()> {
        const SQL: &str = r#"INSERT INTO "mailbox_folders" ("mailboxId", "folder", "uidValidity", "lastUid", "backfillUid") VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT ("mailboxId", "folder") DO UPDATE SET "uidValidity" = excluded."uidValidity", "lastUid" = excluded."lastUid", "backfillUid" = excluded."backfillUid""#;
        on_db!(&self.db, p => sqlx::query(SQL).bind(mailbox_id).bind(folder).bind(s.uid_validity).bind(s.last_uid)
            .bind(s.backfill_uid).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Extends the lease `owner` holds on a mailbox; false when it no longer holds it.
    pub async fn renew_mailbox_lease(&self, id: &str, owner: &str, until: DateTime<Utc>) -> Result<bool> {
        const SQL: &str = r#"UPDATE "mailboxes" SET "leaseUntil" = $1 WHERE "id" = $2 AND "leaseOwner" = $3"#;
        let n = on_db!(&self.db, p => sqlx::query(SQL).bind(Ts::new(until)).bind(id).bind(owner)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Gives up `owner`'s lease on a mailbox without recording an outcome (a pass cut short
    /// by shutdown): the next process need not wait for the lease to run out.
    pub async fn release_mailbox_lease(&self, id: &str, owner: &str) -> Result<()> {
        const SQL: &str = r#"UPDATE "mailboxes" SET "leaseOwner" = NULL, "leaseUntil" = NULL,
               "status" = CASE WHEN "lastError" IS NULL THEN 'IDLE' ELSE 'ERROR' END
               WHERE "id" = $1 AND "leaseOwner" = $2"#;
        on_db!(&self.db, p => sqlx::query(SQL).bind(id).bind(owner).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Every mailbox id of every user (the worker watches them all; leases keep passes apart).
    pub async fn all_mailbox_ids(&self) -> Result<Vec<String>> {
        const SQL: &str = r#"SELECT "id" FROM "mailboxes" ORDER BY "id""#;
        Ok(on_db!(&self.db, p => sqlx::query_scalar::<_, String>(SQL).fetch_all(p).await)?)
    }

    /// The user's other sending addresses, lower-cased, sorted.
    pub async fn mail_aliases(&self, user_id: &str) -> Result<Vec<String>> {
        const SQL: &str =
            r#"SELECT "address" FROM "user_mail_aliases" WHERE "userId" = $1 ORDER BY "address""#;
        Ok(on_db!(&self.db, p => sqlx::query_scalar::<_, String>(SQL).bind(user_id).fetch_all(p).await)?)
    }

    /// Replaces the user's aliases with `addresses` (already validated and lower-cased), in
    /// one transaction.
    pub async fn set_mail_aliases(&self, user_id: &str, addresses: &[String]) -> Result<()> {
        const DELETE: &str = r#"DELETE FROM "user_mail_aliases" WHERE "userId" = $1"#;
        const INSERT: &str = r#"INSERT INTO "user_mail_aliases" ("userId", "address", "createdAt") VALUES ($1, $2, $3)
            ON CONFLICT ("userId", "address") DO NOTHING"#;
        let now = Ts::now();
        on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(DELETE).bind(user_id).execute(&mut *tx).await?;
            for a in addresses {
                sqlx::query(INSERT).bind(user_id).bind(a).bind(now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// How many messages wait for review.
    pub async fn count_review_items(&self, user_id: &str) -> Result<i64> {
        const SQL: &str = r#"SELECT COUNT(*) FROM "review_items" WHERE "userId" = $1"#;
        Ok(on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(SQL).bind(user_id).fetch_one(p).await)?)
    }

    /// Removes one review item (it was filed or dismissed).
    pub async fn delete_review_item(&self, user_id: &str, id: &str) -> Result<()> {
        const SQL: &str = r#"DELETE FROM "review_items" WHERE "userId" = $1 AND "id" = $2"#;
        on_db!(&self.db, p => sqlx::query(SQL).bind(user_id).bind(id).execute(p).await.map(|_| ()))?;
        Ok(())
    }
}
