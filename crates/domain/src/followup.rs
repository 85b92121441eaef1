//! Follow-up sequences: the steps that go out after an email when the contact does not reply,
//! their states, why a sequence stopped, and the validated delay (`after`, an ISO-8601 duration).

use crate::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Most steps one sequence may have.
pub const MAX_STEPS: usize = 10;
/// Longest delay of one step: a year.
pub const MAX_DELAY_SECS: i64 = 365 * 24 * 3600;
/// Longest `instructions` of one step, in characters.
pub const MAX_STEP_INSTRUCTIONS: usize = 2000;

/// Where a follow-up step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FollowUpStepStatus {
    /// Waiting for its due time (or for the previous message to be sent).
    Pending,
    /// Written and stored as an email that waits for approval (or is being sent).
    Drafted,
    /// Its email went out.
    Sent,
    /// Will not happen: the sequence was stopped first.
    Stopped,
    /// Could not be written or sent (see the step's error).
    Failed,
}

/// Why a sequence stopped before its last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FollowUpStopReason {
    /// The contact replied (any RECEIVED conversation entry).
    Replied,
    /// The user stopped it (`stopFollowUps`).
    StoppedByUser,
    /// The contact was deleted.
    ContactDeleted,
    /// The email that starts the sequence (or one of its follow-ups) was deleted.
    EmailDeleted,
}

macro_rules! text_enum {
    ($ty:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            /// The database / API spelling of this variant.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    other => Err(ValidationError::new(stringify!($ty), format!("unknown value {other:?}"))),
                }
            }
        }
    };
}

text_enum!(FollowUpStepStatus {
    Pending => "PENDING", Drafted => "DRAFTED", Sent => "SENT", Stopped => "STOPPED", Failed => "FAILED"
});
text_enum!(FollowUpStopReason {
    Replied => "REPLIED", StoppedByUser => "STOPPED_BY_USER", ContactDeleted => "CONTACT_DELETED",
    EmailDeleted => "EMAIL_DELETED"
});

/// A step's delay after the previous message: a whole number of seconds, 1 s to a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Delay(i64);

impl Delay {
    /// Parses an ISO-8601 duration of weeks, days, hours, minutes and seconds (`P3D`, `PT4H`,
    /// `P1DT12H`, `PT1S`). Years and months are refused (their length varies).
    pub fn parse(field: &str, text: &str) -> Result<Delay, ValidationError> {
        let bad = |why: &str| {
            ValidationError::new(
                field,
                format!(
                    "{why}: give an ISO-8601 duration such as P3D, PT4H or PT30M (at least PT1S, at most P365D)"
                ),
            )
        };
        let s = text.trim();
        let rest = s.strip_prefix('P').ok_or_else(|| bad(&format!("{s:?} is not a duration")))?;
        if rest.is_empty() || rest == "T" || s.len() > 40 {
            return Err(bad(&format!("{s:?} is not a duration")));
        }
        let mut total: i64 = 0;
        let mut in_time = false;
        let mut number = String::new();
        let mut last_rank = 0u8;
        for ch in rest.chars() {
            match ch {
                '0'..='9' => number.push(ch),
                'T' if !in_time && number.is_empty() => in_time = true,
                unit => {
                    let (rank, secs) = match (in_time, unit) {
                        (false, 'W') => (1, 7 * 86_400),
                        (false, 'D') => (2, 86_400),
                        (true, 'H') => (3, 3600),
                        (true, 'M') => (4, 60),
                        (true, 'S') => (5, 1),
                        (false, 'Y' | 'M') => return Err(bad("years and months are not supported")),
                        _ => return Err(bad(&format!("{s:?} is not a duration"))),
                    };
                    if number.is_empty() || rank <= last_rank {
                        return Err(bad(&format!("{s:?} is not a duration")));
                    }
                    last_rank = rank;
                    let n: i64 = number.parse().map_err(|_| bad("too long"))?;
                    number.clear();
                    total = n
                        .checked_mul(secs)
                        .and_then(|v| total.checked_add(v))
                        .ok_or_else(|| bad("too long"))?;
                }
            }
        }
        if !number.is_empty() {
            return Err(bad(&format!("{s:?} is not a duration")));
        }
        if total < 1 {
            return Err(bad("too short"));
        }
        if total > MAX_DELAY_SECS {
            return Err(bad("too long"));
        }
        Ok(Delay(total))
    }

    /// A delay of `secs` seconds as stored (trusted: the database checks it is at least 1).
    pub fn from_secs(secs: i64) -> Delay {
        Delay(secs.max(1))
    }

    /// Whole seconds.
    pub fn secs(self) -> i64 {
        self.0
    }

    /// As a chrono duration.
    pub fn duration(self) -> chrono::Duration {
        chrono::Duration::seconds(self.0)
    }
}

impl fmt::Display for Delay {
    /// The canonical ISO-8601 form: `P3D`, `PT4H`, `P1DT2H30M`, `PT1S`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (days, rest) = (self.0 / 86_400, self.0 % 86_400);
        let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if rest > 0 {
            f.write_str("T")?;
            for (n, unit) in [(h, 'H'), (m, 'M'), (s, 'S')] {
                if n > 0 {
                    write!(f, "{n}{unit}")?;
                }
            }
        }
        Ok(())
    }
}

/// One validated step of a new sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUpStep {
    /// Wait after the previous message's send.
    pub after: Delay,
    /// What the AI should say (none: a plain nudge).
    pub instructions: Option<String>,
    /// Write it from this saved template instead of the AI.
    pub template_id: Option<String>,
    /// Send it without approval (else it waits as a DRAFT).
    pub auto_send: bool,
}

/// The steps of a new sequence (1 to [`MAX_STEPS`]), created with the send or schedule of its
/// first email; `now` is its creation time (the injected clock's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUps {
    /// The steps, in order.
    pub steps: Vec<NewFollowUpStep>,
    /// Creation time.
    pub now: chrono::DateTime<chrono::Utc>,
}

/// The subject of a follow-up: `Re: <original>`, without stacking `Re:` prefixes.
pub fn reply_subject(original: &str) -> String {
    let mut s = original.trim();
    loop {
        let lower = s.get(..3).map(str::to_ascii_lowercase);
        match lower.as_deref() {
            Some("re:") => s = s[3..].trim_start(),
            _ => break,
        }
    }
    format!("Re: {s}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_to_seconds_and_print_canonically() {
        let ok = |s: &str| Delay::parse("after", s).map(|d| (d.secs(), d.to_string()));
        assert_eq!(ok("P3D"), Ok((259_200, "P3D".into())));
        assert_eq!(ok("PT4H"), Ok((14_400, "PT4H".into())));
        assert_eq!(ok("PT1S"), Ok((1, "PT1S".into())));
        assert_eq!(ok("P1W"), Ok((604_800, "P7D".into())));
        assert_eq!(ok("P1DT2H30M5S"), Ok((95_405, "P1DT2H30M5S".into())));
        assert_eq!(ok("PT90M"), Ok((5400, "PT1H30M".into())));
    }

    #[test]
    fn bad_durations_are_refused_with_the_field() {
        for bad in ["", "P", "PT", "3D", "P3", "PT0S", "P1M", "P1Y", "PT1H2D", "P-1D", "P400D", "P1.5D", "PD"]
        {
            let err = Delay::parse("followUps[0].after", bad).unwrap_err();
            assert_eq!(err.field, "followUps[0].after", "{bad}");
        }
    }

    #[test]
    fn reply_subjects_do_not_stack() {
        assert_eq!(reply_subject("Coffee?"), "Re: Coffee?");
        assert_eq!(reply_subject("Re: Coffee?"), "Re: Coffee?");
        assert_eq!(reply_subject("RE: re:Coffee?"), "Re: Coffee?");
        assert_eq!(reply_subject("Réunion"), "Re: Réunion");
    }
}
