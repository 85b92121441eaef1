//! Sending over GraphQL: the state machine, the outbox default, open tracking and replies.

use crate::common::{TestApp, code, data};
use domain::EmailStatus;
use serde_json::json;
use testkit::{Kind, on_both};

const SEND: &str = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { email { id status sentAt sendAttempts lastError } } }";
const SCHEDULE: &str =
    "mutation($i: ScheduleEmailInput!) { scheduleEmail(input: $i) { email { id status scheduledAt } } }";
const CANCEL: &str = "mutation($i: EmailIdInput!) { cancelEmail(input: $i) { email { id status } } }";
const UNSCHEDULE: &str = "mutation($i: EmailIdInput!) { unscheduleEmail(input: $i) { email { id status } } }";

async fn spawn_with_outbox(kind: Kind, extra: &[(&str, &str)]) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_string_lossy().into_owned();
    let mut settings = vec![("RELATIONHUB_DATA_DIR", data_dir.as_str())];
    settings.extend_from_slice(extra);
    (TestApp::spawn_with(kind, &settings).await, dir)
}

fn outbox_files(dir: &tempfile::TempDir) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(dir.path().join("outbox")) {
        Ok(entries) => {
            entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect()
        }
        Err(_) => Vec::new(),
    }
}

async fn tracking_token(app: &TestApp, email_id: &str) -> String {
    let sql = r#"SELECT "trackingToken" FROM "emails" WHERE "id" = $1"#;
    match app.store.db() {
        store::Db::Postgres(p) => sqlx::query_scalar(sql).bind(email_id).fetch_one(p).await.unwrap(),
        store::Db::Sqlite(p) => sqlx::query_scalar(sql).bind(email_id).fetch_one(p).await.unwrap(),
    }
}

async fn sending_on_the_default_outbox_writes_the_message_and_records_the_send(kind: Kind) {
    let (app, dir) = spawn_with_outbox(kind, &[]).await;
    let (token, _) = app.sign_up("sender@example.com").await;
    let contact = app.contact(&token, "Ada Lovelace").await;
    let email = app.draft(&token, &contact, "Über den Analytical Engine").await;
    let v = app.gql(Some(&token), SEND, json!({ "i": { "id": email } })).await;
    let e = &data(&v)["sendEmail"]["email"];
    assert_eq!(e["status"], "SENT");
    assert!(e["sentAt"].is_string());
    assert_eq!(e["sendAttempts"], 1);
    let files = outbox_files(&dir);
    assert_eq!(files.len(), 1, "one .eml in the outbox");
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        raw.contains("To: \"Ada Lovelace\" <ada.lovelace@example.com>")
            || raw.contains("To: Ada Lovelace <ada.lovelace@example.com>"),
        "{raw}"
    );
    assert!(raw.contains("Subject: =?utf-8?"), "non-ASCII subject is RFC 2047 encoded: {raw}");
    assert!(raw.contains("multipart/alternative"), "{raw}");
    assert!(!raw.contains("/t/"), "no tracking pixel without RELATIONHUB_PUBLIC_URL");

    let v = app
        .gql(
            Some(&token),
            "query($c: ID!) { contact(id: $c) { lastContactedAt conversationHistory(first: 5) { nodes { direction content metadata } } } }",
            json!({ "c": contact }),
        )
        .await;
    let c = &data(&v)["contact"];
    assert!(c["lastContactedAt"].is_string(), "the contact's last-contacted time is set");
    let entry = &c["conversationHistory"]["nodes"][0];
    assert_eq!(entry["direction"], "SENT");
    assert!(entry["content"].as_str().unwrap().contains("Hello!"));
    assert_eq!(entry["metadata"]["emailId"], email);
    assert_eq!(entry["metadata"]["subject"], "Über den Analytical Engine");
    assert!(entry["metadata"]["messageId"].is_string());

    // SENT is final: no second send, no edit.
    assert_eq!(code(&app.gql(Some(&token), SEND, json!({ "i": { "id": email } })).await), "CONFLICT");
    let edit = app
        .gql(
            Some(&token),
            "mutation($i: UpdateEmailInput!) { updateEmail(input: $i) { email { id } } }",
            json!({ "i": { "id": email, "subject": "x" } }),
        )
        .await;
    assert_eq!(code(&edit), "CONFLICT");
    assert_eq!(outbox_files(&dir).len(), 1);
}

async fn every_forbidden_transition_answers_conflict_naming_the_status(kind: Kind) {
    let (app, _dir) = spawn_with_outbox(kind, &[]).await;
    let (token, user_id) = app.sign_up("sm@example.com").await;
    let contact = app.contact(&token, "State Machine").await;
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let allowed: &[(&str, &[EmailStatus])] = &[
        (SEND, &[EmailStatus::Draft, EmailStatus::Failed]),
        (SCHEDULE, &[EmailStatus::Draft, EmailStatus::Failed]),
        (CANCEL, &[EmailStatus::Scheduled]),
        (UNSCHEDULE, &[EmailStatus::Scheduled]),
    ];
    for (mutation, ok_from) in allowed {
        for status in EmailStatus::ALL {
            let id = app.email_with_status(&user_id, &contact, "Transition", *status, None).await;
            let input = if *mutation == SCHEDULE {
                json!({ "id": id, "sendAt": later })
            } else {
                json!({ "id": id })
            };
            let v = app.gql(Some(&token), mutation, json!({ "i": input })).await;
            if ok_from.contains(status) {
                data(&v);
            } else {
                assert_eq!(code(&v), "CONFLICT", "{mutation} from {status}: {v}");
                let msg = v["errors"][0]["message"].as_str().unwrap();
                assert!(msg.contains(status.as_str()), "the conflict names the status: {msg}");
                let now = app
                    .gql(Some(&token), "query($id: ID!) { email(id: $id) { status } }", json!({ "id": id }))
                    .await;
                assert_eq!(data(&now)["email"]["status"], status.as_str(), "nothing changed");
            }
        }
    }
}

async fn scheduling_checks_the_time_and_the_address_and_is_undone_by_unschedule(kind: Kind) {
    let (app, _dir) = spawn_with_outbox(kind, &[]).await;
    let (token, _) = app.sign_up("sched@example.com").await;
    let contact = app.contact(&token, "Has Address").await;
    let email = app.draft(&token, &contact, "Later").await;
    let at = |d: chrono::Duration| (chrono::Utc::now() + d).to_rfc3339();
    for (when, why) in
        [(at(chrono::Duration::minutes(-1)), "past"), (at(chrono::Duration::days(400)), "too far")]
    {
        let v = app.gql(Some(&token), SCHEDULE, json!({ "i": { "id": email, "sendAt": when } })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{why}");
        assert_eq!(v["errors"][0]["extensions"]["field"], "sendAt");
    }
    let v = app
        .gql(
            Some(&token),
            SCHEDULE,
            json!({ "i": { "id": email, "sendAt": at(chrono::Duration::hours(2)) } }),
        )
        .await;
    assert_eq!(data(&v)["scheduleEmail"]["email"]["status"], "SCHEDULED");
    assert!(data(&v)["scheduleEmail"]["email"]["scheduledAt"].is_string());
    let v = app.gql(Some(&token), UNSCHEDULE, json!({ "i": { "id": email } })).await;
    assert_eq!(data(&v)["unscheduleEmail"]["email"]["status"], "DRAFT");

    let v = app
        .gql(
            Some(&token),
            "mutation { createContact(input: {name: \"No Address\"}) { contact { id } } }",
            json!({}),
        )
        .await;
    let nobody = data(&v)["createContact"]["contact"]["id"].as_str().unwrap().to_owned();
    let orphan = app.draft(&token, &nobody, "Nowhere to go").await;
    for (mutation, input) in [
        (SEND, json!({ "id": orphan })),
        (SCHEDULE, json!({ "id": orphan, "sendAt": at(chrono::Duration::hours(1)) })),
    ] {
        let v = app.gql(Some(&token), mutation, json!({ "i": input })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    }
    let v =
        app.gql(Some(&token), "query($id: ID!) { email(id: $id) { status } }", json!({ "id": orphan })).await;
    assert_eq!(data(&v)["email"]["status"], "DRAFT");
}

async fn another_users_email_cannot_be_sent_scheduled_or_cancelled(kind: Kind) {
    let (app, dir) = spawn_with_outbox(kind, &[]).await;
    let (a, _) = app.sign_up("a@example.com").await;
    let (b, _) = app.sign_up("b@example.com").await;
    let contact = app.contact(&a, "Private Contact").await;
    let email = app.draft(&a, &contact, "Mine").await;
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    for (mutation, input) in [
        (SEND, json!({ "id": email })),
        (SCHEDULE, json!({ "id": email, "sendAt": later })),
        (CANCEL, json!({ "id": email })),
        (UNSCHEDULE, json!({ "id": email })),
    ] {
        let v = app.gql(Some(&b), mutation, json!({ "i": input })).await;
        assert_eq!(code(&v), "NOT_FOUND", "{v}");
    }
    assert!(outbox_files(&dir).is_empty());
    let v = app.gql(Some(&a), "query($id: ID!) { email(id: $id) { status } }", json!({ "id": email })).await;
    assert_eq!(data(&v)["email"]["status"], "DRAFT");
}

async fn the_open_pixel_marks_the_first_open_only_and_answers_unknown_tokens_alike(kind: Kind) {
    let (app, dir) = spawn_with_outbox(kind, &[("RELATIONHUB_PUBLIC_URL", "https://crm.example.com")]).await;
    let (token, _) = app.sign_up("track@example.com").await;
    let contact = app.contact(&token, "Opens Mail").await;
    let email = app.draft(&token, &contact, "Tracked").await;
    data(&app.gql(Some(&token), SEND, json!({ "i": { "id": email } })).await);
    let raw =
        std::fs::read_to_string(&outbox_files(&dir)[0]).unwrap().replace("=\r\n", "").replace("=\n", "");
    let pixel = tracking_token(&app, &email).await;
    assert!(pixel.len() >= 40, "an unguessable token");
    assert!(raw.contains(&pixel), "the HTML part carries the pixel");
    let opened = || async {
        let v = app
            .gql(Some(&token), "query($id: ID!) { email(id: $id) { openedAt } }", json!({ "id": email }))
            .await;
        data(&v)["email"]["openedAt"].clone()
    };
    assert!(opened().await.is_null());
    let unknown = app.get("/t/not-a-real-token.gif").await;
    assert_eq!(unknown.status(), 200);
    let unknown_bytes = unknown.bytes().await.unwrap();
    assert!(opened().await.is_null(), "unknown tokens change nothing");
    let first = app.get(&format!("/t/{pixel}.gif")).await;
    assert_eq!(first.headers()["content-type"], "image/gif");
    assert_eq!(first.bytes().await.unwrap(), unknown_bytes, "same image either way");
    let at = opened().await;
    assert!(at.is_string());
    app.get(&format!("/t/{pixel}.gif")).await;
    assert_eq!(opened().await, at, "later fetches change nothing");
}

async fn a_logged_reply_marks_the_sent_email_replied(kind: Kind) {
    let (app, _dir) = spawn_with_outbox(kind, &[]).await;
    let (token, _) = app.sign_up("reply@example.com").await;
    let contact = app.contact(&token, "Replies Fast").await;
    let email = app.draft(&token, &contact, "Question").await;
    data(&app.gql(Some(&token), SEND, json!({ "i": { "id": email } })).await);
    let log =
        "mutation($i: LogConversationInput!) { logConversation(input: $i) { conversationEntry { id } } }";
    data(
        &app.gql(
            Some(&token),
            log,
            json!({ "i": { "contactId": contact, "content": "Sure!", "direction": "RECEIVED" } }),
        )
        .await,
    );
    let v = app
        .gql(Some(&token), "query($id: ID!) { email(id: $id) { repliedAt } }", json!({ "id": email }))
        .await;
    assert!(data(&v)["email"]["repliedAt"].is_string());
}

async fn sends_past_the_per_user_limit_answer_rate_limited_and_change_nothing(kind: Kind) {
    let (app, dir) = spawn_with_outbox(kind, &[("RELATIONHUB_SEND_LIMIT_PER_HOUR", "2")]).await;
    let (token, _) = app.sign_up("bulk@example.com").await;
    let contact = app.contact(&token, "Many Mails").await;
    let later = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let first = app.draft(&token, &contact, "One").await;
    let second = app.draft(&token, &contact, "Two").await;
    let third = app.draft(&token, &contact, "Three").await;
    data(&app.gql(Some(&token), SEND, json!({ "i": { "id": first } })).await);
    data(&app.gql(Some(&token), SCHEDULE, json!({ "i": { "id": second, "sendAt": later } })).await);
    for (mutation, input) in
        [(SEND, json!({ "id": third })), (SCHEDULE, json!({ "id": third, "sendAt": later }))]
    {
        let v = app.gql(Some(&token), mutation, json!({ "i": input })).await;
        assert_eq!(code(&v), "RATE_LIMITED", "{v}");
        let wait = v["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap();
        assert!((1..=3600).contains(&wait), "{wait}");
    }
    let v =
        app.gql(Some(&token), "query($id: ID!) { email(id: $id) { status } }", json!({ "id": third })).await;
    assert_eq!(data(&v)["email"]["status"], "DRAFT", "a refused send changes nothing");
    assert_eq!(outbox_files(&dir).len(), 1);
    // The limit is per user.
    let (other, _) = app.sign_up("other@example.com").await;
    let theirs = app.contact(&other, "Their Contact").await;
    let theirs = app.draft(&other, &theirs, "Mine").await;
    let v = app.gql(Some(&other), SEND, json!({ "i": { "id": theirs } })).await;
    assert_eq!(data(&v)["sendEmail"]["email"]["status"], "SENT");
}

on_both!(
    sends_past_the_per_user_limit_answer_rate_limited_and_change_nothing,
    sending_on_the_default_outbox_writes_the_message_and_records_the_send,
    every_forbidden_transition_answers_conflict_naming_the_status,
    scheduling_checks_the_time_and_the_address_and_is_undone_by_unschedule,
    another_users_email_cannot_be_sent_scheduled_or_cancelled,
    the_open_pixel_marks_the_first_open_only_and_answers_unknown_tokens_alike,
    a_logged_reply_marks_the_sent_email_replied,
);
