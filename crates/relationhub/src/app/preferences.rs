//! The user's profile preferences: display name and time zone.

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
    Ok(st.store.set_time_zone(&user.id, zone.name()).await?)
}

/// Changes the display name and time zone together (nothing changes if either is invalid).
#[tracing::instrument(skip_all, fields(op = "update_profile", user = %user.id))]
pub async fn update_profile(st: &AppState, user: &User, name: &str, zone: &str) -> ApiResult<()> {
    let name = PersonName::parse("name", name)?;
    let zone = parse_zone("timeZone", zone)?;
    st.store.set_user_name(&user.id, name.as_str()).await?;
    set_time_zone(st, user, zone).await
}
