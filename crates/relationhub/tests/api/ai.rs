//! AI generation over GraphQL, against local mock servers speaking each provider's wire format.

use crate::common::{TestApp, code, data};
use serde_json::{Value, json};
use std::sync::Arc;
use testkit::{Kind, on_both};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GENERATE: &str = "mutation($input: GenerateEmailInput!) {
  generateEmail(input: $input) {
    emails { id status templateType providerId tokensUsed generatedAt subject body bodyHtml contact { id } }
    attempts { provider outcome message }
  }
}";

fn openai_reply(subject: &str, prompt_tokens: u32, completion_tokens: u32) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{ "index": 0, "finish_reason": "stop",
            "message": { "role": "assistant", "content": json!({"subject": subject, "body": "Hi there,\n\nLet's talk.\n\nBest"}).to_string() } }],
        "usage": { "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens }
    })
}

async fn email_count(app: &TestApp, token: &str) -> i64 {
    let v = app.gql(Some(token), "{ emails { totalCount } }", json!({})).await;
    data(&v)["emails"]["totalCount"].as_i64().unwrap()
}

async fn with_no_provider_configured_the_builtin_writer_drafts_formal_and_casual(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let contact = app.contact(&token, "Grace Hopper").await;
    let v = app.gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact } })).await;
    let emails = data(&v)["generateEmail"]["emails"].as_array().unwrap().clone();
    assert_eq!(emails.len(), 2);
    let types: Vec<&str> = emails.iter().map(|e| e["templateType"].as_str().unwrap()).collect();
    assert_eq!(types, ["FORMAL", "CASUAL"]);
    for e in &emails {
        assert_eq!(e["status"], "DRAFT");
        assert_eq!(e["providerId"], "builtin");
        assert_eq!(e["tokensUsed"], 0);
        assert!(e["generatedAt"].is_string());
        assert!(e["bodyHtml"].as_str().unwrap().starts_with("<p>"));
        assert!(e["body"].as_str().unwrap().contains("Grace"));
        assert_eq!(e["contact"]["id"], contact);
    }
    assert_eq!(data(&v)["generateEmail"]["attempts"][0]["outcome"], "success");
    assert_eq!(email_count(&app, &token).await, 2);
}

async fn both_variants_are_stored_with_the_providers_reported_tokens_and_the_prompt_carries_history(
    kind: Kind,
) {
    let mock = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_reply("Following up", 321, 79)))
        .expect(2)
        .mount(&mock)
        .await;
    let base = format!("{}/v1", mock.uri());
    let app =
        TestApp::spawn_with(kind, &[("OPENAI_BASE_URL", &base), ("OPENAI_API_KEY", "sk-test-key")]).await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let contact = app.contact(&token, "Alan Turing").await;
    let log =
        "mutation($i: LogConversationInput!) { logConversation(input: $i) { conversationEntry { id } } }";
    let entry = json!({ "i": { "contactId": contact, "direction": "RECEIVED",
        "content": "Loved the talk on the Enigma rotor wiring; send me the slides?", "metadata": { "subject": "Enigma talk" } } });
    data(&app.gql(Some(&token), log, entry).await);
    let v = app.gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact } })).await;
    let emails = data(&v)["generateEmail"]["emails"].as_array().unwrap().clone();
    assert_eq!(emails.len(), 2);
    for e in &emails {
        assert_eq!(e["providerId"], "openai");
        assert_eq!(e["tokensUsed"], 400, "tokensUsed is the provider's reported total");
        assert_eq!(e["subject"], "Following up");
    }
    let requests = mock.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        let body = String::from_utf8_lossy(&r.body);
        assert!(body.contains("Enigma rotor wiring"), "history content reaches the prompt");
        assert!(body.contains("Alan Turing"));
        assert_eq!(r.headers.get("authorization").unwrap(), "Bearer sk-test-key");
    }
}

async fn a_failing_provider_falls_back_to_the_next_and_attempts_say_why(kind: Kind) {
    let anthropic = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({ "type": "error", "error": { "type": "authentication_error", "message": "invalid x-api-key" } }),
        ))
        .mount(&anthropic)
        .await;
    let openai = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(openai_reply("Hello", 10, 5)))
        .mount(&openai)
        .await;
    let openai_base = format!("{}/v1", openai.uri());
    let app = TestApp::spawn_with(
        kind,
        &[
            ("RELATIONHUB_AI_PROVIDERS", "anthropic,openai"),
            ("ANTHROPIC_API_KEY", "bad-key"),
            ("ANTHROPIC_BASE_URL", &anthropic.uri()),
            ("OPENAI_BASE_URL", &openai_base),
        ],
    )
    .await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let contact = app.contact(&token, "Ada Lovelace").await;
    let v = app
        .gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact, "styles": ["CASUAL"] } }))
        .await;
    let p = &data(&v)["generateEmail"];
    assert_eq!(p["emails"][0]["providerId"], "openai");
    assert_eq!(p["emails"][0]["tokensUsed"], 15);
    let attempts = p["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["provider"], "anthropic");
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(attempts.last().unwrap()["provider"], "openai");
    assert_eq!(anthropic.received_requests().await.unwrap().len(), 1, "a bad key is not retried");
}

async fn when_every_provider_fails_nothing_is_stored_and_each_provider_is_named(kind: Kind) {
    let openai = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_json(
            json!({ "error": { "message": "You exceeded your current quota", "type": "insufficient_quota", "code": "insufficient_quota" } }),
        ))
        .mount(&openai)
        .await;
    let gemini = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({ "error": { "code": 400, "status": "INVALID_ARGUMENT",
            "message": "API key not valid. Please pass a valid API key.",
            "details": [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID" }] } })))
        .mount(&gemini)
        .await;
    let openai_base = format!("{}/v1", openai.uri());
    let app = TestApp::spawn_with(
        kind,
        &[
            ("RELATIONHUB_AI_PROVIDERS", "openai,gemini"),
            ("OPENAI_BASE_URL", &openai_base),
            ("OPENAI_API_KEY", "sk-secret-openai"),
            ("GEMINI_BASE_URL", &gemini.uri()),
            ("GEMINI_API_KEY", "gm-secret-gemini"),
        ],
    )
    .await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let contact = app.contact(&token, "Ada Lovelace").await;
    let v = app.gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact } })).await;
    assert_eq!(code(&v), "PROVIDER_UNAVAILABLE");
    let message = v["errors"][0]["message"].as_str().unwrap();
    assert!(message.lines().any(|l| l.starts_with("openai:")), "{message}");
    assert!(message.lines().any(|l| l.starts_with("gemini:")), "{message}");
    assert!(!message.contains("sk-secret-openai") && !message.contains("gm-secret-gemini"));
    assert_eq!(email_count(&app, &token).await, 0, "nothing stored");
}

async fn templates_instructions_and_references_are_checked(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let contact = app.contact(&token, "Katherine Johnson").await;
    let t = app
        .gql(
            Some(&token),
            "mutation { createEmailTemplate(input: {name: \"Check-in\", subject: \"Hi {{firstName}}\", body: \"Dear {{firstName}}, how is {{company}}?\", templateType: CUSTOM}) { emailTemplate { id } } }",
            json!({}),
        )
        .await;
    let template = data(&t)["createEmailTemplate"]["emailTemplate"]["id"].as_str().unwrap().to_owned();
    let v = app
        .gql(
            Some(&token),
            GENERATE,
            json!({ "input": { "contactId": contact, "templateId": template, "styles": ["FORMAL"] } }),
        )
        .await;
    let e = &data(&v)["generateEmail"]["emails"][0];
    assert_eq!(e["templateType"], "TEMPLATE_BASED");
    assert_eq!(e["subject"], "Hi Katherine");
    let v = app
        .gql(
            Some(&token),
            GENERATE,
            json!({ "input": { "contactId": contact, "styles": [], "instructions": "Invite her to the launch on Friday." } }),
        )
        .await;
    let emails = data(&v)["generateEmail"]["emails"].as_array().unwrap().clone();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0]["templateType"], "AI_GENERATED");
    let v = app.gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact, "styles": [] } })).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let v = app
        .gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact, "provider": "openai" } }))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "an unconfigured provider is a bad input");
    // Another user's contact and template answer NOT_FOUND and store nothing.
    let (other, _) = app.sign_up("other@example.com").await;
    let v = app.gql(Some(&other), GENERATE, json!({ "input": { "contactId": contact } })).await;
    assert_eq!(code(&v), "NOT_FOUND");
    let mine = app.contact(&other, "Own Contact").await;
    let v = app
        .gql(Some(&other), GENERATE, json!({ "input": { "contactId": mine, "templateId": template } }))
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert_eq!(email_count(&app, &other).await, 0);
}

async fn generation_is_rate_limited_per_user(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_AI_RATE_LIMIT_PER_MINUTE", "1")]).await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let contact = app.contact(&token, "Rate Limited").await;
    data(&app.gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact } })).await);
    let v = app.gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact } })).await;
    assert_eq!(code(&v), "RATE_LIMITED");
    assert!(v["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() >= 1);
    let (other, _) = app.sign_up("other@example.com").await;
    let theirs = app.contact(&other, "Theirs").await;
    data(&app.gql(Some(&other), GENERATE, json!({ "input": { "contactId": theirs } })).await);
}

async fn polishing_rewrites_drafts_in_place_and_free_text_without_storing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let contact = app.contact(&token, "Barbara Liskov").await;
    let email = app.draft(&token, &contact, "hey").await;
    let polish = "mutation($i: PolishEmailInput!) { polishEmail(input: $i) { email { id subject body providerId } subject body providerId tokensUsed attempts { outcome } } }";
    let v = app.gql(Some(&token), polish, json!({ "i": { "emailId": email, "style": "FORMAL" } })).await;
    let p = &data(&v)["polishEmail"];
    assert_eq!(p["email"]["id"], email);
    assert_eq!(p["email"]["providerId"], "builtin");
    assert_eq!(p["email"]["body"], p["body"]);
    let stored =
        app.gql(Some(&token), "query($id: ID!) { email(id: $id) { body } }", json!({ "id": email })).await;
    assert_eq!(data(&stored)["email"]["body"], p["body"], "the draft was rewritten in place");
    let v = app
        .gql(Some(&token), polish, json!({ "i": { "text": "hey can u send the deck", "style": "CONCISE" } }))
        .await;
    assert!(data(&v)["polishEmail"]["email"].is_null());
    assert!(!data(&v)["polishEmail"]["body"].as_str().unwrap().is_empty());
    let v = app
        .gql(Some(&token), polish, json!({ "i": { "emailId": email, "text": "x", "style": "CASUAL" } }))
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let sent = app
        .store
        .create_email(&app.store.user_by_email("ai@example.com").await.unwrap().unwrap().id, &{
            let mut e = domain::inputs::NewEmail::draft(
                contact.clone(),
                domain::validate::Subject::parse("subject", "Sent one").unwrap(),
                domain::validate::Body::parse("body", "Body").unwrap(),
                None,
            );
            e.status = domain::EmailStatus::Sent;
            e
        })
        .await
        .unwrap();
    let v = app.gql(Some(&token), polish, json!({ "i": { "emailId": sent.id, "style": "CASUAL" } })).await;
    assert_eq!(code(&v), "CONFLICT");
}

async fn polish_inputs_are_length_checked_before_any_generation(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_AI_RATE_LIMIT_PER_MINUTE", "1")]).await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let polish = "mutation($i: PolishEmailInput!) { polishEmail(input: $i) { subject body } }";
    let long_subject = "s".repeat(domain::validate::Subject::MAX + 1);
    let long_text = "t".repeat(domain::validate::Body::MAX + 1);
    let long_provider = "p".repeat(65);
    for (input, field) in [
        (json!({ "text": "hello", "subject": long_subject, "style": "FORMAL" }), "subject"),
        (json!({ "text": long_text, "style": "FORMAL" }), "text"),
        (json!({ "text": "hello", "provider": long_provider, "style": "FORMAL" }), "provider"),
    ] {
        let v = app.gql(Some(&token), polish, json!({ "i": input })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{field}");
        assert_eq!(v["errors"][0]["extensions"]["field"], field);
        assert!(v.to_string().len() < 2000, "the oversized value is not echoed back");
    }
    // None of the refused requests used the one generation allowed per minute.
    let v = app
        .gql(Some(&token), polish, json!({ "i": { "text": "hello", "subject": "Hi", "style": "FORMAL" } }))
        .await;
    assert!(!data(&v)["polishEmail"]["body"].as_str().unwrap().is_empty());
}

async fn ai_providers_lists_the_configuration_without_keys(kind: Kind) {
    let app = TestApp::spawn_with(
        kind,
        &[
            ("RELATIONHUB_AI_PROVIDERS", "anthropic,builtin"),
            ("ANTHROPIC_API_KEY", "sk-ant-very-secret"),
            ("ANTHROPIC_MODEL", "claude-test"),
        ],
    )
    .await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let v = app.gql(Some(&token), "{ aiProviders { id kind model baseUrl } }", json!({})).await;
    let list = data(&v)["aiProviders"].as_array().unwrap().clone();
    assert_eq!(list.iter().map(|p| p["id"].as_str().unwrap()).collect::<Vec<_>>(), ["anthropic", "builtin"]);
    assert_eq!(list[0]["model"], "claude-test");
    assert!(!v.to_string().contains("sk-ant-very-secret"));
}

/// A provider that answers only when `n` requests are in flight at once: variants generated one
/// after the other would never get past the barrier.
struct Rendezvous {
    barrier: Arc<tokio::sync::Barrier>,
}

#[async_trait::async_trait]
impl llm::Provider for Rendezvous {
    fn id(&self) -> &str {
        "rendezvous"
    }
    fn model(&self) -> &str {
        "rendezvous-1"
    }
    fn info(&self) -> llm::ProviderInfo {
        llm::ProviderInfo {
            id: "rendezvous".into(),
            kind: "test".into(),
            model: "rendezvous-1".into(),
            base_url: None,
        }
    }
    async fn complete(&self, _prompt: &llm::ChatPrompt) -> Result<llm::Completion, llm::ProviderError> {
        self.barrier.wait().await;
        Ok(llm::Completion {
            text: json!({ "subject": "Together", "body": "Written at the same time." }).to_string(),
            input_tokens: 7,
            output_tokens: 3,
            total_tokens: 10,
            model: "rendezvous-1".into(),
        })
    }
}

async fn the_two_variants_are_generated_concurrently(kind: Kind) {
    let provider: Arc<dyn llm::Provider> =
        Arc::new(Rendezvous { barrier: Arc::new(tokio::sync::Barrier::new(2)) });
    let app = TestApp::spawn_with_providers(kind, vec![provider]).await;
    let (token, _) = app.sign_up("ai@example.com").await;
    let contact = app.contact(&token, "Concurrent Contact").await;
    let call = app.gql(Some(&token), GENERATE, json!({ "input": { "contactId": contact } }));
    let v = tokio::time::timeout(std::time::Duration::from_secs(20), call)
        .await
        .expect("variants were generated one after the other (the barrier never opened)");
    let emails = data(&v)["generateEmail"]["emails"].as_array().unwrap().clone();
    assert_eq!(emails.len(), 2);
    assert!(emails.iter().all(|e| e["providerId"] == "rendezvous" && e["tokensUsed"] == 10));
}

on_both!(
    with_no_provider_configured_the_builtin_writer_drafts_formal_and_casual,
    both_variants_are_stored_with_the_providers_reported_tokens_and_the_prompt_carries_history,
    a_failing_provider_falls_back_to_the_next_and_attempts_say_why,
    when_every_provider_fails_nothing_is_stored_and_each_provider_is_named,
    templates_instructions_and_references_are_checked,
    generation_is_rate_limited_per_user,
    polishing_rewrites_drafts_in_place_and_free_text_without_storing,
    polish_inputs_are_length_checked_before_any_generation,
    ai_providers_lists_the_configuration_without_keys,
    the_two_variants_are_generated_concurrently,
);
