//! Transports: the [`Transport`] trait, its error classification (transient vs permanent), and the
//! SMTP implementation over lettre's pooled async transport with rustls.

use crate::config::{ConfigError, DeliveryConfig, SmtpSecurity, SmtpSettings, TransportConfig};
use crate::outbox::OutboxTransport;
use async_trait::async_trait;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{self, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use std::fmt;
use std::sync::Arc;

/// Whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendErrorKind {
    /// Worth retrying later: connection refused or timed out, a 4xx reply, a full disk.
    Transient,
    /// Retrying sends the same thing to the same answer: a 5xx reply, an invalid message.
    Permanent,
}

/// A failed send. `reason` is short, classified and safe to show a user (`Email.lastError`): it
/// never names hosts, ports or file paths. `detail` is the full error, for the log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Transient or permanent.
    pub kind: SendErrorKind,
    /// What went wrong, for users, e.g. `recipient refused by the mail server (550)`.
    pub reason: String,
    /// Everything known about the failure (server reply, host, path), for operators' logs.
    pub detail: String,
}

impl SendError {
    /// A failure worth retrying, with a user-safe `reason` and the full `detail`.
    pub fn transient_with(reason: impl Into<String>, detail: impl Into<String>) -> SendError {
        SendError { kind: SendErrorKind::Transient, reason: reason.into(), detail: detail.into() }
    }

    /// A failure not worth retrying, with a user-safe `reason` and the full `detail`.
    pub fn permanent_with(reason: impl Into<String>, detail: impl Into<String>) -> SendError {
        SendError { kind: SendErrorKind::Permanent, reason: reason.into(), detail: detail.into() }
    }

    /// A failure worth retrying whose message is safe to show as it is.
    pub fn transient(message: impl Into<String>) -> SendError {
        let message = message.into();
        SendError::transient_with(message.clone(), message)
    }

    /// A failure not worth retrying whose message is safe to show as it is.
    pub fn permanent(message: impl Into<String>) -> SendError {
        let message = message.into();
        SendError::permanent_with(message.clone(), message)
    }

    /// True for [`SendErrorKind::Permanent`].
    pub fn is_permanent(&self) -> bool {
        self.kind == SendErrorKind::Permanent
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for SendError {}

/// Something that delivers a built message (its envelope says who from and to whom).
#[async_trait]
pub trait Transport: Send + Sync {
    /// Delivers `message` to the recipients of its envelope.
    async fn send(&self, message: &Message) -> Result<(), SendError>;

    /// Where messages go, for logs (never credentials).
    fn describe(&self) -> String;
}

/// Builds the transport the configuration names.
pub fn build_transport(config: &DeliveryConfig) -> Result<Arc<dyn Transport>, ConfigError> {
    Ok(match &config.transport {
        TransportConfig::Smtp(settings) => Arc::new(SmtpTransport::new(settings, config.concurrency)?),
        TransportConfig::Outbox(dir) => Arc::new(OutboxTransport::new(dir.clone())),
    })
}

/// Sends through an SMTP relay, keeping up to `pool_size` connections open.
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    described: String,
}

impl SmtpTransport {
    /// Prepares the connection pool (connects lazily, on the first send).
    pub fn new(settings: &SmtpSettings, pool_size: usize) -> Result<SmtpTransport, ConfigError> {
        let tls_params = || {
            TlsParameters::new(settings.host.clone())
                .map_err(|e| ConfigError { variable: "SMTP_URL", message: format!("TLS setup failed: {e}") })
        };
        let tls = match settings.security {
            SmtpSecurity::Opportunistic => Tls::Opportunistic(tls_params()?),
            SmtpSecurity::Required => Tls::Required(tls_params()?),
            SmtpSecurity::Implicit => Tls::Wrapper(tls_params()?),
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(settings.host.clone())
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout))
            .pool_config(PoolConfig::new().max_size(pool_size.clamp(1, 64) as u32));
        if let Some(c) = &settings.credentials {
            builder = builder.credentials(Credentials::new(c.username.clone(), c.password().to_owned()));
        }
        let security = match settings.security {
            SmtpSecurity::Opportunistic => "STARTTLS if offered",
            SmtpSecurity::Required => "STARTTLS required",
            SmtpSecurity::Implicit => "implicit TLS",
            SmtpSecurity::None => "no TLS",
        };
        Ok(SmtpTransport {
            inner: builder.build(),
            described: format!("SMTP {}:{} ({security})", settings.host, settings.port),
        })
    }
}

#[async_trait]
impl Transport for SmtpTransport {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        self.inner
            .send_raw(message.envelope(), &message.formatted())
            .await
            .map(drop)
            .map_err(|e| classify(&e))
    }

    fn describe(&self) -> String {
        self.described.clone()
    }
}

/// Sorts an SMTP failure: 5xx replies are permanent; 4xx replies and connection, TLS and timeout
/// problems are transient (so is a server without STARTTLS: the operator may fix it before the
/// last attempt). The reason names the class and the reply code, never the server's words (they
/// often carry host names and addresses); the detail keeps everything for the log.
pub fn classify(err: &smtp::Error) -> SendError {
    let source = std::error::Error::source(err).map(|s| s.to_string());
    let detail = match (err.status(), &source) {
        (Some(code), Some(d)) if !d.is_empty() => format!("{code} {d}"),
        _ => match &source {
            Some(d) if !err.to_string().contains(d.as_str()) => format!("{err}: {d}"),
            _ => err.to_string(),
        },
    };
    if let Some(code) = err.status() {
        let code = code.to_string();
        let reason = match code.as_str() {
            "550" | "551" | "553" => format!("recipient refused by the mail server ({code})"),
            "552" | "554" => format!("message refused by the mail server ({code})"),
            "530" | "534" | "535" | "538" => format!("mail server authentication failed ({code})"),
            c if c.starts_with('4') => format!("mail server temporarily refused the message ({code})"),
            _ => format!("refused by the mail server ({code})"),
        };
        return if err.is_permanent() {
            SendError::permanent_with(reason, detail)
        } else {
            SendError::transient_with(reason, detail)
        };
    }
    if detail.contains("STARTTLS is not supported") {
        return SendError::transient_with("mail server does not offer STARTTLS", detail);
    }
    if err.is_tls() {
        return SendError::transient_with("TLS handshake failed", detail);
    }
    if err.is_timeout() {
        return SendError::transient_with("mail server timed out", detail);
    }
    if err.is_client() {
        return SendError::permanent_with("message could not be sent (client error)", detail);
    }
    if err.is_response() {
        return SendError::transient_with("mail server sent an invalid reply", detail);
    }
    SendError::transient_with("mail server unreachable", detail)
}
