//! Authentication: argon2id password hashes and opaque bearer tokens stored as hashes.

pub mod password;
pub mod rate_limit;
pub mod token;
