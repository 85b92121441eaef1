//! Limits and error hygiene: page sizes, query depth and complexity, body size, error codes.

use crate::common::{TestApp, code, data, field, no_data};
use relationhub::graphql::guard::LIMITS;
use relationhub::graphql::{MAX_COMPLEXITY, MAX_DEPTH};
use serde_json::{Value, json};
use testkit::{Kind, on_both};

async fn every_list_refuses_a_page_size_of_101_and_accepts_100(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let lists = [
        "query($n: Int) { contacts(first: $n) { nodes { id } } }",
        "query($n: Int) { emails(first: $n) { nodes { id } } }",
        "query($n: Int) { emailTemplates(first: $n) { nodes { id } } }",
        "query($c: ID!, $n: Int) { conversationHistory(contactId: $c, first: $n) { nodes { id } } }",
        "query($c: ID!, $n: Int) { contact(id: $c) { emails(first: $n) { nodes { id } } } }",
        "query($c: ID!, $n: Int) { contact(id: $c) { conversationHistory(first: $n) { nodes { id } } } }",
        "query($n: Int) { contacts { nodes { emails(first: $n) { totalCount } } } }",
    ];
    for q in lists {
        let vars = |n: u32| match q.contains("$c") {
            true => json!({ "c": c, "n": n }),
            false => json!({ "n": n }),
        };
        let v = app.gql(Some(&token), q, vars(101)).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{q}: {v}");
        assert_eq!(field(&v), "first", "{q}");
        let mut at = &v["data"];
        for step in v["errors"][0]["path"].as_array().unwrap() {
            at = match step {
                Value::Number(i) => &at[i.as_u64().unwrap() as usize],
                other => &at[other.as_str().unwrap()],
            };
        }
        assert!(at.is_null(), "{q}: a refused page returns no rows: {v}");
        let v = app.gql(Some(&token), q, vars(100)).await;
        data(&v);
    }
}

/// A query exactly `depth` fields deep (at least 3), cheap in complexity.
fn nested(depth: usize) -> String {
    let cycle = ["emails(first: 1)", "nodes", "contact"];
    let mut fields = vec!["contacts(first: 1)", "nodes"];
    fields.extend(cycle.iter().cycle().take(depth.saturating_sub(3)));
    fields.truncate(depth - 1);
    let mut q = String::new();
    for f in &fields {
        q.push_str(f);
        q.push_str(" { ");
    }
    q.push_str("id");
    q.push_str(&" }".repeat(fields.len()));
    format!("{{ {q} }}")
}

async fn a_query_nested_deeper_than_the_limit_is_refused_without_data(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    app.draft(&token, &c, "Hi").await;

    let ok = app.gql(Some(&token), &nested(MAX_DEPTH), json!({})).await;
    data(&ok);
    let v = app.gql(Some(&token), &nested(MAX_DEPTH + 1), json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(no_data(&v), "{v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("deep"), "{v}");
    let v = app.gql(Some(&token), &nested(40), json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(no_data(&v));

    // Fragments do not hide depth.
    let q = "query { contacts(first: 1) { ...C } }
        fragment C on ContactConnection { nodes { emails(first: 1) { nodes { contact { emails(first: 1) { nodes { contact {
            emails(first: 1) { nodes { contact { emails(first: 1) { nodes { id } } } } } } } } } } } } }";
    let v = app.gql(Some(&token), q, json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(no_data(&v));

    // Nor does introspection: its subtrees may go deeper (the standard introspection query
    // needs 15 levels, see attacks.rs), but not without limit.
    let levels = LIMITS.max_introspection_depth;
    let q = format!(
        "{{ __schema {{ types {{ fields {{ type {{ {}name{} }} }} }} }} }}",
        "ofType { ".repeat(levels),
        " }".repeat(levels)
    );
    let v = app.gql(Some(&token), &q, json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(no_data(&v));
}

async fn an_overly_complex_query_is_refused_without_data(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    app.contact(&token, "Ada").await;
    let fan_out = "{ contacts(first: 100) { nodes { emails(first: 100) { nodes { contact { emails(first: 100) { nodes { id subject } } } } } } } }";
    let v = app.gql(Some(&token), fan_out, json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(no_data(&v), "nothing is executed: {v}");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("complex"), "{v}");

    // Many cheap aliases add up too.
    let one = "contacts(first: 100) { nodes { id name email company } }";
    let aliases: String = (0..(MAX_COMPLEXITY / 400 + 1)).map(|i| format!(" a{i}: {one}")).collect();
    let v = app.gql(Some(&token), &format!("{{{aliases} }}"), json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert!(no_data(&v));

    // A realistic nested page is fine.
    let v = app
        .gql(Some(&token), "{ contacts(first: 20) { nodes { id emails(first: 5) { nodes { id subject contact { id } } } } } }", json!({}))
        .await;
    data(&v);
}

/// POSTs `body` to /graphql with `Transfer-Encoding: chunked` over a raw connection and returns
/// the response status.
async fn post_chunked(app: &TestApp, token: &str, body: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut conn = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.addr
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(64 * 1024) {
        // The server may answer and close before reading everything; later writes may fail.
        if conn.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || conn.write_all(chunk).await.is_err()
            || conn.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = conn.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = conn.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    let status_line = text.lines().next().unwrap_or_default();
    status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {text:?}"))
}

async fn a_request_body_over_1_mib_is_refused_with_413(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let body = |padding: usize| {
        let mut s = json!({ "query": "{ me { id } }" }).to_string();
        // Whitespace before the closing brace keeps it valid JSON of the wanted size.
        s.insert_str(s.len() - 1, &" ".repeat(padding));
        s
    };
    let base = body(0).len();
    let over = body(1024 * 1024 + 1 - base);
    assert_eq!(over.len(), 1024 * 1024 + 1);
    let resp = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(over)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413, "a body over 1 MiB is refused");

    // The same without a Content-Length (chunked) is refused as well.
    let status = post_chunked(&app, &token, body(1024 * 1024 + 1 - base).as_bytes()).await;
    assert_eq!(status, 413, "a chunked body over 1 MiB is refused");

    // Just under the limit is served.
    let under = body(1024 * 1024 - base);
    assert_eq!(under.len(), 1024 * 1024);
    let resp = app
        .client()
        .post(app.url("/graphql"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(under)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert!(data(&v)["me"]["id"].is_string());
}

async fn malformed_and_invalid_queries_answer_bad_user_input(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    for (q, vars) in [
        ("{ contacts { nodes { id }", json!({})),
        ("{ contacts { nodes { id } } } }", json!({})),
        ("query { ", json!({})),
        ("", json!({})),
        ("mutation { createContact(input: {name: }) { contact { id } } }", json!({})),
        ("{ contacts { nodes { noSuchField } } }", json!({})),
        ("{ noSuchRoot }", json!({})),
        ("{ contact { id } }", json!({})),
        ("{ contacts(orderBy: SIDEWAYS) { totalCount } }", json!({})),
        ("query($n: Int) { contacts(first: $n) { totalCount } }", json!({ "n": "twenty" })),
        ("query($id: ID!) { contact(id: $id) { id } }", json!({})),
        (
            "mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } } }",
            json!({ "i": { "email": "a@b.co" } }),
        ),
        ("subscription { anything }", json!({})),
    ] {
        let v = app.gql(Some(&token), q, vars).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{q:?}: {v}");
        assert!(no_data(&v), "{q:?}: {v}");
    }
}

async fn a_body_that_is_not_a_graphql_request_answers_400_with_a_coded_error(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    for body in [
        "not json",
        "{\"query\": ",
        "{\"query\": 42}",
        "[{\"query\": \"{ me { id } }\"}, {\"query\": \"{ me { id } }\"}]",
    ] {
        let resp = app
            .client()
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{body}");
        let text = resp.text().await.unwrap();
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{body}: not a JSON error: {text}"));
        crate::common::assert_errors_are_clean(&v);
        assert_eq!(code(&v), "BAD_USER_INPUT", "{body}: {v}");
        for debug_text in ["Error(", "InvalidRequest", "UnsupportedBatch"] {
            assert!(
                !text.contains(debug_text),
                "{body}: Rust debug text {debug_text:?} reached the client: {text}"
            );
        }
    }
}

async fn internal_failures_answer_internal_without_internal_text(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    app.template(&token, "T", false).await;
    // Renamed rather than dropped: other tables (follow-up steps) reference it.
    app.sql(r#"ALTER TABLE "email_templates" RENAME TO "email_templates_gone""#).await;
    for q in [
        "{ emailTemplates { nodes { id } } }",
        "{ emailTemplates { totalCount } }",
        "mutation { createEmailTemplate(input: {name: \"n\", subject: \"s\", body: \"b\", templateType: FORMAL}) { emailTemplate { id } } }",
        "mutation { setDefaultEmailTemplate(input: {id: \"x\"}) { emailTemplate { id } } }",
    ] {
        let v = app.gql(Some(&token), q, json!({})).await;
        assert_eq!(code(&v), "INTERNAL", "{q}: {v}");
        assert_eq!(v["errors"][0]["message"], "internal error", "{q}: the cause stays in the log");
        assert_eq!(v["errors"][0]["extensions"].as_object().unwrap().len(), 1, "only the code: {v}");
    }
    // The rest of the API still works.
    data(&app.gql(Some(&token), "{ contacts { totalCount } }", json!({})).await);
}

async fn a_token_that_cannot_be_checked_is_an_internal_error_not_a_sign_out(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    data(&app.gql(Some(&token), "{ me { email } }", json!({})).await);
    app.sql(r#"DROP TABLE "api_tokens""#).await;
    // The token may well be valid: answering UNAUTHENTICATED would make clients discard it.
    let v = app.gql(Some(&token), "{ me { email } }", json!({})).await;
    assert_eq!(code(&v), "INTERNAL", "{v}");
    assert_eq!(v["errors"][0]["message"], "internal error", "{v}");
    // Without a token nothing needed checking: still UNAUTHENTICATED.
    let v = app.gql(None, "{ me { email } }", json!({})).await;
    assert_eq!(code(&v), "UNAUTHENTICATED", "{v}");
}

async fn error_responses_carry_only_codes_from_the_closed_set(kind: Kind) {
    // Every `gql` call checks this (see common::assert_errors_are_clean); here a mixed bag of
    // failures in one request, where some fields fail and others succeed.
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let v = app
        .gql(
            Some(&token),
            "query($c: ID!) { ok: contact(id: $c) { id } missing: email(id: \"nope\") { id } }",
            json!({ "c": c }),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert_eq!(v["errors"][0]["path"], json!(["missing"]), "the error names the failing field: {v}");
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
    let v = app.gql(None, "{ me { id } contacts { totalCount } }", json!({})).await;
    let errors = v["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|e| e["extensions"]["code"] == "UNAUTHENTICATED"), "{v}");
    let v = app.gql(Some("rh_garbage"), "{ me { id } }", json!({})).await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
}

on_both!(
    a_token_that_cannot_be_checked_is_an_internal_error_not_a_sign_out,
    every_list_refuses_a_page_size_of_101_and_accepts_100,
    a_query_nested_deeper_than_the_limit_is_refused_without_data,
    an_overly_complex_query_is_refused_without_data,
    a_request_body_over_1_mib_is_refused_with_413,
    malformed_and_invalid_queries_answer_bad_user_input,
    a_body_that_is_not_a_graphql_request_answers_400_with_a_coded_error,
    internal_failures_answer_internal_without_internal_text,
    error_responses_carry_only_codes_from_the_closed_set,
);
