//! OpenAI Chat Completions client, also used for OpenAI-compatible servers (Ollama, vLLM, LM Studio,
//! OpenRouter) through `OPENAI_BASE_URL`.
//!
//! Two dialects, chosen by the base URL's host: for `api.openai.com` the request carries
//! `max_completion_tokens` and `response_format: {"type": "json_object"}` (and no `temperature` for
//! reasoning models, which reject it); for any other host it carries `max_tokens` and `temperature`
//! only, which every compatible server accepts. The `Authorization` header is sent only with a key.

use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};

use crate::provider::{HttpClient, HttpFailure, classify_status, tokens};
use crate::{ChatPrompt, Completion, Provider, ProviderError, ProviderInfo, ProviderSettings};

/// Client for `POST {base}/chat/completions`.
pub(crate) struct OpenAi(HttpClient);

impl OpenAi {
    pub(crate) fn new(client: reqwest::Client, settings: ProviderSettings, timeout: Duration) -> OpenAi {
        OpenAi(HttpClient::new(client, settings, timeout))
    }
}

/// True when the base URL points at OpenAI itself rather than a compatible server.
fn is_official(base_url: &str) -> bool {
    reqwest::Url::parse(base_url).is_ok_and(|u| u.host_str() == Some("api.openai.com"))
}

/// o-series and GPT-5 reasoning models accept only the default temperature.
fn is_reasoning_model(model: &str) -> bool {
    let model = model.to_ascii_lowercase();
    ["o1", "o3", "o4", "gpt-5"].iter().any(|p| model.starts_with(p))
}

/// The request body for `settings` and `prompt`.
pub(crate) fn request_body(settings: &ProviderSettings, prompt: &ChatPrompt) -> Value {
    let mut body = json!({
        "model": settings.model,
        "messages": [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ],
    });
    if is_official(&settings.base_url) {
        body["max_completion_tokens"] = json!(prompt.max_tokens);
        body["response_format"] = json!({"type": "json_object"});
        if !is_reasoning_model(&settings.model) {
            body["temperature"] = json!(prompt.temperature);
        }
    } else {
        body["max_tokens"] = json!(prompt.max_tokens);
        body["temperature"] = json!(prompt.temperature);
    }
    body
}

#[async_trait]
impl Provider for OpenAi {
    fn id(&self) -> &str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.0.settings.model
    }

    fn info(&self) -> ProviderInfo {
        self.0.info("openai")
    }

    async fn complete(&self, prompt: &ChatPrompt) -> Result<Completion, ProviderError> {
        let mut request = self.0.post("/chat/completions").json(&request_body(&self.0.settings, prompt));
        if let Some(key) = self.0.key() {
            request = request.bearer_auth(key);
        }
        let has_key = self.0.key().is_some();
        self.0.call(request, read_completion, |failure| classify(failure, has_key)).await
    }
}

fn classify(failure: &HttpFailure, has_key: bool) -> ProviderError {
    let code = |field: &str| failure.body.pointer(field).and_then(Value::as_str);
    if failure.status == 429
        && (code("/error/code") == Some("insufficient_quota")
            || code("/error/type") == Some("insufficient_quota"))
    {
        return ProviderError::permanent("quota exhausted (429 insufficient_quota)");
    }
    if failure.status == 401 && !has_key {
        return ProviderError::permanent("API key required (401): set OPENAI_API_KEY");
    }
    classify_status(failure, failure.message())
}

/// Text and usage of a 2xx answer; no usable text is a permanent failure.
pub(crate) fn read_completion(body: &Value, configured_model: &str) -> Result<Completion, ProviderError> {
    let choice =
        body.pointer("/choices/0").ok_or_else(|| ProviderError::permanent("no output (empty choices)"))?;
    if let Some(refusal) = choice.pointer("/message/refusal").and_then(Value::as_str) {
        return Err(ProviderError::permanent(format!("refused: {refusal}")));
    }
    if choice.get("finish_reason").and_then(Value::as_str) == Some("content_filter") {
        return Err(ProviderError::permanent("blocked by content filter"));
    }
    let text = choice
        .pointer("/message/content")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ProviderError::permanent("no output (empty content)"))?;
    let input = tokens(body, "/usage/prompt_tokens").unwrap_or(0);
    let output = tokens(body, "/usage/completion_tokens").unwrap_or(0);
    Ok(Completion {
        text: text.to_owned(),
        input_tokens: input,
        output_tokens: output,
        total_tokens: tokens(body, "/usage/total_tokens").unwrap_or(input.saturating_add(output)),
        model: body.get("model").and_then(Value::as_str).unwrap_or(configured_model).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ContactProfile, Style, Task};

    fn prompt() -> ChatPrompt {
        ChatPrompt {
            system: "sys".into(),
            user: "usr".into(),
            max_tokens: 321,
            temperature: 0.5,
            task: Task::Polish {
                subject: "s".into(),
                body: "b".into(),
                style: Style::Formal,
                contact: Some(ContactProfile::default()),
            },
        }
    }

    fn settings(base_url: &str, model: &str) -> ProviderSettings {
        ProviderSettings { api_key: None, base_url: base_url.into(), model: model.into() }
    }

    #[test]
    fn official_api_gets_max_completion_tokens_and_json_mode() {
        let body = request_body(&settings("https://api.openai.com/v1/", "gpt-4o-mini"), &prompt());
        assert_eq!(body["max_completion_tokens"], 321);
        assert_eq!(body["response_format"]["type"], "json_object");
        assert_eq!(body["temperature"], 0.5);
        assert!(body.get("max_tokens").is_none());
    }

    #[test]
    fn official_reasoning_models_get_no_temperature() {
        let body = request_body(&settings("https://api.openai.com/v1", "gpt-5-mini"), &prompt());
        assert!(body.get("temperature").is_none());
    }

    #[test]
    fn compatible_servers_get_max_tokens_and_no_response_format() {
        let body = request_body(&settings("http://localhost:11434/v1", "llama3.2"), &prompt());
        assert_eq!(body["max_tokens"], 321);
        assert!(body.get("max_completion_tokens").is_none());
        assert!(body.get("response_format").is_none());
    }
}
