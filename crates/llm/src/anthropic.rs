//! Anthropic Messages API client: `POST {base}/v1/messages` with `x-api-key` and
//! `anthropic-version: 2023-06-01`; the system prompt goes in the top-level `system` field and
//! `max_tokens` is always sent (the API requires it).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::provider::{HttpClient, HttpFailure, classify_status, tokens};
use crate::{ChatPrompt, Completion, Provider, ProviderError, ProviderInfo, ProviderSettings};

/// The API version this client speaks.
const API_VERSION: &str = "2023-06-01";

/// Client for the Messages API.
pub(crate) struct Anthropic(HttpClient);

impl Anthropic {
    pub(crate) fn new(client: reqwest::Client, settings: ProviderSettings, timeout: Duration) -> Anthropic {
        Anthropic(HttpClient::new(client, settings, timeout))
    }
}

#[async_trait]
impl Provider for Anthropic {
    fn id(&self) -> &str {
        "anthropic"
    }

    fn model(&self) -> &str {
        &self.0.settings.model
    }

    fn info(&self) -> ProviderInfo {
        self.0.info("anthropic")
    }

    async fn complete(&self, prompt: &ChatPrompt) -> Result<Completion, ProviderError> {
        let body = json!({
            "model": self.0.settings.model,
            "max_tokens": prompt.max_tokens,
            "temperature": prompt.temperature,
            "system": prompt.system,
            "messages": [{"role": "user", "content": prompt.user}],
        });
        let request = self
            .0
            .post("/v1/messages")
            .header("x-api-key", self.0.key().unwrap_or_default())
            .header("anthropic-version", API_VERSION)
            .json(&body);
        self.0.call(request, read_completion, classify).await
    }
}

/// Error bodies are `{"type": "error", "error": {"type": "...", "message": "..."}}`.
fn classify(failure: &HttpFailure) -> ProviderError {
    let kind = failure.body.pointer("/error/type").and_then(Value::as_str);
    if kind == Some("overloaded_error") {
        return ProviderError::transient(format!("overloaded ({})", failure.status), failure.retry_after());
    }
    classify_status(failure, failure.message())
}

fn read_completion(body: &Value, configured_model: &str) -> Result<Completion, ProviderError> {
    // A refusal may come with partial text; it is discarded.
    if body.get("stop_reason").and_then(Value::as_str) == Some("refusal") {
        return Err(ProviderError::permanent("refused (stop_reason refusal)"));
    }
    let text: String = body
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|block| block.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|block| block.get("text").and_then(Value::as_str))
        .collect();
    if text.trim().is_empty() {
        return Err(ProviderError::permanent("no output (no text content)"));
    }
    let input = tokens(body, "/usage/input_tokens").unwrap_or(0);
    let output = tokens(body, "/usage/output_tokens").unwrap_or(0);
    Ok(Completion {
        text,
        input_tokens: input,
        output_tokens: output,
        total_tokens: input.saturating_add(output),
        model: body.get("model").and_then(Value::as_str).unwrap_or(configured_model).to_owned(),
    })
}
