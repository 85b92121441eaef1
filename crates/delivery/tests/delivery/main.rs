//! The delivery crate against a real SMTP server (scripts/smtp_server.py, aiosmtpd) and real
//! databases: every test that touches the store runs on PostgreSQL and on SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;
mod outbox;
mod scheduler;
mod smtp;
mod tracking;
