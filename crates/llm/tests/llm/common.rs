//! Shared fixtures: a sample task, fast configurations pointed at mock servers, canned provider answers.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use llm::{
    AiConfig, ApiKey, ContactProfile, Direction, GenerateError, Generation, Generator, HistoryItem,
    ProviderKind, Style, Task,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const OPENAI_KEY: &str = "sk-test-openai-SECRET-1111";
pub const ANTHROPIC_KEY: &str = "sk-ant-test-SECRET-2222";
pub const GEMINI_KEY: &str = "AIza-test-SECRET-3333";

/// The email every mock model answers with.
pub const SUBJECT: &str = "Following up on the Q3 proposal";
pub const BODY: &str = "Hi Ada,\n\nGreat talking last week.\n\nBest,\nGrace";

pub fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
}

pub fn contact() -> ContactProfile {
    ContactProfile {
        name: "Ada Lovelace".into(),
        email: Some("ada@example.com".into()),
        company: Some("Analytical Engines Ltd".into()),
        role: Some("Head of Research".into()),
        industry: Some("Computing".into()),
        priority: Some("HIGH".into()),
        notes: Some("Met at the Babbage conference.".into()),
        linkedin_url: Some("https://www.linkedin.com/in/ada".into()),
        last_contacted_at: Some(at(2025, 5, 20)),
    }
}

pub fn history() -> Vec<HistoryItem> {
    vec![
        HistoryItem {
            direction: Direction::Received,
            content: "Thanks for the demo of the difference engine. Could you send the Q3 proposal?".into(),
            timestamp: at(2025, 5, 20),
            subject: Some("Re: Difference engine demo".into()),
        },
        HistoryItem {
            direction: Direction::Sent,
            content: "Would you like a demo of the difference engine next week?".into(),
            timestamp: at(2025, 5, 10),
            subject: Some("Difference engine demo".into()),
        },
    ]
}

pub fn draft_task(style: Option<Style>) -> Task {
    Task::Draft {
        contact: contact(),
        history: history(),
        template: None,
        instructions: Some("Mention the Q3 proposal".into()),
        style,
        sender_name: Some("Grace".into()),
    }
}

/// Sub-second timings so retry and deadline tests stay fast.
pub fn fast_config(providers: &[ProviderKind]) -> AiConfig {
    AiConfig {
        providers: providers.to_vec(),
        request_timeout: Duration::from_secs(5),
        retries: 2,
        deadline: Duration::from_secs(20),
        backoff_base: Duration::from_millis(5),
        backoff_max: Duration::from_millis(20),
        ..AiConfig::default()
    }
}

/// Points each listed network provider at `server` with a test key.
pub fn config_for(server: &MockServer, providers: &[ProviderKind]) -> AiConfig {
    let mut config = fast_config(providers);
    config.openai.api_key = Some(ApiKey::new(OPENAI_KEY));
    config.openai.base_url = format!("{}/v1", server.uri());
    config.anthropic.api_key = Some(ApiKey::new(ANTHROPIC_KEY));
    config.anthropic.base_url = server.uri();
    config.gemini.api_key = Some(ApiKey::new(GEMINI_KEY));
    config.gemini.base_url = server.uri();
    config
}

pub async fn generate(config: &AiConfig) -> Result<Generation, GenerateError> {
    Generator::new(config).unwrap().generate(&draft_task(Some(Style::Formal)), None).await
}

pub fn email_json() -> String {
    json!({"subject": SUBJECT, "body": BODY}).to_string()
}

pub fn openai_ok() -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": email_json(), "refusal": null},
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 412, "completion_tokens": 57, "total_tokens": 469}
    })
}

pub fn anthropic_ok() -> Value {
    json!({
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": email_json()}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 530, "output_tokens": 61}
    })
}

pub fn gemini_ok() -> Value {
    json!({
        "candidates": [{
            "content": {"role": "model", "parts": [{"text": email_json()}]},
            "finishReason": "STOP"
        }],
        "usageMetadata": {"promptTokenCount": 600, "candidatesTokenCount": 70, "totalTokenCount": 700, "thoughtsTokenCount": 30},
        "modelVersion": "gemini-2.5-flash"
    })
}

pub fn anthropic_error(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

pub fn openai_error(kind: &str, code: Option<&str>, message: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}

pub fn gemini_error(code: u16, status: &str, message: &str, details: Value) -> Value {
    json!({"error": {"code": code, "message": message, "status": status, "details": details}})
}

/// Asserts the generation failed, and returns the attempts.
pub fn failed(result: Result<Generation, GenerateError>) -> Vec<llm::Attempt> {
    match result {
        Ok(generation) => panic!("expected a failure, got {generation:?}"),
        Err(error) => error.attempts().to_vec(),
    }
}

/// Outcome and provider of each attempt, for compact assertions.
pub fn outcomes(attempts: &[llm::Attempt]) -> Vec<(String, llm::AttemptOutcome)> {
    attempts.iter().map(|a| (a.provider.clone(), a.outcome)).collect()
}

/// Answers POSTs to `endpoint` with `response`, expecting exactly `times` of them.
pub async fn mount_post(server: &MockServer, endpoint: &str, response: ResponseTemplate, times: u64) {
    Mock::given(method("POST")).and(path(endpoint)).respond_with(response).expect(times).mount(server).await;
}

/// Provider `kind` (id `id`, serving `endpoint`) fails once with `response` and is not retried;
/// the builtin writer answers instead. The failure's message contains `message_part` and never
/// the provider's `key`.
pub async fn assert_falls_back_at_once(
    kind: ProviderKind,
    id: &str,
    endpoint: &str,
    key: &str,
    response: ResponseTemplate,
    message_part: &str,
) {
    let server = MockServer::start().await;
    mount_post(&server, endpoint, response, 1).await;
    let generation = generate(&config_for(&server, &[kind, ProviderKind::Builtin])).await.unwrap();
    assert_eq!(generation.provider_id, "builtin");
    assert_eq!(
        outcomes(&generation.attempts),
        vec![(id.into(), llm::AttemptOutcome::Failed), ("builtin".into(), llm::AttemptOutcome::Success)]
    );
    let message = &generation.attempts[0].message;
    assert!(message.contains(message_part), "{message}");
    assert!(!message.contains(key));
}
