//! The sending actions the editor uses: the use-case layer's, so the address check, the
//! per-user send limit and the state machine are the same as over GraphQL.

pub use crate::app::delivery::{
    cancel_email, schedule_email, schedule_email_with, send_email, send_email_with, unschedule_email,
};
