//! RelationHub's domain: the entities the migration guide describes (users, contacts, emails,
//! templates, conversation history), their enums, and validated input values.
//!
//! Nothing here knows about SQL or HTTP. Values that passed validation have their own types
//! (parse, don't validate), so deeper layers never re-check strings.

pub mod clock;
pub mod enums;
pub mod error;
pub mod followup;
pub mod html;
pub mod id;
pub mod inputs;
pub mod models;
pub mod touch;
pub mod validate;
pub mod webhook;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock};
pub use enums::{Direction, EmailStatus, Priority, TemplateType, TokenKind};
pub use error::ValidationError;
pub use followup::{FollowUpStepStatus, FollowUpStopReason};
pub use id::new_id;
pub use models::{ApiToken, Contact, ConversationEntry, Email, EmailTemplate, User};
pub use touch::TouchStatus;
