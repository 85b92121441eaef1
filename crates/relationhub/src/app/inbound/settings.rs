//! The mailbox sync's configuration, read once at start-up with the rest of [`crate::config`].

use crate::config::{ConfigError, Settings};
use std::time::Duration;

/// How the sync worker behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundConfig {
    /// Longest wait between passes over a mailbox (`RELATIONHUB_MAILBOX_POLL_SECS`, default
    /// 300). With IDLE, new mail in the first folder starts a pass at once; other folders, and
    /// servers without IDLE, are read at this interval.
    pub poll_interval: Duration,
    /// Days of mail a mailbox's first import takes (`RELATIONHUB_MAILBOX_SINCE_DAYS`, default 90).
    pub since_days: u32,
    /// Whether IDLE is used where the server offers it (`RELATIONHUB_MAILBOX_IDLE=on|off`, on).
    pub idle: bool,
}

impl Default for InboundConfig {
    fn default() -> Self {
        InboundConfig { poll_interval: Duration::from_secs(300), since_days: 90, idle: true }
    }
}

impl InboundConfig {
    /// Reads and validates the settings.
    pub fn from_settings(settings: &Settings) -> Result<Self, ConfigError> {
        let poll = settings.number("RELATIONHUB_MAILBOX_POLL_SECS", 300u64)?;
        if poll == 0 {
            return Err(ConfigError("RELATIONHUB_MAILBOX_POLL_SECS must be at least 1".into()));
        }
        let since_days = settings.number("RELATIONHUB_MAILBOX_SINCE_DAYS", 90u32)?;
        if since_days == 0 {
            return Err(ConfigError("RELATIONHUB_MAILBOX_SINCE_DAYS must be at least 1".into()));
        }
        let idle = match settings.get("RELATIONHUB_MAILBOX_IDLE").as_deref().map(str::trim) {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(ConfigError(format!("RELATIONHUB_MAILBOX_IDLE={other:?}: expected on or off")));
            }
        };
        Ok(InboundConfig { poll_interval: Duration::from_secs(poll), since_days, idle })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bad_values_are_named() {
        let c = InboundConfig::from_settings(&Settings::from_pairs([])).unwrap();
        assert_eq!(c, InboundConfig::default());
        let s = Settings::from_pairs([
            ("RELATIONHUB_MAILBOX_POLL_SECS", "5"),
            ("RELATIONHUB_MAILBOX_SINCE_DAYS", "7"),
        ]);
        let c = InboundConfig::from_settings(&s).unwrap();
        assert_eq!((c.poll_interval, c.since_days), (Duration::from_secs(5), 7));
        for (k, v) in [
            ("RELATIONHUB_MAILBOX_POLL_SECS", "0"),
            ("RELATIONHUB_MAILBOX_SINCE_DAYS", "x"),
            ("RELATIONHUB_MAILBOX_IDLE", "maybe"),
        ] {
            let e = InboundConfig::from_settings(&Settings::from_pairs([(k, v)])).unwrap_err();
            assert!(e.to_string().contains(k), "{e}");
        }
    }
}
