//! AI drafting use cases: gather the contact, its recent history and an optional template,
//! generate every requested style concurrently, and store each result as a DRAFT email.
//!
//! Resolvers and the CLI call these; they hold no SQL and no HTTP of their own.

use chrono::Utc;
use domain::html::SafeHtml;
use domain::inputs::{EmailPatch, NewEmail};
use domain::validate::{Body, Subject};
use domain::{Contact, ConversationEntry, Direction, Email, EmailStatus, TemplateType, User};
use llm::{Attempt, GenerateError, Generation, Generator, Style, Task};
use std::time::Instant;
use store::{Store, StoreError};

/// How many recent conversation entries are offered to the prompt (the prompt builder keeps
/// what fits its size budget, newest first).
pub const HISTORY_ENTRIES: u32 = 50;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DraftRequest {
    /// The recipient.
    pub contact_id: String,
    /// Tones to write (each becomes one email). Empty with instructions = one AI_GENERATED email.
    pub styles: Vec<Style>,
    /// Follow this saved template (emails are TEMPLATE_BASED).
    pub template_id: Option<String>,
    /// The user's instructions.
    pub instructions: Option<String>,
    /// Use only this provider.
    pub provider: Option<String>,
}

/// Why a generation produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// The contact or template does not exist (or is not the caller's).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is contradictory or incomplete.
    #[error("{field}: {message}")]
    BadInput {
        /// The input field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The email cannot be polished in its state.
    #[error("{0}")]
    Conflict(String),
    /// Every provider failed; one line per provider.
    #[error("{message}")]
    Unavailable {
        /// One line per provider.
        message: String,
        /// Every try.
        attempts: Vec<Attempt>,
    },
    /// Store failure.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AiError {
    fn from(e: StoreError) -> Self {
        AiError::Store(e)
    }
}

fn not_found(what: &'static str) -> impl FnOnce(StoreError) -> AiError {
    move |e| match e {
        StoreError::NotFound => AiError::NotFound(what),
        other => AiError::Store(other),
    }
}

/// The emails stored and every provider try behind them.
#[derive(Debug, Clone)]
pub struct Drafted {
    /// One DRAFT per style that succeeded.
    pub emails: Vec<Email>,
    /// Every provider try of every variant, in order.
    pub attempts: Vec<Attempt>,
}

/// The contact as the prompt builder sees it.
pub fn profile(c: &Contact) -> llm::ContactProfile {
    llm::ContactProfile {
        name: c.name.clone(),
        email: c.email.clone(),
        company: c.company.clone(),
        role: c.role.clone(),
        industry: c.industry.clone(),
        priority: Some(c.priority.as_str().to_owned()),
        notes: c.notes.clone(),
        linkedin_url: c.linked_in_url.clone(),
        last_contacted_at: c.last_contacted_at,
    }
}

/// A conversation entry as the prompt builder sees it.
pub fn history_item(e: &ConversationEntry) -> llm::HistoryItem {
    llm::HistoryItem {
        direction: match e.direction {
            Direction::Sent => llm::Direction::Sent,
            Direction::Received => llm::Direction::Received,
        },
        content: e.content.clone(),
        timestamp: e.timestamp,
        subject: e
            .metadata
            .as_ref()
            .and_then(|m| m.get("subject"))
            .and_then(|s| s.as_str())
            .map(str::to_owned),
    }
}

/// Generates the requested styles concurrently and stores each success as a DRAFT.
/// Fails with `Unavailable` (storing nothing) only when every variant failed.
pub async fn draft_emails(
    store: &Store,
    generator: &Generator,
    user: &User,
    req: &DraftRequest,
) -> Result<Drafted, AiError> {
    let started = Instant::now();
    if req.styles.is_empty() && req.instructions.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err(AiError::BadInput {
            field: "styles",
            message: "give at least one style, or instructions for an AI_GENERATED email".into(),
        });
    }
    if let Some(p) = &req.provider
        && !generator.providers().iter().any(|i| &i.id == p)
    {
        let known: Vec<String> = generator.providers().into_iter().map(|i| i.id).collect();
        return Err(AiError::BadInput {
            field: "provider",
            message: format!("`{p}` is not configured; configured providers: {}", known.join(", ")),
        });
    }
    let contact = store.contact(&user.id, &req.contact_id).await.map_err(not_found("contact"))?;
    let template = match &req.template_id {
        Some(id) => Some(store.template(&user.id, id).await.map_err(not_found("email template"))?),
        None => None,
    };
    let history = store.recent_history(&user.id, &contact.id, HISTORY_ENTRIES).await?;
    let hint = template.as_ref().map(|t| llm::TemplateHint {
        name: t.name.clone(),
        subject: t.subject.clone(),
        body: t.body.clone(),
    });
    let styles: Vec<Option<Style>> =
        if req.styles.is_empty() { vec![None] } else { req.styles.iter().copied().map(Some).collect() };
    let tasks: Vec<Task> = styles
        .iter()
        .map(|style| Task::Draft {
            contact: profile(&contact),
            history: history.iter().map(history_item).collect(),
            template: hint.clone(),
            instructions: req.instructions.clone().filter(|s| !s.trim().is_empty()),
            style: *style,
            sender_name: Some(user.name.clone()),
        })
        .collect();
    let prep = started.elapsed();
    let results =
        futures::future::join_all(tasks.iter().map(|t| generator.generate(t, req.provider.as_deref()))).await;

    let mut attempts = Vec::new();
    let mut emails = Vec::new();
    let mut failures = Vec::new();
    let store_started = Instant::now();
    for (style, result) in styles.iter().zip(results) {
        match result {
            Ok(generation) => {
                attempts.extend(generation.attempts.iter().cloned());
                let template_type = match (&template, style) {
                    (Some(_), _) => TemplateType::TemplateBased,
                    (None, Some(Style::Casual)) => TemplateType::Casual,
                    (None, Some(Style::Formal)) => TemplateType::Formal,
                    (None, _) => TemplateType::AiGenerated,
                };
                emails.push(store_generation(store, user, &contact, template_type, &generation).await?);
            }
            Err(err) => {
                attempts.extend(err.attempts().iter().cloned());
                failures.push(err);
            }
        }
    }
    metrics::histogram!("relationhub_ai_overhead_seconds")
        .record((prep + store_started.elapsed()).as_secs_f64());
    metrics::histogram!("relationhub_ai_generation_duration_seconds").record(started.elapsed().as_secs_f64());
    if emails.is_empty() {
        return Err(unavailable(failures, attempts));
    }
    Ok(Drafted { emails, attempts })
}

fn unavailable(failures: Vec<GenerateError>, attempts: Vec<Attempt>) -> AiError {
    let mut lines: Vec<String> = Vec::new();
    for f in &failures {
        for line in f.to_string().lines() {
            if !lines.iter().any(|l| l == line) {
                lines.push(line.to_owned());
            }
        }
    }
    AiError::Unavailable {
        message: format!("no AI provider could write the email:\n{}", lines.join("\n")),
        attempts,
    }
}

/// One AI_GENERATED draft to `contact` following `instructions` (the daily auto-draft),
/// generated from the contact and its recent history but not stored: the caller stores it
/// together with its once-per-day marker.
pub async fn generate_unstored(
    store: &Store,
    generator: &Generator,
    user: &User,
    contact: &Contact,
    instructions: &str,
) -> Result<NewEmail, AiError> {
    let history = store.recent_history(&user.id, &contact.id, HISTORY_ENTRIES).await?;
    let task = Task::Draft {
        contact: profile(contact),
        history: history.iter().map(history_item).collect(),
        template: None,
        instructions: Some(instructions.to_owned()),
        style: None,
        sender_name: Some(user.name.clone()),
    };
    match generator.generate(&task, None).await {
        Ok(g) => new_email(contact, TemplateType::AiGenerated, &g),
        Err(e) => {
            let attempts = e.attempts().to_vec();
            Err(unavailable(vec![e], attempts))
        }
    }
}

async fn store_generation(
    store: &Store,
    user: &User,
    contact: &Contact,
    template_type: TemplateType,
    g: &Generation,
) -> Result<Email, AiError> {
    let new = new_email(contact, template_type, g)?;
    store.create_email(&user.id, &new).await.map_err(not_found("contact"))
}

/// The DRAFT row for a generation.
fn new_email(contact: &Contact, template_type: TemplateType, g: &Generation) -> Result<NewEmail, AiError> {
    let (subject, body) = validated(g)?;
    Ok(NewEmail {
        contact_id: contact.id.clone(),
        body_html: Some(SafeHtml::from_plain_text(body.as_str())),
        subject,
        body,
        status: EmailStatus::Draft,
        template_type: Some(template_type),
        provider_id: Some(g.provider_id.clone()),
        tokens_used: Some(i32::try_from(g.tokens_used).unwrap_or(i32::MAX)),
        generated_at: Some(Utc::now()),
        sent_at: None,
        last_error: None,
    })
}

fn validated(g: &Generation) -> Result<(Subject, Body), AiError> {
    // The llm crate enforces the same limits; parsing again gives us the domain types.
    let bad = |e: domain::ValidationError| AiError::Unavailable {
        message: format!("{}: output rejected: {e}", g.provider_id),
        attempts: g.attempts.clone(),
    };
    Ok((
        Subject::parse("subject", &g.draft.subject).map_err(bad)?,
        Body::parse("body", &g.draft.body).map_err(bad)?,
    ))
}

/// What to polish: a stored DRAFT (rewritten in place) or free text (returned only).
#[derive(Debug, Clone)]
pub enum PolishTarget {
    /// One of the user's DRAFT emails.
    Email(String),
    /// Text not stored anywhere.
    Text {
        /// Optional subject.
        subject: Option<String>,
        /// The text.
        body: String,
    },
}

/// The polished result.
#[derive(Debug, Clone)]
pub struct Polished {
    /// The updated email (when an email was polished).
    pub email: Option<Email>,
    /// The generation itself.
    pub generation: Generation,
}

/// Rewrites a draft (or free text) in `style`.
pub async fn polish(
    store: &Store,
    generator: &Generator,
    user: &User,
    target: PolishTarget,
    style: Style,
    provider: Option<&str>,
) -> Result<Polished, AiError> {
    let (email, subject, body, contact) = match &target {
        PolishTarget::Email(id) => {
            let e = store.email(&user.id, id).await.map_err(not_found("email"))?;
            if e.status != EmailStatus::Draft {
                return Err(AiError::Conflict(format!(
                    "email is {}; only DRAFT emails can be polished",
                    e.status
                )));
            }
            let c = store.contact(&user.id, &e.contact_id).await.ok();
            (Some(e.clone()), e.subject, e.body, c)
        }
        PolishTarget::Text { subject, body } => {
            let subject =
                subject.clone().filter(|s| !s.trim().is_empty()).unwrap_or_else(|| subject_from(body));
            (None, subject, body.clone(), None)
        }
    };
    let task = Task::Polish { subject, body, style, contact: contact.as_ref().map(profile) };
    let generation = generator.generate(&task, provider).await.map_err(|e| {
        let attempts = e.attempts().to_vec();
        match e {
            GenerateError::UnknownProvider(p) => {
                AiError::BadInput { field: "provider", message: format!("`{p}` is not configured") }
            }
            other => unavailable(vec![other], attempts),
        }
    })?;
    let updated = match email {
        Some(e) => {
            let (subject, body) = validated(&generation)?;
            let patch = EmailPatch {
                body_html: Some(Some(SafeHtml::from_plain_text(body.as_str()))),
                subject: Some(subject),
                body: Some(body),
                template_type: None,
            };
            let stored = store.update_email(&user.id, &e.id, &patch).await.map_err(|err| match err {
                StoreError::Conflict(m) => AiError::Conflict(m),
                other => not_found("email")(other),
            })?;
            Some(
                store
                    .record_generation(&user.id, &stored.id, &generation.provider_id, generation.tokens_used)
                    .await?,
            )
        }
        None => None,
    };
    Ok(Polished { email: updated, generation })
}

/// A subject for free text that came without one: its first line, cut at a word near 80 chars.
fn subject_from(body: &str) -> String {
    let line = body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("Follow-up");
    if line.chars().count() <= 80 {
        return line.to_owned();
    }
    let cut: String = line.chars().take(80).collect();
    match cut.rfind(' ') {
        Some(i) if i > 20 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn free_text_gets_a_subject_from_its_first_line() {
        assert_eq!(super::subject_from("\n  hey can u send the deck\nthanks"), "hey can u send the deck");
        let long = "word ".repeat(40);
        let s = super::subject_from(&long);
        assert!(s.ends_with('…') && s.chars().count() <= 81, "{s}");
    }
}
