//! The store's behavioural suite: every test runs on PostgreSQL and on SQLite, each against a
//! fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod bulk;
mod contacts;
mod delivery;
mod emails;
mod fixtures;
mod history;
mod migrations;
mod templates;
mod users;
