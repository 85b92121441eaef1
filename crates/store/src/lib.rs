//! RelationHub's data layer: the only crate with SQL.
//!
//! One [`Store`] over either PostgreSQL (the reference backend) or SQLite (the embedded
//! default). Each query is written once in SQL both engines accept and dispatched over the live
//! pool; dynamic queries (filters, keyset cursors) are assembled by a small builder. Every read
//! and write is scoped by user id: another user's row is indistinguishable from a missing one.

#[macro_use]
mod sql;
mod lane;
mod row;
mod write_tx;

pub mod archive;
pub mod bulk;
pub mod contacts;
pub mod db;
pub mod delivery;
pub mod digest;
pub mod emails;
pub mod error;
pub mod follow_ups;
pub mod history;
pub mod import;
pub mod mailbox_sync;
pub mod mailboxes;
pub mod migrate;
pub mod outbox;
pub mod page;
pub mod preferences;
pub mod sign_in;
pub mod stats;
pub mod templates;
pub mod today;
pub mod token_cache;
pub mod tokens;
pub mod touch;
pub mod ts;
pub mod url;
pub mod users;
pub mod webhooks;

pub use contacts::{ContactFilter, ContactOrder};
pub use db::{ConnectOptions, Db, Store};
pub use delivery::DueEmail;
pub use digest::{DuePass, PassOutcome, PassResult};
pub use emails::{EmailColumnSet, EmailColumns, EmailFilter, EmailOrder};
pub use error::{Result, StoreError};
pub use follow_ups::{FollowUpSequence, FollowUpStep, StoppedSequence};
pub use migrate::{MigrationState, Resolution, Status};
pub use page::{Cursor, Page, PageRequest};
pub use preferences::{DigestSettings, UserPreferences};
pub use ts::Ts;
pub use url::{Backend, DatabaseUrl, UrlError};
