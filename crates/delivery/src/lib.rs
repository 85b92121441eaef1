//! Email delivery for RelationHub: turns a claimed email into a MIME message, hands it to a
//! transport (an SMTP relay, or an outbox directory of `.eml` files when none is configured), and
//! records the outcome in the store: SENT, a retry with exponential backoff, or FAILED.
//!
//! The [`Scheduler`] sends SCHEDULED emails when they fall due; its state lives in the database, so
//! it survives restarts and several server instances can run it against one PostgreSQL without
//! sending an email twice. [`Sender::send_now`] sends one email during a request.
//!
//! ```no_run
//! # async fn demo(store: store::Store) -> Result<(), Box<dyn std::error::Error>> {
//! use delivery::{DeliveryConfig, Scheduler, Sender};
//! use std::sync::Arc;
//! // The binary passes its configuration snapshot; nothing here reads the process environment.
//! let config = DeliveryConfig::from_lookup(|_| None, std::path::Path::new("./data"))?;
//! let sender = Arc::new(Sender::from_config(store, config)?);
//! let cancel = tokio_util::sync::CancellationToken::new();
//! tokio::spawn(Scheduler::new(sender.clone()).run(cancel.clone()));
//! // In a resolver: `sender.send_now(&user_id, &email_id).await?`, or after `schedule_email`:
//! sender.notify();
//! # Ok(()) }
//! ```

pub mod config;
pub mod message;
pub mod metrics;
pub mod outbox;
pub mod scheduler;
pub mod sender;
pub mod tracking;
pub mod transport;

pub use config::{ConfigError, DeliveryConfig, SmtpCredentials, SmtpSecurity, SmtpSettings, TransportConfig};
pub use message::{ComposeError, ComposeOptions, Composed, compose, compose_notice};
pub use outbox::OutboxTransport;
pub use scheduler::Scheduler;
pub use sender::{Outcome, SendNowError, Sender, backoff, worker_id};
pub use tracking::{PIXEL_GIF, record_open};
pub use transport::{SendError, SendErrorKind, SmtpTransport, Transport, build_transport, classify};
