//! The crate's vocabulary: what the caller asks for ([`Task`]), what it gets back ([`Generation`]) and
//! how a failed request is reported ([`GenerateError`], one [`Attempt`] per HTTP try).

use std::fmt;

use chrono::{DateTime, Utc};

/// Who we write to: the contact's profile as stored by the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactProfile {
    /// Full name, e.g. "Ada Lovelace".
    pub name: String,
    /// Email address.
    pub email: Option<String>,
    /// Company the contact works for.
    pub company: Option<String>,
    /// Job title or role.
    pub role: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// "HIGH", "MEDIUM" or "LOW".
    pub priority: Option<String>,
    /// The user's private notes about the contact (context for the model, never quoted by the builtin writer).
    pub notes: Option<String>,
    /// LinkedIn profile URL.
    pub linkedin_url: Option<String>,
    /// When the user last contacted this person.
    pub last_contacted_at: Option<DateTime<Utc>>,
}

impl ContactProfile {
    /// The first word of the name, or the whole trimmed name when it has one word.
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or("")
    }
}

/// Which way a conversation entry went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The user wrote to the contact.
    Sent,
    /// The contact wrote to the user.
    Received,
}

/// One entry of conversation history. Callers pass history newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryItem {
    /// Sent by the user or received from the contact.
    pub direction: Direction,
    /// The message text.
    pub content: String,
    /// When it was sent or received.
    pub timestamp: DateTime<Utc>,
    /// The email subject, when known.
    pub subject: Option<String>,
}

/// A saved email template the draft should follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateHint {
    /// The template's name.
    pub name: String,
    /// Subject pattern; may contain `{{firstName}}`-style placeholders.
    pub subject: String,
    /// Body pattern; may contain `{{firstName}}`-style placeholders.
    pub body: String,
}

/// The tone of the email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// Professional and courteous.
    Formal,
    /// Friendly and relaxed.
    Casual,
    /// Thorough, several paragraphs.
    Elaborate,
    /// Short, one clear ask.
    Concise,
}

impl Style {
    /// Lower-case name, as used in prompts and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Style::Formal => "formal",
            Style::Casual => "casual",
            Style::Elaborate => "elaborate",
            Style::Concise => "concise",
        }
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    /// Write a new follow-up email.
    Draft {
        /// The recipient.
        contact: ContactProfile,
        /// Conversation history, newest first.
        history: Vec<HistoryItem>,
        /// A saved template to follow.
        template: Option<TemplateHint>,
        /// The user's own instructions ("mention the Q3 proposal").
        instructions: Option<String>,
        /// The tone; `None` means AI_GENERATED: follow the instructions only.
        style: Option<Style>,
        /// The name to sign with.
        sender_name: Option<String>,
    },
    /// Rewrite an existing draft in another style.
    Polish {
        /// The draft's subject.
        subject: String,
        /// The draft's body.
        body: String,
        /// The tone to rewrite it in.
        style: Style,
        /// The recipient, when known.
        contact: Option<ContactProfile>,
    },
}

/// A validated email: both fields trimmed, non-blank and within the length limits of [`crate::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailDraft {
    /// One-line subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// A successful generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// The email.
    pub draft: EmailDraft,
    /// "openai", "anthropic", "gemini" or "builtin".
    pub provider_id: String,
    /// The model that answered (as the provider reported it, else as configured).
    pub model: String,
    /// Prompt tokens reported by the provider.
    pub input_tokens: u32,
    /// Output tokens reported by the provider (including reasoning/thinking tokens).
    pub output_tokens: u32,
    /// The provider-reported total (OpenAI `total_tokens`, Anthropic input + output, Gemini
    /// `totalTokenCount`); never an estimate. 0 for the builtin writer.
    pub tokens_used: u32,
    /// Every HTTP try made for this generation, in order; the last one is the success.
    pub attempts: Vec<Attempt>,
}

/// How one try ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptOutcome {
    /// The provider answered with a usable email.
    Success,
    /// A transient failure; the same provider was tried again.
    Retried,
    /// The provider was given up on (permanent failure, retries exhausted, or no time left to retry).
    Failed,
    /// The provider was never tried because the overall deadline had passed.
    Skipped,
}

impl AttemptOutcome {
    /// Lower-case name, used as the `outcome` metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Success => "success",
            AttemptOutcome::Retried => "retried",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::Skipped => "skipped",
        }
    }
}

/// One HTTP try against one provider (the crate records one `Attempt` per try, not per provider).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// Provider id.
    pub provider: String,
    /// How the try ended.
    pub outcome: AttemptOutcome,
    /// Why, in a few words ("rate limited (429)"); never contains an API key.
    pub message: String,
}

/// What a provider is, for listings and logs; never carries the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInfo {
    /// "openai", "anthropic", "gemini" or "builtin".
    pub id: String,
    /// The wire protocol: "openai", "anthropic", "gemini" or "builtin".
    pub kind: String,
    /// Configured model name.
    pub model: String,
    /// Base URL, for network providers.
    pub base_url: Option<String>,
}

/// Why [`crate::Generator::generate`] produced no email.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// Every provider was tried and failed. Display: one line per provider.
    #[error("{}", summarize(attempts))]
    AllFailed {
        /// Every try, in order.
        attempts: Vec<Attempt>,
    },
    /// The requested provider id is not configured.
    #[error("AI provider `{0}` is not configured")]
    UnknownProvider(String),
    /// The overall deadline passed before any provider succeeded. Display: one line per provider.
    #[error("{}", summarize(attempts))]
    DeadlineExceeded {
        /// The tries made before the deadline, plus `Skipped` entries for providers never reached.
        attempts: Vec<Attempt>,
    },
}

impl GenerateError {
    /// The tries recorded before failing (empty for `UnknownProvider`).
    pub fn attempts(&self) -> &[Attempt] {
        match self {
            GenerateError::AllFailed { attempts } | GenerateError::DeadlineExceeded { attempts } => attempts,
            GenerateError::UnknownProvider(_) => &[],
        }
    }
}

/// One line per provider, in the order they were tried: the last message, plus "after N tries" when the
/// provider was tried more than once.
fn summarize(attempts: &[Attempt]) -> String {
    if attempts.is_empty() {
        return "no AI provider was tried".to_owned();
    }
    let mut providers: Vec<&str> = Vec::new();
    for attempt in attempts {
        if !providers.contains(&attempt.provider.as_str()) {
            providers.push(&attempt.provider);
        }
    }
    providers
        .iter()
        .map(|provider| {
            let own: Vec<&Attempt> = attempts.iter().filter(|a| a.provider == *provider).collect();
            let tries = own.iter().filter(|a| a.outcome != AttemptOutcome::Skipped).count();
            let last = own.last().map_or("", |a| a.message.as_str());
            if tries > 1 {
                format!("{provider}: {last} after {tries} tries")
            } else {
                format!("{provider}: {last}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
