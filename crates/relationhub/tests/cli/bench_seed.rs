use crate::common::{query_rows, run_db, scratch};
use relationhub::config::{Config, Overrides, Settings};
use relationhub::http::Application;
use serde_json::{Value, json};
use std::sync::Arc;
use testkit::{Kind, TestDb, on_both};

/// Per bench account: contacts, emails, history entries, templates.
async fn per_account(store: &store::Store) -> Vec<Vec<String>> {
    query_rows(
        store,
        r#"SELECT u."email",
                  (SELECT COUNT(*) FROM "contacts" c WHERE c."userId" = u."id"),
                  (SELECT COUNT(*) FROM "emails" e WHERE e."userId" = u."id"),
                  (SELECT COUNT(*) FROM "conversation_history" h WHERE h."userId" = u."id"),
                  (SELECT COUNT(*) FROM "email_templates" t WHERE t."userId" = u."id")
           FROM "users" u ORDER BY u."email""#,
    )
    .await
}

/// Every email and history row as text (ids, timestamps and contents), in id order.
async fn rows(store: &store::Store) -> Vec<Vec<String>> {
    let mut all = query_rows(
        store,
        r#"SELECT "id", "contactId", "subject", "body", CAST("status" AS TEXT), CAST("createdAt" AS TEXT),
                  CAST("sentAt" AS TEXT) FROM "emails" ORDER BY "id""#,
    )
    .await;
    all.extend(
        query_rows(
            store,
            r#"SELECT "id", "contactId", "content", CAST("timestamp" AS TEXT) FROM "conversation_history" ORDER BY "id""#,
        )
        .await,
    );
    all
}

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, query: &str) -> Value {
    let mut req = client.post(url).json(&json!({ "query": query }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap().json().await.unwrap()
}

async fn seed_scale_small_loads_bench_accounts_that_sign_in_and_a_second_load_is_refused(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    let out = run_db(&dir, &db.url, &["db", "seed", "--scale", "small"]).ok();
    assert!(out.stdout.contains("bench-001@example.com … bench-003@example.com"), "{}", out.stdout);
    assert!(out.stdout.contains("password: bench-password"), "{}", out.stdout);
    let store = db.connect().await;
    let expected: Vec<Vec<String>> = (1..=3)
        .map(|n| {
            [format!("bench-{n:03}@example.com"), "4".into(), "20".into(), "12".into(), "5".into()].to_vec()
        })
        .collect();
    assert_eq!(per_account(&store).await, expected);
    let before = rows(&store).await;

    let again = run_db(&dir, &db.url, &["db", "seed", "--scale", "small"]).failed();
    assert!(again.stderr.contains("already exist") && again.stderr.contains("--replace"), "{}", again.stderr);
    assert_eq!(per_account(&store).await, expected, "a refused load adds nothing");

    // Replacing with the same (default) seed loads exactly the same rows again.
    run_db(&dir, &db.url, &["db", "seed", "--scale", "small", "--replace"]).ok();
    assert_eq!(per_account(&store).await, expected);
    assert_eq!(rows(&store).await, before, "same seed, same data");

    // The bench account signs in with the published password and sees its data.
    let overrides = Overrides { database_url: Some(db.url.clone()), ..Default::default() };
    let config =
        Config::from_settings(Settings::from_pairs(vec![("RELATIONHUB_BIND", "127.0.0.1:0")]), &overrides)
            .unwrap();
    let app = Application::build(Arc::new(config), store.clone()).await.unwrap();
    let url = format!("http://{}/graphql", app.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let signed_in = post(
        &client,
        &url,
        None,
        r#"mutation { signIn(input: {email: "bench-002@example.com", password: "bench-password"}) { token } }"#,
    )
    .await;
    let token = signed_in["data"]["signIn"]["token"].as_str().unwrap_or_else(|| panic!("{signed_in}"));
    let page =
        post(&client, &url, Some(token), "{ emails(first: 5) { totalCount nodes { id body } } }").await;
    assert_eq!(page["data"]["emails"]["totalCount"], 20, "{page}");
    assert_eq!(page["data"]["emails"]["nodes"].as_array().map(Vec::len), Some(5), "{page}");
    let _ = stop.send(());
}

async fn generator_options_need_a_scale(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    let out = run_db(&dir, &db.url, &["db", "seed", "--seed", "7"]).failed();
    assert!(out.stderr.contains("--scale"), "{}", out.stderr);
    let bad = run_db(&dir, &db.url, &["db", "seed", "--scale", "huge"]).failed();
    assert!(bad.stderr.contains("huge"), "{}", bad.stderr);
}

async fn replace_deletes_only_the_accounts_a_load_created(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    run_db(&dir, &db.url, &["db", "seed", "--scale", "small"]).ok();
    let store = db.connect().await;
    // Someone signs up with an address that looks like a bench account.
    query_rows(&store, r#"INSERT INTO "users" ("id", "email", "name", "passwordHash", "updatedAt") VALUES ('real-user', 'bench-777@example.com', 'Real Person', 'h', '2025-01-01 00:00:00.000')"#).await;
    let before = per_account(&store).await;
    let out = run_db(&dir, &db.url, &["db", "seed", "--scale", "small", "--replace"]).failed();
    assert!(out.stderr.contains("not created by `db seed --scale`"), "{}", out.stderr);
    assert_eq!(per_account(&store).await, before, "nothing was deleted or loaded");
    // Once the real account is gone (its owner deleted it), replacing works and marks again.
    query_rows(&store, r#"DELETE FROM "users" WHERE "id" = 'real-user'"#).await;
    run_db(&dir, &db.url, &["db", "seed", "--scale", "small", "--replace"]).ok();
    let marks = query_rows(&store, r#"SELECT COUNT(*) FROM "seed_marks" WHERE "kind" = 'bench'"#).await;
    assert_eq!(marks[0][0], "3");
}

on_both!(
    seed_scale_small_loads_bench_accounts_that_sign_in_and_a_second_load_is_refused,
    generator_options_need_a_scale,
    replace_deletes_only_the_accounts_a_load_created,
);
