//! The generator's policy across providers: order, retries, transport failures, deadline, messages.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use llm::{
    AttemptOutcome::*, ChatPrompt, Completion, GenerateError, Generator, Provider, ProviderError,
    ProviderInfo, ProviderKind::*, Style,
};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const GEMINI_PATH: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

async fn mount(server: &MockServer, at: &str, response: ResponseTemplate, times: u64) {
    Mock::given(path(at)).respond_with(response).expect(times).mount(server).await;
}

fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/v1")
}

#[tokio::test]
async fn providers_are_tried_in_configured_order() {
    let server = MockServer::start().await;
    let unauthorized = anthropic_error("authentication_error", "invalid x-api-key");
    mount(&server, "/v1/messages", ResponseTemplate::new(401).set_body_json(unauthorized), 1).await;
    mount(&server, "/v1/chat/completions", ResponseTemplate::new(503), 3).await;
    mount(&server, GEMINI_PATH, ResponseTemplate::new(200).set_body_json(gemini_ok()), 1).await;
    let generation = generate(&config_for(&server, &[Anthropic, OpenAi, Gemini])).await.unwrap();
    assert_eq!(generation.provider_id, "gemini");
    assert_eq!(
        outcomes(&generation.attempts),
        vec![
            ("anthropic".into(), Failed),
            ("openai".into(), Retried),
            ("openai".into(), Retried),
            ("openai".into(), Failed),
            ("gemini".into(), Success),
        ]
    );
}

#[tokio::test]
async fn all_failed_message_has_one_line_per_provider_and_no_key() {
    let server = MockServer::start().await;
    let limited = anthropic_error("rate_limit_error", "rate limited");
    mount(&server, "/v1/messages", ResponseTemplate::new(429).set_body_json(limited), 3).await;
    let bad_key = openai_error(
        "invalid_request_error",
        Some("invalid_api_key"),
        &format!("Incorrect API key provided: {OPENAI_KEY}"),
    );
    mount(&server, "/v1/chat/completions", ResponseTemplate::new(401).set_body_json(bad_key), 1).await;
    let details = json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]);
    let invalid = gemini_error(400, "INVALID_ARGUMENT", &format!("API key not valid: {GEMINI_KEY}"), details);
    mount(&server, GEMINI_PATH, ResponseTemplate::new(400).set_body_json(invalid), 1).await;
    let error = generate(&config_for(&server, &[Anthropic, OpenAi, Gemini])).await.unwrap_err();
    assert!(matches!(error, GenerateError::AllFailed { .. }));
    let message = error.to_string();
    assert_eq!(
        message,
        "anthropic: rate limited (429) after 3 tries\n\
         openai: invalid API key (401)\n\
         gemini: invalid API key (400 API_KEY_INVALID)"
    );
    for key in [OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY] {
        assert!(!format!("{error:?}").contains(key));
    }
}

#[tokio::test]
async fn provider_messages_echoing_the_key_are_redacted() {
    let server = MockServer::start().await;
    let echo = openai_error("invalid_request_error", None, &format!("Bad value for key {OPENAI_KEY}"));
    mount(&server, "/v1/chat/completions", ResponseTemplate::new(400).set_body_json(echo), 1).await;
    let error = generate(&config_for(&server, &[OpenAi])).await.unwrap_err();
    assert_eq!(error.to_string(), "openai: bad request (400): Bad value for key [redacted]");
}

#[tokio::test]
async fn refused_connection_is_transient_and_retried() {
    let mut config = fast_config(&[OpenAi, Builtin]);
    config.openai.base_url = closed_port_url();
    let generation = generate(&config).await.unwrap();
    assert_eq!(generation.provider_id, "builtin");
    assert_eq!(
        outcomes(&generation.attempts),
        vec![
            ("openai".into(), Retried),
            ("openai".into(), Retried),
            ("openai".into(), Failed),
            ("builtin".into(), Success),
        ]
    );
    assert!(
        generation.attempts[0].message.starts_with("connection failed"),
        "{}",
        generation.attempts[0].message
    );
}

#[tokio::test]
async fn request_timeout_is_transient_and_retried() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200).set_body_json(openai_ok()).set_delay(Duration::from_secs(3));
    mount(&server, "/v1/chat/completions", slow, 3).await;
    let mut config = config_for(&server, &[OpenAi, Builtin]);
    config.request_timeout = Duration::from_millis(200);
    let generation = generate(&config).await.unwrap();
    assert_eq!(generation.provider_id, "builtin");
    assert_eq!(generation.attempts.len(), 4);
    assert_eq!(generation.attempts[0].outcome, Retried);
    assert_eq!(generation.attempts[2].message, "request timed out after 200ms");
}

#[tokio::test]
async fn overall_deadline_returns_deadline_exceeded_with_attempts_so_far() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200).set_body_json(openai_ok()).set_delay(Duration::from_secs(3));
    mount(&server, "/v1/chat/completions", slow, 1).await;
    let mut config = config_for(&server, &[OpenAi, Builtin]);
    config.deadline = Duration::from_millis(300);
    let error = generate(&config).await.unwrap_err();
    let GenerateError::DeadlineExceeded { attempts } = &error else {
        panic!("expected DeadlineExceeded, got {error:?}");
    };
    assert_eq!(outcomes(attempts), vec![("openai".into(), Failed), ("builtin".into(), Skipped)]);
    assert_eq!(error.to_string(), "openai: deadline of 300ms exceeded\nbuiltin: skipped: deadline exceeded");
}

#[tokio::test]
async fn retry_delay_beyond_the_deadline_moves_to_the_next_provider_at_once() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/v1/chat/completions",
        ResponseTemplate::new(429).insert_header("retry-after", "3600"),
        1,
    )
    .await;
    let generation = generate(&config_for(&server, &[OpenAi, Builtin])).await.unwrap();
    assert_eq!(generation.provider_id, "builtin");
    assert_eq!(outcomes(&generation.attempts), vec![("openai".into(), Failed), ("builtin".into(), Success)]);
    assert_eq!(
        generation.attempts[0].message,
        "rate limited (429); retry delay 3600s exceeds the remaining time"
    );
}

#[tokio::test]
async fn only_restricts_generation_to_the_named_provider() {
    let server = MockServer::start().await;
    mount(&server, "/v1/messages", ResponseTemplate::new(200).set_body_json(anthropic_ok()), 0).await;
    mount(&server, "/v1/chat/completions", ResponseTemplate::new(200).set_body_json(openai_ok()), 1).await;
    let generator = Generator::new(&config_for(&server, &[Anthropic, OpenAi])).unwrap();
    let generation = generator.generate(&draft_task(Some(Style::Casual)), Some("openai")).await.unwrap();
    assert_eq!(generation.provider_id, "openai");
}

#[tokio::test]
async fn only_with_an_unconfigured_provider_is_unknown_provider() {
    let generator = Generator::new(&fast_config(&[Builtin])).unwrap();
    for id in ["gemini", "gpt-4"] {
        let error = generator.generate(&draft_task(None), Some(id)).await.unwrap_err();
        assert_eq!(error, GenerateError::UnknownProvider(id.into()));
    }
}

#[tokio::test]
async fn providers_lists_ids_models_and_base_urls_without_keys() {
    let server = MockServer::start().await;
    let generator = Generator::new(&config_for(&server, &[Gemini, OpenAi, Builtin])).unwrap();
    let providers = generator.providers();
    let ids: Vec<_> = providers.iter().map(|p| (p.id.as_str(), p.model.as_str())).collect();
    assert_eq!(ids, [("gemini", "gemini-2.5-flash"), ("openai", "gpt-4o-mini"), ("builtin", "builtin-v1")]);
    assert_eq!(providers[1].base_url.as_deref(), Some(format!("{}/v1", server.uri()).as_str()));
    assert_eq!(providers[2].base_url, None);
    let debug = format!("{providers:?} {generator:?}");
    assert!(!debug.contains(OPENAI_KEY) && !debug.contains(GEMINI_KEY));
}

#[tokio::test]
async fn generator_is_cheap_to_clone_and_shared_across_tasks() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Generator>();
    let generator = Generator::new(&fast_config(&[Builtin])).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let generator = generator.clone();
            tokio::spawn(async move { generator.generate(&draft_task(None), None).await })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.await.unwrap().unwrap().provider_id, "builtin");
    }
}

struct Scripted;

#[async_trait]
impl Provider for Scripted {
    fn id(&self) -> &str {
        "scripted"
    }
    fn model(&self) -> &str {
        "scripted-1"
    }
    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            id: "scripted".into(),
            kind: "test".into(),
            model: "scripted-1".into(),
            base_url: None,
        }
    }
    async fn complete(&self, prompt: &ChatPrompt) -> Result<Completion, ProviderError> {
        if !prompt.user.contains("Ada Lovelace") {
            return Err(ProviderError::permanent("prompt lacks the contact"));
        }
        Ok(Completion {
            text: format!("Here you go:\n```json\n{}\n```", email_json()),
            input_tokens: 3,
            output_tokens: 4,
            total_tokens: 7,
            model: "scripted-1".into(),
        })
    }
}

#[tokio::test]
async fn custom_providers_plug_in_through_the_trait() {
    let generator = Generator::with_providers(&fast_config(&[]), vec![Arc::new(Scripted)]);
    let generation = generator.generate(&draft_task(None), None).await.unwrap();
    assert_eq!((generation.provider_id.as_str(), generation.tokens_used), ("scripted", 7));
    assert_eq!(generation.draft.subject, SUBJECT);
}
