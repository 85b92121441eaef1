//! Stay in touch: the stored `nextTouchAt` every change keeps current (in the transaction of
//! the change), snoozing, and the due list — one range scan of `("userId", "nextTouchAt")`.

use crate::contacts::{ContactRow, contact_cols};
use crate::db::{Db, Store};
use crate::error::{Result, StoreError};
use crate::page::{self, KeyKind, Page, PageRequest, SortKey, SortSpec};
use crate::sql::{Arg, Sql};
use crate::ts::Ts;
use domain::{Contact, Priority};

/// Recomputes one contact's `nextTouchAt` (`$1` = its id) from its cadence, its address and its
/// last touch (else its creation). Date arithmetic differs per backend, hence two texts.
const REFRESH_PG: &str = r#"UPDATE "contacts" SET "nextTouchAt" = CASE
        WHEN "stayInTouchDays" IS NULL OR "email" IS NULL THEN NULL
        ELSE COALESCE("lastTouchAt", "createdAt") + make_interval(days => "stayInTouchDays") END
    WHERE "id" = $1"#;
const REFRESH_SQLITE: &str = r#"UPDATE "contacts" SET "nextTouchAt" = CASE
        WHEN "stayInTouchDays" IS NULL OR "email" IS NULL THEN NULL
        ELSE strftime('%Y-%m-%d %H:%M:%f', COALESCE("lastTouchAt", "createdAt"), '+' || "stayInTouchDays" || ' days') END
    WHERE "id" = $1"#;

/// The default cadence of the contact's priority from the user's preferences (0 there = none;
/// no preferences row = the built-in 30/60/180 days), as an SQL expression over `"contacts"`.
macro_rules! default_days_expr {
    () => {
        r#"NULLIF(COALESCE((SELECT CASE "contacts"."priority" WHEN 'HIGH' THEN p."cadenceHighDays"
                WHEN 'MEDIUM' THEN p."cadenceMediumDays" ELSE p."cadenceLowDays" END
              FROM "user_preferences" p WHERE p."userId" = "contacts"."userId"),
            CASE "contacts"."priority" WHEN 'HIGH' THEN 30 WHEN 'MEDIUM' THEN 60 ELSE 180 END), 0)"#
    };
}

/// Sets one contact's cadence (`$1` = id) to its priority's default when it follows the default.
pub(crate) const APPLY_DEFAULT_ONE: &str = concat!(
    r#"UPDATE "contacts" SET "stayInTouchDays" = "#,
    default_days_expr!(),
    r#" WHERE "id" = $1 AND "stayInTouchDefault""#
);

/// Sets the cadence of every contact of a user (`$1`) that follows the default, where it differs.
const APPLY_DEFAULT_USER: &str = concat!(
    r#"UPDATE "contacts" SET "stayInTouchDays" = "#,
    default_days_expr!(),
    r#" WHERE "userId" = $1 AND "stayInTouchDefault""#
);

/// [`REFRESH_PG`] for every contact of a user (`$1`) that follows the default.
const REFRESH_DEFAULTS_PG: &str = r#"UPDATE "contacts" SET "nextTouchAt" = CASE
        WHEN "stayInTouchDays" IS NULL OR "email" IS NULL THEN NULL
        ELSE COALESCE("lastTouchAt", "createdAt") + make_interval(days => "stayInTouchDays") END
    WHERE "userId" = $1 AND "stayInTouchDefault""#;
const REFRESH_DEFAULTS_SQLITE: &str = r#"UPDATE "contacts" SET "nextTouchAt" = CASE
        WHEN "stayInTouchDays" IS NULL OR "email" IS NULL THEN NULL
        ELSE strftime('%Y-%m-%d %H:%M:%f', COALESCE("lastTouchAt", "createdAt"), '+' || "stayInTouchDays" || ' days') END
    WHERE "userId" = $1 AND "stayInTouchDefault""#;

/// Moves a contact's last touch (`$2` = id) forward to `$1`, never backwards.
pub(crate) const TOUCH: &str = r#"UPDATE "contacts" SET "lastTouchAt" = $1
    WHERE "id" = $2 AND ("lastTouchAt" IS NULL OR "lastTouchAt" < $1)"#;

/// Due-list order: earliest `nextTouchAt` (most overdue) first, HIGH before MEDIUM before LOW
/// among equals, then id. One text key (fixed-width time + priority rank) so the keyset cursor
/// stays a single value; compared byte-wise on PostgreSQL.
const DUE_KEY_PG: &str = r#"((to_char("nextTouchAt", 'YYYY-MM-DD HH24:MI:SS.MS') || CASE "priority" WHEN 'HIGH' THEN '0' WHEN 'MEDIUM' THEN '1' ELSE '2' END) COLLATE "C")"#;
const DUE_KEY_SQLITE: &str =
    r#"("nextTouchAt" || CASE "priority" WHEN 'HIGH' THEN '0' WHEN 'MEDIUM' THEN '1' ELSE '2' END)"#;

fn due_key(c: &Contact) -> SortKey {
    let rank = match c.priority {
        Priority::High => '0',
        Priority::Medium => '1',
        Priority::Low => '2',
    };
    let at = c.next_touch_at.map(|t| Ts::new(t).to_sqlite_text()).unwrap_or_default();
    SortKey::Text(format!("{at}{rank}"))
}

impl Store {
    /// The statement that recomputes `nextTouchAt` for this backend (see [`REFRESH_PG`]).
    pub(crate) fn refresh_next_touch_sql(&self) -> &'static str {
        match &self.db {
            Db::Postgres(_) => REFRESH_PG,
            Db::Sqlite(_) => REFRESH_SQLITE,
        }
    }

    /// Re-applies the user's default cadences to every contact that follows them, and their
    /// `nextTouchAt`, inside `tx` (the caller saved new defaults in the same transaction).
    pub(crate) async fn reapply_defaults_pg(
        tx: &mut sqlx::PgConnection,
        user_id: &str,
    ) -> std::result::Result<u64, sqlx::Error> {
        let n = sqlx::query(APPLY_DEFAULT_USER).bind(user_id).execute(&mut *tx).await?.rows_affected();
        sqlx::query(REFRESH_DEFAULTS_PG).bind(user_id).execute(&mut *tx).await?;
        Ok(n)
    }

    /// [`Store::reapply_defaults_pg`] on SQLite.
    pub(crate) async fn reapply_defaults_sqlite(
        tx: &mut sqlx::SqliteConnection,
        user_id: &str,
    ) -> std::result::Result<u64, sqlx::Error> {
        let n = sqlx::query(APPLY_DEFAULT_USER).bind(user_id).execute(&mut *tx).await?.rows_affected();
        sqlx::query(REFRESH_DEFAULTS_SQLITE).bind(user_id).execute(&mut *tx).await?;
        Ok(n)
    }

    fn due_spec(&self) -> SortSpec {
        let expr = match &self.db {
            Db::Postgres(_) => DUE_KEY_PG,
            Db::Sqlite(_) => DUE_KEY_SQLITE,
        };
        SortSpec { tag: "t.due", expr, desc: false, kind: KeyKind::Text }
    }

    /// Snoozes one of the user's contacts until `until` (`None` wakes it).
    pub async fn snooze_contact(&self, user_id: &str, id: &str, until: Option<Ts>) -> Result<Contact> {
        const SQL: &str = concat!(
            r#"UPDATE "contacts" SET "snoozedUntil" = $1, "updatedAt" = $2 WHERE "id" = $3 AND "userId" = $4
               RETURNING "#,
            contact_cols!()
        );
        let row = on_db!(&self.db, p => sqlx::query_as::<_, ContactRow>(SQL)
            .bind(until).bind(Ts::now()).bind(id).bind(user_id).fetch_optional(p).await)?;
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// A page of the user's contacts due at `now` (`nextTouchAt <= now`), most overdue first;
    /// snoozed ones only with `include_snoozed`.
    pub async fn due_contacts(
        &self,
        user_id: &str,
        now: Ts,
        include_snoozed: bool,
        req: &PageRequest,
    ) -> Result<Page<Contact>> {
        let spec = self.due_spec();
        let mut sql = Sql::new(concat!("SELECT ", contact_cols!(), r#" FROM "contacts" WHERE "userId" = "#));
        sql.bind(Arg::Text(user_id.to_owned()));
        sql.push(r#" AND "nextTouchAt" <= "#).bind(Arg::Ts(now));
        if !include_snoozed {
            sql.push(r#" AND ("snoozedUntil" IS NULL OR "snoozedUntil" <= "#).bind(Arg::Ts(now)).push(")");
        }
        page::push_after(&mut sql, &spec, req.after.as_deref())?;
        page::push_order_limit(&mut sql, &spec, req.first);
        let rows = on_db!(&self.db, p => bind_all!(sqlx::query_as::<_, ContactRow>(sql.sql()), &sql.args)
            .fetch_all(p).await)?;
        let contacts: Vec<Contact> = rows.into_iter().map(Into::into).collect();
        Ok(page::into_page(contacts, req, &spec, |c| (due_key(c), c.id.as_str())))
    }

    /// How many of the user's contacts are due at `now` (same rule as [`Store::due_contacts`]).
    pub async fn count_due(&self, user_id: &str, now: Ts, include_snoozed: bool) -> Result<i64> {
        let mut sql = Sql::new(r#"SELECT COUNT(*) FROM "contacts" WHERE "userId" = "#);
        sql.bind(Arg::Text(user_id.to_owned()));
        sql.push(r#" AND "nextTouchAt" <= "#).bind(Arg::Ts(now));
        if !include_snoozed {
            sql.push(r#" AND ("snoozedUntil" IS NULL OR "snoozedUntil" <= "#).bind(Arg::Ts(now)).push(")");
        }
        let n = on_db!(&self.db, p => bind_all!(sqlx::query_scalar::<_, i64>(sql.sql()), &sql.args)
            .fetch_one(p).await)?;
        Ok(n)
    }
}
