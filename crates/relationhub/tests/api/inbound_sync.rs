//! Inbound mail end to end against a real Dovecot: the GraphQL API (connect, sync, review,
//! aliases) and the background worker (IDLE delivery, a failing mailbox beside a good one,
//! restart from the checkpoint, two workers on one database).

use crate::common::{TestApp, code};
use crate::inbound::{KEY, history_count, msg, state_with};
use inbound::imap;
use inbound::testing::{Dovecot, PASSWORD};
use relationhub::app::inbound::worker;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use testkit::{Kind, on_both};
use tokio_util::sync::CancellationToken;

const CONNECT: &str = "mutation($input: ConnectMailboxInput!) { connectMailbox(input: $input) { mailbox { id status lastSyncAt lastError importedCount queuedCount folders security role } } }";
const SYNC: &str = "mutation($id: ID!) { syncMailbox(input: { id: $id }) { mailbox { id status lastSyncAt lastError importedCount queuedCount } } }";
const REVIEW: &str = "query($after: String) { inboxReview(first: 1, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id from subject receivedAt } } }";

fn connect_vars(dv: &Dovecot, user: &str, password: &str) -> Value {
    json!({ "input": { "host": "127.0.0.1", "port": dv.port, "security": "NONE", "username": user, "password": password, "folders": ["INBOX"], "role": "CAPTURE" } })
}

/// Polls `$cond` (an expression that may `.await`) until it holds or a generous deadline
/// passes (no timing assertion).
macro_rules! eventually {
    ($what:expr, $cond:expr) => {{
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if $cond {
                break;
            }
            assert!(Instant::now() < deadline, "timed out waiting for: {}", $what);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }};
}

async fn connect_mailbox_sync_and_review_over_graphql(kind: Kind) {
    let dv = Dovecot::start(&["cap"]).unwrap();
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_SECRET_KEY", KEY)]).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let ada = app.contact(&token, "Ada").await;

    // A wrong password is refused with the server's reason, and nothing is stored.
    let v = app.gql(Some(&token), CONNECT, connect_vars(&dv, "cap", "wrong")).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(v.to_string().contains("wrong username or password"), "{v}");

    let v = app.gql_ok(&token, CONNECT, connect_vars(&dv, "cap", PASSWORD)).await;
    assert!(!v.to_string().contains(PASSWORD), "the password is never returned");
    let mb = &v["connectMailbox"]["mailbox"];
    assert_eq!(
        (mb["status"].as_str(), mb["security"].as_str(), mb["role"].as_str()),
        (Some("IDLE"), Some("NONE"), Some("CAPTURE"))
    );
    let id = mb["id"].as_str().unwrap().to_owned();

    let v = app
        .gql(
            Some(&token),
            "mutation { setMailAliases(input: { addresses: [\"Me@Work.example\", \"bad\"] }) { addresses } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let v = app
        .gql_ok(
            &token,
            "mutation { setMailAliases(input: { addresses: [\"Me@Work.example\"] }) { addresses } }",
            json!({}),
        )
        .await;
    assert_eq!(v["setMailAliases"]["addresses"], json!(["me@work.example"]));

    let mut s = imap::login(&dv.endpoint("cap")).await.unwrap();
    for m in [
        msg("g1@x", "Ada <ada@example.com>", "owner@example.com", "", "Hello from Ada"),
        msg("g2@x", "me@work.example", "ada@example.com", "", "Sent from my alias"),
        msg("g3@x", "Zed <zed@else.org>", "owner@example.com", "", "Hi, I am Zed"),
        msg("g4@x", "spam@else.org", "owner@example.com", "", "Buy now"),
    ] {
        imap::append(&mut s, "INBOX", &m).await.unwrap();
    }
    let v = app.gql_ok(&token, SYNC, json!({ "id": id })).await;
    let mb = &v["syncMailbox"]["mailbox"];
    assert_eq!(mb["status"], "IDLE", "{mb}");
    assert_eq!((mb["importedCount"].as_i64(), mb["queuedCount"].as_i64()), (Some(2), Some(2)), "{mb}");
    assert!(mb["lastSyncAt"].is_string() && mb["lastError"].is_null(), "{mb}");
    assert_eq!(history_count(&app, &ada, "RECEIVED").await, 1);
    assert_eq!(history_count(&app, &ada, "SENT").await, 1, "mail from an alias is mail from the user");

    // The review queue pages newest first.
    let v = app.gql_ok(&token, REVIEW, json!({})).await;
    let r = &v["inboxReview"];
    assert_eq!(
        (r["totalCount"].as_i64(), r["pageInfo"]["hasNextPage"].as_bool()),
        (Some(2), Some(true)),
        "{r}"
    );
    let first = r["nodes"][0].clone();
    let v = app.gql_ok(&token, REVIEW, json!({ "after": r["pageInfo"]["endCursor"] })).await;
    let second = v["inboxReview"]["nodes"][0].clone();
    assert_ne!(first["id"], second["id"]);
    let zed = if first["from"] == "zed@else.org" { first } else { second };
    assert_eq!(zed["subject"], "s g3@x");

    let v = app.gql_ok(&token, "mutation($id: ID!) { addContactFromReview(input: { id: $id }) { filedCount contact { id name email } } }", json!({ "id": zed["id"] })).await;
    let added = &v["addContactFromReview"];
    assert_eq!(
        (added["filedCount"].as_i64(), added["contact"]["name"].as_str()),
        (Some(1), Some("Zed")),
        "{added}"
    );
    let zed_id = added["contact"]["id"].as_str().unwrap();
    assert_eq!(history_count(&app, zed_id, "RECEIVED").await, 1, "the queued message is filed");

    let v = app
        .gql_ok(
            &token,
            "mutation { ignoreSender(input: { address: \"SPAM@else.org\" }) { address removedCount } }",
            json!({}),
        )
        .await;
    assert_eq!(v["ignoreSender"], json!({ "address": "spam@else.org", "removedCount": 1 }));
    let v = app.gql_ok(&token, REVIEW, json!({})).await;
    assert_eq!(v["inboxReview"]["totalCount"], 0);
    imap::append(&mut s, "INBOX", &msg("g5@x", "spam@else.org", "owner@example.com", "", "Again"))
        .await
        .unwrap();
    let v = app.gql_ok(&token, SYNC, json!({ "id": id })).await;
    assert_eq!(v["syncMailbox"]["mailbox"]["queuedCount"], 2, "an ignored sender is dropped");

    // Another user sees none of it.
    let (other, _) = app.sign_up("other@example.com").await;
    let v = app.gql(Some(&other), SYNC, json!({ "id": id })).await;
    assert_eq!(code(&v), "NOT_FOUND");
    let v = app.gql_ok(&other, "{ mailboxes { id } inboxReview { totalCount } }", json!({})).await;
    assert_eq!(v, json!({ "mailboxes": [], "inboxReview": { "totalCount": 0 } }));

    let v = app.gql_ok(&token, "mutation($id: ID!) { updateMailbox(input: { id: $id, folders: [\"INBOX\", \"Sent\"] }) { mailbox { folders } } }", json!({ "id": id })).await;
    assert_eq!(v["updateMailbox"]["mailbox"]["folders"], json!(["INBOX", "Sent"]));
    let v = app
        .gql(
            Some(&token),
            "mutation($id: ID!) { updateMailbox(input: { id: $id, password: \"nope\" }) { mailbox { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "a new password is tested first");
    // The folder Sent does not exist: the next pass says so in plain words.
    let v = app.gql_ok(&token, SYNC, json!({ "id": id })).await;
    assert_eq!(v["syncMailbox"]["mailbox"]["status"], "ERROR");
    assert_eq!(v["syncMailbox"]["mailbox"]["lastError"], "folder missing: Sent");

    let v = app
        .gql_ok(
            &token,
            "mutation($id: ID!) { disconnectMailbox(input: { id: $id }) { deletedId } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(v["disconnectMailbox"]["deletedId"], id.as_str());
    let v = app.gql_ok(&token, "{ mailboxes { id } }", json!({})).await;
    assert_eq!(v["mailboxes"], json!([]));
    assert_eq!(history_count(&app, &ada, "RECEIVED").await, 1, "captured history stays");
}

async fn connecting_without_a_secret_key_is_refused_clearly(kind: Kind) {
    let dv = Dovecot::start(&["cap"]).unwrap();
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let v = app.gql(Some(&token), CONNECT, connect_vars(&dv, "cap", PASSWORD)).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert!(v.to_string().contains("RELATIONHUB_SECRET_KEY"), "{v}");
}

on_both!(connect_mailbox_sync_and_review_over_graphql);
on_both!(connecting_without_a_secret_key_is_refused_clearly);

async fn mailbox_row(app: &TestApp, user_id: &str, id: &str) -> store::mailboxes::MailboxRow {
    app.store.mailbox(user_id, id).await.unwrap()
}

/// The worker: IDLE delivers new mail without `syncMailbox` (the poll interval is ten
/// minutes, far beyond the deadline), and a mailbox with a wrong password shows ERROR with a
/// clear reason while the good one keeps syncing.
async fn the_worker_delivers_by_idle_and_one_failing_mailbox_never_stops_another(kind: Kind) {
    let dv = Dovecot::start(&["good", "bad"]).unwrap();
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_SECRET_KEY", KEY)]).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    let ada = app.contact(&token, "Ada").await;
    let good = app.gql_ok(&token, CONNECT, connect_vars(&dv, "good", PASSWORD)).await["connectMailbox"]["mailbox"]["id"].as_str().unwrap().to_owned();
    let bad = app.gql_ok(&token, CONNECT, connect_vars(&dv, "bad", PASSWORD)).await["connectMailbox"]["mailbox"]["id"].as_str().unwrap().to_owned();
    // The password changes on the server side: the stored one is now wrong.
    let wrong = inbound::SecretKey::from_base64(KEY).unwrap().encrypt("changed-elsewhere");
    app.sql(&format!(r#"UPDATE "mailboxes" SET "passwordEnc" = '{wrong}' WHERE "id" = '{bad}'"#)).await;

    let st = state_with(&app, Some(KEY), &[("RELATIONHUB_MAILBOX_POLL_SECS", "600")]);
    let cancel = CancellationToken::new();
    let w = tokio::spawn(worker::run(st, cancel.clone()));
    eventually!("the bad mailbox shows its error", {
        let m = mailbox_row(&app, &user_id, &bad).await;
        m.status == "ERROR"
            && m.last_error.as_deref().is_some_and(|e| e.starts_with("wrong username or password"))
    });
    eventually!("the good mailbox finished its first pass", {
        mailbox_row(&app, &user_id, &good).await.last_sync_at.is_some()
    });

    let mut s = imap::login(&dv.endpoint("good")).await.unwrap();
    for i in 0..3 {
        let appended = Instant::now();
        imap::append(
            &mut s,
            "INBOX",
            &msg(&format!("idle{i}@x"), "ada@example.com", "owner@example.com", "", "Pushed"),
        )
        .await
        .unwrap();
        eventually!("the appended message is filed", {
            history_count(&app, &ada, "RECEIVED").await == i + 1
        });
        println!("APPEND → RECEIVED entry with IDLE: {} ms", appended.elapsed().as_millis());
    }
    let m = mailbox_row(&app, &user_id, &bad).await;
    // Still failing (a retry may be running: SYNCING keeps the last error), and it did not
    // hold up the other mailbox.
    assert!(m.status != "IDLE" && m.last_error.is_some(), "{m:?}");
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(30), w).await.expect("the worker stops when asked").unwrap();
}

on_both!(the_worker_delivers_by_idle_and_one_failing_mailbox_never_stops_another);

/// Two workers (as two server processes) on one database, stopped and restarted in turn:
/// every message is filed exactly once and a restart resumes from the checkpoint.
async fn two_workers_on_one_database_file_each_message_once_and_resume_after_restart(kind: Kind) {
    let dv = Dovecot::start(&["cap"]).unwrap();
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_SECRET_KEY", KEY)]).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    let ada = app.contact(&token, "Ada").await;
    let id = app.gql_ok(&token, CONNECT, connect_vars(&dv, "cap", PASSWORD)).await["connectMailbox"]["mailbox"]["id"].as_str().unwrap().to_owned();
    let mut s = imap::login(&dv.endpoint("cap")).await.unwrap();
    let append = |n: std::ops::Range<i64>| {
        let mut out = Vec::new();
        for i in n {
            out.push(msg(
                &format!("two{i}@x"),
                "ada@example.com",
                "owner@example.com",
                "",
                &format!("Message {i}"),
            ));
        }
        out
    };
    for m in append(0..40) {
        imap::append(&mut s, "INBOX", &m).await.unwrap();
    }
    // Process A and process B: separate states and pools over one database, short polls.
    let settings = [("RELATIONHUB_MAILBOX_POLL_SECS", "1")];
    let (a, b) = (state_with(&app, Some(KEY), &settings), state_with(&app, Some(KEY), &settings));
    let b = relationhub::graphql::AppState { store: app.db.alias().connect().await, ..b };
    let (ca, cb) = (CancellationToken::new(), CancellationToken::new());
    let wa = tokio::spawn(worker::run(a, ca.clone()));
    let wb = tokio::spawn(worker::run(b.clone(), cb.clone()));
    eventually!("40 messages filed", history_count(&app, &ada, "RECEIVED").await >= 40);
    ca.cancel();
    tokio::time::timeout(Duration::from_secs(30), wa).await.unwrap().unwrap();
    cb.cancel();
    tokio::time::timeout(Duration::from_secs(30), wb).await.unwrap().unwrap();

    // Both stopped; more mail arrives; a fresh worker resumes from the checkpoint.
    for m in append(40..45) {
        imap::append(&mut s, "INBOX", &m).await.unwrap();
    }
    let cc = CancellationToken::new();
    let wc = tokio::spawn(worker::run(b, cc.clone()));
    eventually!("45 messages filed", history_count(&app, &ada, "RECEIVED").await >= 45);
    tokio::time::sleep(Duration::from_secs(2)).await; // a few more polls: nothing may be filed twice
    cc.cancel();
    tokio::time::timeout(Duration::from_secs(30), wc).await.unwrap().unwrap();
    assert_eq!(history_count(&app, &ada, "RECEIVED").await, 45, "each message exactly once");
    let m = mailbox_row(&app, &user_id, &id).await;
    assert_eq!(m.imported_count, 45, "{m:?}");
}

on_both!(two_workers_on_one_database_file_each_message_once_and_resume_after_restart);

/// The web app without JavaScript: connect a mailbox (a wrong password shows beside its
/// field), "Sync now", the Review page's "Add as contact" and "Ignore sender", "Disconnect".
async fn the_mailboxes_and_review_pages_work_without_javascript(kind: Kind) {
    use crate::web::Browser;
    use reqwest::StatusCode;
    let dv = Dovecot::start(&["cap"]).unwrap();
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_SECRET_KEY", KEY)]).await;
    let mut b = Browser::new(&app);
    b.sign_up("web@example.com").await;
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("href=\"/settings/mailboxes\""), "settings link to the Mailboxes section");
    assert!(settings.body.contains("href=\"/review\""), "Review is in the navigation");
    let page = b.get("/settings/mailboxes").await;
    assert_eq!(page.status, StatusCode::OK);
    let port = dv.port.to_string();
    let form = |password: &'static str| -> Vec<(&'static str, String)> {
        [
            ("host", "127.0.0.1"),
            ("security", "NONE"),
            ("username", "cap"),
            ("folders", "INBOX"),
            ("role", "CAPTURE"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .chain([("port", port.clone()), ("password", password.to_owned())])
        .collect()
    };
    let bad = form("wrong");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b.submit(&page, "/settings/mailboxes", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("id=\"e-password\"") && refused.body.contains("Wrong username or password"),
        "{}",
        refused.body
    );
    let good = form(PASSWORD);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = b.submit(&page, "/settings/mailboxes", &good).await;
    assert_eq!(done.location.as_deref(), Some("/settings/mailboxes?done=connected"), "{}", done.body);

    let mut s = imap::login(&dv.endpoint("cap")).await.unwrap();
    imap::append(&mut s, "INBOX", &msg("w1@x", "Nia <nia@else.org>", "web@example.com", "", "Hello there"))
        .await
        .unwrap();
    imap::append(&mut s, "INBOX", &msg("w2@x", "junk@else.org", "web@example.com", "", "Junk"))
        .await
        .unwrap();
    let page = b.get("/settings/mailboxes").await;
    let id = page.body.split("/settings/mailboxes/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let synced = b.submit(&page, &format!("/settings/mailboxes/{id}/sync"), &[]).await;
    assert_eq!(synced.location.as_deref(), Some("/settings/mailboxes?done=synced"));
    let page = b.get("/settings/mailboxes?done=synced").await;
    assert!(
        page.body.contains("Up to date") && page.body.contains("<td>2</td>"),
        "two queued for review: {}",
        page.body
    );

    let review = b.get("/review").await;
    assert!(review.body.contains("nia@else.org") && review.body.contains("junk@else.org"));
    let ignored = b.submit(&review, "/review/ignore", &[("address", "junk@else.org")]).await;
    assert_eq!(ignored.location.as_deref(), Some("/review?done=ignored"));
    let review = b.get("/review").await;
    assert!(!review.body.contains("junk@else.org"));
    let item = review.body.split("/review/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let added = b.submit(&review, &format!("/review/{item}/add"), &[("name", "Nia Example")]).await;
    let contact = added.location.expect("redirects to the new contact");
    let contact_page = b.get(&contact).await;
    assert!(
        contact_page.body.contains("Nia Example") && contact_page.body.contains("Hello there"),
        "filed into the history"
    );

    let page = b.get("/settings/mailboxes").await;
    let gone = b.submit(&page, &format!("/settings/mailboxes/{id}/disconnect"), &[]).await;
    assert_eq!(gone.location.as_deref(), Some("/settings/mailboxes?done=disconnected"));
    assert!(b.get("/settings/mailboxes").await.body.contains("No mailbox connected yet."));
}

on_both!(the_mailboxes_and_review_pages_work_without_javascript);
