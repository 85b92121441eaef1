//! Bulk contact import: every contact of a user at once (for duplicate matching), and one
//! transaction that creates and patches a whole file's contacts — all or nothing.

use crate::contacts::{ContactRow, contact_cols, patch_sql};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::ts::Ts;
use domain::Contact;
use domain::inputs::{ContactPatch, NewContact};

const INSERT: &str = r#"INSERT INTO "contacts" ("id", "userId", "name", "email", "phone", "company", "role",
    "industry", "linkedInUrl", "priority", "birthday", "notes", "createdAt", "updatedAt", "stayInTouchDays",
    "nextTouchAt")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15)"#;

impl Store {
    /// Every contact of the user, oldest first (import matches a file against all of them).
    pub async fn all_contacts(&self, user_id: &str) -> Result<Vec<Contact>> {
        const SQL: &str = concat!(
            "SELECT ",
            contact_cols!(),
            r#" FROM "contacts" WHERE "userId" = $1 ORDER BY "createdAt", "id""#
        );
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, ContactRow>(SQL)
            .bind(user_id).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Creates `creates` and applies `updates` (contact id, patch) in ONE transaction: either
    /// every row is written or none is. A patched contact that no longer exists is NOT_FOUND
    /// (and rolls everything back).
    pub async fn apply_import(
        &self,
        user_id: &str,
        creates: &[NewContact],
        updates: &[(String, ContactPatch)],
    ) -> Result<()> {
        let refresh = self.refresh_next_touch_sql();
        let now = Ts::now();
        on_db!(&self.db, p => {
            let mut tx = p.begin().await?;
            for new in creates {
                // Imported contacts get their priority's cadence, like contacts created by hand.
                let days = domain::touch::default_cadence_days(new.priority);
                let next = new.email.as_ref().map(|_| Ts::new(now.0 + chrono::Duration::days(i64::from(days))));
                sqlx::query(INSERT)
                    .bind(domain::new_id())
                    .bind(user_id)
                    .bind(new.name.as_str())
                    .bind(new.email.as_ref().map(|v| v.as_str()))
                    .bind(new.phone.as_ref().map(|v| v.as_str()))
                    .bind(new.company.as_ref().map(|v| v.as_str()))
                    .bind(new.role.as_ref().map(|v| v.as_str()))
                    .bind(new.industry.as_ref().map(|v| v.as_str()))
                    .bind(new.linked_in_url.as_ref().map(|v| v.as_str()))
                    .bind(new.priority)
                    .bind(new.birthday)
                    .bind(new.notes.as_ref().map(|v| v.as_str()))
                    .bind(now)
                    .bind(days)
                    .bind(next)
                    .execute(&mut *tx)
                    .await?;
            }
            for (id, patch) in updates {
                let sql = patch_sql(user_id, id, patch);
                let row = bind_all!(sqlx::query_as::<_, ContactRow>(sql.sql()), &sql.args)
                    .fetch_optional(&mut *tx)
                    .await?;
                if row.is_none() {
                    return Err(StoreError::NotFound);
                }
                // A filled-in address may start a cadence: `nextTouchAt` follows in this transaction.
                sqlx::query(refresh).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
