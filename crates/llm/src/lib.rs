//! AI drafting for RelationHub: one client per LLM provider behind the [`Provider`] trait, a retry and
//! fallback policy, prompt building with fenced user data, and parsing of the `{subject, body}` answer.
//!
//! The binary builds an [`AiConfig`] (with [`AiConfig::from_lookup`] over the process's configuration snapshot), turns it into a [`Generator`] once at
//! start-up and calls [`Generator::generate`] for each draft or polish request.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use llm::{AiConfig, ContactProfile, Generator, Style, Task};
//! let vars = std::collections::HashMap::from([("RELATIONHUB_AI_PROVIDERS", "builtin")]);
//! let generator = Generator::new(&AiConfig::from_lookup(|k| vars.get(k).map(|v| v.to_string()))?)?;
//! let task = Task::Draft {
//!     contact: ContactProfile { name: "Ada Lovelace".into(), ..ContactProfile::default() },
//!     history: vec![],
//!     template: None,
//!     instructions: None,
//!     style: Some(Style::Casual),
//!     sender_name: Some("Grace".into()),
//! };
//! let generation = generator.generate(&task, None).await?;
//! println!("{} ({} tokens)", generation.draft.subject, generation.tokens_used);
//! # Ok(()) }
//! ```

mod anthropic;
pub mod builtin;
mod config;
mod gemini;
mod generator;
mod openai;
pub mod parse;
pub mod prompt;
mod provider;
mod retry;
mod types;

pub use config::{AiConfig, ApiKey, ConfigError, ProviderKind, ProviderSettings};
pub use generator::Generator;
pub use provider::{ChatPrompt, Completion, ErrorClass, MAX_RESPONSE_BYTES, Provider, ProviderError};
pub use retry::RetryPolicy;
pub use types::{
    Attempt, AttemptOutcome, ContactProfile, Direction, EmailDraft, GenerateError, Generation, HistoryItem,
    ProviderInfo, Style, Task, TemplateHint,
};
