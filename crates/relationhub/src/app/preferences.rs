//! The user's preferences: display name and time zone, default cadences by priority, and the
//! daily digest and auto-draft settings.

use super::{ApiError, ApiResult, AppState};
use domain::User;
use domain::validate::PersonName;

/// Parses an IANA time zone name (`Europe/Berlin`); BAD_USER_INPUT on `field` otherwise.
pub fn parse_zone(field: &str, raw: &str) -> ApiResult<chrono_tz::Tz> {
    raw.trim()
        .parse::<chrono_tz::Tz>()
        .map_err(|_| ApiError::bad_input(field, "must be a time zone name such as Europe/Berlin or UTC"))
}

/// The user's time zone (UTC until one is saved).
pub async fn time_zone(st: &AppState, user: &User) -> ApiResult<chrono_tz::Tz> {
    Ok(st.store.time_zone(&user.id).await?.and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::UTC))
}

/// Saves the user's time zone.
pub async fn set_time_zone(st: &AppState, user: &User, zone: chrono_tz::Tz) -> ApiResult<()> {
    st.store.set_time_zone(&user.id, zone.name()).await?;
    // The daily pass is at a local time: it moves with the zone.
    reschedule_digest(st, user).await
}

/// Changes the display name and time zone together (nothing changes if either is invalid).
#[tracing::instrument(skip_all, fields(op = "update_profile", user = %user.id))]
pub async fn update_profile(st: &AppState, user: &User, name: &str, zone: &str) -> ApiResult<()> {
    let name = PersonName::parse("name", name)?;
    let zone = parse_zone("timeZone", zone)?;
    st.store.set_user_name(&user.id, name.as_str()).await?;
    set_time_zone(st, user, zone).await
}

/// Changes to the digest settings and default cadences; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct DigestChanges {
    /// Default cadence of HIGH contacts (`Some(None)` = no cadence by default).
    pub high: Option<Option<i32>>,
    /// Default cadence of MEDIUM contacts.
    pub medium: Option<Option<i32>>,
    /// Default cadence of LOW contacts.
    pub low: Option<Option<i32>>,
    /// Send the daily digest email.
    pub daily_digest: Option<bool>,
    /// Draft for newly due contacts at digest time.
    pub auto_draft: Option<bool>,
    /// Local time `HH:MM` (24-hour).
    pub digest_time: Option<String>,
}

/// What saving the digest settings did.
#[derive(Debug, Clone)]
pub struct DigestSaved {
    /// Everything stored now.
    pub preferences: store::UserPreferences,
    /// Contacts on "the default" whose cadence was re-applied (0 when the defaults did not change).
    pub reapplied: u64,
}

/// Parses `HH:MM` (24-hour, e.g. `08:00`, `17:30`).
pub fn parse_digest_time(raw: &str) -> ApiResult<chrono::NaiveTime> {
    let bad = || ApiError::bad_input("digestTime", "must be a local time as HH:MM, e.g. 08:00 or 17:30");
    let raw = raw.trim();
    if raw.len() != 5 {
        return Err(bad());
    }
    chrono::NaiveTime::parse_from_str(raw, "%H:%M").map_err(|_| bad())
}

fn default_days(field: &str, days: Option<Option<i32>>, current: Option<i32>) -> ApiResult<Option<i32>> {
    use domain::touch::{MAX_CADENCE_DAYS, MIN_CADENCE_DAYS};
    match days {
        None => Ok(current),
        Some(None) => Ok(None),
        Some(Some(d)) if (MIN_CADENCE_DAYS..=MAX_CADENCE_DAYS).contains(&d) => Ok(Some(d)),
        Some(Some(d)) => Err(ApiError::bad_input(
            field,
            format!(
                "must be between {MIN_CADENCE_DAYS} and {MAX_CADENCE_DAYS} days, or null for none (got {d})"
            ),
        )),
    }
}

/// Saves digest settings and default cadences (nothing changes if any value is invalid).
/// Contacts whose cadence follows the default take a changed default at once; the next daily
/// pass is scheduled from the digest time in the user's time zone.
#[tracing::instrument(skip_all, fields(op = "update_digest_settings", user = %user.id))]
pub async fn update_digest_settings(
    st: &AppState,
    user: &User,
    zone: Option<&str>,
    c: &DigestChanges,
) -> ApiResult<DigestSaved> {
    let new_zone = zone.map(|z| parse_zone("timeZone", z)).transpose()?;
    let current = st.store.preferences(&user.id).await?;
    let cadence = domain::touch::CadenceDefaults {
        high: default_days("stayInTouchDefaults.high", c.high, current.cadence.high)?,
        medium: default_days("stayInTouchDefaults.medium", c.medium, current.cadence.medium)?,
        low: default_days("stayInTouchDefaults.low", c.low, current.cadence.low)?,
    };
    let time = parse_digest_time(c.digest_time.as_deref().unwrap_or(&current.digest_time))?;
    let daily_digest = c.daily_digest.unwrap_or(current.daily_digest);
    let auto_draft = c.auto_draft.unwrap_or(current.auto_draft);
    let zone = match new_zone {
        Some(z) => z,
        None => time_zone(st, user).await?,
    };
    let next = (daily_digest || auto_draft).then(|| super::digest::next_slot(st.now(), zone, time));
    // Every value is valid: now write.
    if let Some(z) = new_zone {
        st.store.set_time_zone(&user.id, z.name()).await?;
    }
    let settings = store::DigestSettings {
        cadence,
        daily_digest,
        auto_draft,
        digest_time: time.format("%H:%M").to_string(),
        next_digest_at: next,
    };
    let reapplied = st.store.save_digest_settings(&user.id, &settings).await?;
    Ok(DigestSaved { preferences: st.store.preferences(&user.id).await?, reapplied })
}

/// Re-schedules the next daily pass from the saved time and zone (after the zone changed).
pub async fn reschedule_digest(st: &AppState, user: &User) -> ApiResult<()> {
    let p = st.store.preferences(&user.id).await?;
    if !(p.daily_digest || p.auto_draft) {
        return Ok(());
    }
    let zone = time_zone(st, user).await?;
    let time = parse_digest_time(&p.digest_time)?;
    st.store.set_next_digest_at(&user.id, Some(super::digest::next_slot(st.now(), zone, time))).await?;
    Ok(())
}
