use crate::common::{TestApp, code, data};
use serde_json::json;
use testkit::{Kind, on_both};

async fn sign_up_sign_in_me_and_sign_out(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, id) = app.sign_up("Ada@Example.com").await;
    let me = app.gql(Some(&token), "{ me { id email name } }", json!({})).await;
    assert_eq!(data(&me)["me"]["id"], id);
    assert_eq!(data(&me)["me"]["email"], "ada@example.com");

    let v = app
        .gql(
            None,
            "mutation { signIn(input: {email: \"ada@example.com\", password: \"correct horse battery\"}) { token user { id } } }",
            json!({}),
        )
        .await;
    let second = data(&v)["signIn"]["token"].as_str().unwrap().to_owned();
    assert_ne!(second, token);
    let out = app.gql(Some(&second), "mutation { signOut { success } }", json!({})).await;
    assert_eq!(data(&out)["signOut"]["success"], true);
    let after = app.gql(Some(&second), "{ me { id } }", json!({})).await;
    assert_eq!(code(&after), "UNAUTHENTICATED", "a revoked token is refused");
    let first_still = app.gql(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(data(&first_still)["me"]["id"], id, "signing out one session leaves the others");
}

async fn wrong_password_and_duplicate_email_are_refused(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.sign_up("bob@example.com").await;
    let v = app
        .gql(
            None,
            "mutation { signIn(input: {email: \"bob@example.com\", password: \"nope nope\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "UNAUTHENTICATED");
    let v = app
        .gql(
            None,
            "mutation { signIn(input: {email: \"nobody@example.com\", password: \"nope nope\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "UNAUTHENTICATED", "unknown accounts answer exactly like wrong passwords");
    assert_eq!(v["errors"][0]["message"], "wrong email or password");
    let v = app
        .gql(
            None,
            "mutation { signUp(input: {email: \"BOB@example.com\", password: \"long enough\", name: \"B\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "CONFLICT");
}

async fn repeated_failed_sign_ins_are_rate_limited(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.sign_up("carol@example.com").await;
    let attempt = || {
        app.gql(
            None,
            "mutation { signIn(input: {email: \"carol@example.com\", password: \"wrong guess\"}) { token } }",
            json!({}),
        )
    };
    for _ in 0..5 {
        assert_eq!(code(&attempt().await), "UNAUTHENTICATED");
    }
    let v = attempt().await;
    assert_eq!(code(&v), "RATE_LIMITED");
    assert!(v["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() > 0);
    // Even the right password is refused while limited.
    let v = app
        .gql(
            None,
            "mutation { signIn(input: {email: \"carol@example.com\", password: \"correct horse battery\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "RATE_LIMITED");
}

async fn missing_malformed_expired_and_revoked_tokens_are_unauthenticated(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, user_id) = app.sign_up("dan@example.com").await;
    assert_eq!(code(&app.gql(None, "{ me { id } }", json!({})).await), "UNAUTHENTICATED");
    assert_eq!(
        code(&app.gql(Some("rh_not-a-token"), "{ contacts { totalCount } }", json!({})).await),
        "UNAUTHENTICATED"
    );
    // An expired API token.
    let (expired, hash) = relationhub::auth::token::generate();
    app.store
        .create_token(
            &user_id,
            &hash,
            domain::TokenKind::Api,
            None,
            Some(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .await
        .unwrap();
    assert_eq!(code(&app.gql(Some(&expired), "{ me { id } }", json!({})).await), "UNAUTHENTICATED");
    // A revoked session.
    app.store.revoke_token_by_hash(&relationhub::auth::token::hash(&token)).await.unwrap();
    assert_eq!(code(&app.gql(Some(&token), "{ me { id } }", json!({})).await), "UNAUTHENTICATED");
}

async fn closed_registration_forbids_sign_up(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_REGISTRATION", "closed")]).await;
    let v = app
        .gql(
            None,
            "mutation { signUp(input: {email: \"e@example.com\", password: \"long enough\", name: \"E\"}) { token } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "FORBIDDEN");
    assert!(app.store.user_by_email("e@example.com").await.unwrap().is_none());
}

async fn sign_up_validates_its_input(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    for (email, password, name, field) in [
        ("not-an-email", "long enough", "N", "email"),
        ("ok@example.com", "short", "N", "password"),
        ("ok@example.com", "long enough", "   ", "name"),
    ] {
        let v = app
            .gql(
                None,
                "mutation($i: SignUpInput!) { signUp(input: $i) { token } }",
                json!({ "i": { "email": email, "password": password, "name": name } }),
            )
            .await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
        assert_eq!(crate::common::field(&v), field);
    }
}

on_both!(
    sign_up_sign_in_me_and_sign_out,
    wrong_password_and_duplicate_email_are_refused,
    repeated_failed_sign_ins_are_rate_limited,
    missing_malformed_expired_and_revoked_tokens_are_unauthenticated,
    closed_registration_forbids_sign_up,
    sign_up_validates_its_input,
);
