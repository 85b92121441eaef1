//! The HTTP client's safety limits: redirects are never followed (the key headers must not reach
//! another host) and a provider's answer is read only up to [`llm::MAX_RESPONSE_BYTES`].

use llm::AttemptOutcome::{Failed, Success};
use llm::ProviderKind::{self, Anthropic, Builtin, Gemini, OpenAi};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const GEMINI_PATH: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

fn endpoint(kind: ProviderKind) -> &'static str {
    match kind {
        OpenAi => "/v1/chat/completions",
        Anthropic => "/v1/messages",
        Gemini => GEMINI_PATH,
        Builtin => unreachable!(),
    }
}

#[tokio::test]
async fn a_provider_redirect_is_not_followed_and_no_key_reaches_the_other_host() {
    for (kind, id, key) in [
        (Anthropic, "anthropic", ANTHROPIC_KEY),
        (OpenAi, "openai", OPENAI_KEY),
        (Gemini, "gemini", GEMINI_KEY),
    ] {
        let provider = MockServer::start().await;
        let elsewhere = MockServer::start().await;
        // Whatever arrives at the second server would be a leak; it must see nothing at all.
        Mock::given(any()).respond_with(ResponseTemplate::new(200)).expect(0).mount(&elsewhere).await;
        let location = format!("{}{}", elsewhere.uri(), endpoint(kind));
        let redirect = ResponseTemplate::new(307).insert_header("location", location.as_str());
        mount_post(&provider, endpoint(kind), redirect, 1).await;

        let generation = generate(&config_for(&provider, &[kind, Builtin])).await.unwrap();
        assert_eq!(
            outcomes(&generation.attempts),
            vec![(id.into(), Failed), ("builtin".into(), Success)],
            "a redirect is a permanent failure: no retry, next provider"
        );
        let message = &generation.attempts[0].message;
        assert!(message.contains("redirect (307)") && message.contains("not followed"), "{message}");
        assert!(!message.contains(key));
        assert!(elsewhere.received_requests().await.unwrap().is_empty(), "{id}: the redirect was followed");
        elsewhere.verify().await;
    }
}

#[tokio::test]
async fn an_oversized_provider_answer_is_refused() {
    let server = MockServer::start().await;
    // Valid JSON, just too much of it: 5 MiB of padding in the text field.
    let padding = "x".repeat(5 * 1024 * 1024);
    let mut huge = anthropic_ok();
    huge["content"][0]["text"] = json!(padding);
    mount_post(&server, "/v1/messages", ResponseTemplate::new(200).set_body_json(huge), 1).await;
    let generation = generate(&config_for(&server, &[Anthropic, Builtin])).await.unwrap();
    assert_eq!(
        outcomes(&generation.attempts),
        vec![("anthropic".into(), Failed), ("builtin".into(), Success)]
    );
    let message = &generation.attempts[0].message;
    assert!(message.contains("response too large"), "{message}");
}

/// A raw HTTP server answering with a chunked body (no `Content-Length`) that never ends before
/// `total` bytes: the cap must apply while reading, not only to the announced length.
async fn endless_chunked_server(total: usize) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut buf).await;
                let head =
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                let mut sent = 0;
                while sent < total {
                    let frame = format!("{:x}\r\n", chunk.len());
                    if socket.write_all(frame.as_bytes()).await.is_err()
                        || socket.write_all(&chunk).await.is_err()
                        || socket.write_all(b"\r\n").await.is_err()
                    {
                        return; // the client stopped reading: what we want
                    }
                    sent += chunk.len();
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn an_oversized_streamed_answer_is_refused_while_reading() {
    let base = endless_chunked_server(64 * 1024 * 1024).await;
    let mut config = fast_config(&[Anthropic, Builtin]);
    config.anthropic.api_key = Some(llm::ApiKey::new(ANTHROPIC_KEY));
    config.anthropic.base_url = base;
    let generation = generate(&config).await.unwrap();
    assert_eq!(generation.attempts[0].outcome, Failed);
    let message = &generation.attempts[0].message;
    assert!(message.contains("response too large"), "{message}");
}
