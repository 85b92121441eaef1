//! Bulk contact import: every contact of a user at once (for duplicate matching), and one
//! transaction that creates and patches a whole file's contacts — all or nothing.

use crate::contacts::{
    ContactRow, bind_new_contact, contact_cols, initial_cadence, insert_contact_sql, patch_sql,
};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::ts::Ts;
use crate::write_tx::BeginWrite;
use domain::Contact;
use domain::inputs::{ContactPatch, NewContact};

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
        let defaults = self.cadence_defaults(user_id).await?;
        on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            for new in creates {
                // Imported contacts get their priority's default cadence, like contacts created by hand.
                let initial = initial_cadence(new, None, &defaults, now);
                bind_new_contact!(sqlx::query(insert_contact_sql!()), user_id, new, now, initial)
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
                // A new priority may change a default cadence, and a filled-in address may start
                // one: `nextTouchAt` follows in this transaction.
                sqlx::query(crate::touch::APPLY_DEFAULT_ONE).bind(id).execute(&mut *tx).await?;
                sqlx::query(refresh).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
