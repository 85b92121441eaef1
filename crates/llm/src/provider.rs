//! The [`Provider`] trait every client implements, and the shared error classification: which HTTP
//! statuses and transport failures are worth retrying ([`ErrorClass::Transient`]) and which send the
//! generator straight to the next provider ([`ErrorClass::Permanent`]).

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::HeaderMap;

use crate::retry::retry_after_from_headers;
use crate::{ProviderInfo, Task};

/// What is sent to a provider: both prompts, the limits, and the task they were built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatPrompt {
    /// System prompt (rules and output format).
    pub system: String,
    /// User prompt (the fenced data).
    pub user: String,
    /// Output token limit.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f32,
    /// The structured task the prompts were built from. Network providers ignore it; the builtin
    /// writer composes from it.
    pub task: Task,
}

/// A provider's answer: the raw text (parsed later) and the usage it reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The model's text, expected to hold a `{subject, body}` JSON object.
    pub text: String,
    /// Prompt tokens.
    pub input_tokens: u32,
    /// Output tokens (including reasoning/thinking tokens).
    pub output_tokens: u32,
    /// The provider-reported total.
    pub total_tokens: u32,
    /// The model that answered.
    pub model: String,
}

/// Whether a failure is worth retrying on the same provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Rate limit, overload, 5xx, time-out, refused or reset connection: retry with backoff.
    Transient {
        /// The delay the provider asked for, if any.
        retry_after: Option<Duration>,
    },
    /// Bad key, bad request, exhausted quota, safety block, empty or unparsable output: next provider.
    Permanent,
}

/// A failed call. `message` is short, human and never contains the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    /// Retry or move on.
    pub class: ErrorClass,
    /// Why, e.g. "rate limited (429)".
    pub message: String,
}

impl ProviderError {
    /// A failure that will not go away by retrying.
    pub fn permanent(message: impl Into<String>) -> ProviderError {
        ProviderError { class: ErrorClass::Permanent, message: message.into() }
    }

    /// A failure worth retrying, optionally after the delay the provider asked for.
    pub fn transient(message: impl Into<String>, retry_after: Option<Duration>) -> ProviderError {
        ProviderError { class: ErrorClass::Transient { retry_after }, message: message.into() }
    }

    /// True for [`ErrorClass::Transient`].
    pub fn is_transient(&self) -> bool {
        matches!(self.class, ErrorClass::Transient { .. })
    }

    /// Replaces every occurrence of `secret` in the message (providers sometimes echo the key).
    pub(crate) fn redact(mut self, secret: Option<&str>) -> ProviderError {
        if let Some(secret) = secret.filter(|s| s.len() >= 4) {
            self.message = self.message.replace(secret, "[redacted]");
        }
        self
    }
}

/// A provider client.
#[async_trait]
pub trait Provider: Send + Sync {
    /// "openai", "anthropic", "gemini" or "builtin".
    fn id(&self) -> &str;
    /// The configured model.
    fn model(&self) -> &str;
    /// Id, kind, model and base URL; never the key.
    fn info(&self) -> ProviderInfo;
    /// One try: send the prompt, return the text and usage, or a classified error. No retries here.
    async fn complete(&self, prompt: &ChatPrompt) -> Result<Completion, ProviderError>;
}

/// A non-2xx answer, read in full.
pub(crate) struct HttpFailure {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
}

impl HttpFailure {
    /// The delay requested by the `retry-after-ms`/`retry-after` headers.
    pub fn retry_after(&self) -> Option<Duration> {
        retry_after_from_headers(&self.headers, chrono::Utc::now())
    }

    /// The `error.message` field most providers use.
    pub fn message(&self) -> Option<&str> {
        self.body.pointer("/error/message").and_then(|v| v.as_str())
    }
}

/// What every HTTP provider client holds: the shared `reqwest` client, the provider's settings
/// and the time limit of one call; and the one way they all call out.
pub(crate) struct HttpClient {
    client: reqwest::Client,
    /// Base URL, model and key.
    pub settings: crate::ProviderSettings,
    timeout: Duration,
}

impl HttpClient {
    pub(crate) fn new(client: reqwest::Client, settings: crate::ProviderSettings, timeout: Duration) -> Self {
        Self { client, settings, timeout }
    }

    /// The API key, if one is configured.
    pub fn key(&self) -> Option<&str> {
        self.settings.api_key.as_ref().map(|k| k.expose())
    }

    /// The description of a provider whose id is also its wire protocol.
    pub fn info(&self, id: &str) -> ProviderInfo {
        ProviderInfo {
            id: id.into(),
            kind: id.into(),
            model: self.settings.model.clone(),
            base_url: Some(self.settings.base_url.clone()),
        }
    }

    /// A POST to `path` under the configured base URL.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(endpoint(&self.settings.base_url, path))
    }

    /// Sends `request`: a 2xx JSON body goes to `read` (with the configured model), any other
    /// answer to `classify`. The key is scrubbed from every error.
    pub async fn call(
        &self,
        request: reqwest::RequestBuilder,
        read: impl FnOnce(&serde_json::Value, &str) -> Result<crate::Completion, ProviderError>,
        classify: impl FnOnce(&HttpFailure) -> ProviderError,
    ) -> Result<crate::Completion, ProviderError> {
        let result = match send_json(request, self.timeout).await {
            Ok(Ok(body)) => read(&body, &self.settings.model),
            Ok(Err(failure)) => Err(classify(&failure)),
            Err(error) => Err(error),
        };
        result.map_err(|e| e.redact(self.key()))
    }
}

/// The largest provider answer read (4 MiB). A completion of a few thousand tokens is a few
/// dozen KiB; anything near this is a misbehaving or hostile endpoint, and reading it unbounded
/// would let it exhaust the server's memory.
pub const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// Sends `request` and returns the JSON body of a 2xx answer, or the failure to classify.
/// Redirects are never followed (the client is built with `Policy::none()`, so the key headers
/// cannot reach another host); a 3xx answer is a permanent failure.
async fn send_json(
    request: reqwest::RequestBuilder,
    timeout: Duration,
) -> Result<Result<serde_json::Value, HttpFailure>, ProviderError> {
    let mut response = request.send().await.map_err(|e| transport_error(&e, timeout))?;
    let status = response.status().as_u16();
    if (300..400).contains(&status) {
        return Err(ProviderError::permanent(format!(
            "the provider answered with a redirect ({status}), which is not followed; check the base URL"
        )));
    }
    let headers = response.headers().clone();
    let bytes = read_capped(&mut response, MAX_RESPONSE_BYTES)
        .await
        .map_err(|e| transport_error(&e, timeout))?
        .ok_or_else(|| {
            ProviderError::permanent(format!(
                "response too large ({status}, over {} MiB); refused",
                MAX_RESPONSE_BYTES / (1024 * 1024)
            ))
        })?;
    let body = serde_json::from_slice::<serde_json::Value>(&bytes);
    if (200..300).contains(&status) {
        return body
            .map(Ok)
            .map_err(|_| ProviderError::permanent(format!("malformed response ({status}, not JSON)")));
    }
    Ok(Err(HttpFailure { status, headers, body: body.unwrap_or(serde_json::Value::Null) }))
}

/// The body, read chunk by chunk; `None` as soon as it exceeds `cap` bytes (announced by
/// `Content-Length` or found while reading), without reading the rest.
async fn read_capped(
    response: &mut reqwest::Response,
    cap: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response.content_length().is_some_and(|n| n > cap as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > cap {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// Time-outs and connection failures (refused, reset, DNS) are transient.
pub(crate) fn transient_transport(message: String) -> ProviderError {
    ProviderError::transient(message, None)
}

fn transport_error(error: &reqwest::Error, timeout: Duration) -> ProviderError {
    if error.is_timeout() {
        return transient_transport(format!("request timed out after {}", human(timeout)));
    }
    // The innermost cause is the informative part ("Connection refused (os error 111)"); the URL carries no key.
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    if error.is_connect() {
        transient_transport(format!("connection failed: {cause}"))
    } else if error.is_decode() || error.is_builder() {
        ProviderError::permanent(format!("request failed: {cause}"))
    } else {
        transient_transport(format!("request failed: {cause}"))
    }
}

/// The classification every provider shares; provider-specific cases are checked before calling this.
pub(crate) fn classify_status(failure: &HttpFailure, detail: Option<&str>) -> ProviderError {
    let status = failure.status;
    let with_detail = |label: &str| match detail.map(short).filter(|d| !d.is_empty()) {
        Some(detail) => format!("{label} ({status}): {detail}"),
        None => format!("{label} ({status})"),
    };
    match status {
        401 => ProviderError::permanent(format!("invalid API key ({status})")),
        403 => ProviderError::permanent(with_detail("access denied")),
        404 => ProviderError::permanent(with_detail("model or endpoint not found")),
        408 => ProviderError::transient(format!("request timed out ({status})"), failure.retry_after()),
        429 => ProviderError::transient(format!("rate limited ({status})"), failure.retry_after()),
        529 => ProviderError::transient(format!("overloaded ({status})"), failure.retry_after()),
        // 501 Not Implemented and 505 HTTP Version Not Supported will not heal by waiting.
        500..=599 if status != 501 && status != 505 => {
            ProviderError::transient(format!("server error ({status})"), failure.retry_after())
        }
        400..=499 => ProviderError::permanent(with_detail("bad request")),
        _ => ProviderError::permanent(format!("unexpected status ({status})")),
    }
}

/// Provider messages can be long; keep logs and error lines short.
fn short(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// "30s", "250ms".
pub(crate) fn human(duration: Duration) -> String {
    if duration.subsec_millis() == 0 && duration.as_secs() > 0 {
        format!("{}s", duration.as_secs())
    } else {
        format!("{}ms", duration.as_millis())
    }
}

/// Reads a token count that may be absent.
pub(crate) fn tokens(body: &serde_json::Value, pointer: &str) -> Option<u32> {
    body.pointer(pointer).and_then(serde_json::Value::as_u64).map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// Joins a base URL (trailing slash tolerated) and an endpoint path.
fn endpoint(base_url: &str, path: &str) -> String {
    format!("{}{}", base_url.trim_end_matches('/'), path)
}
