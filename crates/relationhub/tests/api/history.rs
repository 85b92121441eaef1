//! Conversation history: logging, newest-first paging, deleting, validation and replies.

use crate::common::{TestApp, code, data, field, ids, no_data};
use chrono::{DateTime, Duration, Utc};
use domain::EmailStatus;
use serde_json::{Value, json};
use testkit::{Kind, on_both};

const LOG: &str = "mutation($input: LogConversationInput!) { logConversation(input: $input) { conversationEntry { id contactId content direction timestamp metadata } } }";
const DELETE: &str = "mutation($id: ID!) { deleteConversationEntry(input: {id: $id}) { deletedId } }";

async fn history(app: &TestApp, token: &str, contact: &str, first: Option<u32>, after: Value) -> Value {
    let q = "query($c: ID!, $first: Int, $after: String) { conversationHistory(contactId: $c, first: $first, after: $after) {
        totalCount nodes { id contactId content direction timestamp metadata } edges { cursor node { id } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    app.gql_ok(token, q, json!({ "c": contact, "first": first, "after": after })).await["conversationHistory"]
        .clone()
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}")).parse().unwrap()
}

async fn log_conversation_stores_content_direction_timestamp_and_metadata(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let metadata = json!({ "subject": "Re: lunch", "channel": "email", "thread": { "n": 3, "tags": ["a", "b"] }, "ok": true });
    let v = app
        .gql(
            Some(&token),
            LOG,
            json!({ "input": { "contactId": c, "content": "  Lunch on Friday?\n", "direction": "RECEIVED",
                               "timestamp": "2025-06-01T12:34:56.789Z", "metadata": metadata } }),
        )
        .await;
    let e = data(&v)["logConversation"]["conversationEntry"].clone();
    assert_eq!(e["contactId"], c.as_str());
    assert_eq!(e["content"], "  Lunch on Friday?\n", "content is stored as given");
    assert_eq!(e["direction"], "RECEIVED");
    assert_eq!(time(&e["timestamp"]), "2025-06-01T12:34:56.789Z".parse::<DateTime<Utc>>().unwrap());
    assert_eq!(e["metadata"], metadata, "metadata round-trips as a JSON object");
    let listed = history(&app, &token, &c, None, Value::Null).await;
    assert_eq!(listed["nodes"], json!([e]));
    assert_eq!(listed["totalCount"], 1);

    // Without timestamp and metadata: now, and null.
    let before = Utc::now() - Duration::seconds(60);
    let v = app
        .gql(
            Some(&token),
            LOG,
            json!({ "input": { "contactId": c, "content": "Sent a note", "direction": "SENT" } }),
        )
        .await;
    let e = &data(&v)["logConversation"]["conversationEntry"];
    assert_eq!(e["direction"], "SENT");
    assert!(e["metadata"].is_null());
    let at = time(&e["timestamp"]);
    assert!(at > before && at < Utc::now() + Duration::seconds(60), "the timestamp defaults to now: {at}");

    // A missing contact is NOT_FOUND and logs nothing.
    let v = app
        .gql(
            Some(&token),
            LOG,
            json!({ "input": { "contactId": "missing", "content": "x", "direction": "SENT" } }),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert_eq!(v["errors"][0]["message"], "contact not found");
    assert!(no_data(&v));
    assert_eq!(history(&app, &token, &c, None, Value::Null).await["totalCount"], 2);
}

async fn conversation_history_is_newest_first_and_pages_with_after(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let other = app.contact(&token, "Bob").await;
    app.log(&token, &other, "Bob's entry", "SENT", None).await;
    // Logged out of order; listed by timestamp, newest first.
    let mut by_time = Vec::new();
    for day in [3, 1, 7, 5, 2, 6, 4] {
        let id = app
            .log(&token, &c, &format!("day {day}"), "SENT", Some(&format!("2025-03-0{day}T09:00:00Z")))
            .await;
        by_time.push((day, id));
    }
    by_time.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
    let want: Vec<String> = by_time.into_iter().map(|(_, id)| id).collect();

    let all = history(&app, &token, &c, None, Value::Null).await;
    assert_eq!(ids(&all), want);
    assert_eq!(all["totalCount"], 7, "only this contact's entries");
    let (mut seen, mut after, mut pages) = (Vec::new(), Value::Null, 0);
    loop {
        let page = history(&app, &token, &c, Some(3), after).await;
        assert_eq!(page["totalCount"], 7);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 0);
        seen.extend(ids(&page));
        pages += 1;
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, want);

    // Equal timestamps page without skipping or repeating.
    app.sql(r#"UPDATE "conversation_history" SET "timestamp" = '2025-10-15 12:00:00.000'"#).await;
    let mut want_tied = want.clone();
    want_tied.sort();
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        let page = history(&app, &token, &c, Some(2), after).await;
        seen.extend(ids(&page));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, want_tied);

    // A contact with no history is an empty list, not an error.
    let quiet = app.contact(&token, "Quiet").await;
    let empty = history(&app, &token, &quiet, None, Value::Null).await;
    assert_eq!(empty["totalCount"], 0);
    assert_eq!(empty["nodes"], json!([]));
    // An unknown contact is NOT_FOUND.
    let v = app
        .gql(Some(&token), "{ conversationHistory(contactId: \"missing\") { totalCount } }", json!({}))
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert!(no_data(&v));
}

async fn delete_conversation_entry_removes_it_then_answers_not_found(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let doomed = app.log(&token, &c, "Doomed", "SENT", None).await;
    let kept = app.log(&token, &c, "Kept", "RECEIVED", None).await;
    let v = app.gql(Some(&token), DELETE, json!({ "id": doomed })).await;
    assert_eq!(data(&v)["deleteConversationEntry"]["deletedId"], doomed.as_str());
    let v = app.gql(Some(&token), DELETE, json!({ "id": doomed })).await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert!(no_data(&v));
    let left = history(&app, &token, &c, None, Value::Null).await;
    assert_eq!(ids(&left), [kept]);
    assert_eq!(left["totalCount"], 1);
    app.gql_ok(&token, "query($id: ID!) { contact(id: $id) { id } }", json!({ "id": c })).await;
}

async fn metadata_must_be_a_json_object_of_at_most_16_kb(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    // {"k":"…"} is 8 bytes plus the string.
    let at_limit = json!({ "k": "x".repeat(16 * 1024 - 8) });
    assert_eq!(serde_json::to_vec(&at_limit).unwrap().len(), 16 * 1024);
    let over_limit = json!({ "k": "x".repeat(16 * 1024 - 7) });
    for bad in [json!([1, 2, 3]), json!("a string"), json!(42), json!(true), over_limit] {
        let v = app
            .gql(
                Some(&token),
                LOG,
                json!({ "input": { "contactId": c, "content": "x", "direction": "SENT", "metadata": bad } }),
            )
            .await;
        assert_eq!(
            code(&v),
            "BAD_USER_INPUT",
            "metadata {}: {v}",
            &bad.to_string()[..bad.to_string().len().min(40)]
        );
        assert_eq!(field(&v), "metadata");
        assert!(no_data(&v));
    }
    // Inline in the query text as well as through variables.
    let v = app
        .gql(
            Some(&token),
            "mutation($c: ID!) { logConversation(input: {contactId: $c, content: \"x\", direction: SENT, metadata: [1]}) { conversationEntry { id } } }",
            json!({ "c": c }),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    assert_eq!(field(&v), "metadata");
    assert_eq!(history(&app, &token, &c, None, Value::Null).await["totalCount"], 0, "nothing was logged");

    let v = app
        .gql(
            Some(&token),
            LOG,
            json!({ "input": { "contactId": c, "content": "x", "direction": "SENT", "metadata": at_limit } }),
        )
        .await;
    assert_eq!(data(&v)["logConversation"]["conversationEntry"]["metadata"], at_limit);
    let v = app
        .gql(
            Some(&token),
            LOG,
            json!({ "input": { "contactId": c, "content": "x", "direction": "SENT", "metadata": {} } }),
        )
        .await;
    assert_eq!(data(&v)["logConversation"]["conversationEntry"]["metadata"], json!({}));
}

async fn content_must_be_1_to_100000_characters(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    for bad in [String::new(), "x".repeat(100_001)] {
        let v = app
            .gql(
                Some(&token),
                LOG,
                json!({ "input": { "contactId": c, "content": bad, "direction": "SENT" } }),
            )
            .await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
        assert_eq!(field(&v), "content");
        assert!(no_data(&v));
    }
    assert_eq!(history(&app, &token, &c, None, Value::Null).await["totalCount"], 0);
    let v = app
        .gql(
            Some(&token),
            LOG,
            json!({ "input": { "contactId": c, "content": "x".repeat(100_000), "direction": "SENT" } }),
        )
        .await;
    assert_eq!(data(&v)["logConversation"]["conversationEntry"]["content"].as_str().unwrap().len(), 100_000);
}

async fn logging_a_received_entry_marks_the_latest_earlier_sent_email_as_replied(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    let ada = app.contact(&token, "Ada").await;
    let bob = app.contact(&token, "Bob").await;
    let reply_at: DateTime<Utc> = "2025-06-10T12:00:00Z".parse().unwrap();
    let older = app
        .email_with_status(&user_id, &ada, "older", EmailStatus::Sent, Some(reply_at - Duration::days(5)))
        .await;
    let latest = app
        .email_with_status(&user_id, &ada, "latest", EmailStatus::Sent, Some(reply_at - Duration::hours(1)))
        .await;
    let later = app
        .email_with_status(&user_id, &ada, "later", EmailStatus::Sent, Some(reply_at + Duration::hours(1)))
        .await;
    let failed = app.email_with_status(&user_id, &ada, "failed", EmailStatus::Failed, None).await;
    let draft = app.draft(&token, &ada, "draft").await;
    let bobs = app
        .email_with_status(&user_id, &bob, "bob's", EmailStatus::Sent, Some(reply_at - Duration::minutes(1)))
        .await;

    let replied = |id: String| {
        let app = &app;
        let token = &token;
        async move {
            let v = app
                .gql_ok(token, "query($id: ID!) { email(id: $id) { repliedAt } }", json!({ "id": id }))
                .await;
            v["email"]["repliedAt"].clone()
        }
    };
    // A SENT entry marks nothing.
    app.log(&token, &ada, "I wrote again", "SENT", Some("2025-06-10T11:30:00Z")).await;
    for id in [&older, &latest, &later, &failed, &draft, &bobs] {
        assert!(replied(id.clone()).await.is_null(), "a SENT entry marks no reply");
    }

    app.log(&token, &ada, "Thanks for your note!", "RECEIVED", Some("2025-06-10T12:00:00Z")).await;
    assert_eq!(
        time(&replied(latest.clone()).await),
        reply_at,
        "the latest SENT email before the reply is marked"
    );
    for id in [&older, &later, &failed, &draft, &bobs] {
        assert!(replied(id.clone()).await.is_null(), "only that one email is marked");
    }

    // A second reply marks the next-latest unmarked one; the first mark stays.
    app.log(&token, &ada, "Another reply", "RECEIVED", Some("2025-06-10T13:30:00Z")).await;
    assert_eq!(time(&replied(latest.clone()).await), reply_at, "an existing mark is kept");
    assert_eq!(
        time(&replied(later.clone()).await),
        reply_at + Duration::minutes(90),
        "marked with the reply's time"
    );
    assert!(replied(older.clone()).await.is_null());
    assert!(replied(bobs.clone()).await.is_null(), "other contacts' emails are never marked");
}

on_both!(
    log_conversation_stores_content_direction_timestamp_and_metadata,
    conversation_history_is_newest_first_and_pages_with_after,
    delete_conversation_entry_removes_it_then_answers_not_found,
    metadata_must_be_a_json_object_of_at_most_16_kb,
    content_must_be_1_to_100000_characters,
    logging_a_received_entry_marks_the_latest_earlier_sent_email_as_replied,
);
