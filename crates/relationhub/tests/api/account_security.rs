//! Account management and sign-in defences: password change, API tokens (list, create,
//! revoke, expiry), the per-account limit under parallel attempts and across server processes,
//! bounded sign-in input, and the guarded /metrics endpoint.

use crate::common::{TestApp, code, data, field};
use serde_json::{Value, json};
use testkit::{Kind, on_both};

const PASSWORD: &str = "correct horse battery";

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    app.gql(
        None,
        "mutation($e: String!, $p: String!) { signIn(input: {email: $e, password: $p}) { token } }",
        json!({ "e": email, "p": password }),
    )
    .await
}

fn token_of(v: &Value, path: &str) -> String {
    data(v)[path]["token"].as_str().unwrap_or_else(|| panic!("no token in {v}")).to_owned()
}

async fn changing_the_password_revokes_every_session_and_returns_a_fresh_one(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (first, _) = app.sign_up("ada@example.com").await;
    let second = token_of(&sign_in(&app, "ada@example.com", PASSWORD).await, "signIn");
    let api = app
        .gql_ok(&first, r#"mutation { createApiToken(input: {name: "backup"}) { token } }"#, json!({}))
        .await["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let change = "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { token } }";
    let wrong =
        app.gql(Some(&first), change, json!({ "c": "not my password", "n": "a brand new secret" })).await;
    assert_eq!(code(&wrong), "BAD_USER_INPUT", "{wrong}");
    assert_eq!(field(&wrong), "currentPassword");
    let short = app.gql(Some(&first), change, json!({ "c": PASSWORD, "n": "short" })).await;
    assert_eq!(field(&short), "newPassword", "{short}");
    // Nothing changed yet: the old password still signs in.
    let third = token_of(&sign_in(&app, "ada@example.com", PASSWORD).await, "signIn");

    let v = app.gql(Some(&first), change, json!({ "c": PASSWORD, "n": "a brand new secret" })).await;
    let fresh = token_of(&v, "changePassword");
    for old in [&first, &second, &third] {
        let me = app.gql(Some(old), "{ me { id } }", json!({})).await;
        assert_eq!(code(&me), "UNAUTHENTICATED", "old sessions end at once: {me}");
    }
    data(&app.gql(Some(&fresh), "{ me { id } }", json!({})).await);
    data(&app.gql(Some(&api), "{ me { id } }", json!({})).await);
    assert_eq!(code(&sign_in(&app, "ada@example.com", PASSWORD).await), "UNAUTHENTICATED");
    token_of(&sign_in(&app, "ada@example.com", "a brand new secret").await, "signIn");
}

async fn api_tokens_are_listed_without_secrets_and_revoked_at_once(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (session, _) = app.sign_up("ada@example.com").await;
    let (other, _) = app.sign_up("bob@example.com").await;
    let create = "mutation($n: String!, $d: Int) { createApiToken(input: {name: $n, expiresInDays: $d}) { token apiToken { id name kind expiresAt lastUsedAt } } }";
    let v = app.gql_ok(&session, create, json!({ "n": "backup script", "d": 30 })).await;
    let secret = v["createApiToken"]["token"].as_str().unwrap().to_owned();
    let id = v["createApiToken"]["apiToken"]["id"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("rh_"));
    assert_eq!(v["createApiToken"]["apiToken"]["kind"], "API");
    assert!(v["createApiToken"]["apiToken"]["expiresAt"].is_string());
    assert!(v["createApiToken"]["apiToken"]["lastUsedAt"].is_null());

    data(&app.gql(Some(&secret), "{ me { email } }", json!({})).await);
    let list =
        "{ apiTokens(first: 10) { totalCount nodes { id name kind createdAt expiresAt lastUsedAt } } }";
    let mut used = Value::Null;
    for _ in 0..50 {
        let v = app.gql_ok(&session, list, json!({})).await;
        let nodes = v["apiTokens"]["nodes"].as_array().unwrap().clone();
        assert_eq!(v["apiTokens"]["totalCount"], 2, "the session and the API token: {v}");
        assert!(nodes.iter().any(|n| n["kind"] == "SESSION"));
        let api = nodes.iter().find(|n| n["id"] == id.as_str()).unwrap().clone();
        assert_eq!(api["name"], "backup script");
        let text = v.to_string();
        assert!(!text.contains(&secret) && !text.contains("tokenHash"), "no secrets listed");
        used = api["lastUsedAt"].clone();
        if used.is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(used.is_string(), "lastUsedAt is recorded after a request used the token");

    let revoke = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { revokedId } }";
    let theirs = app.gql(Some(&other), revoke, json!({ "id": id })).await;
    assert_eq!(code(&theirs), "NOT_FOUND", "another user's token is not found");
    data(&app.gql(Some(&secret), "{ me { email } }", json!({})).await);
    let v = app.gql_ok(&session, revoke, json!({ "id": id })).await;
    assert_eq!(v["revokeApiToken"]["revokedId"], id.as_str());
    assert_eq!(code(&app.gql(Some(&secret), "{ me { email } }", json!({})).await), "UNAUTHENTICATED");
    assert_eq!(code(&app.gql(Some(&session), revoke, json!({ "id": id })).await), "NOT_FOUND");
    let v = app.gql_ok(&session, list, json!({})).await;
    assert_eq!(v["apiTokens"]["totalCount"], 1, "a revoked token is no longer listed");

    for (vars, bad) in [
        (json!({ "n": "   " }), "name"),
        (json!({ "n": "x".repeat(101) }), "name"),
        (json!({ "n": "ok", "d": 0 }), "expiresInDays"),
        (json!({ "n": "ok", "d": 4000 }), "expiresInDays"),
    ] {
        let v = app.gql(Some(&session), create, vars).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
        assert_eq!(field(&v), bad);
    }
    assert_eq!(app.gql_ok(&session, list, json!({})).await["apiTokens"]["totalCount"], 1, "nothing created");
    let anon = app.gql(None, list, json!({})).await;
    assert_eq!(code(&anon), "UNAUTHENTICATED");
}

async fn an_expired_token_is_refused_and_not_listed(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (session, _) = app.sign_up("ada@example.com").await;
    let v = app
        .gql_ok(&session, r#"mutation { createApiToken(input: {name: "short", expiresInDays: 1}) { token apiToken { id } } }"#, json!({}))
        .await;
    let secret = v["createApiToken"]["token"].as_str().unwrap().to_owned();
    let id = v["createApiToken"]["apiToken"]["id"].as_str().unwrap().to_owned();
    data(&app.gql(Some(&secret), "{ me { id } }", json!({})).await);
    app.set_time("api_tokens", "expiresAt", &id, "2020-01-01 00:00:00.000").await;
    assert_eq!(code(&app.gql(Some(&secret), "{ me { id } }", json!({})).await), "UNAUTHENTICATED");
    let v = app.gql_ok(&session, "{ apiTokens { totalCount nodes { id } } }", json!({})).await;
    assert_eq!(v["apiTokens"]["totalCount"], 1);
    let revoke = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { revokedId } }";
    assert_eq!(code(&app.gql(Some(&session), revoke, json!({ "id": id })).await), "NOT_FOUND");
}

async fn parallel_wrong_passwords_get_at_most_five_credential_checks(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.sign_up("ada@example.com").await;
    let attempts =
        (0..20).map(|i| sign_in(&app, "ada@example.com", if i % 2 == 0 { "wrong one" } else { "wrong two" }));
    let answers = futures::future::join_all(attempts).await;
    let checked = answers.iter().filter(|v| code(v) == "UNAUTHENTICATED").count();
    let limited = answers.iter().filter(|v| code(v) == "RATE_LIMITED").count();
    assert_eq!(checked + limited, 20, "{answers:?}");
    assert!(checked <= 5, "{checked} credential checks for one account in one window");
    // Refused attempts give their slot back, so the burst may have used fewer than five; the rest
    // of the budget is still exactly five in all.
    let mut more = 0;
    loop {
        let v = sign_in(&app, "ada@example.com", "wrong three").await;
        if code(&v) == "RATE_LIMITED" {
            break;
        }
        assert_eq!(code(&v), "UNAUTHENTICATED");
        more += 1;
        assert!(more <= 5, "no limit after {more} more failures");
    }
    assert_eq!(checked + more, 5, "five failed checks per window in all");
    let after = sign_in(&app, "ada@example.com", PASSWORD).await;
    assert_eq!(code(&after), "RATE_LIMITED", "the account is limited even for the right password: {after}");
    assert!(after["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() > 0);
}

async fn the_account_limit_holds_across_two_server_processes(kind: Kind) {
    let a = TestApp::spawn(kind).await;
    let b = a.spawn_beside(&[]).await;
    a.sign_up("ada@example.com").await;
    for app in [&a, &b, &a, &b, &a] {
        assert_eq!(code(&sign_in(app, "ada@example.com", "wrong password").await), "UNAUTHENTICATED");
    }
    let v = sign_in(&b, "ada@example.com", "wrong password").await;
    assert_eq!(code(&v), "RATE_LIMITED", "the sixth failure is refused on the other process: {v}");
    assert_eq!(code(&sign_in(&a, "ada@example.com", PASSWORD).await), "RATE_LIMITED");
}

async fn a_success_clears_earlier_failures(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.sign_up("ada@example.com").await;
    for _ in 0..4 {
        assert_eq!(code(&sign_in(&app, "ada@example.com", "mistyped it").await), "UNAUTHENTICATED");
    }
    token_of(&sign_in(&app, "ada@example.com", PASSWORD).await, "signIn");
    for _ in 0..4 {
        assert_eq!(code(&sign_in(&app, "ada@example.com", "mistyped again").await), "UNAUTHENTICATED");
    }
    token_of(&sign_in(&app, "ada@example.com", PASSWORD).await, "signIn");
}

async fn a_huge_sign_in_email_is_refused_before_anything_is_stored(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let huge = format!("{}@example.com", "a".repeat(512 * 1024));
    for _ in 0..5 {
        let v = sign_in(&app, &huge, "whatever password").await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{}", &v.to_string()[..200.min(v.to_string().len())]);
        assert_eq!(field(&v), "email");
    }
    let v = sign_in(&app, "not-an-email", "whatever password").await;
    assert_eq!(field(&v), "email");
    // Unknown accounts and wrong passwords still answer alike.
    app.sign_up("ada@example.com").await;
    let unknown = sign_in(&app, "nobody@example.com", "whatever password").await;
    let wrong = sign_in(&app, "ada@example.com", "whatever password").await;
    assert_eq!(code(&unknown), "UNAUTHENTICATED");
    assert_eq!(unknown["errors"][0]["message"], wrong["errors"][0]["message"]);
}

async fn forwarded_addresses_are_believed_only_from_trusted_proxies(kind: Kind) {
    let sign_in_from = |app: &TestApp, xff: &str| {
        let req = app.client().post(app.url("/graphql")).header("x-forwarded-for", xff.to_owned()).json(&json!({
            "query": "mutation { signIn(input: {email: \"ghost@example.com\", password: \"wrong password\"}) { token } }"
        }));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    // Not trusted: the header is ignored, every request counts against 127.0.0.1.
    let app = TestApp::spawn(kind).await;
    for i in 0..20 {
        assert_eq!(code(&sign_in_from(&app, &format!("198.51.100.{i}")).await), "UNAUTHENTICATED");
    }
    assert_eq!(code(&sign_in_from(&app, "198.51.100.200").await), "RATE_LIMITED");
    // Trusted: each forwarded client has its own budget.
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_TRUSTED_PROXIES", "127.0.0.1/32")]).await;
    for i in 0..20 {
        assert_eq!(code(&sign_in_from(&app, "198.51.100.1").await), "UNAUTHENTICATED", "attempt {i}");
    }
    assert_eq!(code(&sign_in_from(&app, "198.51.100.1").await), "RATE_LIMITED");
    assert_eq!(code(&sign_in_from(&app, "198.51.100.2").await), "UNAUTHENTICATED");
}

async fn metrics_can_be_turned_off_and_guarded_by_a_token(kind: Kind) {
    let off = TestApp::spawn_with(kind, &[("RELATIONHUB_METRICS", "off")]).await;
    assert_eq!(off.get("/metrics").await.status(), 404);
    let prod = TestApp::spawn_with(kind, &[("RELATIONHUB_ENV", "production")]).await;
    assert_eq!(prod.get("/metrics").await.status(), 404, "off by default in production");
    let guarded = TestApp::spawn_with(kind, &[("RELATIONHUB_METRICS_TOKEN", "s3cret-scrape-token")]).await;
    assert_eq!(guarded.get("/metrics").await.status(), 401);
    let wrong = guarded.client().get(guarded.url("/metrics")).bearer_auth("nope").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right = guarded
        .client()
        .get(guarded.url("/metrics"))
        .bearer_auth("s3cret-scrape-token")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(right.text().await.unwrap().contains("relationhub_db_pool"));
}

on_both!(
    changing_the_password_revokes_every_session_and_returns_a_fresh_one,
    api_tokens_are_listed_without_secrets_and_revoked_at_once,
    an_expired_token_is_refused_and_not_listed,
    parallel_wrong_passwords_get_at_most_five_credential_checks,
    the_account_limit_holds_across_two_server_processes,
    a_success_clears_earlier_failures,
    a_huge_sign_in_email_is_refused_before_anything_is_stored,
    forwarded_addresses_are_believed_only_from_trusted_proxies,
    metrics_can_be_turned_off_and_guarded_by_a_token,
);
