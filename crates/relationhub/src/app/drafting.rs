//! AI drafting: generate follow-up drafts to a contact and polish a draft or free text. The
//! per-user generation limit, input checks and error mapping live here; `crate::ai` does the
//! gathering, generating and storing.

use super::{ApiError, ApiResult, AppState};
use crate::ai::{AiError, DraftRequest, Drafted, PolishTarget, Polished};
use domain::User;
use llm::Style;

/// Longest `instructions` accepted, in characters.
pub const MAX_INSTRUCTIONS: usize = 4000;

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct Generate {
    /// The recipient.
    pub contact_id: String,
    /// One email per style (duplicates are ignored). Empty with instructions = one AI_GENERATED.
    pub styles: Vec<Style>,
    /// Follow this saved template.
    pub template_id: Option<String>,
    /// What to say, in the user's words.
    pub instructions: Option<String>,
    /// Use only this provider.
    pub provider: Option<String>,
}

/// What to polish: exactly one of `email_id` (a DRAFT, rewritten in place) or `text`.
#[derive(Debug, Clone)]
pub struct Polish {
    /// A DRAFT to rewrite.
    pub email_id: Option<String>,
    /// Free text to rewrite (not stored).
    pub text: Option<String>,
    /// Subject to go with `text`.
    pub subject: Option<String>,
    /// The new tone.
    pub style: Style,
    /// Use only this provider.
    pub provider: Option<String>,
}

fn map_err(e: AiError) -> ApiError {
    match e {
        AiError::NotFound(what) => ApiError::NotFound(what),
        AiError::BadInput { field, message } => ApiError::bad_input(field, message),
        AiError::Conflict(m) => ApiError::Conflict(m),
        AiError::Unavailable { message, .. } => ApiError::ProviderUnavailable(message),
        AiError::Store(e) => ApiError::from(e),
    }
}

/// Longest provider id accepted (the real ones are a few letters); a longer one would only be
/// echoed back in the "not configured" message.
const PROVIDER_MAX: usize = 64;

fn check_provider(provider: Option<&str>) -> ApiResult<()> {
    match provider {
        Some(p) if p.chars().count() > PROVIDER_MAX => {
            Err(ApiError::bad_input("provider", format!("must be at most {PROVIDER_MAX} characters")))
        }
        _ => Ok(()),
    }
}

fn check_rate(st: &AppState, user_id: &str) -> ApiResult<()> {
    st.generations_by_user
        .hit(user_id)
        .map_err(|wait| ApiError::RateLimited { retry_after_secs: wait.as_secs().max(1) })
}

/// Writes follow-up drafts, one per style, concurrently, and stores them as DRAFTs.
/// PROVIDER_UNAVAILABLE (nothing stored) when every provider fails; RATE_LIMITED past the limit.
#[tracing::instrument(skip_all, fields(op = "generate_email", user = %user.id))]
pub async fn generate(st: &AppState, user: &User, input: Generate) -> ApiResult<Drafted> {
    if let Some(i) = &input.instructions
        && i.chars().count() > MAX_INSTRUCTIONS
    {
        return Err(ApiError::bad_input(
            "instructions",
            format!("must be at most {MAX_INSTRUCTIONS} characters"),
        ));
    }
    check_provider(input.provider.as_deref())?;
    let mut styles: Vec<Style> = Vec::new();
    for s in input.styles {
        if !styles.contains(&s) {
            styles.push(s);
        }
    }
    check_rate(st, &user.id)?;
    let req = DraftRequest {
        contact_id: input.contact_id,
        styles,
        template_id: input.template_id,
        instructions: input.instructions,
        provider: input.provider,
    };
    crate::ai::draft_emails(&st.store, &st.generator, user, &req).await.map_err(map_err)
}

/// Rewrites a DRAFT (in place) or free text in another style.
#[tracing::instrument(skip_all, fields(op = "polish_email", user = %user.id))]
pub async fn polish(st: &AppState, user: &User, input: Polish) -> ApiResult<Polished> {
    // Every input is length-checked before anything else, like `generate`'s: the text and
    // subject go into a prompt, and an unchecked one would cost tokens or memory.
    check_provider(input.provider.as_deref())?;
    if let Some(subject) = &input.subject {
        domain::validate::Subject::parse("subject", subject)?;
    }
    let target = match (input.email_id, input.text) {
        (Some(id), None) => PolishTarget::Email(id),
        (None, Some(text)) => {
            domain::validate::Body::parse("text", &text)?;
            PolishTarget::Text { subject: input.subject, body: text }
        }
        _ => return Err(ApiError::bad_input("emailId", "give exactly one of emailId or text")),
    };
    check_rate(st, &user.id)?;
    crate::ai::polish(&st.store, &st.generator, user, target, input.style, input.provider.as_deref())
        .await
        .map_err(map_err)
}

/// The configured AI providers, in fallback order (never their keys).
pub fn providers(st: &AppState) -> Vec<llm::ProviderInfo> {
    st.generator.providers()
}
