//! The HTTP surface around GraphQL: health, readiness, metrics, GraphiQL, CORS, the committed
//! schema, and the closed set of error codes.

use crate::common::{TestApp, code, data};
use relationhub::graphql::error::Code;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::str::FromStr;
use testkit::{Kind, on_both};

async fn health_answers_200_while_the_process_serves(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let resp = app.get("/health").await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "ok");
}

async fn ready_answers_200_on_a_migrated_database(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let resp = app.get("/ready").await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "ready");
}

async fn ready_answers_503_when_a_migration_is_pending(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    assert_eq!(app.get("/ready").await.status(), 200);
    // Forget the newest migration: it counts as pending again.
    app.sql(
        r#"DELETE FROM "_prisma_migrations" WHERE "migration_name" = (SELECT MAX("migration_name") FROM "_prisma_migrations")"#,
    )
    .await;
    let resp = app.get("/ready").await;
    assert_eq!(resp.status(), 503);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "unavailable");
    assert!(v["reason"].as_str().unwrap().contains("migration"), "{v}");
    assert_eq!(app.get("/health").await.status(), 200, "liveness does not depend on the database");
}

/// Asserts /ready says 503 with a reason that leaks no connection details.
async fn assert_unready(app: &TestApp) {
    let resp = app.get("/ready").await;
    assert_eq!(resp.status(), 503);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["status"], "unavailable");
    let reason = v["reason"].as_str().unwrap();
    assert!(!reason.contains("postgres://"), "no connection string in {reason:?}");
    assert_eq!(app.get("/health").await.status(), 200, "liveness does not depend on the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_answers_503_when_the_postgres_database_is_dropped() {
    let app = TestApp::spawn(Kind::Postgres).await;
    assert_eq!(app.get("/ready").await.status(), 200);
    let name = app.db.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    assert!(name.starts_with("rh_test_"), "only ever drop a test database: {name}");
    app.store.close().await;
    let opts = sqlx::postgres::PgConnectOptions::from_str(&testkit::admin_url()).unwrap();
    let mut admin = sqlx::ConnectOptions::connect(&opts).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE \"{name}\" WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .unwrap();
    let _ = sqlx::Connection::close(admin).await;
    assert_unready(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_answers_503_when_the_sqlite_file_is_deleted() {
    let app = TestApp::spawn(Kind::Sqlite).await;
    assert_eq!(app.get("/ready").await.status(), 200);
    let path = app.db.database_url();
    let store::DatabaseUrl::Sqlite { path: Some(path) } = path else { panic!("not a SQLite file URL") };
    std::fs::remove_file(&path).unwrap();
    assert_unready(&app).await;
}

/// The value of the first sample line starting with `name{` that has every label in `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn metrics(app: &TestApp) -> String {
    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain"), "{ct}");
    resp.text().await.unwrap()
}

async fn metrics_expose_requests_by_operation_and_outcome_latency_and_pool_use(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let named = |query: &'static str, name: &'static str| {
        let req = app
            .client()
            .post(app.url("/graphql"))
            .bearer_auth(&token)
            .json(&json!({ "query": query, "operationName": name }));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let ok = "query MetricsProbeOk { me { id } }";
    let fail = "query MetricsProbeFail { contact(id: \"missing\") { id } }";
    data(&named(ok, "MetricsProbeOk").await);
    assert_eq!(code(&named(fail, "MetricsProbeFail").await), "NOT_FOUND");

    let text = metrics(&app).await;
    let counter = "relationhub_graphql_requests_total";
    // Labelled by the operation's first root field (a schema name), never by the client's
    // operation name.
    assert!(!text.contains("MetricsProbe"), "client-chosen names are not labels");
    let ok_labels = ["operation=\"me\"", "outcome=\"ok\""];
    let fail_labels = ["operation=\"contact\"", "outcome=\"NOT_FOUND\""];
    let ok_before = sample(&text, counter, &ok_labels).unwrap_or_else(|| panic!("no ok sample in\n{text}"));
    let fail_before =
        sample(&text, counter, &fail_labels).unwrap_or_else(|| panic!("no NOT_FOUND sample in\n{text}"));
    assert!(ok_before >= 1.0 && fail_before >= 1.0);
    let bucket = "relationhub_graphql_request_duration_seconds_bucket";
    let inf = sample(&text, bucket, &["operation=\"me\"", "le=\"+Inf\""])
        .unwrap_or_else(|| panic!("no latency histogram in\n{text}"));
    assert!(inf >= 1.0);
    assert!(
        text.lines().filter(|l| l.starts_with(bucket) && l.contains("operation=\"me\"")).count() > 2,
        "the histogram has buckets"
    );
    assert!(text.contains("relationhub_graphql_request_duration_seconds_count{"), "{text}");
    let idle = sample(&text, "relationhub_db_pool_connections", &["state=\"idle\""]);
    let in_use = sample(&text, "relationhub_db_pool_connections", &["state=\"in_use\""]);
    assert!(idle.is_some() && in_use.is_some(), "pool gauges missing in\n{text}");

    // Counters move with traffic.
    data(&named(ok, "MetricsProbeOk").await);
    let text = metrics(&app).await;
    assert!(sample(&text, counter, &ok_labels).unwrap() >= ok_before + 1.0);

    // Without an operation name too.
    data(&app.gql(Some(&token), "{ contacts { totalCount } }", json!({})).await);
    let text = metrics(&app).await;
    assert!(sample(&text, counter, &["operation=\"contacts\"", "outcome=\"ok\""]).is_some(), "{text}");
}

async fn graphiql_is_served_in_development_only(kind: Kind) {
    let dev = TestApp::spawn(kind).await;
    let resp = dev.get("/graphql").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = resp.text().await.unwrap();
    assert!(html.to_lowercase().contains("graphiql"), "{html}");

    let prod = TestApp::spawn_with(kind, &[("RELATIONHUB_ENV", "production")]).await;
    let resp = prod.get("/graphql").await;
    assert_eq!(resp.status(), 404);
    assert!(!resp.text().await.unwrap().to_lowercase().contains("<html"));
    // The API itself still answers in production.
    let (token, _) = prod.sign_up("owner@example.com").await;
    data(&prod.gql(Some(&token), "{ me { id } }", json!({})).await);
}

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client()
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "authorization,content-type")
        .send()
        .await
        .unwrap()
}

async fn post_from(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client()
        .post(app.url("/graphql"))
        .header("Origin", origin)
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap()
}

async fn cors_allows_only_the_configured_origins(kind: Kind) {
    let app = TestApp::spawn_with(
        kind,
        &[("RELATIONHUB_CORS_ORIGINS", "https://app.example, https://admin.example")],
    )
    .await;
    for origin in ["https://app.example", "https://admin.example"] {
        let resp = preflight(&app, origin).await;
        assert!(resp.status().is_success(), "{}", resp.status());
        let h = resp.headers();
        assert_eq!(h["access-control-allow-origin"], origin);
        let methods = h["access-control-allow-methods"].to_str().unwrap().to_uppercase();
        assert!(methods.contains("POST"), "{methods}");
        let headers = h["access-control-allow-headers"].to_str().unwrap().to_lowercase();
        assert!(headers.contains("authorization") && headers.contains("content-type"), "{headers}");
        let resp = post_from(&app, origin).await;
        assert_eq!(resp.headers()["access-control-allow-origin"], origin);
    }
    for origin in ["https://evil.example", "http://app.example", "https://app.example.evil.example", "null"] {
        let resp = preflight(&app, origin).await;
        assert!(resp.headers().get("access-control-allow-origin").is_none(), "{origin} must not be allowed");
        let resp = post_from(&app, origin).await;
        assert!(resp.headers().get("access-control-allow-origin").is_none(), "{origin} must not be allowed");
    }

    // Without configuration no origin is allowed.
    let closed = TestApp::spawn(kind).await;
    let resp = preflight(&closed, "https://app.example").await;
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

const SCHEMA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.graphql");

#[test]
fn the_served_schema_equals_the_committed_schema_graphql() {
    let committed = std::fs::read_to_string(SCHEMA_FILE).unwrap_or_else(|e| {
        panic!("cannot read {SCHEMA_FILE} ({e}); run `cargo run -- schema print > schema.graphql`")
    });
    let served = relationhub::graphql::sdl();
    if committed.trim_end() != served.trim_end() {
        let first_difference = committed
            .lines()
            .zip(served.lines())
            .enumerate()
            .find(|(_, (c, s))| c != s)
            .map(|(i, (c, s))| format!("line {}: committed {c:?}, served {s:?}", i + 1))
            .unwrap_or_else(|| {
                format!(
                    "committed has {} lines, served {}",
                    committed.lines().count(),
                    served.lines().count()
                )
            });
        panic!(
            "schema.graphql is out of date ({first_difference}).\n\
             Run `cargo run -- schema print > schema.graphql` and commit the result."
        );
    }
}

/// The field names of `type <name> { … }` in SDL text.
fn root_fields(sdl: &str, type_name: &str) -> BTreeSet<String> {
    let start = sdl.find(&format!("type {type_name} {{")).unwrap_or_else(|| panic!("no type {type_name}"));
    let body = &sdl[start..];
    let body = &body[..body.find("\n}").unwrap()];
    body.lines()
        .filter(|l| l.starts_with('\t') && !l.starts_with("\t\t") && !l.trim_start().starts_with("\"\"\""))
        .map(|l| l.trim().split(['(', ':']).next().unwrap().to_owned())
        .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect()
}

async fn the_schema_served_over_http_has_the_committed_operations(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let committed = std::fs::read_to_string(SCHEMA_FILE).unwrap();
    let v = app
        .gql(
            None,
            "{ __schema { queryType { name fields { name } } mutationType { name fields { name } } } }",
            json!({}),
        )
        .await;
    let schema = &data(&v)["__schema"];
    for kind in ["queryType", "mutationType"] {
        let name = schema[kind]["name"].as_str().unwrap();
        let served: BTreeSet<String> = schema[kind]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            served,
            root_fields(&committed, name),
            "{name} differs from schema.graphql; run `cargo run -- schema print > schema.graphql`"
        );
    }
}

/// Provokes every code in [`Code::ALL`] over HTTP and checks each was seen.
async fn every_error_code_is_produced_by_some_request(kind: Kind) {
    let mut seen = BTreeSet::new();
    let mut record = |v: &Value| {
        seen.insert(code(v).to_owned());
    };

    let app = TestApp::spawn(kind).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;

    record(&app.gql(None, "{ me { id } }", json!({})).await);
    record(&app.gql(Some(&token), "{ contact(id: \"missing\") { id } }", json!({})).await);
    record(
        &app.gql(
            Some(&token),
            "mutation { createContact(input: {name: \"\"}) { contact { id } } }",
            json!({}),
        )
        .await,
    );
    record(&app.gql(Some(&token), "{ contacts(first: 101) { totalCount } }", json!({})).await);
    let sent =
        app.email_with_status(&user_id, &c, "Out", domain::EmailStatus::Sent, Some(chrono::Utc::now())).await;
    record(
        &app.gql(
            Some(&token),
            "mutation($id: ID!) { updateEmail(input: {id: $id, subject: \"x\"}) { email { id } } }",
            json!({ "id": sent }),
        )
        .await,
    );
    for _ in 0..6 {
        let v = app
            .gql(
                None,
                "mutation { signIn(input: {email: \"owner@example.com\", password: \"wrong password\"}) { token } }",
                json!({}),
            )
            .await;
        record(&v);
    }
    // Renamed rather than dropped: other tables (follow-up steps) reference it.
    app.sql(r#"ALTER TABLE "email_templates" RENAME TO "email_templates_gone""#).await;
    record(&app.gql(Some(&token), "{ emailTemplates { totalCount } }", json!({})).await);

    let closed = TestApp::spawn_with(kind, &[("RELATIONHUB_REGISTRATION", "closed")]).await;
    record(
        &closed
            .gql(None, "mutation { signUp(input: {email: \"x@example.com\", password: \"long enough\", name: \"X\"}) { token } }", json!({}))
            .await,
    );

    for c in Code::ALL {
        // PROVIDER_UNAVAILABLE needs AI providers that all fail; the AI-generation tests
        // (tests/api/ai.rs) provoke it against mock provider servers.
        if c == Code::ProviderUnavailable {
            continue;
        }
        assert!(seen.contains(c.as_str()), "no request produced {}; seen {seen:?}", c.as_str());
    }
    let closed_set: BTreeSet<String> = Code::ALL.iter().map(|c| c.as_str().to_owned()).collect();
    assert!(seen.is_subset(&closed_set), "{seen:?}");
}

on_both!(
    health_answers_200_while_the_process_serves,
    ready_answers_200_on_a_migrated_database,
    ready_answers_503_when_a_migration_is_pending,
    metrics_expose_requests_by_operation_and_outcome_latency_and_pool_use,
    graphiql_is_served_in_development_only,
    cors_allows_only_the_configured_origins,
    the_schema_served_over_http_has_the_committed_operations,
    every_error_code_is_produced_by_some_request,
);
