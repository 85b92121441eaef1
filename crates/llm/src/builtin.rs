//! The built-in writer: composes a sensible email from the contact, the latest conversation entries,
//! the style, an optional template and the instructions, with no network and no key. It is the default
//! when no provider is configured and is always labelled `builtin` (model `builtin-v1`, 0 tokens).
//! The output depends only on the task and the reference time, so the same input gives the same email.

mod draft;
mod polish;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::{ChatPrompt, Completion, EmailDraft, Provider, ProviderError, ProviderInfo, Style, Task};

/// Provider id of the built-in writer.
pub const ID: &str = "builtin";
/// Model name reported by the built-in writer.
pub const MODEL: &str = "builtin-v1";

/// Writes the email for `task`; `now` dates the history ("last week").
pub fn compose(task: &Task, now: DateTime<Utc>) -> EmailDraft {
    match task {
        Task::Draft { contact, history, template, instructions, style, sender_name } => {
            draft::compose(&draft::Input {
                contact,
                history,
                template: template.as_ref(),
                instructions: instructions.as_deref().map(str::trim).filter(|i| !i.is_empty()),
                style: *style,
                sender: sender_name.as_deref().map(str::trim).filter(|s| !s.is_empty()),
                now,
            })
        }
        Task::Polish { subject, body, style, contact } => {
            polish::restyle(subject, body, *style, contact.as_ref())
        }
    }
}

/// The built-in writer as a [`Provider`], so it goes through the same parsing, metrics and fallback.
pub(crate) struct Builtin;

#[async_trait]
impl Provider for Builtin {
    fn id(&self) -> &str {
        ID
    }

    fn model(&self) -> &str {
        MODEL
    }

    fn info(&self) -> ProviderInfo {
        ProviderInfo { id: ID.into(), kind: ID.into(), model: MODEL.into(), base_url: None }
    }

    async fn complete(&self, prompt: &ChatPrompt) -> Result<Completion, ProviderError> {
        let draft = compose(&prompt.task, Utc::now());
        Ok(Completion {
            text: json!({"subject": draft.subject, "body": draft.body}).to_string(),
            input_tokens: 0,
            output_tokens: 0,
            total_tokens: 0,
            model: MODEL.into(),
        })
    }
}

/// The greeting line for a style ("Dear Ada,").
fn greeting(style: Option<Style>, name: Option<&str>) -> String {
    let word = match style {
        Some(Style::Formal) => "Dear",
        Some(Style::Casual | Style::Concise) => "Hi",
        Some(Style::Elaborate) | None => "Hello",
    };
    match name {
        Some(name) => format!("{word} {name},"),
        None if word == "Dear" => "Hello,".to_owned(),
        None => format!("{word} there,"),
    }
}

/// The closing word for a style ("Kind regards,").
fn sign_off(style: Option<Style>) -> &'static str {
    match style {
        Some(Style::Formal) => "Kind regards,",
        Some(Style::Casual) => "Cheers,",
        Some(Style::Elaborate) => "Warm regards,",
        Some(Style::Concise) => "Best,",
        None => "Best regards,",
    }
}

/// At most `max` characters, cut at a word boundary, with "…" when cut.
fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > max.saturating_sub(1) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(max.saturating_sub(1)).collect();
    }
    out.trim_end_matches([',', ';', ':', '-', ' ']).to_owned() + "…"
}

/// Blank-line separated paragraphs, trimmed, empty ones dropped.
fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.trim_matches('\n').trim_end().to_owned())
        .filter(|p| !p.trim().is_empty())
        .collect()
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}
