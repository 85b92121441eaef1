//! Preferences: `User.preferences` (time zone, default cadences by priority, daily digest and
//! auto-drafts) and `updatePreferences`.

use super::context::{state, user};
use crate::app::preferences::{self, DigestChanges};
use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};

/// Your default stay-in-touch cadence per priority, in days (null = contacts of that priority
/// get no cadence unless you set one).
#[derive(SimpleObject, Clone, Copy)]
pub struct StayInTouchDefaults {
    /// HIGH priority (initially 30).
    pub high: Option<i32>,
    /// MEDIUM priority (initially 60).
    pub medium: Option<i32>,
    /// LOW priority (initially 180).
    pub low: Option<i32>,
}

/// Your settings.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Preferences")]
pub struct PreferencesNode {
    /// IANA time zone (null until one is saved: UTC is used).
    pub time_zone: Option<String>,
    /// Default cadences by priority. A contact created without a cadence takes its priority's
    /// default and follows it when the default changes (see `Contact.stayInTouchDefault`).
    pub stay_in_touch_defaults: StayInTouchDefaults,
    /// Send one digest email a day at `digestTime` when contacts are due.
    pub daily_digest: bool,
    /// At `digestTime`, draft one email for each contact that became due since the last pass.
    pub auto_draft: bool,
    /// Local time of the daily pass in your time zone, `HH:MM` (default `08:00`).
    pub digest_time: String,
    /// When the next daily pass runs (null while both `dailyDigest` and `autoDraft` are off).
    pub next_digest_at: Option<DateTime<Utc>>,
    /// When the last digest email was sent.
    pub last_digest_at: Option<DateTime<Utc>>,
}

impl From<store::UserPreferences> for PreferencesNode {
    fn from(p: store::UserPreferences) -> Self {
        Self {
            time_zone: p.time_zone,
            stay_in_touch_defaults: StayInTouchDefaults {
                high: p.cadence.high,
                medium: p.cadence.medium,
                low: p.cadence.low,
            },
            daily_digest: p.daily_digest,
            auto_draft: p.auto_draft,
            digest_time: p.digest_time,
            next_digest_at: p.next_digest_at,
            last_digest_at: p.last_digest_at,
        }
    }
}

/// New default cadences: omitted = keep, null = no cadence by default, else 1–3,650 days.
#[derive(InputObject)]
pub struct StayInTouchDefaultsInput {
    /// HIGH priority.
    pub high: MaybeUndefined<i32>,
    /// MEDIUM priority.
    pub medium: MaybeUndefined<i32>,
    /// LOW priority.
    pub low: MaybeUndefined<i32>,
}

/// `updatePreferences` input: omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdatePreferencesInput {
    /// IANA time zone, e.g. `Europe/Berlin`.
    pub time_zone: Option<String>,
    /// Default cadences by priority; contacts that follow the default take the new value.
    pub stay_in_touch_defaults: Option<StayInTouchDefaultsInput>,
    /// Daily digest email on or off.
    pub daily_digest: Option<bool>,
    /// Auto-drafts on or off.
    pub auto_draft: Option<bool>,
    /// Local time `HH:MM` (24-hour).
    pub digest_time: Option<String>,
}

/// `updatePreferences` result.
#[derive(SimpleObject)]
pub struct UpdatePreferencesPayload {
    /// Your settings as stored.
    pub preferences: PreferencesNode,
    /// How many contacts on the default cadence took a changed default.
    pub reapplied_contacts: i32,
}

fn opt(v: &MaybeUndefined<i32>) -> Option<Option<i32>> {
    match v {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(d) => Some(Some(*d)),
    }
}

/// Preferences mutations.
#[derive(Default)]
pub struct PreferencesMutation;

#[Object]
impl PreferencesMutation {
    /// Changes your settings; nothing changes if any value is invalid.
    async fn update_preferences(
        &self,
        ctx: &Context<'_>,
        input: UpdatePreferencesInput,
    ) -> async_graphql::Result<UpdatePreferencesPayload> {
        let me = user(ctx)?;
        let d = input.stay_in_touch_defaults.as_ref();
        let changes = DigestChanges {
            high: d.and_then(|d| opt(&d.high)),
            medium: d.and_then(|d| opt(&d.medium)),
            low: d.and_then(|d| opt(&d.low)),
            daily_digest: input.daily_digest,
            auto_draft: input.auto_draft,
            digest_time: input.digest_time,
        };
        let saved =
            preferences::update_digest_settings(state(ctx), me, input.time_zone.as_deref(), &changes).await?;
        Ok(UpdatePreferencesPayload {
            preferences: saved.preferences.into(),
            reapplied_contacts: i32::try_from(saved.reapplied).unwrap_or(i32::MAX),
        })
    }
}
