//! Measures AI drafting outside the provider: the overhead of a generation (loading the contact
//! and history, building the prompt, parsing, storing the drafts) with an instant provider, and
//! the wall time of a two-variant generation against a mock OpenAI server answering in 200 ms.
//!
//! `cargo run --release -p relationhub --example ai_overhead [-- --database-url URL]`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::Utc;
use domain::inputs::{NewContact, NewHistoryEntry, NewUser};
use domain::validate::{EmailAddress, HistoryContent, Metadata, Notes, PersonName, ShortText};
use domain::{Direction, Priority};
use relationhub::ai::{DraftRequest, draft_emails};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{ConnectOptions, DatabaseUrl, Store};

struct Instant0;

#[async_trait::async_trait]
impl llm::Provider for Instant0 {
    fn id(&self) -> &str {
        "instant"
    }
    fn model(&self) -> &str {
        "instant-1"
    }
    fn info(&self) -> llm::ProviderInfo {
        llm::ProviderInfo {
            id: "instant".into(),
            kind: "test".into(),
            model: "instant-1".into(),
            base_url: None,
        }
    }
    async fn complete(&self, prompt: &llm::ChatPrompt) -> Result<llm::Completion, llm::ProviderError> {
        assert!(!prompt.user.is_empty());
        Ok(llm::Completion {
            text: json!({"subject": "Following up", "body": "Hi,\n\nGood to hear from you.\n\nBest"})
                .to_string(),
            input_tokens: 1000,
            output_tokens: 100,
            total_tokens: 1100,
            model: "instant-1".into(),
        })
    }
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = tempfile::tempdir().unwrap();
    let url: DatabaseUrl = match args.iter().position(|a| a == "--database-url") {
        Some(i) => args[i + 1].parse().unwrap(),
        None => DatabaseUrl::Sqlite { path: Some(dir.path().join("bench.db")) },
    };
    let store = Store::connect(&url, &ConnectOptions { create_if_missing: true, ..Default::default() })
        .await
        .unwrap();
    store.deploy(|_| {}).await.unwrap();
    let email = format!("ai-bench-{}@example.com", uuid::Uuid::new_v4().simple());
    let user = store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", &email).unwrap(),
            name: PersonName::parse("name", "Bench User").unwrap(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    let contact = store
        .create_contact(
            &user.id,
            &NewContact {
                name: PersonName::parse("name", "Grace Hopper").unwrap(),
                email: Some(EmailAddress::parse("email", "grace@example.com").unwrap()),
                phone: None,
                company: Some(ShortText::parse("company", "US Navy").unwrap()),
                role: Some(ShortText::parse("role", "Rear Admiral").unwrap()),
                industry: None,
                linked_in_url: None,
                priority: Priority::High,
                birthday: None,
                notes: Some(Notes::parse("notes", "Met at the compiler conference.").unwrap()),
            },
        )
        .await
        .unwrap();
    for i in 0..30 {
        store
            .append_history(
                &user.id,
                &NewHistoryEntry {
                    contact_id: contact.id.clone(),
                    content: HistoryContent::parse(
                        "content",
                        &"We talked about COBOL and nanoseconds. ".repeat(20),
                    )
                    .unwrap(),
                    direction: if i % 2 == 0 { Direction::Sent } else { Direction::Received },
                    timestamp: Some(Utc::now() - chrono::Duration::days(i)),
                    metadata: Some(
                        Metadata::parse("metadata", json!({"subject": format!("Thread {i}")})).unwrap(),
                    ),
                },
            )
            .await
            .unwrap();
    }
    let req = DraftRequest {
        contact_id: contact.id.clone(),
        styles: vec![llm::Style::Formal, llm::Style::Casual],
        template_id: None,
        instructions: Some("Mention the conference talk.".into()),
        provider: None,
    };

    // 1. Overhead: an instant provider, so everything measured is ours.
    let config = llm::AiConfig::default();
    let generator =
        llm::Generator::with_providers(&config, vec![Arc::new(Instant0) as Arc<dyn llm::Provider>]);
    for _ in 0..20 {
        draft_emails(&store, &generator, &user, &req).await.unwrap();
    }
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let d = draft_emails(&store, &generator, &user, &req).await.unwrap();
        times.push(t.elapsed());
        assert_eq!(d.emails.len(), 2);
    }
    times.sort();
    println!(
        "overhead of a two-variant generation (instant provider, 30 history entries, {}): p50 {:.2} ms, p99 {:.2} ms",
        store.backend().as_str(),
        pct(&times, 0.5).as_secs_f64() * 1e3,
        pct(&times, 0.99).as_secs_f64() * 1e3
    );

    // 2. Wall time against a mock OpenAI server with a fixed 200 ms latency.
    let mock = wiremock::MockServer::start().await;
    let body = json!({
        "id": "x", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
            "content": json!({"subject": "Following up", "body": "Hi,\n\nGood to hear from you.\n\nBest"}).to_string()}}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 80, "total_tokens": 980}
    });
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(body).set_delay(Duration::from_millis(200)),
        )
        .mount(&mock)
        .await;
    let base = format!("{}/v1", mock.uri());
    let config = llm::AiConfig::from_lookup(|k| match k {
        "OPENAI_BASE_URL" => Some(base.clone()),
        _ => None,
    })
    .unwrap();
    let generator = llm::Generator::new(&config).unwrap();
    let mut walls = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let d = draft_emails(&store, &generator, &user, &req).await.unwrap();
        walls.push(t.elapsed());
        assert_eq!(d.emails.len(), 2);
        assert!(d.emails.iter().all(|e| e.tokens_used == Some(980)));
    }
    walls.sort();
    println!(
        "two-variant generation against a 200 ms mock provider: p50 {:.0} ms, max {:.0} ms (sequential would be ≥ 400 ms)",
        pct(&walls, 0.5).as_secs_f64() * 1e3,
        walls.last().unwrap().as_secs_f64() * 1e3
    );
}
