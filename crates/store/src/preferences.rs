//! Per-user preferences: display name, time zone, default cadences by priority, and the daily
//! digest settings (with the indexed instant of the next daily pass).

use crate::db::{Db, Store};
use crate::error::{Result, StoreError};
use crate::ts::{self, Ts};
use crate::write_tx::BeginWrite;
use chrono::{DateTime, Utc};
use domain::touch::CadenceDefaults;

/// Everything stored per user (defaults when the user never saved anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPreferences {
    /// IANA time zone, if one was saved.
    pub time_zone: Option<String>,
    /// Default cadence by priority.
    pub cadence: CadenceDefaults,
    /// Send the daily digest email.
    pub daily_digest: bool,
    /// Draft an email for each contact that became due, at digest time.
    pub auto_draft: bool,
    /// Local time of the daily pass, `HH:MM`.
    pub digest_time: String,
    /// When the next daily pass is due (None = neither digest nor auto-drafts are on).
    pub next_digest_at: Option<DateTime<Utc>>,
    /// When the last daily pass finished.
    pub last_pass_at: Option<DateTime<Utc>>,
    /// When the last digest email was sent.
    pub last_digest_at: Option<DateTime<Utc>>,
}

impl Default for UserPreferences {
    fn default() -> Self {
        Self {
            time_zone: None,
            cadence: CadenceDefaults::BUILTIN,
            daily_digest: false,
            auto_draft: false,
            digest_time: "08:00".to_owned(),
            next_digest_at: None,
            last_pass_at: None,
            last_digest_at: None,
        }
    }
}

/// The digest and cadence settings a user saves together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestSettings {
    /// Default cadence by priority.
    pub cadence: CadenceDefaults,
    /// Send the daily digest email.
    pub daily_digest: bool,
    /// Draft emails for newly due contacts.
    pub auto_draft: bool,
    /// Local time `HH:MM` (validated by the caller).
    pub digest_time: String,
    /// The next daily pass (computed by the caller from the time and the time zone).
    pub next_digest_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct PrefRow {
    time_zone: Option<String>,
    cadence_high_days: i32,
    cadence_medium_days: i32,
    cadence_low_days: i32,
    daily_digest: bool,
    auto_draft: bool,
    digest_time: String,
    next_digest_at: Option<Ts>,
    last_pass_at: Option<Ts>,
    last_digest_at: Option<Ts>,
}

/// 0 in the table = no cadence.
fn days(v: i32) -> Option<i32> {
    (v > 0).then_some(v)
}

impl From<PrefRow> for UserPreferences {
    fn from(r: PrefRow) -> Self {
        Self {
            time_zone: r.time_zone,
            cadence: CadenceDefaults {
                high: days(r.cadence_high_days),
                medium: days(r.cadence_medium_days),
                low: days(r.cadence_low_days),
            },
            daily_digest: r.daily_digest,
            auto_draft: r.auto_draft,
            digest_time: r.digest_time,
            next_digest_at: ts::opt(r.next_digest_at),
            last_pass_at: ts::opt(r.last_pass_at),
            last_digest_at: ts::opt(r.last_digest_at),
        }
    }
}

/// Upserts the digest settings (`$1` user … `$8` next pass, `$9` now).
const SAVE_DIGEST: &str = r#"INSERT INTO "user_preferences" ("userId", "cadenceHighDays", "cadenceMediumDays",
        "cadenceLowDays", "dailyDigest", "autoDraft", "digestTime", "nextDigestAt", "updatedAt")
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT ("userId") DO UPDATE SET "cadenceHighDays" = excluded."cadenceHighDays",
        "cadenceMediumDays" = excluded."cadenceMediumDays", "cadenceLowDays" = excluded."cadenceLowDays",
        "dailyDigest" = excluded."dailyDigest", "autoDraft" = excluded."autoDraft",
        "digestTime" = excluded."digestTime", "nextDigestAt" = excluded."nextDigestAt",
        "updatedAt" = excluded."updatedAt""#;

impl Store {
    /// The user's time zone (an IANA name such as `Europe/Berlin`), if one was saved.
    pub async fn time_zone(&self, user_id: &str) -> Result<Option<String>> {
        const SQL: &str = r#"SELECT "timeZone" FROM "user_preferences" WHERE "userId" = $1"#;
        let tz = on_db!(&self.db, p => sqlx::query_scalar::<_, Option<String>>(SQL)
            .bind(user_id).fetch_optional(p).await)?;
        Ok(tz.flatten())
    }

    /// Everything stored for the user (defaults when nothing was saved).
    pub async fn preferences(&self, user_id: &str) -> Result<UserPreferences> {
        const SQL: &str = r#"SELECT "timeZone", "cadenceHighDays", "cadenceMediumDays", "cadenceLowDays",
            "dailyDigest", "autoDraft", "digestTime", "nextDigestAt", "lastPassAt", "lastDigestAt"
            FROM "user_preferences" WHERE "userId" = $1"#;
        let row = on_db!(&self.db, p => sqlx::query_as::<_, PrefRow>(SQL)
            .bind(user_id).fetch_optional(p).await)?;
        Ok(row.map(Into::into).unwrap_or_default())
    }

    /// The user's default cadences by priority.
    pub async fn cadence_defaults(&self, user_id: &str) -> Result<CadenceDefaults> {
        const SQL: &str = r#"SELECT "cadenceHighDays", "cadenceMediumDays", "cadenceLowDays"
            FROM "user_preferences" WHERE "userId" = $1"#;
        let row = on_db!(&self.db, p => sqlx::query_as::<_, (i32, i32, i32)>(SQL)
            .bind(user_id).fetch_optional(p).await)?;
        Ok(row.map_or(CadenceDefaults::BUILTIN, |(h, m, l)| CadenceDefaults {
            high: days(h),
            medium: days(m),
            low: days(l),
        }))
    }

    /// Saves the digest settings and default cadences; when the defaults changed, every contact
    /// that follows them takes the new cadence (and `nextTouchAt`) in the same transaction.
    /// Returns how many contacts were re-applied.
    pub async fn save_digest_settings(&self, user_id: &str, s: &DigestSettings) -> Result<u64> {
        let before = self.cadence_defaults(user_id).await?;
        let changed = before != s.cadence;
        let n = |d: Option<i32>| d.unwrap_or(0);
        let next = s.next_digest_at.map(Ts::new);
        macro_rules! save {
            ($tx:expr) => {
                sqlx::query(SAVE_DIGEST)
                    .bind(user_id)
                    .bind(n(s.cadence.high))
                    .bind(n(s.cadence.medium))
                    .bind(n(s.cadence.low))
                    .bind(s.daily_digest)
                    .bind(s.auto_draft)
                    .bind(&s.digest_time)
                    .bind(next)
                    .bind(Ts::now())
                    .execute($tx)
                    .await
                    .map_err(crate::contacts::fk_to_not_found)?
            };
        }
        let reapplied = match &self.db {
            Db::Postgres(p) => {
                let mut tx = p.begin_write().await?;
                save!(&mut *tx);
                let n = if changed { Store::reapply_defaults_pg(&mut tx, user_id).await? } else { 0 };
                tx.commit().await?;
                n
            }
            Db::Sqlite(p) => {
                let mut tx = p.begin_write().await?;
                save!(&mut *tx);
                let n = if changed { Store::reapply_defaults_sqlite(&mut tx, user_id).await? } else { 0 };
                tx.commit().await?;
                n
            }
        };
        Ok(reapplied)
    }

    /// Moves the user's next daily pass (after the time zone changed).
    pub async fn set_next_digest_at(&self, user_id: &str, next: Option<DateTime<Utc>>) -> Result<()> {
        const SQL: &str = r#"UPDATE "user_preferences" SET "nextDigestAt" = $1 WHERE "userId" = $2"#;
        on_db!(&self.db, p => sqlx::query(SQL)
            .bind(next.map(Ts::new)).bind(user_id).execute(p).await.map(|_| ()))?;
        Ok(())
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
