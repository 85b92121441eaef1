//! Integration tests of the `llm` crate. Hermetic: providers are wiremock servers on loopback and
//! nothing calls the internet. One test binary, one module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod anthropic;
mod builtin;
mod common;
mod config;
mod fallback;
mod gemini;
mod openai;
mod parse;
mod prompt;
mod safety;
mod telemetry;
