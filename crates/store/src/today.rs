//! The reads behind the web app's "Today" page: what is scheduled soon, what came in lately,
//! and whom the user has not talked to in a while. Each is one bounded, user-scoped query.

use crate::contacts::{ContactRow, contact_cols};
use crate::db::Store;
use crate::emails::{EmailRow, email_cols};
use crate::error::Result;
use crate::history::{EntryRow, entry_cols};
use crate::ts::Ts;
use chrono::{DateTime, Utc};
use domain::{Contact, ConversationEntry, Email};

impl Store {
    /// SCHEDULED emails due in `[from, to)`, soonest first, at most `limit`.
    pub async fn scheduled_between(
        &self,
        user_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Email>> {
        const SQL: &str = concat!(
            "SELECT ",
            email_cols!(),
            r#" FROM "emails" WHERE "userId" = $1 AND "status" = 'SCHEDULED'
               AND "scheduledAt" >= $2 AND "scheduledAt" < $3
               ORDER BY "scheduledAt", "id" LIMIT $4"#
        );
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, EmailRow>(SQL)
            .bind(user_id).bind(Ts(from)).bind(Ts(to)).bind(i64::from(limit)).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// RECEIVED conversation entries since `since`, newest first, at most `limit`.
    pub async fn received_since(
        &self,
        user_id: &str,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<ConversationEntry>> {
        const SQL: &str = concat!(
            "SELECT ",
            entry_cols!(),
            r#" FROM "conversation_history" WHERE "userId" = $1 AND "direction" = 'RECEIVED'
               AND "timestamp" >= $2 ORDER BY "timestamp" DESC, "id" LIMIT $3"#
        );
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, EntryRow>(SQL)
            .bind(user_id).bind(Ts(since)).bind(i64::from(limit)).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Contacts last contacted before `before` (or never), high priority first, then the longest
    /// out of touch, at most `limit`.
    pub async fn out_of_touch(
        &self,
        user_id: &str,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Contact>> {
        const SQL: &str = concat!(
            "SELECT ",
            contact_cols!(),
            r#" FROM "contacts" WHERE "userId" = $1
               AND ("lastContactedAt" IS NULL OR "lastContactedAt" < $2)
               ORDER BY CASE "priority" WHEN 'HIGH' THEN 0 WHEN 'MEDIUM' THEN 1 ELSE 2 END,
                        COALESCE("lastContactedAt", '1970-01-01 00:00:00.000'), "id" LIMIT $3"#
        );
        let rows = on_db!(&self.db, p => sqlx::query_as::<_, ContactRow>(SQL)
            .bind(user_id).bind(Ts(before)).bind(i64::from(limit)).fetch_all(p).await)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
