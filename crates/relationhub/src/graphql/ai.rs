//! AI drafting over GraphQL: `generateEmail`, `polishEmail`, `aiProviders`.

use super::context::{state, user};
use super::types::EmailNode;
use crate::app::drafting::{self, Generate, Polish};
use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use llm::Style;

/// Tones `generateEmail` can write in.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum GenerationStyle {
    /// Professional and courteous (stored as FORMAL).
    Formal,
    /// Friendly and relaxed (stored as CASUAL).
    Casual,
}

/// Tones `polishEmail` can rewrite in.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum PolishStyle {
    /// Professional and courteous.
    Formal,
    /// Friendly and relaxed.
    Casual,
    /// Thorough, several paragraphs.
    Elaborate,
    /// Short, one clear ask.
    Concise,
}

impl From<PolishStyle> for Style {
    fn from(s: PolishStyle) -> Self {
        match s {
            PolishStyle::Formal => Style::Formal,
            PolishStyle::Casual => Style::Casual,
            PolishStyle::Elaborate => Style::Elaborate,
            PolishStyle::Concise => Style::Concise,
        }
    }
}

/// `generateEmail` input.
#[derive(InputObject)]
pub struct GenerateEmailInput {
    /// The recipient (one of your contacts).
    pub contact_id: ID,
    /// One email per style, generated concurrently. Default [FORMAL, CASUAL]. An empty list
    /// with `instructions` writes one AI_GENERATED email.
    #[graphql(default_with = "vec![GenerationStyle::Formal, GenerationStyle::Casual]")]
    pub styles: Vec<GenerationStyle>,
    /// Follow this saved template (the emails are TEMPLATE_BASED).
    pub template_id: Option<ID>,
    /// What to say, in your words (≤ 4,000 characters).
    pub instructions: Option<String>,
    /// Use only this provider (see `aiProviders`).
    pub provider: Option<String>,
}

/// `polishEmail` input: give exactly one of `emailId` (a DRAFT, rewritten in place) or `text`.
#[derive(InputObject)]
pub struct PolishEmailInput {
    /// A DRAFT email to rewrite.
    pub email_id: Option<ID>,
    /// Free text to rewrite (not stored).
    pub text: Option<String>,
    /// Subject to go with `text`.
    pub subject: Option<String>,
    /// The new tone.
    pub style: PolishStyle,
    /// Use only this provider.
    pub provider: Option<String>,
}

/// One try against one provider.
#[derive(SimpleObject, Clone)]
pub struct GenerationAttempt {
    /// Provider id.
    pub provider: String,
    /// `success`, `retried`, `failed` or `skipped`.
    pub outcome: String,
    /// Why, in a few words.
    pub message: String,
}

fn attempts(list: &[llm::Attempt]) -> Vec<GenerationAttempt> {
    list.iter()
        .map(|a| GenerationAttempt {
            provider: a.provider.clone(),
            outcome: a.outcome.as_str().to_owned(),
            message: a.message.clone(),
        })
        .collect()
}

/// `generateEmail` result.
#[derive(SimpleObject)]
pub struct GenerateEmailPayload {
    /// The stored DRAFT emails, one per style that succeeded.
    pub emails: Vec<EmailNode>,
    /// Every provider try behind them.
    pub attempts: Vec<GenerationAttempt>,
}

/// `polishEmail` result.
#[derive(SimpleObject)]
pub struct PolishEmailPayload {
    /// The rewritten DRAFT (null when polishing free text).
    pub email: Option<EmailNode>,
    /// The new subject.
    pub subject: String,
    /// The new body.
    pub body: String,
    /// Which provider wrote it.
    pub provider_id: String,
    /// Tokens the provider reported.
    pub tokens_used: i32,
    /// Every provider try.
    pub attempts: Vec<GenerationAttempt>,
}

/// A configured AI provider (never its key).
#[derive(SimpleObject)]
pub struct AiProvider {
    /// Id to pass as `provider`.
    pub id: String,
    /// Wire protocol.
    pub kind: String,
    /// Model.
    pub model: String,
    /// Endpoint, for network providers.
    pub base_url: Option<String>,
}

/// AI queries.
#[derive(Default)]
pub struct AiQuery;

#[Object]
impl AiQuery {
    /// The configured AI providers, in fallback order.
    async fn ai_providers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AiProvider>> {
        user(ctx)?;
        Ok(drafting::providers(state(ctx))
            .into_iter()
            .map(|p| AiProvider { id: p.id, kind: p.kind, model: p.model, base_url: p.base_url })
            .collect())
    }
}

/// AI mutations.
#[derive(Default)]
pub struct AiMutation;

#[Object]
impl AiMutation {
    /// Writes follow-up emails to a contact from its profile and conversation history, one per
    /// style, concurrently, and stores them as DRAFTs. PROVIDER_UNAVAILABLE (nothing stored) when
    /// every provider fails; RATE_LIMITED past the per-user limit.
    async fn generate_email(
        &self,
        ctx: &Context<'_>,
        input: GenerateEmailInput,
    ) -> async_graphql::Result<GenerateEmailPayload> {
        let me = user(ctx)?;
        let styles = input
            .styles
            .iter()
            .map(|s| match s {
                GenerationStyle::Formal => Style::Formal,
                GenerationStyle::Casual => Style::Casual,
            })
            .collect();
        let req = Generate {
            contact_id: input.contact_id.0,
            styles,
            template_id: input.template_id.map(|id| id.0),
            instructions: input.instructions,
            provider: input.provider,
        };
        let drafted = drafting::generate(state(ctx), me, req).await?;
        Ok(GenerateEmailPayload {
            emails: drafted.emails.into_iter().map(EmailNode).collect(),
            attempts: attempts(&drafted.attempts),
        })
    }

    /// Rewrites a DRAFT email (in place) or free text in another style.
    async fn polish_email(
        &self,
        ctx: &Context<'_>,
        input: PolishEmailInput,
    ) -> async_graphql::Result<PolishEmailPayload> {
        let me = user(ctx)?;
        let req = Polish {
            email_id: input.email_id.map(|id| id.0),
            text: input.text,
            subject: input.subject,
            style: input.style.into(),
            provider: input.provider,
        };
        let polished = drafting::polish(state(ctx), me, req).await?;
        let g = polished.generation;
        Ok(PolishEmailPayload {
            email: polished.email.map(EmailNode),
            subject: g.draft.subject,
            body: g.draft.body,
            provider_id: g.provider_id,
            tokens_used: i32::try_from(g.tokens_used).unwrap_or(i32::MAX),
            attempts: attempts(&g.attempts),
        })
    }
}
