//! Per-user preferences the web app keeps: display name and time zone.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::ts::Ts;

impl Store {
    /// The user's time zone (an IANA name such as `Europe/Berlin`), if one was saved.
    pub async fn time_zone(&self, user_id: &str) -> Result<Option<String>> {
        const SQL: &str = r#"SELECT "timeZone" FROM "user_preferences" WHERE "userId" = $1"#;
        let tz = on_db!(&self.db, p => sqlx::query_scalar::<_, String>(SQL)
            .bind(user_id).fetch_optional(p).await)?;
        Ok(tz)
    }

    /// Saves the user's time zone (the caller validates the name).
    pub async fn set_time_zone(&self, user_id: &str, time_zone: &str) -> Result<()> {
        const SQL: &str = r#"INSERT INTO "user_preferences" ("userId", "timeZone", "updatedAt") VALUES ($1, $2, $3)
            ON CONFLICT ("userId") DO UPDATE SET "timeZone" = excluded."timeZone", "updatedAt" = excluded."updatedAt""#;
        on_db!(&self.db, p => sqlx::query(SQL)
            .bind(user_id).bind(time_zone).bind(Ts::now()).execute(p).await.map(|_| ()))
        .map_err(crate::contacts::fk_to_not_found)?;
        Ok(())
    }

    /// Changes the user's display name (the caller validates it).
    pub async fn set_user_name(&self, user_id: &str, name: &str) -> Result<()> {
        const SQL: &str = r#"UPDATE "users" SET "name" = $1, "updatedAt" = $2 WHERE "id" = $3"#;
        let done = on_db!(&self.db, p => sqlx::query(SQL)
            .bind(name).bind(Ts::now()).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        // Cached token lookups carry the account: let them see the new name.
        self.tokens_changed(user_id).await;
        Ok(())
    }
}
