//! Conversation history: what was sent to and received from each contact, newest first.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::lane::on_read;
use crate::outbox::{self, Event, emit};
use crate::page::{self, KeyKind, Page, PageRequest, SortKey, SortSpec};
use crate::sql::{Arg, Sql};
use crate::ts::Ts;
use crate::write_tx::BeginWrite;
use domain::inputs::NewHistoryEntry;
use domain::webhook::EventType;
use domain::{ConversationEntry, Direction};
use sqlx::types::Json;

crate::row::indexed_row! {
    /// One row as every statement decoding into it selects it (see [`crate::row`]).
    pub(crate) struct EntryRow {
        id: String = "id",
        user_id: String = "userId",
        contact_id: String = "contactId",
        content: String = "content",
        direction: Direction = "direction",
        timestamp: Ts = "timestamp",
        metadata: Option<Json<serde_json::Value>> = "metadata",
    }
}

impl From<EntryRow> for ConversationEntry {
    fn from(r: EntryRow) -> Self {
        ConversationEntry {
            id: r.id,
            user_id: r.user_id,
            contact_id: r.contact_id,
            content: r.content,
            direction: r.direction,
            timestamp: r.timestamp.0,
            metadata: r.metadata.map(|j| j.0),
        }
    }
}

macro_rules! entry_cols {
    () => {
        r#""id", "userId", "contactId", "content", "direction", "timestamp", "metadata""#
    };
}
pub(crate) use entry_cols;

const ORDER: SortSpec = SortSpec { tag: "h.td", expr: r#""timestamp""#, desc: true, kind: KeyKind::Ts };

impl Store {
    /// Appends an entry for one of the user's contacts; another user's contact is `NotFound`.
    ///
    /// A RECEIVED entry also marks the contact's latest SENT email sent before it (and not yet
    /// marked) as replied and stops the contact's follow-up sequences started no later than the
    /// entry (`REPLIED`), in the same transaction.
    pub async fn append_history(&self, user_id: &str, new: &NewHistoryEntry) -> Result<ConversationEntry> {
        const SQL: &str = concat!(
            r#"INSERT INTO "conversation_history" ("id", "userId", "contactId", "content", "direction", "timestamp", "metadata")
               SELECT $1, c."userId", c."id", $2, $3, $4, $5 FROM "contacts" c WHERE c."id" = $6 AND c."userId" = $7
               RETURNING "#,
            entry_cols!()
        );
        const MARK_REPLIED: &str = r#"
            UPDATE "emails" SET "repliedAt" = $1, "updatedAt" = $2
            WHERE "id" = (SELECT "id" FROM "emails"
                          WHERE "userId" = $3 AND "contactId" = $4 AND "status" = 'SENT'
                            AND "sentAt" <= $1 AND "repliedAt" IS NULL
                          ORDER BY "sentAt" DESC, "id" LIMIT 1)
            RETURNING "id", "subject""#;
        let at = new.timestamp.map(Ts::new).unwrap_or_else(Ts::now);
        let metadata = new.metadata.as_ref().map(|m| Json(m.as_value().clone()));
        let refresh = self.refresh_next_touch_sql();
        let row = on_db!(&self.db, p => {
            let mut tx = p.begin_write().await?;
            let row = sqlx::query_as::<_, EntryRow>(SQL)
                .bind(domain::new_id())
                .bind(new.content.as_str())
                .bind(new.direction)
                .bind(at)
                .bind(metadata)
                .bind(&new.contact_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else { return Err(StoreError::NotFound) };
            if new.direction == Direction::Received {
                let replied = sqlx::query_as::<_, (String, String)>(MARK_REPLIED)
                    .bind(at).bind(Ts::now()).bind(user_id).bind(&new.contact_id)
                    .fetch_optional(&mut *tx).await?;
                if let Some((email_id, subject)) = replied {
                    let data = outbox::email_data(&email_id, &new.contact_id, &subject,
                        serde_json::json!({ "repliedAt": outbox::time(at) }));
                    emit!(&mut *tx, user_id, Event::new(EventType::EmailReplied, data))?;
                }
                // The contact answered: every follow-up sequence to them started by then stops,
                // here, so every path that files a RECEIVED entry gets it.
                let ids: Vec<String> = sqlx::query_scalar(crate::follow_ups::ACTIVE_FOR_CONTACT)
                    .bind(user_id).bind(&new.contact_id).bind(at)
                    .fetch_all(&mut *tx).await?;
                crate::follow_ups::stop_sequences!(tx, ids, domain::FollowUpStopReason::Replied, Ts::now());
            }
            let entry = ConversationEntry::from(row);
            let data = serde_json::to_value(&entry).unwrap_or(serde_json::Value::Null);
            emit!(&mut *tx, user_id, Event::new(EventType::ConversationLogged, data))?;
            // Any real contact, either direction, resets the stay-in-touch clock.
            sqlx::query(crate::touch::TOUCH).bind(at).bind(&new.contact_id).execute(&mut *tx).await?;
            sqlx::query(refresh).bind(&new.contact_id).execute(&mut *tx).await?;
            tx.commit().await?;
            entry
        });
        Ok(row)
    }

    /// One of the user's entries.
    pub async fn history_entry(&self, user_id: &str, id: &str) -> Result<ConversationEntry> {
        const SQL: &str = concat!(
            "SELECT ",
            entry_cols!(),
            r#" FROM "conversation_history" WHERE "id" = $1 AND "userId" = $2"#
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, EntryRow>(SQL)
            .bind(id).bind(user_id).fetch_optional(p).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// A page of one contact's history, newest first. An unknown or foreign contact yields an
    /// empty page; callers that must distinguish check the contact first.
    pub async fn list_history(
        &self,
        user_id: &str,
        contact_id: &str,
        req: &PageRequest,
    ) -> Result<Page<ConversationEntry>> {
        let mut sql =
            Sql::new(concat!("SELECT ", entry_cols!(), r#" FROM "conversation_history" WHERE "userId" = "#));
        sql.bind(Arg::Text(user_id.to_owned()))
            .push(r#" AND "contactId" = "#)
            .bind(Arg::Text(contact_id.to_owned()));
        page::push_after(&mut sql, &ORDER, req.after.as_deref())?;
        page::push_order_limit(&mut sql, &ORDER, req.first);
        let rows = on_read!(self, c => bind_all!(sqlx::query_as::<_, EntryRow>(sql.sql()), &sql.args)
            .fetch_all(c).await)?;
        let items: Vec<ConversationEntry> = rows.into_iter().map(Into::into).collect();
        Ok(page::into_page(items, req, &ORDER, |e| (SortKey::Ts(Ts(e.timestamp)), e.id.as_str())))
    }

    /// How many entries one contact's history has.
    pub async fn count_history(&self, user_id: &str, contact_id: &str) -> Result<i64> {
        let n = on_db!(&self.db, p => sqlx::query_scalar::<_, i64>(
            r#"SELECT COUNT(*) FROM "conversation_history" WHERE "userId" = $1 AND "contactId" = $2"#)
            .bind(user_id).bind(contact_id).fetch_one(p).await)?;
        Ok(n)
    }

    /// Deletes one of the user's entries.
    pub async fn delete_history_entry(&self, user_id: &str, id: &str) -> Result<()> {
        let done = on_db!(&self.db, p => sqlx::query(
            r#"DELETE FROM "conversation_history" WHERE "id" = $1 AND "userId" = $2"#)
            .bind(id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The first page (newest first) of history for each of several contacts in one query.
    pub async fn first_history_for_contacts(
        &self,
        user_id: &str,
        contact_ids: &[String],
        first: u32,
    ) -> Result<std::collections::HashMap<String, Page<ConversationEntry>>> {
        let mut sql = Sql::new(concat!(
            "SELECT ",
            entry_cols!(),
            r#" FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "contactId" ORDER BY "timestamp" DESC, "id" ASC) AS "rn"
               FROM "conversation_history" WHERE "userId" = "#
        ));
        sql.bind(Arg::Text(user_id.to_owned()));
        crate::emails::push_in(&mut sql, r#""contactId""#, contact_ids);
        sql.push(r#") ranked WHERE "rn" <= "#).bind(Arg::Int(i64::from(first) + 1));
        sql.push(r#" ORDER BY "contactId", "rn""#);
        let rows = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, EntryRow>(sql.sql()), &sql.args)
            .fetch_all(p).await)?;
        let mut grouped: std::collections::HashMap<String, Vec<ConversationEntry>> =
            contact_ids.iter().map(|id| (id.clone(), Vec::new())).collect();
        for row in rows {
            let e: ConversationEntry = row.into();
            grouped.entry(e.contact_id.clone()).or_default().push(e);
        }
        let req = PageRequest { first, after: None };
        Ok(grouped
            .into_iter()
            .map(|(id, items)| {
                (id, page::into_page(items, &req, &ORDER, |e| (SortKey::Ts(Ts(e.timestamp)), e.id.as_str())))
            })
            .collect())
    }

    /// History counts for several contacts in one query (contacts with none are absent).
    pub async fn count_history_by_contacts(
        &self,
        user_id: &str,
        contact_ids: &[String],
    ) -> Result<Vec<(String, i64)>> {
        let mut sql =
            Sql::new(r#"SELECT "contactId", COUNT(*) FROM "conversation_history" WHERE "userId" = "#);
        sql.bind(Arg::Text(user_id.to_owned()));
        crate::emails::push_in(&mut sql, r#""contactId""#, contact_ids);
        sql.push(r#" GROUP BY "contactId""#);
        let rows = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, (String, i64)>(sql.sql()), &sql.args)
            .fetch_all(p).await)?;
        Ok(rows)
    }

    /// The most recent entries for a contact (prompt context), newest first.
    pub async fn recent_history(
        &self,
        user_id: &str,
        contact_id: &str,
        limit: u32,
    ) -> Result<Vec<ConversationEntry>> {
        let page = self.list_history(user_id, contact_id, &PageRequest { first: limit, after: None }).await?;
        Ok(page.items.into_iter().map(|(e, _)| e).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::EntryRow;
    use crate::row::names_of;

    #[test]
    fn the_row_decodes_the_columns_its_statements_select() {
        assert_eq!(names_of(entry_cols!()), EntryRow::COLUMNS);
    }
}
