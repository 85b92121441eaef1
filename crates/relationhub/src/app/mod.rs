//! The use-case layer: one function per thing a user can do (sign in, create a contact, send an
//! email, …). Each authorises, parses its input into validated types, and orchestrates the store,
//! the AI generator and the mail sender. The two front doors — GraphQL resolvers (`graphql/`) and
//! web page handlers (`web/`) — are thin: they call these functions and render the result or the
//! [`ApiError`]. A business rule, permission check or validation lives here, once; neither front
//! door calls the other.

pub mod accounts;
pub mod contacts;
pub mod delivery;
pub mod digest;
pub mod digest_mail;
pub mod drafting;
pub mod emails;
pub mod error;
pub mod export;
pub mod follow_ups;
pub mod history;
pub mod import;
pub mod inbound;
pub mod preferences;
pub mod state;
pub mod templates;
pub mod today;
pub mod tokens;
pub mod webhooks;

pub use error::{ApiError, ApiResult, Code};
pub use state::AppState;
