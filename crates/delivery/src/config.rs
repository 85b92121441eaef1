//! Delivery configuration: where mail goes (an SMTP server or the outbox directory), who it is from,
//! open tracking, retries and the scheduler's pace.
//!
//! Loaded from environment variables (a public contract, see [`DeliveryConfig::from_lookup`]) or
//! built in code: tests set sub-second durations through the public fields.

use lettre::message::Mailbox;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A configuration value that cannot be used; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable (or setting) at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    fn new(variable: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError { variable, message: message.into() }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://…?tls=opportunistic`: STARTTLS when the server offers it, plain text otherwise (an
    /// attacker on the path can strip the offer, so this is an explicit choice, never the default).
    Opportunistic,
    /// `smtp://` (or `?tls=required`): STARTTLS or nothing, so no credentials or mail travel in
    /// plain text.
    Required,
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// `smtp://…?tls=none`: never upgrade; allowed only for a loopback host (a local relay, tests).
    None,
}

/// True for `localhost` and loopback IP addresses, the only hosts plain-text SMTP may go to.
fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// SMTP user name and password; `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpCredentials {
    /// User name (percent-decoded from the URL).
    pub username: String,
    password: String,
}

impl SmtpCredentials {
    /// Wraps a user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> SmtpCredentials {
        SmtpCredentials { username: username.into(), password: password.into() }
    }

    /// The password, for the SMTP AUTH exchange only.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for SmtpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpCredentials")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// An SMTP relay, parsed from `SMTP_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// Server host name (also the name its certificate must carry).
    pub host: String,
    /// Server port (587 for `smtp://`, 465 for `smtps://` unless given).
    pub port: u16,
    /// Transport security.
    pub security: SmtpSecurity,
    /// AUTH credentials, when the URL carries them.
    pub credentials: Option<SmtpCredentials>,
    /// Time limit for connecting and for each SMTP command.
    pub timeout: Duration,
}

impl SmtpSettings {
    /// Parses `smtp://[user:pass@]host[:port][?tls=required|opportunistic|none]` or `smtps://…`;
    /// user and password are percent-decoded. Plain `smtp://` requires STARTTLS; `tls=none` is
    /// refused unless the host is loopback.
    pub fn from_url(raw: &str) -> Result<SmtpSettings, ConfigError> {
        let bad = |m: String| ConfigError::new("SMTP_URL", m);
        let url = url::Url::parse(raw.trim()).map_err(|e| bad(format!("not a URL ({e})")))?;
        let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let security = match (url.scheme(), tls.as_deref()) {
            ("smtp", None | Some("required")) => SmtpSecurity::Required,
            ("smtp", Some("opportunistic")) => SmtpSecurity::Opportunistic,
            ("smtp", Some("none")) => SmtpSecurity::None,
            ("smtps", None | Some("implicit") | Some("required")) => SmtpSecurity::Implicit,
            ("smtp" | "smtps", Some(other)) => {
                return Err(bad(format!("unknown tls={other:?}; expected required, opportunistic or none")));
            }
            (scheme, _) => {
                return Err(bad(format!("unsupported scheme {scheme:?}; expected smtp:// or smtps://")));
            }
        };
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("has no host".into()))?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        if security == SmtpSecurity::None && !is_loopback_host(&host) {
            return Err(bad(format!(
                "tls=none sends credentials and mail in plain text and is allowed only for a loopback host \
                 (localhost, 127.0.0.1, ::1), not {host:?}; use STARTTLS (the default), smtps:// or tls=opportunistic"
            )));
        }
        let port = url.port().unwrap_or(match security {
            SmtpSecurity::Implicit => 465,
            _ => 587,
        });
        let decode = |s: &str, what: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| bad(format!("{what} is not valid UTF-8 after percent-decoding")))
        };
        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            (user, pass) => Some(SmtpCredentials::new(
                decode(user, "user name")?,
                decode(pass.unwrap_or(""), "password")?,
            )),
        };
        Ok(SmtpSettings { host, port, security, credentials, timeout: Duration::from_secs(60) })
    }
}

/// Where messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportConfig {
    /// An SMTP relay.
    Smtp(SmtpSettings),
    /// A directory of `.eml` files (the default without `SMTP_URL`).
    Outbox(PathBuf),
}

/// Everything the sender and the scheduler need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// SMTP relay or outbox directory.
    pub transport: TransportConfig,
    /// Fixed sender mailbox (`SMTP_FROM`), required with SMTP (see [`DeliveryConfig::validate`]):
    /// the relay must never send as a user's unverified sign-up address. `None` with the outbox
    /// writes files from the user's own name and address.
    pub from: Option<Mailbox>,
    /// Public base URL of the server without a trailing slash; enables the open-tracking pixel.
    pub public_url: Option<String>,
    /// Attempts before a transiently failing email is given up as FAILED.
    pub max_attempts: u32,
    /// Backoff base: the n-th retry waits about `retry_base * 2^(n-1)`, with jitter.
    pub retry_base: Duration,
    /// Longest wait between two attempts.
    pub retry_cap: Duration,
    /// Longest idle sleep of the scheduler.
    pub poll_interval: Duration,
    /// Emails claimed per scheduler round.
    pub batch_size: u32,
    /// Emails sent at once by one scheduler.
    pub concurrency: usize,
    /// How long a claimed email stays reserved for its worker.
    pub lease: Duration,
}

impl DeliveryConfig {
    /// Defaults with the given transport.
    pub fn new(transport: TransportConfig) -> DeliveryConfig {
        DeliveryConfig {
            transport,
            from: None,
            public_url: None,
            max_attempts: 5,
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
            poll_interval: Duration::from_secs(30),
            batch_size: 50,
            concurrency: 8,
            lease: Duration::from_secs(300),
        }
    }

    /// Defaults, writing `.eml` files to `dir`.
    pub fn outbox(dir: impl Into<PathBuf>) -> DeliveryConfig {
        DeliveryConfig::new(TransportConfig::Outbox(dir.into()))
    }

    /// Defaults, sending through `smtp`.
    pub fn smtp(smtp: SmtpSettings) -> DeliveryConfig {
        DeliveryConfig::new(TransportConfig::Smtp(smtp))
    }

    /// Checks what a sender needs before it starts: with SMTP, `SMTP_FROM` must be set. Otherwise
    /// mail would go out `From:` the user's sign-up address, which nobody verified, and anyone
    /// could send as anyone through the operator's relay.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if matches!(self.transport, TransportConfig::Smtp(_)) && self.from.is_none() {
            return Err(ConfigError::new(
                "SMTP_FROM",
                "is required when SMTP_URL is set: the address mail is sent from, e.g. \
                 SMTP_FROM=\"RelationHub <noreply@example.com>\" (replies go to the user)",
            ));
        }
        Ok(())
    }

    /// Reads the configuration through `get` (empty values count as unset):
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `SMTP_URL` | `smtp://[user:pass@]host[:port]` (STARTTLS required; `?tls=opportunistic` falls back to plain text, `?tls=none` never upgrades and is for loopback hosts only), `smtps://…` (implicit TLS) | none: `<data_dir>/outbox` |
    /// | `SMTP_FROM` | sender mailbox, `Name <addr>` or `addr`; required with `SMTP_URL` | outbox only: the user's own name and address |
    /// | `RELATIONHUB_PUBLIC_URL` | public base URL; enables the open-tracking pixel | no tracking |
    /// | `RELATIONHUB_SEND_MAX_ATTEMPTS` | attempts before FAILED | 5 |
    /// | `RELATIONHUB_SEND_RETRY_BASE_SECS` | backoff base (exponential, jittered, capped at 1 h) | 30 |
    /// | `RELATIONHUB_SEND_LEASE_SECS` | how long a claimed email stays reserved | 300 |
    /// | `RELATIONHUB_SCHEDULER_POLL_SECS` | longest idle sleep | 30 |
    /// | `RELATIONHUB_SCHEDULER_BATCH` | emails claimed per round | 50 |
    /// | `RELATIONHUB_SCHEDULER_CONCURRENCY` | emails sent at once | 8 |
    pub fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        data_dir: &Path,
    ) -> Result<DeliveryConfig, ConfigError> {
        let get = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let transport = match get("SMTP_URL") {
            Some(url) => TransportConfig::Smtp(SmtpSettings::from_url(&url)?),
            None => TransportConfig::Outbox(data_dir.join("outbox")),
        };
        let mut cfg = DeliveryConfig::new(transport);
        if let Some(from) = get("SMTP_FROM") {
            cfg.from = Some(
                from.parse::<Mailbox>()
                    .map_err(|e| ConfigError::new("SMTP_FROM", format!("not a mailbox ({e}): {from:?}")))?,
            );
        }
        if let Some(public) = get("RELATIONHUB_PUBLIC_URL") {
            cfg.public_url = Some(parse_public_url(&public)?);
        }
        let number = |name: &'static str, min: u64, max: u64| -> Result<Option<u64>, ConfigError> {
            let Some(raw) = get(name) else { return Ok(None) };
            match raw.parse::<u64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(ConfigError::new(
                    name,
                    format!("expected a whole number from {min} to {max}, got {raw:?}"),
                )),
            }
        };
        if let Some(n) = number("RELATIONHUB_SEND_MAX_ATTEMPTS", 1, 100)? {
            cfg.max_attempts = n as u32;
        }
        if let Some(n) = number("RELATIONHUB_SEND_RETRY_BASE_SECS", 1, 3600)? {
            cfg.retry_base = Duration::from_secs(n);
        }
        if let Some(n) = number("RELATIONHUB_SEND_LEASE_SECS", 10, 86_400)? {
            cfg.lease = Duration::from_secs(n);
        }
        if let Some(n) = number("RELATIONHUB_SCHEDULER_POLL_SECS", 1, 3600)? {
            cfg.poll_interval = Duration::from_secs(n);
        }
        if let Some(n) = number("RELATIONHUB_SCHEDULER_BATCH", 1, 1000)? {
            cfg.batch_size = n as u32;
        }
        if let Some(n) = number("RELATIONHUB_SCHEDULER_CONCURRENCY", 1, 256)? {
            cfg.concurrency = n as usize;
        }
        Ok(cfg)
    }

    /// Where the `.eml` files go, when the outbox is the transport.
    pub fn outbox_dir(&self) -> Option<&Path> {
        match &self.transport {
            TransportConfig::Outbox(dir) => Some(dir),
            TransportConfig::Smtp(_) => None,
        }
    }
}

fn parse_public_url(raw: &str) -> Result<String, ConfigError> {
    let bad = |m: String| ConfigError::new("RELATIONHUB_PUBLIC_URL", m);
    let url = url::Url::parse(raw).map_err(|e| bad(format!("not a URL ({e}): {raw:?}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(format!("expected an http(s) URL, got {raw:?}")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(format!("must not have a query or fragment: {raw:?}")));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<DeliveryConfig, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        DeliveryConfig::from_lookup(|k| map.get(k).cloned(), Path::new("/data"))
    }

    #[test]
    fn without_smtp_url_mail_goes_to_the_outbox_with_the_defaults() {
        let cfg = load(&[("SMTP_URL", "  ")]).unwrap();
        assert_eq!(cfg.transport, TransportConfig::Outbox(PathBuf::from("/data/outbox")));
        assert_eq!(cfg.outbox_dir(), Some(Path::new("/data/outbox")));
        assert_eq!(
            (cfg.max_attempts, cfg.retry_base, cfg.retry_cap),
            (5, Duration::from_secs(30), Duration::from_secs(3600))
        );
        assert_eq!((cfg.poll_interval, cfg.batch_size, cfg.concurrency), (Duration::from_secs(30), 50, 8));
        assert_eq!(cfg.lease, Duration::from_secs(300));
        assert_eq!((cfg.from, cfg.public_url), (None, None));
    }

    #[test]
    fn smtp_urls_choose_security_port_and_decode_credentials() {
        let s = SmtpSettings::from_url("smtp://mail.example.com").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.security, s.credentials),
            ("mail.example.com", 587, SmtpSecurity::Required, None)
        );
        let s = SmtpSettings::from_url("smtp://ann%40corp:p%40ss%3Aw0rd@mail.example.com:2525?tls=required")
            .unwrap();
        assert_eq!((s.port, s.security), (2525, SmtpSecurity::Required));
        let c = s.credentials.unwrap();
        assert_eq!((c.username.as_str(), c.password()), ("ann@corp", "p@ss:w0rd"));
        let s = SmtpSettings::from_url("smtps://u:p@smtp.example.com").unwrap();
        assert_eq!((s.port, s.security), (465, SmtpSecurity::Implicit));
        assert_eq!(
            SmtpSettings::from_url("smtp://127.0.0.1:25?tls=none").unwrap().security,
            SmtpSecurity::None
        );
        assert_eq!(
            SmtpSettings::from_url("smtp://mail.example.com?tls=opportunistic").unwrap().security,
            SmtpSecurity::Opportunistic
        );
    }

    #[test]
    fn plain_text_smtp_is_allowed_only_to_loopback_hosts() {
        for host in ["127.0.0.1", "localhost", "[::1]", "127.0.0.2"] {
            let url = format!("smtp://{host}:2525?tls=none");
            assert_eq!(SmtpSettings::from_url(&url).unwrap().security, SmtpSecurity::None, "{url}");
        }
        for host in ["mail.example.com", "10.0.0.5", "[2001:db8::1]", "localhost.example.com"] {
            let url = format!("smtp://{host}:25?tls=none");
            let err = SmtpSettings::from_url(&url).unwrap_err();
            assert_eq!(err.variable, "SMTP_URL");
            assert!(err.message.contains("loopback"), "{err}");
        }
    }

    #[test]
    fn smtp_without_smtp_from_is_refused_by_validate() {
        let cfg = load(&[("SMTP_URL", "smtp://relay.example.com")]).unwrap();
        let err = cfg.validate().unwrap_err();
        assert_eq!(err.variable, "SMTP_FROM");
        assert!(load(&[]).unwrap().validate().is_ok(), "the outbox needs no SMTP_FROM");
        let cfg = load(&[("SMTP_URL", "smtp://relay.example.com"), ("SMTP_FROM", "a@example.com")]).unwrap();
        assert!(cfg.validate().is_ok());
    }

    #[test]
    fn invalid_values_name_their_variable() {
        for (var, value) in [
            ("SMTP_URL", "http://mail.example.com"),
            ("SMTP_URL", "smtp://mail.example.com?tls=sometimes"),
            ("SMTP_URL", "not a url"),
            ("SMTP_FROM", "not an address"),
            ("RELATIONHUB_PUBLIC_URL", "ftp://example.com"),
            ("RELATIONHUB_SEND_MAX_ATTEMPTS", "0"),
            ("RELATIONHUB_SEND_RETRY_BASE_SECS", "soon"),
            ("RELATIONHUB_SCHEDULER_POLL_SECS", "-1"),
            ("RELATIONHUB_SCHEDULER_BATCH", "100000"),
            ("RELATIONHUB_SCHEDULER_CONCURRENCY", "1.5"),
            ("RELATIONHUB_SEND_LEASE_SECS", "1"),
        ] {
            let err = load(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{value}");
            assert!(err.to_string().starts_with(var), "{err}");
        }
    }

    #[test]
    fn values_are_read_and_the_public_url_loses_its_trailing_slash() {
        let cfg = load(&[
            ("SMTP_URL", "smtp://relay.example.com:25"),
            ("SMTP_FROM", "RelationHub <noreply@example.com>"),
            ("RELATIONHUB_PUBLIC_URL", "https://crm.example.com/base/"),
            ("RELATIONHUB_SEND_MAX_ATTEMPTS", "3"),
            ("RELATIONHUB_SEND_RETRY_BASE_SECS", "10"),
            ("RELATIONHUB_SCHEDULER_POLL_SECS", "5"),
            ("RELATIONHUB_SCHEDULER_BATCH", "20"),
            ("RELATIONHUB_SCHEDULER_CONCURRENCY", "2"),
            ("RELATIONHUB_SEND_LEASE_SECS", "60"),
        ])
        .unwrap();
        assert!(matches!(cfg.transport, TransportConfig::Smtp(ref s) if s.port == 25));
        let from = cfg.from.unwrap();
        assert_eq!(
            (from.name.as_deref(), from.email.to_string().as_str()),
            (Some("RelationHub"), "noreply@example.com")
        );
        assert_eq!(cfg.public_url.as_deref(), Some("https://crm.example.com/base"));
        assert_eq!((cfg.max_attempts, cfg.retry_base), (3, Duration::from_secs(10)));
        assert_eq!((cfg.poll_interval, cfg.batch_size, cfg.concurrency), (Duration::from_secs(5), 20, 2));
        assert_eq!(cfg.lease, Duration::from_secs(60));
    }

    #[test]
    fn debug_output_never_shows_the_smtp_password() {
        let cfg = load(&[("SMTP_URL", "smtp://user:hunter2secret@mail.example.com")]).unwrap();
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("hunter2secret"), "{shown}");
        assert!(shown.contains("[redacted]") && shown.contains("user"), "{shown}");
    }
}
