//! Google Gemini client: `POST {base}/v1beta/models/{model}:generateContent` with `x-goog-api-key`
//! (never a `?key=` query parameter, so the key cannot leak through a logged URL). The system prompt goes
//! in `systemInstruction`; JSON output is requested with `responseMimeType`.
//!
//! Gemini 2.5 Flash models "think" by default and the thinking tokens count against
//! `maxOutputTokens`, which can leave no room for the email; for them the request sets
//! `thinkingConfig.thinkingBudget = 0` (a short email needs no reasoning).

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::provider::{HttpClient, HttpFailure, classify_status, tokens};
use crate::retry::parse_google_duration;
use crate::{ChatPrompt, Completion, Provider, ProviderError, ProviderInfo, ProviderSettings};

/// Client for `generateContent`.
pub(crate) struct Gemini(HttpClient);

impl Gemini {
    pub(crate) fn new(client: reqwest::Client, settings: ProviderSettings, timeout: Duration) -> Gemini {
        Gemini(HttpClient::new(client, settings, timeout))
    }
}

#[async_trait]
impl Provider for Gemini {
    fn id(&self) -> &str {
        "gemini"
    }

    fn model(&self) -> &str {
        &self.0.settings.model
    }

    fn info(&self) -> ProviderInfo {
        self.0.info("gemini")
    }

    async fn complete(&self, prompt: &ChatPrompt) -> Result<Completion, ProviderError> {
        // Accept both "gemini-2.5-flash" and the resource form "models/gemini-2.5-flash".
        let model = self.0.settings.model.trim_start_matches("models/");
        let mut generation_config = json!({
            "maxOutputTokens": prompt.max_tokens,
            "temperature": prompt.temperature,
            "responseMimeType": "application/json",
        });
        if model.starts_with("gemini-2.5-flash") {
            generation_config["thinkingConfig"] = json!({"thinkingBudget": 0});
        }
        let body = json!({
            "systemInstruction": {"parts": [{"text": prompt.system}]},
            "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
            "generationConfig": generation_config,
        });
        let path = format!("/v1beta/models/{model}:generateContent");
        let request =
            self.0.post(&path).header("x-goog-api-key", self.0.key().unwrap_or_default()).json(&body);
        self.0.call(request, read_completion, classify).await
    }
}

/// Error bodies are `{"error": {"code", "message", "status", "details": [...]}}`; the details may carry
/// `google.rpc.ErrorInfo` (`reason`) and `google.rpc.RetryInfo` (`retryDelay`).
fn classify(failure: &HttpFailure) -> ProviderError {
    let details = failure
        .body
        .pointer("/error/details")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let detail = |suffix: &str, field: &str| {
        details
            .iter()
            .filter(|d| d.get("@type").and_then(Value::as_str).is_some_and(|t| t.ends_with(suffix)))
            .find_map(|d| d.get(field).and_then(Value::as_str))
    };
    if detail("google.rpc.ErrorInfo", "reason") == Some("API_KEY_INVALID") {
        return ProviderError::permanent(format!("invalid API key ({} API_KEY_INVALID)", failure.status));
    }
    let mut error = classify_status(failure, failure.message());
    if let crate::ErrorClass::Transient { retry_after } = &mut error.class
        && let Some(delay) = detail("google.rpc.RetryInfo", "retryDelay").and_then(parse_google_duration)
    {
        *retry_after = Some(retry_after.map_or(delay, |header| header.max(delay)));
    }
    error
}

/// Finish reasons that mean the answer was withheld.
const BLOCKED: &[&str] =
    &["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE", "IMAGE_SAFETY", "OTHER"];

fn read_completion(body: &Value, configured_model: &str) -> Result<Completion, ProviderError> {
    if let Some(reason) = body.pointer("/promptFeedback/blockReason").and_then(Value::as_str) {
        return Err(ProviderError::permanent(format!("blocked (blockReason {reason})")));
    }
    let candidate =
        body.pointer("/candidates/0").ok_or_else(|| ProviderError::permanent("no output (no candidates)"))?;
    let finish = candidate.get("finishReason").and_then(Value::as_str);
    if let Some(reason) = finish.filter(|r| BLOCKED.contains(r)) {
        return Err(ProviderError::permanent(format!("blocked (finishReason {reason})")));
    }
    let text: String = candidate
        .pointer("/content/parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        // Thought summaries are not part of the answer.
        .filter(|part| part.get("thought").and_then(Value::as_bool) != Some(true))
        .filter_map(|part| part.get("text").and_then(Value::as_str))
        .collect();
    if text.trim().is_empty() {
        let reason = finish.unwrap_or("no text parts");
        return Err(ProviderError::permanent(format!("no output ({reason})")));
    }
    let input = tokens(body, "/usageMetadata/promptTokenCount").unwrap_or(0);
    let candidates = tokens(body, "/usageMetadata/candidatesTokenCount").unwrap_or(0);
    let thoughts = tokens(body, "/usageMetadata/thoughtsTokenCount").unwrap_or(0);
    let output = candidates.saturating_add(thoughts);
    Ok(Completion {
        text,
        input_tokens: input,
        output_tokens: output,
        total_tokens: tokens(body, "/usageMetadata/totalTokenCount").unwrap_or(input.saturating_add(output)),
        model: body.get("modelVersion").and_then(Value::as_str).unwrap_or(configured_model).to_owned(),
    })
}
