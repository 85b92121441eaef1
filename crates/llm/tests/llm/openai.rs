//! OpenAI Chat Completions: request shape, usage, and every failure class.

use std::time::{Duration, Instant};

use llm::{AttemptOutcome, Generator, ProviderKind::*, Style};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

async fn mount(server: &MockServer, response: ResponseTemplate, times: u64) {
    mount_post(server, "/v1/chat/completions", response, times).await;
}

/// OpenAI fails once with `response` (no retry expected), then the builtin writer answers.
async fn assert_permanent(response: ResponseTemplate, message_part: &str) {
    assert_falls_back_at_once(OpenAi, "openai", "/v1/chat/completions", OPENAI_KEY, response, message_part)
        .await;
}

fn with_content(content: Value, finish_reason: &str) -> ResponseTemplate {
    let mut body = openai_ok();
    body["choices"][0]["message"]["content"] = content;
    body["choices"][0]["finish_reason"] = json!(finish_reason);
    ResponseTemplate::new(200).set_body_json(body)
}

#[tokio::test]
async fn openai_request_has_bearer_auth_system_and_user_messages_and_max_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {OPENAI_KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_ok()))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = config_for(&server, &[OpenAi]);
    config.max_tokens = 777;
    generate(&config).await.unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    let body: Value = request.body_json().unwrap();
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["messages"][0]["role"], "system");
    assert!(body["messages"][0]["content"].as_str().unwrap().contains("\"subject\""));
    assert_eq!(body["messages"][1]["role"], "user");
    assert!(body["messages"][1]["content"].as_str().unwrap().contains("Ada Lovelace"));
    // A compatible server (not api.openai.com) gets max_tokens and no response_format.
    assert_eq!(body["max_tokens"], 777);
    assert!(body.get("response_format").is_none());
    assert!(body["temperature"].is_number());
}

#[tokio::test]
async fn openai_compatible_server_without_key_gets_no_authorization_header() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(200).set_body_json(openai_ok()), 1).await;
    let mut config = config_for(&server, &[OpenAi]);
    config.openai.api_key = None;
    config.openai.base_url = format!("{}/v1/", server.uri()); // trailing slash tolerated
    generate(&config).await.unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert!(!request.headers.contains_key("authorization"));
}

#[tokio::test]
async fn openai_success_reports_exact_token_usage_and_model() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(200).set_body_json(openai_ok()), 1).await;
    let generation = generate(&config_for(&server, &[OpenAi])).await.unwrap();
    assert_eq!(generation.draft.subject, SUBJECT);
    assert_eq!(generation.draft.body, BODY);
    assert_eq!(generation.provider_id, "openai");
    assert_eq!(generation.model, "gpt-4o-mini-2024-07-18");
    assert_eq!((generation.input_tokens, generation.output_tokens, generation.tokens_used), (412, 57, 469));
    assert_eq!(outcomes(&generation.attempts), vec![("openai".into(), AttemptOutcome::Success)]);
}

#[tokio::test]
async fn openai_without_total_tokens_reports_prompt_plus_completion() {
    let server = MockServer::start().await;
    let mut body = openai_ok();
    body["usage"] = json!({"prompt_tokens": 10, "completion_tokens": 5});
    mount(&server, ResponseTemplate::new(200).set_body_json(body), 1).await;
    let generation = generate(&config_for(&server, &[OpenAi])).await.unwrap();
    assert_eq!(generation.tokens_used, 15);
}

#[tokio::test]
async fn openai_invalid_key_401_is_permanent_and_falls_back_without_retry() {
    let body = openai_error(
        "invalid_request_error",
        Some("invalid_api_key"),
        "Incorrect API key provided: sk-test-openai-SECRET-1111.",
    );
    assert_permanent(ResponseTemplate::new(401).set_body_json(body), "invalid API key (401)").await;
}

#[tokio::test]
async fn openai_insufficient_quota_429_is_permanent() {
    let body =
        openai_error("insufficient_quota", Some("insufficient_quota"), "You exceeded your current quota.");
    assert_permanent(ResponseTemplate::new(429).set_body_json(body), "quota exhausted").await;
}

#[tokio::test]
async fn openai_bad_request_400_is_permanent_and_keeps_the_provider_message() {
    let body = openai_error("invalid_request_error", None, "Unsupported parameter: 'max_tokens'");
    assert_permanent(
        ResponseTemplate::new(400).set_body_json(body),
        "bad request (400): Unsupported parameter",
    )
    .await;
}

#[tokio::test]
async fn openai_model_not_found_404_is_permanent() {
    let body =
        openai_error("invalid_request_error", Some("model_not_found"), "The model `gpt-9` does not exist");
    assert_permanent(ResponseTemplate::new(404).set_body_json(body), "not found (404)").await;
}

#[tokio::test]
async fn openai_empty_choices_is_permanent() {
    let mut body = openai_ok();
    body["choices"] = json!([]);
    assert_permanent(ResponseTemplate::new(200).set_body_json(body), "no output").await;
}

#[tokio::test]
async fn openai_content_filter_finish_reason_is_permanent() {
    assert_permanent(with_content(Value::Null, "content_filter"), "content filter").await;
}

#[tokio::test]
async fn openai_refusal_is_permanent() {
    let mut body = openai_ok();
    body["choices"][0]["message"] =
        json!({"role": "assistant", "content": null, "refusal": "I can't help with that."});
    assert_permanent(ResponseTemplate::new(200).set_body_json(body), "refused").await;
}

#[tokio::test]
async fn openai_null_or_empty_content_is_permanent() {
    assert_permanent(with_content(Value::Null, "stop"), "no output").await;
    assert_permanent(with_content(json!("  "), "stop"), "no output").await;
}

#[tokio::test]
async fn openai_unparsable_output_is_permanent() {
    assert_permanent(
        with_content(json!("Sure! Here is your email: Dear Ada..."), "stop"),
        "unparsable output",
    )
    .await;
}

#[tokio::test]
async fn openai_rate_limit_429_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    let limited = openai_error("requests", Some("rate_limit_exceeded"), "Rate limit reached");
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(429).set_body_json(limited))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    mount(&server, ResponseTemplate::new(200).set_body_json(openai_ok()), 1).await;
    let generation = generate(&config_for(&server, &[OpenAi])).await.unwrap();
    assert_eq!(generation.provider_id, "openai");
    let expected = [AttemptOutcome::Retried, AttemptOutcome::Retried, AttemptOutcome::Success];
    assert_eq!(generation.attempts.iter().map(|a| a.outcome).collect::<Vec<_>>(), expected);
    assert_eq!(generation.attempts[0].message, "rate limited (429)");
}

#[tokio::test]
async fn openai_server_errors_500_502_503_504_are_retried() {
    for status in [500, 502, 503, 504] {
        let server = MockServer::start().await;
        Mock::given(path("/v1/chat/completions"))
            .respond_with(ResponseTemplate::new(status))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        mount(&server, ResponseTemplate::new(200).set_body_json(openai_ok()), 1).await;
        let generation = generate(&config_for(&server, &[OpenAi])).await.unwrap();
        assert_eq!(generation.attempts.len(), 2, "status {status}");
        assert_eq!(generation.attempts[0].message, format!("server error ({status})"));
    }
}

#[tokio::test]
async fn openai_retry_after_seconds_header_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, ResponseTemplate::new(200).set_body_json(openai_ok()), 1).await;
    let started = Instant::now();
    let generation = generate(&config_for(&server, &[OpenAi])).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(generation.attempts.len(), 2);
}

#[tokio::test]
async fn openai_retry_after_ms_header_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after-ms", "250"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    mount(&server, ResponseTemplate::new(200).set_body_json(openai_ok()), 1).await;
    let started = Instant::now();
    let generation = generate(&config_for(&server, &[OpenAi])).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(generation.attempts.len(), 3);
}

#[tokio::test]
async fn openai_polish_task_is_sent_and_parsed() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(200).set_body_json(openai_ok()), 1).await;
    let task = llm::Task::Polish {
        subject: "hey".into(),
        body: "yo ada, the proposal is attached".into(),
        style: Style::Formal,
        contact: None,
    };
    let generator = Generator::new(&config_for(&server, &[OpenAi])).unwrap();
    let generation = generator.generate(&task, None).await.unwrap();
    assert_eq!(generation.draft.subject, SUBJECT);
    let body: Value = server.received_requests().await.unwrap()[0].body_json().unwrap();
    assert!(body["messages"][1]["content"].as_str().unwrap().contains("yo ada, the proposal is attached"));
}
