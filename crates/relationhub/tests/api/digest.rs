//! Per-user cadence defaults, the daily digest and auto-drafts (issue 12): defaults configurable
//! and followed by contacts on "the default"; exactly one digest per user per day with two
//! workers on one database, after a restart and after a crashed pass; none when nothing is due;
//! auto-drafts created once. Time moves on a shared `ManualClock`.

use crate::common::{TestApp, code, field};
use chrono::{DateTime, Duration, Utc};
use domain::{Clock, ManualClock};
use relationhub::app::digest::{DigestOptions, RoundReport, run_round};
use relationhub::config::{Config, Overrides, Settings};
use relationhub::graphql::AppState;
use serde_json::{Value, json};
use std::sync::Arc;
use testkit::{Kind, on_both};

const PREFS: &str = "{ me { preferences { timeZone stayInTouchDefaults { high medium low } dailyDigest autoDraft digestTime nextDigestAt lastDigestAt } } }";
const UPDATE: &str = "mutation($input: UpdatePreferencesInput!) { updatePreferences(input: $input) {
    reappliedContacts preferences { stayInTouchDefaults { high medium low } dailyDigest autoDraft digestTime nextDigestAt } } }";
const CREATE: &str = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id stayInTouchDays stayInTouchDefault nextTouchAt createdAt } } }";
const UPDATE_CONTACT: &str = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id stayInTouchDays stayInTouchDefault nextTouchAt createdAt } } }";
const CONTACT: &str = "query($id: ID!) { contact(id: $id) { id stayInTouchDays stayInTouchDefault nextTouchAt createdAt touchStatus } }";

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}")).parse().unwrap()
}

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql_ok(token, CREATE, json!({ "input": input })).await["createContact"]["contact"].clone()
}

async fn contact(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_ok(token, CONTACT, json!({ "id": id })).await["contact"].clone()
}

async fn update_prefs(app: &TestApp, token: &str, input: Value) -> Value {
    app.gql_ok(token, UPDATE, json!({ "input": input })).await["updatePreferences"].clone()
}

/// A second "process" on the app's database: its own pool, configuration and outbox directory,
/// the shared clock.
async fn worker_state(app: &TestApp, clock: &ManualClock, data_dir: &std::path::Path) -> AppState {
    let data = data_dir.to_string_lossy().into_owned();
    let settings = Settings::from_pairs([
        ("RELATIONHUB_DATA_DIR", data.as_str()),
        ("RELATIONHUB_PUBLIC_URL", "https://crm.example.com"),
    ]);
    let overrides = Overrides { database_url: Some(app.db.url.clone()), ..Default::default() };
    let config = Arc::new(Config::from_settings(settings, &overrides).unwrap());
    let store = app.db.alias().connect().await;
    let generator = llm::Generator::new(&config.ai).unwrap();
    let mut st = AppState::with_generator(store, config, generator).unwrap();
    st.clock = Arc::new(clock.clone());
    st
}

fn outbox(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("outbox")) else { return Vec::new() };
    let mut files: Vec<_> =
        entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match app.store.db() {
        store::Db::Postgres(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await.unwrap(),
        store::Db::Sqlite(p) => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await.unwrap(),
    }
}

async fn both_workers(a: &AppState, b: &AppState) -> RoundReport {
    let opts = DigestOptions::default();
    let (ra, rb) = tokio::join!(run_round(a, "worker-a", &opts), run_round(b, "worker-b", &opts));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    RoundReport {
        passes: ra.passes + rb.passes,
        digests: ra.digests + rb.digests,
        drafts: ra.drafts + rb.drafts,
    }
}

async fn cadence_defaults_are_configurable_and_contacts_on_the_default_follow_them(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let p = app.gql_ok(&token, PREFS, json!({})).await["me"]["preferences"].clone();
    assert_eq!(p["stayInTouchDefaults"], json!({ "high": 30, "medium": 60, "low": 180 }));
    assert_eq!((p["dailyDigest"].clone(), p["autoDraft"].clone()), (json!(false), json!(false)));
    assert_eq!(p["digestTime"], "08:00");
    assert!(p["nextDigestAt"].is_null(), "no pass scheduled while both are off");

    let follows =
        create(&app, &token, json!({ "name": "Ada", "email": "ada@example.com", "priority": "HIGH" })).await;
    assert_eq!(
        (follows["stayInTouchDays"].clone(), follows["stayInTouchDefault"].clone()),
        (json!(30), json!(true))
    );
    let pinned = create(
        &app,
        &token,
        json!({ "name": "Bob", "email": "bob@example.com", "priority": "HIGH", "stayInTouchDays": 45 }),
    )
    .await;
    assert_eq!(
        (pinned["stayInTouchDays"].clone(), pinned["stayInTouchDefault"].clone()),
        (json!(45), json!(false))
    );

    let saved =
        update_prefs(&app, &token, json!({ "stayInTouchDefaults": { "high": 10, "low": null } })).await;
    assert_eq!(saved["preferences"]["stayInTouchDefaults"], json!({ "high": 10, "medium": 60, "low": null }));
    assert!(saved["reappliedContacts"].as_i64().unwrap() >= 1);
    let a = contact(&app, &token, follows["id"].as_str().unwrap()).await;
    assert_eq!(a["stayInTouchDays"], 10, "a contact on the default follows it");
    assert_eq!(
        time(&a["nextTouchAt"]),
        time(&a["createdAt"]) + Duration::days(10),
        "and its due date with it"
    );
    let b = contact(&app, &token, pinned["id"].as_str().unwrap()).await;
    assert_eq!(b["stayInTouchDays"], 45, "a cadence set by hand stays");

    let low =
        create(&app, &token, json!({ "name": "Low", "email": "low@example.com", "priority": "LOW" })).await;
    assert!(low["stayInTouchDays"].is_null(), "LOW now defaults to no cadence");
    assert_eq!(contact(&app, &token, low["id"].as_str().unwrap()).await["touchStatus"], "NO_CADENCE");

    // A new priority brings its default; asking to follow the default again takes it.
    let v = app
        .gql_ok(&token, UPDATE_CONTACT, json!({ "input": { "id": follows["id"], "priority": "MEDIUM" } }))
        .await;
    assert_eq!(v["updateContact"]["contact"]["stayInTouchDays"], 60);
    let v = app
        .gql_ok(
            &token,
            UPDATE_CONTACT,
            json!({ "input": { "id": pinned["id"], "stayInTouchDefault": true } }),
        )
        .await;
    assert_eq!(v["updateContact"]["contact"]["stayInTouchDays"], 10);
    assert_eq!(v["updateContact"]["contact"]["stayInTouchDefault"], true);

    // Bad values are refused by name and change nothing.
    for (input, name) in [
        (json!({ "stayInTouchDefaults": { "high": 0 }, "dailyDigest": true }), "stayInTouchDefaults.high"),
        (json!({ "digestTime": "25:00", "dailyDigest": true }), "digestTime"),
        (json!({ "timeZone": "Mars/Olympus", "dailyDigest": true }), "timeZone"),
    ] {
        let expected = name;
        let v = app.gql(Some(&token), UPDATE, json!({ "input": input })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
        assert_eq!(field(&v), expected, "{v}");
    }
    let p = app.gql_ok(&token, PREFS, json!({})).await["me"]["preferences"].clone();
    assert_eq!(p["dailyDigest"], false);
    assert_eq!(p["stayInTouchDefaults"]["high"], 10);
}

async fn one_digest_per_user_per_day_across_workers_restarts_and_a_crashed_pass(kind: Kind) {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(kind, clock.clone()).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    let due = create(
        &app,
        &token,
        json!({ "name": "Ada Lovelace", "email": "ada@example.com", "stayInTouchDays": 1 }),
    )
    .await;
    create(&app, &token, json!({ "name": "Later", "email": "later@example.com", "stayInTouchDays": 30 }))
        .await;
    let saved = update_prefs(
        &app,
        &token,
        json!({ "timeZone": "Europe/Berlin", "dailyDigest": true, "autoDraft": true, "digestTime": "07:30" }),
    )
    .await;
    let slot = time(&saved["preferences"]["nextDigestAt"]);
    let local = slot.with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(local.format("%H:%M").to_string(), "07:30", "the pass is at the local time");
    assert!(slot > clock.now() && slot <= clock.now() + Duration::days(1));

    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (worker_state(&app, &clock, dir.path()).await, worker_state(&app, &clock, dir.path()).await);
    // Before the slot: nothing.
    assert_eq!(both_workers(&a, &b).await, RoundReport::default());

    // A day after the slot the first contact is due: two workers at once make one pass.
    clock.set(slot + Duration::days(1));
    let r = both_workers(&a, &b).await;
    assert_eq!((r.passes, r.digests, r.drafts), (1, 1, 1), "{r:?}");
    let mails = outbox(dir.path());
    assert_eq!(mails.len(), 1);
    let eml = &mails[0];
    assert!(eml.contains("To: owner@example.com") || eml.contains("<owner@example.com>"), "{eml}");
    assert!(eml.contains("Subject: RelationHub digest for"), "{eml}");
    assert!(eml.contains("1 contact to get in touch with"), "{eml}");
    assert!(eml.contains("Ada Lovelace"), "{eml}");
    assert!(!eml.contains("Later ("), "a contact not due is not listed: {eml}");
    assert!(eml.contains("Drafts waiting for your approval (1)"), "the auto-draft is listed: {eml}");
    assert!(
        eml.contains(&format!("https://crm.example.com/contacts/{}", due["id"].as_str().unwrap())),
        "{eml}"
    );
    let drafts =
        format!(r#"SELECT COUNT(*) FROM "emails" WHERE "userId" = '{user_id}' AND "status" = 'DRAFT'"#);
    assert_eq!(scalar(&app, &drafts).await, 1, "one auto-draft");
    let p = app.gql_ok(&token, PREFS, json!({})).await["me"]["preferences"].clone();
    assert!(time(&p["nextDigestAt"]) > clock.now(), "the next pass is tomorrow");
    assert!(!p["lastDigestAt"].is_null());

    // A restart (fresh workers) and a second round the same day: nothing more.
    let (a, b) = (worker_state(&app, &clock, dir.path()).await, worker_state(&app, &clock, dir.path()).await);
    assert_eq!(both_workers(&a, &b).await, RoundReport::default());
    // Even if the slot had not been moved on (a crash after the digest was recorded).
    app.sql(&format!(
        r#"UPDATE "user_preferences" SET "nextDigestAt" = '{}' WHERE "userId" = '{user_id}'"#,
        store::Ts::new(slot).to_sqlite_text()
    ))
    .await;
    assert_eq!(both_workers(&a, &b).await.digests, 0);
    assert_eq!(outbox(dir.path()).len(), 1, "still exactly one digest that day");

    // The next day a worker claims the pass and dies: the others wait for its lease, then one
    // finishes it. The contact is still due (listed again) but was drafted already (no new draft).
    let p = app.gql_ok(&token, PREFS, json!({})).await["me"]["preferences"].clone();
    let next = time(&p["nextDigestAt"]);
    clock.set(next + Duration::minutes(1));
    let day = relationhub::app::digest::local_day(next, chrono_tz::Europe::Berlin);
    let lease = store::Ts::new(clock.now() + Duration::minutes(5)).to_sqlite_text();
    let now = store::Ts::new(clock.now()).to_sqlite_text();
    app.sql(&format!(
        r#"INSERT INTO "digests" ("id", "userId", "day", "status", "worker", "leaseUntil", "createdAt", "updatedAt")
           VALUES ('crashed', '{user_id}', '{day}', 'RUNNING', 'dead', '{lease}', '{now}', '{now}')"#
    ))
    .await;
    assert_eq!(both_workers(&a, &b).await.digests, 0, "the dead worker's lease is still live");
    clock.set(next + Duration::minutes(7));
    let r = both_workers(&a, &b).await;
    assert_eq!((r.passes, r.digests, r.drafts), (1, 1, 0), "{r:?}");
    assert_eq!(outbox(dir.path()).len(), 2);
    assert_eq!(scalar(&app, &drafts).await, 1, "auto-drafts are created once");
    let sent =
        format!(r#"SELECT COUNT(*) FROM "digests" WHERE "userId" = '{user_id}' AND "status" = 'SENT'"#);
    assert_eq!(scalar(&app, &sent).await, 2, "one per day");
}

async fn nothing_due_means_no_digest_and_the_pass_moves_on(kind: Kind) {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(kind, clock.clone()).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    create(&app, &token, json!({ "name": "Later", "email": "later@example.com", "stayInTouchDays": 30 }))
        .await;
    let saved = update_prefs(&app, &token, json!({ "dailyDigest": true, "autoDraft": true })).await;
    assert_eq!(saved["preferences"]["digestTime"], "08:00", "the default time");
    let slot = time(&saved["preferences"]["nextDigestAt"]);
    let dir = tempfile::tempdir().unwrap();
    let a = worker_state(&app, &clock, dir.path()).await;
    clock.set(slot + Duration::minutes(1));
    let r = run_round(&a, "worker-a", &DigestOptions::default()).await.unwrap();
    assert_eq!((r.passes, r.digests, r.drafts), (1, 0, 0), "{r:?}");
    assert!(outbox(dir.path()).is_empty(), "no email");
    let skipped =
        format!(r#"SELECT COUNT(*) FROM "digests" WHERE "userId" = '{user_id}' AND "status" = 'SKIPPED'"#);
    assert_eq!(scalar(&app, &skipped).await, 1);
    let p = app.gql_ok(&token, PREFS, json!({})).await["me"]["preferences"].clone();
    assert_eq!(time(&p["nextDigestAt"]), slot + Duration::days(1), "tomorrow at 08:00 UTC");
    assert!(p["lastDigestAt"].is_null());

    // Turning both off unschedules the pass.
    let saved = update_prefs(&app, &token, json!({ "dailyDigest": false, "autoDraft": false })).await;
    assert!(saved["preferences"]["nextDigestAt"].is_null());
}

on_both!(
    cadence_defaults_are_configurable_and_contacts_on_the_default_follow_them,
    one_digest_per_user_per_day_across_workers_restarts_and_a_crashed_pass,
    nothing_due_means_no_digest_and_the_pass_moves_on,
);
