//! The "Stay in touch" section of `/settings`: default cadences by priority, the daily digest,
//! auto-drafts and the digest time (`POST /settings/digest`).

use super::page::{Field, WebResult, see_other};
use super::session::Posted;
use super::settings::{Problem, profile_of, show};
use crate::app::ApiError;
use crate::app::preferences::{self, DigestChanges};
use crate::http::Shared;
use axum::extract::State;
use serde::Deserialize;

const ON_OFF: &[(&str, &str)] = &[("false", "Off"), ("true", "On")];

/// The form, as typed (or as stored).
#[derive(Deserialize, Default, Clone)]
pub struct DigestForm {
    #[serde(default, rename = "stayInTouchDefaults.high")]
    high: String,
    #[serde(default, rename = "stayInTouchDefaults.medium")]
    medium: String,
    #[serde(default, rename = "stayInTouchDefaults.low")]
    low: String,
    #[serde(default, rename = "dailyDigest")]
    daily_digest: String,
    #[serde(default, rename = "autoDraft")]
    auto_draft: String,
    #[serde(default, rename = "digestTime")]
    digest_time: String,
}

impl DigestForm {
    /// The stored settings as the form shows them.
    pub fn of(p: &store::UserPreferences) -> Self {
        let days = |d: Option<i32>| d.map(|d| d.to_string()).unwrap_or_else(|| "0".to_owned());
        DigestForm {
            high: days(p.cadence.high),
            medium: days(p.cadence.medium),
            low: days(p.cadence.low),
            daily_digest: p.daily_digest.to_string(),
            auto_draft: p.auto_draft.to_string(),
            digest_time: p.digest_time.clone(),
        }
    }

    /// The form's fields (named like the API's, so errors land beside them).
    pub fn fields(&self) -> Vec<Field> {
        let hint = "days; 0 = no cadence by default. Contacts on the default follow a change.";
        vec![
            Field::new(
                "High priority: stay in touch every",
                "stayInTouchDefaults.high",
                "number",
                &self.high,
            )
            .hint(hint),
            Field::new("Medium priority: every", "stayInTouchDefaults.medium", "number", &self.medium)
                .hint(hint),
            Field::new("Low priority: every", "stayInTouchDefaults.low", "number", &self.low).hint(hint),
            Field::select("Daily digest email", "dailyDigest", &self.daily_digest, ON_OFF).hint(
                "One email a day listing who is due, drafts waiting and replies; none when nobody is due.",
            ),
            Field::select("Auto-draft follow-ups", "autoDraft", &self.auto_draft, ON_OFF).hint(
                "At digest time, draft one email for each contact that became due, for you to approve.",
            ),
            Field::new("Digest time", "digestTime", "time", &self.digest_time)
                .required()
                .hint("HH:MM in your time zone."),
        ]
    }

    fn changes(&self) -> DigestChanges {
        let days = |s: &str| match s.trim() {
            "" | "0" => Some(None),
            // Not a number: out of range on purpose, so the use-case layer names the field.
            d => Some(Some(d.parse().unwrap_or(i32::MIN))),
        };
        DigestChanges {
            high: days(&self.high),
            medium: days(&self.medium),
            low: days(&self.low),
            daily_digest: Some(self.daily_digest == "true"),
            auto_draft: Some(self.auto_draft == "true"),
            digest_time: Some(self.digest_time.clone()),
        }
    }
}

/// `POST /settings/digest`.
pub async fn save(State(shared): State<Shared>, posted: Posted<DigestForm>) -> WebResult {
    let Posted { auth, form } = posted;
    match preferences::update_digest_settings(&shared.state, &auth.user, None, &form.changes()).await {
        Ok(_) => Ok(see_other("/settings?done=saved")),
        Err(e @ ApiError::BadInput { .. }) => {
            show(&shared, &auth, profile_of(&auth), Some(form), Problem::Digest(e), None, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}
