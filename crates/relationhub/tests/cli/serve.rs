//! `relationhub serve` as a process: start-up, readiness, refusal on pending migrations, graceful
//! shutdown, and tokens made by the admin commands.

use crate::common::{command, run, run_db, scratch};
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use testkit::{Kind, TestDb};

/// Starts `serve --bind 127.0.0.1:0` and returns the child and its base URL.
fn start(dir: &std::path::Path, extra: &[&str]) -> (Child, String) {
    let mut args = vec!["serve", "--bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut child = command(dir, &args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("RelationHub listening on ")
        .unwrap_or_else(|| panic!("unexpected: {line:?}"));
    (child, url.trim_end_matches("/graphql").to_owned())
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap()
}

#[tokio::test]
async fn a_fresh_checkout_serves_on_the_embedded_database_and_stops_gracefully() {
    let (_keep, dir) = scratch();
    let (mut child, base) = start(&dir, &[]);
    assert!(dir.join("data/relationhub.db").exists(), "embedded database created in ./data");
    let client = reqwest::Client::new();
    let ready = client.get(format!("{base}/ready")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let status = terminate(&mut child);
    assert!(status.success(), "SIGTERM ends the server cleanly: {status:?}");
}

#[tokio::test]
async fn postgres_with_pending_migrations_is_refused_unless_asked_to_migrate() {
    let db = TestDb::empty(Kind::Postgres).await;
    let (_keep, dir) = scratch();
    db.connect().await.close().await;
    let out = run_db(&dir, &db.url, &["serve", "--bind", "127.0.0.1:0"]).failed();
    assert!(out.stderr.contains("relationhub migrate deploy"), "{}", out.stderr);
    let (mut child, base) = start(&dir, &["--migrate", "--database-url", &db.url]);
    let ready = reqwest::get(format!("{base}/ready")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(terminate(&mut child).success());
}

#[tokio::test]
async fn tokens_from_the_admin_commands_work_against_the_api() {
    let (_keep, dir) = scratch();
    run(&dir, &["migrate", "deploy"]).ok();
    let mut create = command(
        &dir,
        &["user", "create", "--email", "admin@example.com", "--name", "Admin", "--password-stdin"],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .spawn()
    .unwrap();
    use std::io::Write as _;
    create.stdin.take().unwrap().write_all(b"a strong password\n").unwrap();
    assert!(create.wait().unwrap().success());
    let token =
        run(&dir, &["token", "create", "--email", "admin@example.com", "--name", "script"]).ok().stdout;
    let token = token.trim();
    assert!(token.starts_with("rh_"));
    let (mut child, base) = start(&dir, &["--database-url", "sqlite://data/relationhub.db"]);
    let resp: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "query": "{ me { email } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resp["data"]["me"]["email"], "admin@example.com", "{resp}");
    // Signing in with the password typed on stdin works too.
    let resp: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({ "query": "mutation { signIn(input: {email: \"admin@example.com\", password: \"a strong password\"}) { token } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(resp["data"]["signIn"]["token"].is_string(), "{resp}");
    terminate(&mut child);
}

async fn gql(
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: serde_json::Value,
) -> serde_json::Value {
    let mut req = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&serde_json::json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let v: serde_json::Value = req.send().await.unwrap().json().await.unwrap();
    assert!(v.get("errors").is_none(), "{v}");
    v["data"].clone()
}

#[tokio::test]
async fn a_scheduled_email_is_sent_once_by_the_server_after_a_restart() {
    let (_keep, dir) = scratch();
    let (mut first, base) = start(&dir, &[]);
    let d = gql(&base, None, "mutation { signUp(input: {email: \"s@example.com\", password: \"long enough\", name: \"S\"}) { token } }", serde_json::json!({})).await;
    let token = d["signUp"]["token"].as_str().unwrap().to_owned();
    let d = gql(&base, Some(&token), "mutation { createContact(input: {name: \"Due Soon\", email: \"due@example.com\"}) { contact { id } } }", serde_json::json!({})).await;
    let contact = d["createContact"]["contact"]["id"].as_str().unwrap().to_owned();
    let d = gql(
        &base,
        Some(&token),
        "mutation($c: ID!) { createEmail(input: {contactId: $c, subject: \"Scheduled\", body: \"Hi\"}) { email { id } } }",
        serde_json::json!({ "c": contact }),
    )
    .await;
    let email = d["createEmail"]["email"]["id"].as_str().unwrap().to_owned();
    let send_at = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
    gql(
        &base,
        Some(&token),
        "mutation($i: ScheduleEmailInput!) { scheduleEmail(input: $i) { email { status } } }",
        serde_json::json!({ "i": { "id": email, "sendAt": send_at } }),
    )
    .await;
    assert!(terminate(&mut first).success());

    let (mut second, base) = start(&dir, &[]);
    let query = "query($id: ID!) { email(id: $id) { status sentAt } }";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let d = gql(&base, Some(&token), query, serde_json::json!({ "id": email })).await;
        if d["email"]["status"] == "SENT" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "not sent after the restart: {d}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let count = || {
        std::fs::read_dir(dir.join("data/outbox"))
            .unwrap()
            .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml"))
            .count()
    };
    assert_eq!(count(), 1);
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(count(), 1, "sent exactly once");
    assert!(terminate(&mut second).success());
}

#[test]
fn smtp_without_smtp_from_refuses_to_start_and_names_it() {
    let (_keep, dir) = scratch();
    let out = command(&dir, &["serve", "--bind", "127.0.0.1:0"])
        .env("SMTP_URL", "smtp://relay.example.com:587")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SMTP_FROM"), "{stderr}");
    assert!(!dir.join("data").exists(), "refused before creating the embedded database");
}

#[test]
fn plain_text_smtp_to_a_remote_host_is_refused_at_start() {
    let (_keep, dir) = scratch();
    let out = command(&dir, &["serve", "--bind", "127.0.0.1:0"])
        .env("SMTP_URL", "smtp://relay.example.com:25?tls=none")
        .env("SMTP_FROM", "RelationHub <noreply@example.com>")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SMTP_URL") && stderr.contains("loopback"), "{stderr}");
    assert!(!dir.join("data").exists());
}
