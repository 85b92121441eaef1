//! The bearer-token cache (`RELATIONHUB_TOKEN_CACHE_SECS`): two servers on one database, each
//! caching the tokens it has seen; a sign-out, a revoked API token and a password change made
//! on one are refused by the other as soon as PostgreSQL has delivered the notification —
//! long before the cache's five minutes here would end the entry.

use crate::common::{TestApp, code, data};
use serde_json::{Value, json};
use std::time::Duration;
use testkit::{Kind, on_both};

const PASSWORD: &str = "correct horse battery";
/// Long enough that only an invalidation can end a cached entry during the test.
const CACHING: [(&str, &str); 1] = [("RELATIONHUB_TOKEN_CACHE_SECS", "300")];

/// Waits until the server answers token lookups from its cache (on PostgreSQL: once its
/// revocation listener is connected). Not a timing assertion: it only waits for readiness.
async fn until_caching(app: &TestApp) {
    for _ in 0..500 {
        if app.store.token_cache_is_live() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the token cache never went live");
}

async fn me(app: &TestApp, token: &str) -> Value {
    app.gql(Some(token), "{ me { id name } }", json!({})).await
}

/// Asks `app` with `token` until it is refused, for at most two seconds. The other process
/// learns of a revocation when PostgreSQL delivers the notification (well under a millisecond on
/// an idle machine), so its very next request can, on a busy one, still overtake it: what must
/// hold is that the revocation arrives by notification, not by the cache's 300 s lifetime.
async fn refused_soon(app: &TestApp, token: &str, what: &str) {
    let mut last = Value::Null;
    for _ in 0..200 {
        last = me(app, token).await;
        if last["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: still answered two seconds later: {last}");
}

async fn revocations_on_one_server_reach_another_that_cached_the_token_at_once(kind: Kind) {
    let a = TestApp::spawn_with(kind, &CACHING).await;
    let b = a.spawn_beside(&CACHING).await;
    until_caching(&a).await;
    until_caching(&b).await;
    let (first, id) = a.sign_up("ada@example.com").await;
    let sign_in = format!(
        r#"mutation {{ signIn(input: {{email: "ada@example.com", password: "{PASSWORD}"}}) {{ token }} }}"#
    );
    let second =
        data(&a.gql(None, &sign_in, json!({})).await)["signIn"]["token"].as_str().unwrap().to_owned();
    let api = a
        .gql_ok(&first, r#"mutation { createApiToken(input: {name: "script"}) { token } }"#, json!({}))
        .await["createApiToken"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Both servers have now looked up (and cached) every token, twice.
    for app in [&a, &b, &a, &b] {
        for token in [&first, &second, &api] {
            assert_eq!(data(&me(app, token).await)["me"]["id"], id.as_str());
        }
    }

    let out = a.gql(Some(&second), "mutation { signOut { success } }", json!({})).await;
    assert_eq!(data(&out)["signOut"]["success"], true);
    refused_soon(&b, &second, "signed out on A, refused on B").await;
    assert_eq!(code(&me(&a, &second).await), "UNAUTHENTICATED");
    assert_eq!(data(&me(&b, &first).await)["me"]["id"], id.as_str(), "other sessions go on");

    let tokens = a.gql_ok(&first, "{ apiTokens { nodes { id kind } } }", json!({})).await;
    let api_id = tokens["apiTokens"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "API")
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .unwrap();
    let revoke = "mutation($id: ID!) { revokeApiToken(input: {id: $id}) { revokedId } }";
    a.gql_ok(&first, revoke, json!({ "id": api_id })).await;
    refused_soon(&b, &api, "revoked on A, refused on B").await;

    let change = "mutation($c: String!, $n: String!) { changePassword(input: {currentPassword: $c, newPassword: $n}) { token } }";
    let v = a.gql(Some(&first), change, json!({ "c": PASSWORD, "n": "a brand new secret" })).await;
    let fresh = data(&v)["changePassword"]["token"].as_str().unwrap().to_owned();
    refused_soon(&b, &first, "the password changed on A, the old session refused on B").await;
    assert_eq!(data(&me(&b, &fresh).await)["me"]["id"], id.as_str());
}

on_both!(revocations_on_one_server_reach_another_that_cached_the_token_at_once);
