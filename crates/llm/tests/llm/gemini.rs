//! Gemini generateContent: request shape, usage, and every failure class.

use std::time::{Duration, Instant};

use llm::{AttemptOutcome, ProviderKind::*};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const PATH: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

async fn mount(server: &MockServer, response: ResponseTemplate, times: u64) {
    mount_post(server, PATH, response, times).await;
}

/// Gemini fails once with `response` (no retry expected), then the builtin writer answers.
async fn assert_permanent(response: ResponseTemplate, message_part: &str) {
    assert_falls_back_at_once(Gemini, "gemini", PATH, GEMINI_KEY, response, message_part).await;
}

fn retry_info(delay: &str) -> Value {
    json!([{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}])
}

#[tokio::test]
async fn gemini_request_uses_model_path_goog_api_key_system_instruction_and_json_mime_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(PATH))
        .and(header("x-goog-api-key", GEMINI_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(gemini_ok()))
        .expect(1)
        .mount(&server)
        .await;
    generate(&config_for(&server, &[Gemini])).await.unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.url.query().is_none(), "the key travels in a header, never in the URL");
    let body: Value = request.body_json().unwrap();
    assert!(body["systemInstruction"]["parts"][0]["text"].as_str().unwrap().contains("\"subject\""));
    assert_eq!(body["contents"][0]["role"], "user");
    assert!(body["contents"][0]["parts"][0]["text"].as_str().unwrap().contains("Ada Lovelace"));
    let config = &body["generationConfig"];
    assert_eq!(config["maxOutputTokens"], 1024);
    assert_eq!(config["responseMimeType"], "application/json");
    assert!(config["temperature"].is_number());
    assert_eq!(config["thinkingConfig"]["thinkingBudget"], 0);
}

#[tokio::test]
async fn gemini_success_reports_total_token_count_including_thoughts() {
    let server = MockServer::start().await;
    mount(&server, ResponseTemplate::new(200).set_body_json(gemini_ok()), 1).await;
    let generation = generate(&config_for(&server, &[Gemini])).await.unwrap();
    assert_eq!(generation.draft.body, BODY);
    assert_eq!(generation.provider_id, "gemini");
    assert_eq!(generation.model, "gemini-2.5-flash");
    assert_eq!((generation.input_tokens, generation.output_tokens, generation.tokens_used), (600, 100, 700));
}

#[tokio::test]
async fn gemini_invalid_key_400_api_key_invalid_is_permanent() {
    let details = json!([{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com"
    }]);
    let body =
        gemini_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", details);
    assert_permanent(ResponseTemplate::new(400).set_body_json(body), "invalid API key (400 API_KEY_INVALID)")
        .await;
}

#[tokio::test]
async fn gemini_missing_key_403_is_permanent() {
    let body = gemini_error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers", json!([]));
    assert_permanent(ResponseTemplate::new(403).set_body_json(body), "access denied (403)").await;
}

#[tokio::test]
async fn gemini_other_400_is_permanent() {
    let body = gemini_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.", json!([]));
    assert_permanent(
        ResponseTemplate::new(400).set_body_json(body),
        "bad request (400): Invalid JSON payload",
    )
    .await;
}

#[tokio::test]
async fn gemini_unknown_model_404_is_permanent() {
    let body = gemini_error(404, "NOT_FOUND", "models/gemini-9 is not found", json!([]));
    assert_permanent(ResponseTemplate::new(404).set_body_json(body), "not found (404)").await;
}

#[tokio::test]
async fn gemini_prompt_block_reason_is_permanent() {
    let body =
        json!({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 10}});
    assert_permanent(ResponseTemplate::new(200).set_body_json(body), "blocked (blockReason SAFETY)").await;
}

#[tokio::test]
async fn gemini_safety_finish_reason_is_permanent() {
    let body = json!({"candidates": [{"finishReason": "SAFETY", "safetyRatings": []}]});
    assert_permanent(ResponseTemplate::new(200).set_body_json(body), "blocked (finishReason SAFETY)").await;
}

#[tokio::test]
async fn gemini_max_tokens_without_parts_is_permanent() {
    let body = json!({"candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS"}]});
    assert_permanent(ResponseTemplate::new(200).set_body_json(body), "no output (MAX_TOKENS)").await;
}

#[tokio::test]
async fn gemini_answer_without_candidates_is_permanent() {
    let body = json!({"usageMetadata": {"promptTokenCount": 10, "totalTokenCount": 10}});
    assert_permanent(ResponseTemplate::new(200).set_body_json(body), "no candidates").await;
}

#[tokio::test]
async fn gemini_retry_delay_in_error_details_is_honoured() {
    let server = MockServer::start().await;
    let body =
        gemini_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded for requests per minute", retry_info("0.3s"));
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(429).set_body_json(body))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, ResponseTemplate::new(200).set_body_json(gemini_ok()), 1).await;
    let started = Instant::now();
    let generation = generate(&config_for(&server, &[Gemini])).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(generation.attempts.len(), 2);
    assert_eq!(generation.attempts[0].message, "rate limited (429)");
}

#[tokio::test]
async fn gemini_unavailable_503_is_retried() {
    let server = MockServer::start().await;
    let body =
        gemini_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", json!([]));
    Mock::given(path(PATH))
        .respond_with(ResponseTemplate::new(503).set_body_json(body))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount(&server, ResponseTemplate::new(200).set_body_json(gemini_ok()), 1).await;
    let generation = generate(&config_for(&server, &[Gemini])).await.unwrap();
    assert_eq!(generation.provider_id, "gemini");
    assert_eq!(generation.attempts[0].outcome, AttemptOutcome::Retried);
}
