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
