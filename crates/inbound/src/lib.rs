//! Inbound mail for RelationHub: a small IMAP client (login test, incremental fetch by
//! `UIDVALIDITY` + last UID), message parsing into readable text with `mail-parser`, and the
//! AEAD encryption that keeps mailbox passwords unreadable at rest. No database code lives
//! here: the server's use-case layer decides what a message means and stores it.

pub mod error;
pub mod imap;
pub mod parse;
pub mod secret;
pub mod testing;

pub use error::{InboundError, Result};
pub use imap::{Endpoint, FetchedMessage, FolderBatch, Security};
pub use parse::{ParsedMessage, parse_message};
pub use secret::SecretKey;
