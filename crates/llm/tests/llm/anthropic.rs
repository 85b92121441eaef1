//! Anthropic Messages: request shape, usage, and every failure class.

use std::time::{Duration, Instant};

use llm::{AttemptOutcome, ProviderKind::*};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

async fn mount(server: &MockServer, response: ResponseTemplate, times: u64) {
    mount_post(server, "/v1/messages", response, times).await;
}

/// Anthropic fails once with `response` (no retry expected), then the builtin writer answers.
async fn assert_permanent(response: ResponseTemplate, message_part: &str) {
    assert_falls_back_at_once(Anthropic, "anthropic", "/v1/messages", ANTHROPIC_KEY, response, message_part)
        .await;
}

#[tokio::test]
async fn anthropic_request_has_api_key_version_header_top_level_system_and_max_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("x-api-key", ANTHROPIC_KEY))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(anthropic_ok()))
        .expect(1)
        .mount(&server)
        .await;
    generate(&config_for(&server, &[Anthropic])).await.unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert!(!request.headers.contains_key("authorization"));
    let body: Value = request.body_json().unwrap();
    assert_eq!(body["model"], "claude-sonnet-4-5");
    assert_eq!(body["max_tokens"], 1024);
    assert!(body["system"].as_str().unwrap().contains("\"subject\""));
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "the system prompt is top-level, not a message");
    assert_eq!(messages[0]["role"], "user");
    assert!(messages[0]["content"].as_str().unwrap().contains("Ada Lovelace"));
}

#[tokio::test]
async fn anthropic_success_concatenates_text_blocks_and_reports_exact_tokens() {
    let server = MockServer::start().await;
    let mut body = anthropic_ok();
    let text = email_json();
    let (a, b) = text.split_at(20);
    body["content"] = json!([
        {"type": "text", "text": a},
        {"type": "tool_use", "id": "t1", "name": "x", "input": {}},
        {"type": "text", "text": b}
    ]);
    mount(&server, ResponseTemplate::new(200).set_body_json(body), 1).await;
    let generation = generate(&config_for(&server, &[Anthropic])).await.unwrap();
    assert_eq!(generation.draft.subject, SUBJECT);
    assert_eq!(generation.provider_id, "anthropic");
    assert_eq!(generation.model, "claude-sonnet-4-5-20250929");
    assert_eq!((generation.input_tokens, generation.output_tokens, generation.tokens_used), (530, 61, 591));
}

#[tokio::test]
async fn anthropic_overloaded_529_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(
            ResponseTemplate::new(529).set_body_json(anthropic_error("overloaded_error", "Overloaded")),
        )
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    mount(&server, ResponseTemplate::new(200).set_body_json(anthropic_ok()), 1).await;
    let generation = generate(&config_for(&server, &[Anthropic])).await.unwrap();
    assert_eq!(generation.provider_id, "anthropic");
    assert_eq!(generation.attempts.len(), 3);
    assert_eq!(generation.attempts[0].outcome, AttemptOutcome::Retried);
    assert_eq!(generation.attempts[0].message, "overloaded (529)");
}

#[tokio::test]
async fn anthropic_rate_limit_429_honours_retry_after() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0.3").set_body_json(
            anthropic_error("rate_limit_error", "Number of request tokens has exceeded your rate limit"),
        ))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, ResponseTemplate::new(200).set_body_json(anthropic_ok()), 1).await;
    let started = Instant::now();
    let generation = generate(&config_for(&server, &[Anthropic])).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(generation.attempts.len(), 2);
}

#[tokio::test]
async fn anthropic_refusal_stop_reason_is_permanent_and_partial_text_is_discarded() {
    let mut body = anthropic_ok();
    body["stop_reason"] = json!("refusal");
    body["content"] = json!([{"type": "text", "text": email_json()}]);
    assert_permanent(ResponseTemplate::new(200).set_body_json(body), "refused").await;
}

#[tokio::test]
async fn anthropic_invalid_key_401_is_permanent() {
    let body = anthropic_error("authentication_error", "invalid x-api-key");
    assert_permanent(ResponseTemplate::new(401).set_body_json(body), "invalid API key (401)").await;
}

#[tokio::test]
async fn anthropic_permission_error_403_is_permanent() {
    let body = anthropic_error("permission_error", "Your API key does not have permission");
    assert_permanent(ResponseTemplate::new(403).set_body_json(body), "access denied (403)").await;
}

#[tokio::test]
async fn anthropic_bad_request_400_is_permanent() {
    let body = anthropic_error("invalid_request_error", "Your credit balance is too low");
    assert_permanent(ResponseTemplate::new(400).set_body_json(body), "credit balance is too low").await;
}

#[tokio::test]
async fn anthropic_unknown_model_404_is_permanent() {
    let body = anthropic_error("not_found_error", "model: claude-9");
    assert_permanent(ResponseTemplate::new(404).set_body_json(body), "not found (404)").await;
}

#[tokio::test]
async fn anthropic_answer_without_text_blocks_is_permanent() {
    let mut body = anthropic_ok();
    body["content"] = json!([]);
    assert_permanent(ResponseTemplate::new(200).set_body_json(body), "no output").await;
}

#[tokio::test]
async fn anthropic_api_error_500_is_retried_until_retries_run_out() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(500).set_body_json(anthropic_error("api_error", "Internal")), 3)
        .await;
    let attempts = failed(generate(&config_for(&server, &[Anthropic])).await);
    let expected = [AttemptOutcome::Retried, AttemptOutcome::Retried, AttemptOutcome::Failed];
    assert_eq!(attempts.iter().map(|a| a.outcome).collect::<Vec<_>>(), expected);
}
