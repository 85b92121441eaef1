//! Requests an attacker would send, with no account: each is refused at once with a clear
//! BAD_USER_INPUT before async-graphql validates it, and the server stays small and alive.
//!
//! The attacks that used to take the process down (a stack overflow) or hog it (seconds of CPU,
//! gigabytes of memory) run against the real binary as a child process, so a regression fails
//! one test instead of aborting the suite, and the child's peak memory can be read.

use crate::common::{TestApp, code, data, no_data};
use relationhub::graphql::guard::LIMITS;
use serde_json::{Value, json};
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use testkit::{Kind, on_both};

/// A generous bound for a refusal that should take milliseconds (debug build, busy machine).
const AT_ONCE: Duration = Duration::from_secs(10);

/// `relationhub serve` on the embedded database in a scratch directory, with a clean
/// environment (nothing from the developer's shell, no `.env`, no `relationhub.toml`).
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_relationhub"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env_clear()
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("RelationHub listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        Server { child, base: url.trim_end_matches("/graphql").to_owned(), _dir: dir }
    }

    /// POSTs a raw body to /graphql; the status and the JSON answer. Panics (failing the
    /// test) when the server does not answer within 60 s or died.
    async fn post(&self, body: String) -> (u16, Value) {
        let resp = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap()
            .post(format!("{}/graphql", self.base))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the server did not answer: {e}"));
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}")))
    }

    /// POSTs a query with variables.
    async fn gql(&self, query: &str, variables: Value) -> (u16, Value) {
        self.post(json!({ "query": query, "variables": variables }).to_string()).await
    }

    /// The process's peak resident memory (`VmHWM`), in MiB.
    fn peak_rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib / 1024
    }

    /// The server still serves an ordinary request.
    async fn assert_alive(&self) {
        let (status, v) = self.gql("{ __typename }", json!({})).await;
        assert_eq!(status, 200);
        assert_eq!(data(&v)["__typename"], "QueryRoot");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts a refusal: HTTP 200, BAD_USER_INPUT, no data, a message containing `says`.
fn assert_refused(status: u16, v: &Value, says: &str) {
    assert_eq!(status, 200, "{v}");
    crate::common::assert_errors_are_clean(v);
    assert_eq!(code(v), "BAD_USER_INPUT", "{v}");
    assert!(no_data(v), "nothing is executed: {v}");
    let message = v["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(says), "the message should say {says:?}: {v}");
}

/// `n` named fragments, each spreading the next one twice (2^n fields once expanded).
fn fragment_bomb(n: usize) -> String {
    let mut q = String::from("query { __typename ...F0 }");
    for i in 0..n {
        q.push_str(&format!(" fragment F{i} on QueryRoot {{ ...F{} ...F{} }}", i + 1, i + 1));
    }
    q.push_str(&format!(" fragment F{n} on QueryRoot {{ __typename }}"));
    q
}

#[tokio::test]
async fn a_fragment_bomb_is_refused_at_once_and_the_server_stays_small() {
    let server = Server::start();
    let bomb = fragment_bomb(23);
    assert!(bomb.len() < 1500, "about a kilobyte: {}", bomb.len());
    let started = Instant::now();
    let (status, v) = server.gql(&bomb, json!({})).await;
    let took = started.elapsed();
    assert_refused(status, &v, "fields");
    assert!(took < AT_ONCE, "refused at once, not after expanding 2^23 spreads: {took:?}");
    let peak = server.peak_rss_mib();
    assert!(peak < 150, "peak RSS stays small: {peak} MiB");
    server.assert_alive().await;
}

/// The process's current resident memory (`VmRSS`), in MiB.
fn rss_mib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

#[tokio::test]
async fn two_hundred_sign_ins_with_huge_emails_leave_memory_bounded() {
    let server = Server::start();
    server.assert_alive().await;
    let before = rss_mib(&server);
    let query =
        "mutation($e: String!) { signIn(input: {email: $e, password: \"whatever password\"}) { token } }";
    for i in 0..200 {
        // Distinct half-megabyte addresses: the old limiter kept every one of them as a key.
        let email = format!("{}{i}@example.com", "x".repeat(512 * 1024));
        let (status, v) = server.gql(query, json!({ "e": email })).await;
        assert_eq!(status, 200);
        assert_eq!(code(&v), "BAD_USER_INPUT", "refused before anything is stored");
    }
    let after = rss_mib(&server);
    assert!(after < before + 64, "RSS grew from {before} to {after} MiB over 200 large sign-ins");
    server.assert_alive().await;
}

#[tokio::test]
async fn a_document_with_more_spreads_than_the_budget_is_refused_at_once() {
    let server = Server::start();
    // Harmless on its own (each spread is one field), but over the written-spread budget.
    let spreads = "...F ".repeat(LIMITS.max_spreads + 1);
    let q = format!("{{ {spreads} }} fragment F on QueryRoot {{ __typename }}");
    let (status, v) = server.gql(&q, json!({})).await;
    assert_refused(status, &v, "spreads");
    // Within the budget the same shape is served.
    let spreads = "...F ".repeat(LIMITS.max_spreads);
    let q = format!("{{ {spreads} }} fragment F on QueryRoot {{ __typename }}");
    let (status, v) = server.gql(&q, json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(data(&v)["__typename"], "QueryRoot");
}

#[tokio::test]
async fn a_fragment_cycle_is_refused_by_name() {
    let server = Server::start();
    for q in [
        "{ ...A } fragment A on QueryRoot { __typename ...A }",
        "{ ...A } fragment A on QueryRoot { me { ...B } } fragment B on User { id ...C } fragment C on User { ...B }",
        "{ ...A } fragment A on QueryRoot { ...B } fragment B on QueryRoot { ...C } fragment C on QueryRoot { ...A }",
    ] {
        let (status, v) = server.gql(q, json!({})).await;
        assert_refused(status, &v, "cycle");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("fragment `"), "names it: {v}");
    }
    server.assert_alive().await;
}

/// `levels` opening brackets of `open`, a value, then the closing ones.
fn nested(open: &str, inner: &str, close: &str, levels: usize) -> String {
    format!("{}{inner}{}", open.repeat(levels), close.repeat(levels))
}

#[tokio::test]
async fn values_nested_100000_deep_in_the_query_are_refused_without_a_crash() {
    let server = Server::start();
    let deep_list = nested("[", "\"x\"", "]", 100_000);
    let deep_object = nested("{a: ", "1", "}", 100_000);
    for value in [deep_list, deep_object] {
        let q = format!("{{ contacts(filter: {{search: {value}}}) {{ totalCount }} }}");
        let started = Instant::now();
        let (status, v) = server.gql(&q, json!({})).await;
        assert_refused(status, &v, "nested too deeply");
        assert!(started.elapsed() < AT_ONCE);
    }
    server.assert_alive().await;
}

#[tokio::test]
async fn values_nested_100000_deep_in_the_variables_are_refused_with_a_clear_error() {
    let server = Server::start();
    let q = "query($v: String) { contacts(filter: {search: $v}) { totalCount } }";
    for value in [nested("[", "1", "]", 100_000), nested("{\"a\": ", "1", "}", 100_000)] {
        let body = format!("{{\"query\": {}, \"variables\": {{\"v\": {value}}}}}", json!(q));
        let (status, v) = server.post(body).await;
        assert_refused(status, &v, "nested too deeply");
    }
    server.assert_alive().await;
}

#[tokio::test]
async fn selections_nested_100000_deep_are_refused_without_a_crash() {
    let server = Server::start();
    let q = format!("{{{}}}", nested("me{", "id", "}", 100_000));
    let (status, v) = server.gql(&q, json!({})).await;
    assert_refused(status, &v, "nested too deeply");
    // Just past the bracket budget, and just past the depth limit, the answers are as clear.
    let q = format!("{{ {} }}", nested("a { ", "id", " }", LIMITS.max_nesting));
    let (status, v) = server.gql(&q, json!({})).await;
    assert_refused(status, &v, "nested too deeply");
    server.assert_alive().await;
}

/// graphql-core 3.2's `get_introspection_query(descriptions=True, specified_by_url=True,
/// directive_is_repeatable=True, schema_description=True, input_value_deprecation=True)`,
/// verbatim: the fullest standard introspection query, with nine levels of `ofType`.
const GRAPHQL_CORE_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types {
      ...FullType
    }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) {
        ...InputValue
      }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL

  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) {
      ...InputValue
    }
    type {
      ...TypeRef
    }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) {
    ...InputValue
  }
  interfaces {
    ...TypeRef
  }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes {
    ...TypeRef
  }
}

fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}

fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
"#;

async fn the_standard_introspection_query_of_graphql_core_succeeds(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    // Anonymous, as GraphiQL and code generators ask.
    let v = app.gql(None, GRAPHQL_CORE_INTROSPECTION, json!({})).await;
    let schema = &data(&v)["__schema"];
    assert_eq!(schema["queryType"]["name"], "QueryRoot");
    assert_eq!(schema["mutationType"]["name"], "MutationRoot");
    let types = schema["types"].as_array().unwrap();
    let names: Vec<&str> = types.iter().filter_map(|t| t["name"].as_str()).collect();
    for wanted in ["QueryRoot", "MutationRoot", "Contact", "Email", "EmailStatus", "CreateContactInput"] {
        assert!(names.contains(&wanted), "{wanted} in {names:?}");
    }
    // The deepest `ofType` chains are answered (e.g. `[Email!]!` is NON_NULL → LIST → NON_NULL → OBJECT).
    let email_connection = types.iter().find(|t| t["name"] == "EmailConnection").unwrap();
    let nodes = email_connection["fields"].as_array().unwrap().iter().find(|f| f["name"] == "nodes").unwrap();
    assert_eq!(nodes["type"]["kind"], "NON_NULL");
    assert_eq!(nodes["type"]["ofType"]["ofType"]["ofType"]["name"], "Email");
    // Also by name, with the variables graphql-js sends.
    let v = app
        .gql(
            None,
            "query($n: String!) { __type(name: $n) { name fields { name } } }",
            json!({ "n": "Contact" }),
        )
        .await;
    assert_eq!(data(&v)["__type"]["name"], "Contact");
}

async fn introspection_can_be_turned_off(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_INTROSPECTION", "off")]).await;
    for q in [GRAPHQL_CORE_INTROSPECTION, "{ __type(name: \"Contact\") { name } }"] {
        let v = app.gql(None, q, json!({})).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
        assert!(no_data(&v), "{v}");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("introspection"), "{v}");
    }
    // `__typename` is not introspection, and the API itself is unaffected.
    let v = app.gql(None, "{ __typename }", json!({})).await;
    assert_eq!(data(&v)["__typename"], "QueryRoot");
    let (token, _) = app.sign_up("owner@example.com").await;
    data(&app.gql(Some(&token), "{ me { email } contacts { totalCount } }", json!({})).await);
}

const CREATE_EMAIL: &str =
    "mutation($input: CreateEmailInput!) { createEmail(input: $input) { email { id } } }";

async fn a_text_heavy_list_is_refused_by_complexity(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    app.draft(&token, &c, "Hi").await;
    // A hundred emails with both bodies could be megabytes: over the budget.
    let heavy = "{ emails(first: 100) { nodes { id subject body bodyHtml } } }";
    let v = app.gql(Some(&token), heavy, json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(no_data(&v), "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("complex"), "{v}");
    // So is history content for a hundred contacts' pages, or notes with it.
    let v = app
        .gql(
            Some(&token),
            "{ contacts(first: 100) { nodes { notes conversationHistory(first: 5) { nodes { content metadata } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    // Short fields of the same rows, or fewer rows with bodies, are fine.
    let v = app.gql(Some(&token), "{ emails(first: 100) { nodes { id subject status } } }", json!({})).await;
    assert_eq!(data(&v)["emails"]["nodes"][0]["subject"], "Hi");
    let v = app.gql(Some(&token), "{ emails(first: 20) { nodes { id body bodyHtml } } }", json!({})).await;
    assert_eq!(data(&v)["emails"]["nodes"][0]["body"], "Hello!");
}

async fn a_response_over_the_configured_cap_answers_a_clear_error(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_MAX_RESPONSE_BYTES", "4096")]).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    for i in 0..5 {
        let input = json!({ "contactId": c, "subject": format!("S{i}"), "body": "b".repeat(1000) });
        app.gql_ok(&token, CREATE_EMAIL, json!({ "input": input })).await;
    }
    let v = app.gql(Some(&token), "{ emails { nodes { id body } } }", json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(no_data(&v), "{v}");
    let message = v["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("4096 bytes") && message.contains("fewer rows"), "{message}");
    // Under the cap, the same rows are served.
    let v = app.gql(Some(&token), "{ emails(first: 2) { nodes { body } } }", json!({})).await;
    assert_eq!(data(&v)["emails"]["nodes"].as_array().unwrap().len(), 2);
    let v = app.gql(Some(&token), "{ emails { totalCount nodes { subject } } }", json!({})).await;
    assert_eq!(data(&v)["emails"]["totalCount"], 5);
}

async fn only_schema_names_become_metric_labels(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let marker = format!("Attacker{}", std::process::id());
    data(&app.gql(Some(&token), &format!("query {marker}Op {{ me {{ id }} }}"), json!({})).await);
    data(&app.gql(Some(&token), &format!("{{ {marker}Alias: contacts {{ totalCount }} }}"), json!({})).await);
    let v = app.gql(None, &format!("{{ {marker}Field }}"), json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(!metrics.contains(&marker), "no client-chosen name is a label");
    assert!(metrics.contains("operation=\"me\""), "{metrics}");
    assert!(metrics.contains("operation=\"contacts\""), "{metrics}");
    assert!(metrics.contains("operation=\"other\""), "{metrics}");
}

on_both!(
    the_standard_introspection_query_of_graphql_core_succeeds,
    introspection_can_be_turned_off,
    a_text_heavy_list_is_refused_by_complexity,
    a_response_over_the_configured_cap_answers_a_clear_error,
    only_schema_names_become_metric_labels,
);
