//! Inbound mail against a real Dovecot: the use-case layer's connect and sync pass. The
//! GraphQL API and the background worker are tested in `inbound_sync`.

use crate::common::TestApp;
use inbound::imap::{self, Security};
use inbound::testing::Dovecot;
use relationhub::app::inbound::{self as rh_inbound, Connect};
use relationhub::config::{Config, Overrides, Settings};
use relationhub::graphql::AppState;
use std::sync::Arc;
use testkit::{Kind, on_both};

pub const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

pub fn state(app: &TestApp, key: Option<&str>) -> AppState {
    state_with(app, key, &[])
}

/// State over `app`'s database with these extra settings (as another process would have).
pub fn state_with(app: &TestApp, key: Option<&str>, extra: &[(&str, &str)]) -> AppState {
    let mut pairs = vec![("RELATIONHUB_BIND", "127.0.0.1:0")];
    pairs.extend_from_slice(extra);
    if let Some(k) = key {
        pairs.push(("RELATIONHUB_SECRET_KEY", k));
    }
    let overrides = Overrides { database_url: Some(app.db.url.clone()), ..Default::default() };
    let config = Config::from_settings(Settings::from_pairs(pairs), &overrides).unwrap();
    AppState::new(app.store.clone(), Arc::new(config)).unwrap()
}

fn connect_input(dv: &Dovecot, user: &str, password: &str) -> Connect {
    Connect {
        host: "127.0.0.1".into(),
        port: dv.port,
        security: Security::None,
        username: user.into(),
        password: password.into(),
        folders: vec!["INBOX".into(), "Box".into()],
        role: "CAPTURE".into(),
    }
}

pub fn msg(id: &str, from: &str, to: &str, extra: &str, body: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: {to}\r\nSubject: s {id}\r\nMessage-ID: <{id}>\r\n{extra}Date: Tue, 1 Dec 2026 07:00:00 +0000\r\n\r\n{body}\r\n")
        .into_bytes()
}

pub async fn history_count(app: &TestApp, contact: &str, direction: &str) -> i64 {
    let sql = r#"SELECT COUNT(*) FROM "conversation_history" WHERE "contactId" = $1 AND CAST("direction" AS TEXT) = $2"#;
    match app.store.db() {
        store::Db::Postgres(p) => {
            sqlx::query_scalar(sql).bind(contact).bind(direction).fetch_one(p).await.unwrap()
        }
        store::Db::Sqlite(p) => {
            sqlx::query_scalar(sql).bind(contact).bind(direction).fetch_one(p).await.unwrap()
        }
    }
}

async fn sync_files_contacts_bcc_and_review_once_and_resumes(kind: Kind) {
    let dv = Dovecot::start(&["cap"]).unwrap();
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let ada = app.contact(&token, "Ada").await;
    let user = app.store.user_by_email("owner@example.com").await.unwrap().unwrap();
    let st = state(&app, Some(KEY));

    let mut s = imap::login(&dv.endpoint("cap")).await.unwrap();
    s.create("Box").await.unwrap();
    let mb =
        rh_inbound::connect(&st, &user, connect_input(&dv, "cap", inbound::testing::PASSWORD)).await.unwrap();
    assert_eq!(mb.status, "IDLE");
    assert!(!mb.password_enc.contains(inbound::testing::PASSWORD), "the password is stored encrypted");

    let from_ada = msg("m1@x", "Ada <ada@example.com>", "owner@example.com", "", "Hello from Ada");
    imap::append(&mut s, "INBOX", &from_ada).await.unwrap();
    imap::append(&mut s, "INBOX", &from_ada).await.unwrap(); // the same message twice
    imap::append(&mut s, "INBOX", &msg("m2@x", "owner@example.com", "ada@example.com", "", "BCC to Ada"))
        .await
        .unwrap();
    imap::append(&mut s, "INBOX", &msg("m3@x", "stranger@else.org", "owner@example.com", "", "Who am I"))
        .await
        .unwrap();

    let c = rh_inbound::sync_pass(&st, &mb.id, "p1").await.unwrap().unwrap();
    assert_eq!((c.imported, c.queued, c.skipped), (2, 1, 1), "{c:?}");
    assert_eq!(history_count(&app, &ada, "RECEIVED").await, 1, "one entry however often it arrives");
    assert_eq!(history_count(&app, &ada, "SENT").await, 1, "the BCC'd message is a SENT entry");
    let review = app.store.review_items(&user.id, 10, None).await.unwrap();
    assert_eq!(review.len(), 1);
    assert_eq!(review[0].from_address, "stranger@else.org");
    let row = app.store.mailbox(&user.id, &mb.id).await.unwrap();
    assert_eq!((row.status.as_str(), row.imported_count, row.queued_count), ("IDLE", 2, 1));
    assert!(row.last_sync_at.is_some());

    // Restart: a new pass (as after a restart) resumes from the checkpoint.
    imap::append(&mut s, "INBOX", &msg("m4@x", "ada@example.com", "owner@example.com", "", "Again"))
        .await
        .unwrap();
    let c = rh_inbound::sync_pass(&st, &mb.id, "p2").await.unwrap().unwrap();
    assert_eq!((c.imported, c.queued, c.skipped), (1, 0, 0), "only the new message: {c:?}");
    assert_eq!(history_count(&app, &ada, "RECEIVED").await, 2);

    // A UIDVALIDITY change (the folder is recreated) re-scans without duplicates.
    imap::append(&mut s, "Box", &from_ada).await.unwrap();
    let c = rh_inbound::sync_pass(&st, &mb.id, "p3").await.unwrap().unwrap();
    assert_eq!((c.imported, c.skipped), (0, 1), "already filed from INBOX: {c:?}");
    let before = app.store.folder_checkpoint(&mb.id, "Box").await.unwrap().unwrap();
    s.delete("Box").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    s.create("Box").await.unwrap();
    imap::append(&mut s, "Box", &from_ada).await.unwrap();
    let c = rh_inbound::sync_pass(&st, &mb.id, "p4").await.unwrap().unwrap();
    assert_eq!(c.imported + c.queued, 0, "no duplicates after a re-scan: {c:?}");
    let after = app.store.folder_checkpoint(&mb.id, "Box").await.unwrap().unwrap();
    assert_ne!(before.0, after.0, "the server's UIDVALIDITY changed");
    assert_eq!(history_count(&app, &ada, "RECEIVED").await, 2);
}

async fn wrong_password_is_refused_and_a_missing_key_is_a_clear_refusal(kind: Kind) {
    let dv = Dovecot::start(&["cap"]).unwrap();
    let app = TestApp::spawn(kind).await;
    app.sign_up("owner@example.com").await;
    let user = app.store.user_by_email("owner@example.com").await.unwrap().unwrap();

    let no_key = state(&app, None);
    let e = rh_inbound::connect(&no_key, &user, connect_input(&dv, "cap", "secret")).await.unwrap_err();
    assert!(e.to_string().contains("RELATIONHUB_SECRET_KEY"), "{e}");

    let st = state(&app, Some(KEY));
    let e = rh_inbound::connect(&st, &user, connect_input(&dv, "cap", "wrong")).await.unwrap_err();
    assert!(e.to_string().contains("wrong username or password"), "{e}");
    assert!(rh_inbound::list(&st, &user).await.unwrap().is_empty(), "nothing stored");
}

on_both!(sync_files_contacts_bcc_and_review_once_and_resumes);
on_both!(wrong_password_is_refused_and_a_missing_key_is_a_clear_refusal);

async fn a_leased_mailbox_is_not_synced_by_a_second_process(kind: Kind) {
    let dv = Dovecot::start(&["cap"]).unwrap();
    let app = TestApp::spawn(kind).await;
    app.sign_up("owner@example.com").await;
    let user = app.store.user_by_email("owner@example.com").await.unwrap().unwrap();
    let st = state(&app, Some(KEY));
    let mut input = connect_input(&dv, "cap", inbound::testing::PASSWORD);
    input.folders = vec!["INBOX".into()];
    let mb = rh_inbound::connect(&st, &user, input).await.unwrap();
    let until = chrono::Utc::now() + chrono::Duration::minutes(5);
    assert!(app.store.claim_mailbox(&mb.id, "process-a", until).await.unwrap().is_some());
    assert!(rh_inbound::sync_pass(&st, &mb.id, "process-b").await.unwrap().is_none(), "the lease holds");
    app.store.finish_mailbox_pass(&mb.id, "process-a", None, 0, 0).await.unwrap();
    assert!(rh_inbound::sync_pass(&st, &mb.id, "process-b").await.unwrap().is_some(), "free again");
}

on_both!(a_leased_mailbox_is_not_synced_by_a_second_process);

async fn a_reply_by_in_reply_to_sets_replied_at_and_adds_a_received_entry(kind: Kind) {
    let dv = Dovecot::start(&["cap"]).unwrap();
    let app = TestApp::spawn(kind).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    let bob = app.contact(&token, "Bob").await;
    let sent_at = chrono::Utc::now() - chrono::Duration::days(2);
    let email =
        app.email_with_status(&user_id, &bob, "Hello", domain::EmailStatus::Sent, Some(sent_at)).await;
    app.sql(&format!(r#"UPDATE "emails" SET "messageId" = '<sent-1@rh.example>' WHERE "id" = '{email}'"#))
        .await;
    let user = app.store.user_by_email("owner@example.com").await.unwrap().unwrap();
    let st = state(&app, Some(KEY));
    let mut input = connect_input(&dv, "cap", inbound::testing::PASSWORD);
    input.folders = vec!["INBOX".into()];
    let mb = rh_inbound::connect(&st, &user, input).await.unwrap();
    let mut s = imap::login(&dv.endpoint("cap")).await.unwrap();
    // From an address that is not the contact's: only the In-Reply-To header links it.
    let reply = msg(
        "r1@x",
        "bob.other@else.org",
        "owner@example.com",
        "In-Reply-To: <sent-1@rh.example>\r\n",
        "Yes!",
    );
    imap::append(&mut s, "INBOX", &reply).await.unwrap();
    let c = rh_inbound::sync_pass(&st, &mb.id, "p1").await.unwrap().unwrap();
    assert_eq!((c.imported, c.queued), (1, 0), "{c:?}");
    assert_eq!(history_count(&app, &bob, "RECEIVED").await, 1);
    let e = app.store.email(&user_id, &email).await.unwrap();
    assert!(e.replied_at.is_some(), "repliedAt is set");
}

on_both!(a_reply_by_in_reply_to_sets_replied_at_and_adds_a_received_entry);
