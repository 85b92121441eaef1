//! Black-box tests of the GraphQL API over HTTP: a real server on port 0 per test, on a fresh
//! PostgreSQL or SQLite database.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod account_security;
mod accounts;
mod ai;
mod attacks;
mod common;
mod contacts;
mod delivery;
mod digest;
mod emails;
mod endpoints;
mod export;
mod follow_ups;
mod history;
mod import;
mod import_page;
mod inbound;
mod inbound_sync;
mod isolation;
mod limits;
mod templates;
mod token_cache;
mod touch;
mod web;
mod webhooks;
