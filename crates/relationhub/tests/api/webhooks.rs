//! Webhooks against a local receiver started by each test (axum on port 0): Standard Webhooks
//! signatures checked by the `standardwebhooks` PyPI package, retries after 500s, at-least-once
//! across a crashed worker and a restart, the SSRF guard, rolled-back changes never sent, and
//! the delivery log over GraphQL. The delivery worker runs in-process beside the server, over
//! the same database, as `serve` runs it.

use crate::common::{TestApp, code, data};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use relationhub::config::{Config, Overrides, Settings};
use relationhub::graphql::AppState;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use testkit::{Kind, on_both};
use tokio_util::sync::CancellationToken;

const CREATE: &str = "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
    webhook { id url events enabled } secret } }";
const DELIVERIES: &str = "query($id: ID!, $first: Int, $after: String) { webhookDeliveries(webhookId: $id, first: $first, after: $after) {
    nodes { id eventId eventType status attempt statusCode durationMs error nextAttemptAt deliveredAt payload }
    pageInfo { hasNextPage endCursor } } }";

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    headers: HeaderMap,
    body: String,
}

#[derive(Default)]
struct Script {
    got: Vec<Received>,
    statuses: VecDeque<u16>,
    delay_first: Option<Duration>,
}

/// A webhook receiver on 127.0.0.1:0 that records every request and answers with the scripted
/// statuses (200 once they run out).
#[derive(Clone)]
struct Receiver {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
}

async fn receive(State(script): State<Arc<Mutex<Script>>>, headers: HeaderMap, body: String) -> StatusCode {
    let (status, delay) = {
        let mut s = script.lock().unwrap();
        let delay = if s.got.is_empty() { s.delay_first } else { None };
        s.got.push(Received { headers, body });
        (s.statuses.pop_front().unwrap_or(200), delay)
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    StatusCode::from_u16(status).unwrap()
}

impl Receiver {
    async fn start(statuses: &[u16]) -> Receiver {
        let script = Arc::new(Mutex::new(Script {
            statuses: statuses.iter().copied().collect(),
            ..Default::default()
        }));
        let app = axum::Router::new().route("/hook", axum::routing::post(receive)).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { addr, script }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    fn got(&self) -> Vec<Received> {
        self.script.lock().unwrap().got.clone()
    }

    /// Waits (up to 30 s) until at least `n` requests arrived.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..600 {
            let got = self.got();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the receiver got {} of {n} requests", self.got().len());
    }
}

/// A delivery worker over `app`'s database, as `serve` runs one (optionally on a manual clock).
fn start_worker(
    app: &TestApp,
    allow_private: bool,
    clock: Option<domain::ManualClock>,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let mut pairs = vec![("RELATIONHUB_BIND", "127.0.0.1:0"), ("RELATIONHUB_SECRET_KEY", KEY)];
    if allow_private {
        pairs.push(("RELATIONHUB_WEBHOOK_ALLOW_PRIVATE", "on"));
    }
    let overrides = Overrides { database_url: Some(app.db.url.clone()), ..Default::default() };
    let config = Arc::new(Config::from_settings(Settings::from_pairs(pairs), &overrides).unwrap());
    let generator = llm::Generator::new(&config.ai).unwrap();
    let mut state = AppState::with_generator(app.store.clone(), config, generator).unwrap();
    if let Some(clock) = clock {
        state.clock = Arc::new(clock);
    }
    let worker = relationhub::webhooks::Worker::new(state).unwrap().poll_every(Duration::from_millis(50));
    let cancel = CancellationToken::new();
    let handle = tokio::spawn(worker.run(cancel.clone()));
    (cancel, handle)
}

/// The server's secret key (webhook secrets are stored encrypted with it).
const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// A server whose API accepts loopback webhook URLs (the tests' receiver is local).
async fn spawn(kind: Kind) -> TestApp {
    TestApp::spawn_with(kind, &[("RELATIONHUB_WEBHOOK_ALLOW_PRIVATE", "on"), ("RELATIONHUB_SECRET_KEY", KEY)])
        .await
}

/// The stored form of every webhook secret.
async fn stored_secrets(app: &TestApp) -> Vec<String> {
    let sql = r#"SELECT "secretEnc" FROM "webhooks""#;
    match app.store.db() {
        store::Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        store::Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
    }
}

async fn create_hook(app: &TestApp, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let v = app
        .gql(Some(token), CREATE, json!({ "input": { "url": url, "events": events, "description": "test" } }))
        .await;
    let p = &data(&v)["createWebhook"];
    (p["webhook"]["id"].as_str().unwrap().to_owned(), p["secret"].as_str().unwrap().to_owned())
}

async fn deliveries(app: &TestApp, token: &str, hook: &str) -> Vec<Value> {
    let v = app.gql_ok(token, DELIVERIES, json!({ "id": hook, "first": 100 })).await;
    v["webhookDeliveries"]["nodes"].as_array().unwrap().clone()
}

/// Waits until every delivery of `hook` satisfies `done`.
async fn wait_log(
    app: &TestApp,
    token: &str,
    hook: &str,
    n: usize,
    done: impl Fn(&Value) -> bool,
) -> Vec<Value> {
    for _ in 0..600 {
        let list = deliveries(app, token, hook).await;
        if list.len() == n && list.iter().all(&done) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("delivery log never settled: {:?}", deliveries(app, token, hook).await);
}

fn header<'a>(r: &'a Received, name: &str) -> &'a str {
    r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_else(|| panic!("no {name} header"))
}

/// Checks one request with the `standardwebhooks` package; true when it verifies.
fn python_verifies(secret: &str, r: &Received) -> bool {
    use std::io::Write as _;
    let headers: serde_json::Map<String, Value> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
        .iter()
        .map(|h| (h.to_string(), Value::String(header(r, h).to_owned())))
        .collect();
    let input = json!({ "secret": secret, "headers": headers, "body": r.body });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/webhooks/verify.py");
    let mut child = std::process::Command::new("python3")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (scripts/test installs standardwebhooks)");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "install standardwebhooks (scripts/test does): {stderr}"
    );
    out.status.success() && String::from_utf8_lossy(&out.stdout).contains("verified")
}

async fn events_are_signed_per_standard_webhooks_and_rotation_signs_twice(kind: Kind) {
    let app = spawn(kind).await;
    let receiver = Receiver::start(&[]).await;
    let (token, _) = app.sign_up("hooks@example.com").await;
    let (hook, secret) =
        create_hook(&app, &token, &receiver.url(), &["contact.created", "contact.updated"]).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let stored = stored_secrets(&app).await;
    assert!(
        stored.iter().all(|s| s.starts_with("v1:") && !s.contains(&secret[6..])),
        "encrypted at rest: {stored:?}"
    );
    let (cancel, _worker) = start_worker(&app, true, None);

    let contact = app.contact(&token, "Ada Lovelace").await;
    // Not subscribed: never sent.
    app.log(&token, &contact, "Talked about engines", "SENT", None).await;
    let got = receiver.wait_for(1).await;
    let r = &got[0];
    assert_eq!(header(r, "content-type"), "application/json");
    assert!(header(r, "webhook-id").starts_with("msg_"));
    let ts: i64 = header(r, "webhook-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 300, "timestamp is the wall clock");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["type"], "contact.created");
    assert_eq!(body["data"]["id"], contact.as_str());
    assert_eq!(body["data"]["name"], "Ada Lovelace");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(python_verifies(&secret, r), "standardwebhooks verifies the signature");
    assert!(!python_verifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", r), "and refuses another secret");
    let mut tampered = r.clone();
    tampered.body = tampered.body.replace("Ada", "Eve");
    assert!(!python_verifies(&secret, &tampered), "and a changed body");

    // The delivery log shows the exact bytes sent, the status and the attempt.
    let log = wait_log(&app, &token, &hook, 1, |d| d["status"] == "DELIVERED").await;
    assert_eq!(log[0]["payload"], r.body.as_str());
    assert_eq!(log[0]["eventId"], header(r, "webhook-id"));
    assert_eq!(log[0]["eventType"], "contact.created");
    assert_eq!(log[0]["statusCode"], 200);
    assert_eq!(log[0]["attempt"], 1);
    assert!(log[0]["durationMs"].as_i64().unwrap() >= 0);
    assert!(log[0]["error"].is_null() && log[0]["deliveredAt"].is_string());

    // Rotation: the next delivery carries two signatures, one per secret; both verify.
    let v = app
        .gql_ok(
            &token,
            "mutation($i: WebhookIdInput!) { rotateWebhookSecret(input: $i) { secret webhook { id } } }",
            json!({ "i": { "id": hook } }),
        )
        .await;
    let new_secret = v["rotateWebhookSecret"]["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    let v = app
        .gql(
            Some(&token),
            "mutation($i: UpdateContactInput!) { updateContact(input: $i) { contact { id } } }",
            json!({ "i": { "id": contact, "company": "Analytical Engines" } }),
        )
        .await;
    data(&v);
    let got = receiver.wait_for(2).await;
    assert_eq!(got.len(), 2, "conversation.logged was not subscribed");
    let r = &got[1];
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["type"], "contact.updated");
    assert_eq!(body["data"]["company"], "Analytical Engines");
    let sigs: Vec<&str> = header(r, "webhook-signature").split(' ').collect();
    assert_eq!(sigs.len(), 2, "{sigs:?}");
    assert!(sigs.iter().all(|s| s.starts_with("v1,")));
    assert!(python_verifies(&new_secret, r), "the new secret verifies");
    assert!(python_verifies(&secret, r), "the old secret still verifies during the grace period");

    // "Send test event" reaches the endpoint whatever it subscribes to.
    let v = app
        .gql(
            Some(&token),
            "mutation($i: WebhookIdInput!) { sendTestWebhookEvent(input: $i) { webhook { id } } }",
            json!({ "i": { "id": hook } }),
        )
        .await;
    data(&v);
    let got = receiver.wait_for(3).await;
    let body: Value = serde_json::from_str(&got[2].body).unwrap();
    assert_eq!(body["type"], "webhook.test");
    assert!(python_verifies(&new_secret, &got[2]));
    cancel.cancel();
}

async fn bad_input_is_refused_and_changes_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("hooks@example.com").await;
    let cases = [
        json!({ "url": "https://hooks.example.com/x", "events": ["contact.exploded"] }),
        json!({ "url": "https://hooks.example.com/x", "events": [] }),
        json!({ "url": "ftp://hooks.example.com/x", "events": ["contact.created"] }),
        json!({ "url": "not a url", "events": ["contact.created"] }),
        json!({ "url": "https://user:pw@hooks.example.com/x", "events": ["contact.created"] }),
        json!({ "url": "http://127.0.0.1:9/x", "events": ["contact.created"] }),
        json!({ "url": "http://[::1]:9/x", "events": ["contact.created"] }),
        json!({ "url": "http://169.254.169.254/latest", "events": ["contact.created"] }),
        json!({ "url": "http://localhost:9/x", "events": ["contact.created"] }),
    ];
    for input in cases {
        let v = app.gql(Some(&token), CREATE, json!({ "input": input })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{input} → {v}");
    }
    let v = app.gql_ok(&token, "{ webhooks { id } }", json!({})).await;
    assert_eq!(v["webhooks"], json!([]), "nothing was created");

    // Another user's endpoint answers exactly like a missing one.
    let (hook, _) = create_hook(&app, &token, "https://hooks.example.com/x", &["email.sent"]).await;
    let (other, _) = app.sign_up("other@example.com").await;
    let v = app.gql(Some(&other), DELIVERIES, json!({ "id": hook })).await;
    assert_eq!(code(&v), "NOT_FOUND");
    let v = app
        .gql(
            Some(&other),
            "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { id } } }",
            json!({ "i": { "id": hook, "url": "https://evil.example.com/" } }),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    let v = app
        .gql(
            Some(&token),
            "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { id } } }",
            json!({ "i": { "id": hook, "events": ["email.sent", "nope"] } }),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let v = app.gql_ok(&token, "{ webhooks { url events description } }", json!({})).await;
    assert_eq!(
        v["webhooks"],
        json!([{ "url": "https://hooks.example.com/x", "events": ["email.sent"], "description": "test" }])
    );
    let v = app
        .gql_ok(
            &token,
            "mutation($i: WebhookIdInput!) { deleteWebhook(input: $i) { deletedId } }",
            json!({ "i": { "id": hook } }),
        )
        .await;
    assert_eq!(v["deleteWebhook"]["deletedId"], hook.as_str());
}

async fn private_destinations_are_refused_at_connect_time(kind: Kind) {
    // The API allows the URL (as a server with RELATIONHUB_WEBHOOK_ALLOW_PRIVATE=on would), but
    // the worker runs with the default: it resolves `localhost` to loopback and refuses it.
    let app = spawn(kind).await;
    let receiver = Receiver::start(&[]).await;
    let (token, _) = app.sign_up("hooks@example.com").await;
    let by_name = format!("http://localhost:{}/hook", receiver.addr.port());
    let (named, _) = create_hook(&app, &token, &by_name, &["contact.created"]).await;
    let (literal, _) = create_hook(&app, &token, &receiver.url(), &["contact.created"]).await;
    let (cancel, _worker) = start_worker(&app, false, None);
    app.contact(&token, "Grace Hopper").await;
    for hook in [&named, &literal] {
        let log = wait_log(&app, &token, hook, 1, |d| d["attempt"] == 1).await;
        let error = log[0]["error"].as_str().unwrap();
        assert!(error.contains("refused"), "{error}");
        assert_eq!(log[0]["status"], "PENDING");
        assert!(log[0]["statusCode"].is_null());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.got().is_empty(), "nothing reached the private address");
    cancel.cancel();
}

async fn a_failing_endpoint_is_retried_with_the_same_id_until_it_succeeds(kind: Kind) {
    let app = spawn(kind).await;
    let receiver = Receiver::start(&[500, 500]).await;
    let (token, _) = app.sign_up("hooks@example.com").await;
    let (hook, secret) = create_hook(&app, &token, &receiver.url(), &["contact.created"]).await;
    let clock = domain::ManualClock::new();
    let (cancel, _worker) = start_worker(&app, true, Some(clock.clone()));
    app.contact(&token, "Ada Lovelace").await;

    receiver.wait_for(1).await;
    let log = wait_log(&app, &token, &hook, 1, |d| d["attempt"] == 1).await;
    assert_eq!(log[0]["status"], "PENDING");
    assert_eq!(log[0]["statusCode"], 500);
    assert_eq!(log[0]["error"], "HTTP 500");
    assert!(log[0]["nextAttemptAt"].is_string());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), 1, "no retry before the delay has passed");

    clock.advance(chrono::Duration::seconds(6));
    receiver.wait_for(2).await;
    wait_log(&app, &token, &hook, 1, |d| d["attempt"] == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), 2, "the second delay is longer than the first");
    clock.advance(chrono::Duration::seconds(61));
    let got = receiver.wait_for(3).await;
    let log = wait_log(&app, &token, &hook, 1, |d| d["status"] == "DELIVERED").await;
    assert_eq!(log[0]["attempt"], 3);
    assert_eq!(log[0]["statusCode"], 200);
    assert!(log[0]["error"].is_null());
    let ids: Vec<&str> = got.iter().map(|r| header(r, "webhook-id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "one webhook-id for every attempt: {ids:?}");
    assert!(got.iter().all(|r| r.body == got[0].body), "the same bytes every time");
    assert!(got.iter().all(|r| python_verifies(&secret, r)));
    cancel.cancel();
}

async fn endpoints_failing_for_a_day_fail_their_deliveries_and_get_disabled(kind: Kind) {
    let app = spawn(kind).await;
    let receiver = Receiver::start(&[500; 100]).await;
    let (token, _) = app.sign_up("hooks@example.com").await;
    let (hook, _) = create_hook(&app, &token, &receiver.url(), &["contact.created"]).await;
    let clock = domain::ManualClock::new();
    let (cancel, _worker) = start_worker(&app, true, Some(clock.clone()));
    for name in ["A One", "B Two", "C Three", "D Four", "E Five"] {
        app.contact(&token, name).await;
    }
    wait_log(&app, &token, &hook, 5, |d| d["attempt"] == 1).await;
    clock.advance(chrono::Duration::hours(25));
    let log = wait_log(&app, &token, &hook, 5, |d| d["status"] == "FAILED").await;
    assert!(log.iter().all(|d| d["attempt"] == 2 && d["statusCode"] == 500), "{log:?}");
    let v = app
        .gql_ok(
            &token,
            "query($id: ID!) { webhook(id: $id) { enabled disabledReason consecutiveFailures } }",
            json!({ "id": hook }),
        )
        .await;
    assert_eq!(v["webhook"]["enabled"], false, "{v}");
    assert!(v["webhook"]["disabledReason"].as_str().unwrap().contains("HTTP 500"));
    // A disabled endpoint gets no new events; enabling it again clears the notice.
    app.contact(&token, "F Six").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(deliveries(&app, &token, &hook).await.len(), 5);
    let v = app.gql_ok(&token, "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { webhook { enabled disabledReason consecutiveFailures } } }", json!({ "i": { "id": hook, "enabled": true } })).await;
    assert_eq!(
        v["updateWebhook"]["webhook"],
        json!({ "enabled": true, "disabledReason": null, "consecutiveFailures": 0 })
    );
    cancel.cancel();
}

async fn no_delivery_is_lost_when_a_worker_dies_and_the_server_restarts(kind: Kind) {
    let app = spawn(kind).await;
    let receiver = Receiver::start(&[]).await;
    receiver.script.lock().unwrap().delay_first = Some(Duration::from_secs(3));
    let (token, _) = app.sign_up("hooks@example.com").await;
    let (hook, _) = create_hook(&app, &token, &receiver.url(), &["contact.created"]).await;
    let (_cancel, worker) = start_worker(&app, true, None);
    let first = app.contact(&token, "Ada Lovelace").await;
    receiver.wait_for(1).await;
    // The process dies mid-request: its lease stays on the row.
    worker.abort();
    let _ = worker.await;
    // Events keep being written while no worker runs.
    let second = app.contact(&token, "Grace Hopper").await;
    let third = app.contact(&token, "Katherine Johnson").await;

    // A new server process on the same database, with a new worker, after the lease expired.
    let restarted = app
        .spawn_beside(&[("RELATIONHUB_WEBHOOK_ALLOW_PRIVATE", "on"), ("RELATIONHUB_SECRET_KEY", KEY)])
        .await;
    let clock = domain::ManualClock::new();
    clock.advance(chrono::Duration::minutes(2));
    let (cancel, _worker) = start_worker(&restarted, true, Some(clock));
    let log = wait_log(&restarted, &token, &hook, 3, |d| d["status"] == "DELIVERED").await;
    let got = receiver.got();
    let mut ids: Vec<&str> = got.iter().map(|r| header(r, "webhook-id")).collect();
    let mut contacts: Vec<String> = got
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    contacts.sort();
    contacts.dedup();
    let mut expected = vec![first.clone(), second, third];
    expected.sort();
    assert_eq!(contacts, expected, "every event arrived");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "a re-sent event keeps its webhook-id");
    let first_sends = got.iter().filter(|r| r.body.contains(&first)).count();
    assert!((1..=2).contains(&first_sends), "at least once, and the interrupted one at most twice");
    assert!(log.iter().all(|d| d["statusCode"] == 200));
    cancel.cancel();
}

/// A trigger that makes the contact's stay-in-touch update fail, so logging a conversation with
/// it rolls back after the store already wrote its events into the outbox.
async fn fail_touches_of(app: &TestApp, kind: Kind, name: &str) {
    match kind {
        Kind::Postgres => {
            app.sql("CREATE FUNCTION rh_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'forced failure'; END $$ LANGUAGE plpgsql").await;
            app.sql(&format!(r#"CREATE TRIGGER rh_fail BEFORE UPDATE ON "contacts" FOR EACH ROW WHEN (OLD."name" = '{name}') EXECUTE FUNCTION rh_fail()"#)).await;
        }
        Kind::Sqlite => {
            app.sql(&format!(r#"CREATE TRIGGER rh_fail BEFORE UPDATE ON "contacts" WHEN OLD."name" = '{name}' BEGIN SELECT RAISE(ABORT, 'forced failure'); END"#)).await;
        }
    }
}

async fn an_event_whose_transaction_rolled_back_is_never_sent(kind: Kind) {
    let app = spawn(kind).await;
    let receiver = Receiver::start(&[]).await;
    let (token, user_id) = app.sign_up("hooks@example.com").await;
    let contact = app.contact(&token, "Rollback Me").await;
    app.email_with_status(
        &user_id,
        &contact,
        "Hello",
        domain::EmailStatus::Sent,
        Some(chrono::Utc::now() - chrono::Duration::hours(1)),
    )
    .await;
    let (hook, _) =
        create_hook(&app, &token, &receiver.url(), &["conversation.logged", "email.replied"]).await;
    let (cancel, _worker) = start_worker(&app, true, None);
    fail_touches_of(&app, kind, "Rollback Me").await;

    let v = app.gql(Some(&token), "mutation($input: LogConversationInput!) { logConversation(input: $input) { conversationEntry { id } } }", json!({ "input": { "contactId": contact, "content": "Thanks!", "direction": "RECEIVED" } })).await;
    assert_eq!(code(&v), "INTERNAL", "{v}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(deliveries(&app, &token, &hook).await.is_empty(), "the outbox rows rolled back with the change");
    assert!(receiver.got().is_empty());

    // The same change, committed, is sent: both events of its transaction.
    match kind {
        Kind::Postgres => app.sql(r#"DROP TRIGGER rh_fail ON "contacts""#).await,
        Kind::Sqlite => app.sql("DROP TRIGGER rh_fail").await,
    }
    app.log(&token, &contact, "Thanks!", "RECEIVED", None).await;
    let got = receiver.wait_for(2).await;
    let mut types: Vec<String> = got
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["type"].as_str().unwrap().to_owned())
        .collect();
    types.sort();
    assert_eq!(types, ["conversation.logged", "email.replied"]);
    cancel.cancel();
}

async fn the_delivery_log_pages_newest_first(kind: Kind) {
    let app = spawn(kind).await;
    let receiver = Receiver::start(&[]).await;
    let (token, _) = app.sign_up("hooks@example.com").await;
    let (hook, _) = create_hook(&app, &token, &receiver.url(), &["contact.created"]).await;
    for name in ["A One", "B Two", "C Three"] {
        app.contact(&token, name).await;
    }
    let v = app.gql_ok(&token, DELIVERIES, json!({ "id": hook, "first": 2 })).await;
    let page = &v["webhookDeliveries"];
    assert_eq!(page["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let names: Vec<String> = page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            serde_json::from_str::<Value>(n["payload"].as_str().unwrap()).unwrap()["data"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(names, ["C Three", "B Two"]);
    assert!(page["nodes"].as_array().unwrap().iter().all(|n| n["status"] == "PENDING" && n["attempt"] == 0));
    let after = page["pageInfo"]["endCursor"].as_str().unwrap();
    let v = app.gql_ok(&token, DELIVERIES, json!({ "id": hook, "first": 2, "after": after })).await;
    let rest = &v["webhookDeliveries"];
    assert_eq!(rest["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    let v = app.gql(Some(&token), DELIVERIES, json!({ "id": hook, "after": "garbage" })).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
}

async fn the_settings_pages_create_test_log_and_delete_and_today_notices_a_disabled_hook(kind: Kind) {
    use crate::web::Browser;
    let app = spawn(kind).await;
    let receiver = Receiver::start(&[]).await;
    let mut b = Browser::new(&app);
    b.sign_up("web@example.com").await;
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("/settings/webhooks"), "settings link to the webhooks section");
    let page = b.get("/settings/webhooks").await;
    assert_eq!(page.status, StatusCode::OK);
    let url = receiver.url();
    let bad = b.submit(&page, "/settings/webhooks", &[("url", url.as_str()), ("description", "CRM")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("at least one event type"), "{}", bad.body);
    let done = b
        .submit(
            &page,
            "/settings/webhooks",
            &[("url", url.as_str()), ("description", "CRM"), ("ev_contact.created", "on")],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let at = done.body.find("whsec_").expect("the secret is shown once");
    let shown: String = done.body[at..].chars().take_while(|c| *c != '<').collect();
    let secret =
        shown.replace("&#x2f;", "/").replace("&#47;", "/").replace("&#x2b;", "+").replace("&#43;", "+");
    let list = b.get("/settings/webhooks").await;
    assert!(list.body.contains(&url) && !list.body.contains(&secret), "listed, secret not shown again");
    let at = list.body.find("href=\"/settings/webhooks/").unwrap() + "href=\"/settings/webhooks/".len();
    let id: String = list.body[at..].chars().take_while(|c| *c != '"').collect();

    let (cancel, _worker) = start_worker(&app, true, None);
    let hook_page = b.get(&format!("/settings/webhooks/{id}")).await;
    assert!(hook_page.body.contains("Delivery log") && hook_page.body.contains("Send test event"));
    let sent = b.submit(&hook_page, &format!("/settings/webhooks/{id}/test"), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let got = receiver.wait_for(1).await;
    assert!(got[0].body.contains("webhook.test"));
    assert!(python_verifies(&secret, &got[0]));
    let mut shown = String::new();
    for _ in 0..200 {
        shown = b.get(&format!("/settings/webhooks/{id}")).await.body;
        if shown.contains("DELIVERED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(shown.contains("DELIVERED") && shown.contains("webhook.test"), "{shown}");
    cancel.cancel();

    // Disabled after failures: Today says so.
    app.sql(&format!(
        r#"UPDATE "webhooks" SET "enabled" = false, "disabledAt" = '2026-01-01 00:00:00.000', "disabledReason" = 'disabled after 5 deliveries in a row failed for a day; last error: HTTP 500' WHERE "id" = '{id}'"#
    ))
    .await;
    let today = b.get("/").await;
    assert!(today.body.contains("was disabled") && today.body.contains("HTTP 500"), "{}", today.body);

    let del = b.submit(&hook_page, &format!("/settings/webhooks/{id}/delete"), &[]).await;
    assert_eq!(del.status, StatusCode::SEE_OTHER);
    assert!(!b.get("/settings/webhooks").await.body.contains(&url));
    assert!(!b.get("/").await.body.contains("was disabled"));
}

on_both!(
    events_are_signed_per_standard_webhooks_and_rotation_signs_twice,
    bad_input_is_refused_and_changes_nothing,
    private_destinations_are_refused_at_connect_time,
    a_failing_endpoint_is_retried_with_the_same_id_until_it_succeeds,
    endpoints_failing_for_a_day_fail_their_deliveries_and_get_disabled,
    no_delivery_is_lost_when_a_worker_dies_and_the_server_restarts,
    an_event_whose_transaction_rolled_back_is_never_sent,
    the_delivery_log_pages_newest_first,
    the_settings_pages_create_test_log_and_delete_and_today_notices_a_disabled_hook,
);
