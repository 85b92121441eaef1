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

/// A failed send, phrased as the mail server phrased it where there was a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    /// Transient or permanent.
    pub kind: SendErrorKind,
    /// What went wrong, e.g. `550 5.1.1 mailbox unavailable`.
    pub message: String,
}

impl SendError {
    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> SendError {
        SendError { kind: SendErrorKind::Transient, message: message.into() }
    }

    /// A failure not worth retrying.
    pub fn permanent(message: impl Into<String>) -> SendError {
        SendError { kind: SendErrorKind::Permanent, message: message.into() }
    }

    /// True for [`SendErrorKind::Permanent`].
    pub fn is_permanent(&self) -> bool {
        self.kind == SendErrorKind::Permanent
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
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

/// Sorts an SMTP failure: 5xx replies and client-side refusals (a message the server cannot take)
/// are permanent; 4xx replies and connection, TLS and timeout problems are transient. A reply
/// keeps the server's words: `550 5.1.1 mailbox unavailable`.
pub fn classify(err: &smtp::Error) -> SendError {
    let detail = std::error::Error::source(err).map(|s| s.to_string());
    if let Some(code) = err.status() {
        let text = match detail {
            Some(d) if !d.is_empty() => format!("{code} {d}"),
            _ => code.to_string(),
        };
        return if err.is_permanent() { SendError::permanent(text) } else { SendError::transient(text) };
    }
    if err.is_client() {
        return SendError::permanent(format!(
            "SMTP client error: {}",
            detail.unwrap_or_else(|| err.to_string())
        ));
    }
    if err.is_timeout() {
        return SendError::transient(format!("SMTP timed out: {err}"));
    }
    SendError::transient(format!("SMTP: {err}"))
}
