//! "Stay in touch" cadences: how often to be in contact with someone, and where each contact
//! stands against that cadence at a given instant.

use crate::{Contact, Priority};
use chrono::{DateTime, Duration, Utc};

/// Shortest cadence accepted, in days.
pub const MIN_CADENCE_DAYS: i32 = 1;
/// Longest cadence accepted, in days (ten years).
pub const MAX_CADENCE_DAYS: i32 = 3650;

/// The built-in cadence of a priority (before a user changes their defaults): HIGH every 30
/// days, MEDIUM 60, LOW 180.
pub fn default_cadence_days(priority: Priority) -> i32 {
    match priority {
        Priority::High => 30,
        Priority::Medium => 60,
        Priority::Low => 180,
    }
}

/// A user's default cadence for each priority (`None` = contacts of that priority get no
/// cadence unless one is set by hand). New users start with [`CadenceDefaults::BUILTIN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CadenceDefaults {
    /// HIGH priority.
    pub high: Option<i32>,
    /// MEDIUM priority.
    pub medium: Option<i32>,
    /// LOW priority.
    pub low: Option<i32>,
}

impl CadenceDefaults {
    /// HIGH every 30 days, MEDIUM 60, LOW 180.
    pub const BUILTIN: CadenceDefaults = CadenceDefaults { high: Some(30), medium: Some(60), low: Some(180) };

    /// The default cadence for `priority`.
    pub fn for_priority(&self, priority: Priority) -> Option<i32> {
        match priority {
            Priority::High => self.high,
            Priority::Medium => self.medium,
            Priority::Low => self.low,
        }
    }
}

impl Default for CadenceDefaults {
    fn default() -> Self {
        Self::BUILTIN
    }
}

/// Where a contact stands against its cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TouchStatus {
    /// Not due yet.
    OnTrack,
    /// Past `nextTouchAt`.
    Due,
    /// Past twice the cadence since the last touch.
    Overdue,
    /// Snoozed until a later time.
    Snoozed,
    /// No cadence (none set, or no email address).
    NoCadence,
}

impl TouchStatus {
    /// The API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TouchStatus::OnTrack => "ON_TRACK",
            TouchStatus::Due => "DUE",
            TouchStatus::Overdue => "OVERDUE",
            TouchStatus::Snoozed => "SNOOZED",
            TouchStatus::NoCadence => "NO_CADENCE",
        }
    }
}

impl Contact {
    /// The cadence in force: none without an email address or when none is set.
    pub fn cadence_days(&self) -> Option<i32> {
        self.email.as_ref().and(self.stay_in_touch_days)
    }

    /// When the cadence is counted from: the last real contact, else when the contact was added.
    pub fn touch_base(&self) -> DateTime<Utc> {
        self.last_touch_at.unwrap_or(self.created_at)
    }

    /// Where the contact stands at `now`.
    pub fn touch_status(&self, now: DateTime<Utc>) -> TouchStatus {
        let (Some(days), Some(next)) = (self.cadence_days(), self.next_touch_at) else {
            return TouchStatus::NoCadence;
        };
        if self.snoozed_until.is_some_and(|s| s > now) {
            return TouchStatus::Snoozed;
        }
        if now < next {
            TouchStatus::OnTrack
        } else if now >= self.touch_base() + Duration::days(2 * i64::from(days)) {
            TouchStatus::Overdue
        } else {
            TouchStatus::Due
        }
    }
}
