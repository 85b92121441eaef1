//! RelationHub: a self-hostable server that keeps professional relationships alive — contacts,
//! conversation history and AI-drafted follow-up emails, over a GraphQL API.
//!
//! `main.rs` only parses the command line; everything else lives here so it can be tested.

pub mod ai;
pub mod app;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod graphql;
pub mod http;
pub mod seed;
pub mod telemetry;
pub mod web;
pub mod webhooks;
