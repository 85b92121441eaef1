//! The [`Generator`]: builds the prompt once, then tries the providers in order. A transient failure
//! retries the same provider (backoff with full jitter, or the delay the provider asked for); a
//! permanent one moves to the next provider at once. Nothing sleeps or waits past the overall deadline.
//!
//! Metrics, per HTTP try: `relationhub_ai_generations_total{provider,outcome}` (outcome = success,
//! retried, failed, skipped), `relationhub_ai_request_duration_seconds{provider}`; per success:
//! `relationhub_ai_tokens_total{provider,kind="input"|"output"}`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::anthropic::Anthropic;
use crate::builtin::Builtin;
use crate::config::ProviderKind;
use crate::gemini::Gemini;
use crate::openai::OpenAi;
use crate::parse::parse_draft;
use crate::provider::human;
use crate::{
    AiConfig, Attempt, AttemptOutcome, ChatPrompt, ConfigError, ErrorClass, GenerateError, Generation,
    Provider, ProviderInfo, RetryPolicy, Task, prompt,
};

/// Generates drafts with the configured providers. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Generator {
    inner: Arc<Inner>,
}

struct Inner {
    providers: Vec<Arc<dyn Provider>>,
    policy: RetryPolicy,
    max_tokens: u32,
    temperature: f32,
}

impl std::fmt::Debug for Generator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generator")
            .field("providers", &self.providers())
            .field("policy", &self.inner.policy)
            .finish()
    }
}

impl Generator {
    /// Validates `config` and builds one client per listed provider (sharing one HTTP connection pool).
    pub fn new(config: &AiConfig) -> Result<Generator, ConfigError> {
        config.validate()?;
        let client = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("relationhub/", env!("CARGO_PKG_VERSION")))
            // A redirect would carry the key headers (`x-api-key`, `x-goog-api-key`,
            // `Authorization`) to wherever it points; providers never need one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        let timeout = config.request_timeout;
        let providers = config
            .providers
            .iter()
            .map(|kind| -> Arc<dyn Provider> {
                match kind {
                    ProviderKind::OpenAi => {
                        Arc::new(OpenAi::new(client.clone(), config.openai.clone(), timeout))
                    }
                    ProviderKind::Anthropic => {
                        Arc::new(Anthropic::new(client.clone(), config.anthropic.clone(), timeout))
                    }
                    ProviderKind::Gemini => {
                        Arc::new(Gemini::new(client.clone(), config.gemini.clone(), timeout))
                    }
                    ProviderKind::Builtin => Arc::new(Builtin),
                }
            })
            .collect();
        Ok(Generator::with_providers(config, providers))
    }

    /// A generator over custom providers (tried in the given order), with the retry policy and limits of
    /// `config`; `config.providers` is ignored.
    pub fn with_providers(config: &AiConfig, providers: Vec<Arc<dyn Provider>>) -> Generator {
        Generator {
            inner: Arc::new(Inner {
                providers,
                policy: RetryPolicy::from_config(config),
                max_tokens: config.max_tokens,
                temperature: config.temperature,
            }),
        }
    }

    /// The providers in fallback order; never includes keys.
    pub fn providers(&self) -> Vec<ProviderInfo> {
        self.inner.providers.iter().map(|p| p.info()).collect()
    }

    /// Tries providers in order (or only `only` when Some — unknown/unconfigured id =>
    /// [`GenerateError::UnknownProvider`]). Records one [`Attempt`] per HTTP try.
    #[tracing::instrument(skip_all, fields(only = only))]
    pub async fn generate(&self, task: &Task, only: Option<&str>) -> Result<Generation, GenerateError> {
        let started = Instant::now();
        let deadline = started + self.inner.policy.deadline;
        let selected: Vec<&Arc<dyn Provider>> = match only {
            None => self.inner.providers.iter().collect(),
            Some(id) => {
                let wanted = id.trim().to_ascii_lowercase();
                let found = self.inner.providers.iter().find(|p| p.id() == wanted);
                vec![found.ok_or_else(|| GenerateError::UnknownProvider(id.to_owned()))?]
            }
        };
        let prompts = prompt::build(task, Utc::now());
        let chat = ChatPrompt {
            system: prompts.system,
            user: prompts.user,
            max_tokens: self.inner.max_tokens,
            temperature: self.inner.temperature,
            task: task.clone(),
        };
        let mut log = AttemptLog::default();
        for (index, provider) in selected.iter().enumerate() {
            match self.run_provider(provider.as_ref(), &chat, deadline, &mut log).await {
                Run::Done(generation) => {
                    tracing::info!(provider = %generation.provider_id, model = %generation.model,
                        tokens = generation.tokens_used, tries = generation.attempts.len(),
                        elapsed_ms = started.elapsed().as_millis() as u64, "AI draft generated");
                    return Ok(*generation);
                }
                Run::GaveUp => {}
                Run::OutOfTime { tried } => {
                    let untried = index + usize::from(tried);
                    return Err(log.deadline_exceeded(&selected[untried..]));
                }
            }
        }
        Err(GenerateError::AllFailed { attempts: log.attempts })
    }

    /// Tries one provider until it succeeds, fails permanently, runs out of retries or of time.
    async fn run_provider(
        &self,
        provider: &dyn Provider,
        chat: &ChatPrompt,
        deadline: Instant,
        log: &mut AttemptLog,
    ) -> Run {
        let policy = self.inner.policy;
        let id = provider.id();
        let mut retry = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Run::OutOfTime { tried: retry > 0 };
            }
            let try_started = Instant::now();
            let answer = tokio::time::timeout(remaining, provider.complete(chat)).await;
            metrics::histogram!("relationhub_ai_request_duration_seconds", "provider" => id.to_owned())
                .record(try_started.elapsed().as_secs_f64());
            let Ok(answer) = answer else {
                let why = format!("deadline of {} exceeded", human(policy.deadline));
                log.push(id, AttemptOutcome::Failed, why);
                return Run::OutOfTime { tried: true };
            };
            let error = match answer.and_then(|c| parse_draft(&c.text).map(|draft| (c, draft))) {
                Ok((completion, draft)) => {
                    log.push(id, AttemptOutcome::Success, format!("ok ({} tokens)", completion.total_tokens));
                    metrics::counter!("relationhub_ai_tokens_total", "provider" => id.to_owned(), "kind" => "input")
                        .increment(completion.input_tokens.into());
                    metrics::counter!("relationhub_ai_tokens_total", "provider" => id.to_owned(), "kind" => "output")
                        .increment(completion.output_tokens.into());
                    return Run::Done(Box::new(Generation {
                        draft,
                        provider_id: id.to_owned(),
                        model: completion.model,
                        input_tokens: completion.input_tokens,
                        output_tokens: completion.output_tokens,
                        tokens_used: completion.total_tokens,
                        attempts: std::mem::take(&mut log.attempts),
                    }));
                }
                Err(error) => error,
            };
            tracing::warn!(provider = id, error = %error.message, try_number = retry + 1, "AI provider failed");
            let ErrorClass::Transient { retry_after } = error.class else {
                log.push(id, AttemptOutcome::Failed, error.message);
                return Run::GaveUp;
            };
            if retry >= policy.retries {
                log.push(id, AttemptOutcome::Failed, error.message);
                return Run::GaveUp;
            }
            let delay = policy.delay(retry, retry_after);
            if delay >= deadline.saturating_duration_since(Instant::now()) {
                let why =
                    format!("{}; retry delay {} exceeds the remaining time", error.message, human(delay));
                log.push(id, AttemptOutcome::Failed, why);
                return Run::GaveUp;
            }
            log.push(id, AttemptOutcome::Retried, error.message);
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }
}

/// How trying one provider ended.
enum Run {
    /// It answered; boxed because a generation is much larger than the other variants.
    Done(Box<Generation>),
    /// Permanent failure, retries exhausted, or a retry delay that would overrun the deadline.
    GaveUp,
    /// The deadline passed; `tried` says whether this provider had been called at all.
    OutOfTime { tried: bool },
}

/// The attempts of one generation, counted in the metrics as they are recorded.
#[derive(Default)]
struct AttemptLog {
    attempts: Vec<Attempt>,
}

impl AttemptLog {
    fn push(&mut self, provider: &str, outcome: AttemptOutcome, message: String) {
        metrics::counter!("relationhub_ai_generations_total", "provider" => provider.to_owned(), "outcome" => outcome.as_str())
            .increment(1);
        self.attempts.push(Attempt { provider: provider.to_owned(), outcome, message });
    }

    /// Marks `untried` as skipped and closes the log.
    fn deadline_exceeded(mut self, untried: &[&Arc<dyn Provider>]) -> GenerateError {
        for provider in untried {
            self.push(provider.id(), AttemptOutcome::Skipped, "skipped: deadline exceeded".to_owned());
        }
        GenerateError::DeadlineExceeded { attempts: self.attempts }
    }
}
