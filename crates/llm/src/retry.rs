//! Retry timing: exponential backoff with full jitter, and reading the delay a provider asks for
//! (`retry-after-ms`, `retry-after` in seconds or as an HTTP date, Gemini's `RetryInfo.retryDelay`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use reqwest::header::HeaderMap;

use crate::AiConfig;

/// How often and how long to retry one provider, and the budget of a whole generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries per provider after the first try (transient failures only).
    pub retries: u32,
    /// Base of the exponential backoff: try `n` (0-based) sleeps a random time in `[0, base·2ⁿ]`.
    pub backoff_base: Duration,
    /// Upper bound of one backoff sleep (a delay requested by the provider may be longer).
    pub backoff_max: Duration,
    /// Budget of one whole `generate` call.
    pub deadline: Duration,
}

impl RetryPolicy {
    /// The policy part of a configuration.
    pub fn from_config(config: &AiConfig) -> RetryPolicy {
        RetryPolicy {
            retries: config.retries,
            backoff_base: config.backoff_base,
            backoff_max: config.backoff_max,
            deadline: config.deadline,
        }
    }

    /// The sleep before retry number `retry` (0 = the first retry): the provider's requested delay when
    /// it gave one, otherwise full jitter, uniformly random in `[0, min(max, base·2^retry)]`.
    pub fn delay(&self, retry: u32, requested: Option<Duration>) -> Duration {
        if let Some(requested) = requested {
            return requested;
        }
        let ceiling =
            self.backoff_base.saturating_mul(2u32.saturating_pow(retry.min(20))).min(self.backoff_max);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

/// The delay asked for by `retry-after-ms` (milliseconds, may be fractional) or `retry-after`
/// (seconds, or an HTTP date relative to `now`). A date in the past means "now".
pub(crate) fn retry_after_from_headers(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = header("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return seconds(ms / 1000.0);
    }
    let value = header("retry-after")?;
    if let Ok(secs) = value.parse::<f64>() {
        return seconds(secs);
    }
    let date = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

/// Parses a protobuf `Duration` in its JSON form: decimal seconds with an `s` suffix ("2s", "1.5s").
pub(crate) fn parse_google_duration(value: &str) -> Option<Duration> {
    seconds(value.trim().strip_suffix('s')?.parse::<f64>().ok()?)
}

fn seconds(secs: f64) -> Option<Duration> {
    // Bounded so that a silly value cannot overflow; the deadline caps real waits anyway.
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_accepts_seconds_milliseconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z").unwrap().with_timezone(&Utc);
        let d = |pairs| retry_after_from_headers(&headers(pairs), now);
        assert_eq!(d(&[("retry-after", "3")]), Some(Duration::from_secs(3)));
        assert_eq!(d(&[("retry-after-ms", "250")]), Some(Duration::from_millis(250)));
        assert_eq!(d(&[("retry-after-ms", "250"), ("retry-after", "9")]), Some(Duration::from_millis(250)));
        assert_eq!(d(&[("retry-after", "Wed, 21 Oct 2015 07:28:05 GMT")]), Some(Duration::from_secs(5)));
        assert_eq!(d(&[("retry-after", "Wed, 21 Oct 2015 07:27:00 GMT")]), Some(Duration::ZERO));
        assert_eq!(d(&[("retry-after", "soon")]), None);
        assert_eq!(d(&[]), None);
    }

    #[test]
    fn google_durations_are_decimal_seconds_with_an_s_suffix() {
        assert_eq!(parse_google_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_google_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_google_duration("2"), None);
    }

    #[test]
    fn full_jitter_stays_within_the_exponential_ceiling() {
        let policy = RetryPolicy {
            retries: 5,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(300),
            deadline: Duration::from_secs(1),
        };
        for retry in 0..6 {
            let ceiling = Duration::from_millis(100 * 2u64.pow(retry)).min(Duration::from_millis(300));
            assert!(policy.delay(retry, None) <= ceiling);
        }
        assert_eq!(policy.delay(0, Some(Duration::from_secs(2))), Duration::from_secs(2));
    }
}
