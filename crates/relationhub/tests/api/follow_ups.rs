//! Follow-up sequences over GraphQL: steps drafted or sent when no reply came, threaded under
//! the previous message, stopped by a reply, by hand, or by deleting the contact or the email.
//! Time moves on an injected clock; the worker runs on demand (`run_once`), as `serve` runs it.

use crate::common::{TestApp, code, data};
use chrono::Duration;
use domain::ManualClock;
use relationhub::app::follow_ups::run_once;
use serde_json::{Value, json};
use testkit::{Kind, on_both};

const SEND: &str = "mutation($i: SendEmailInput!) { sendEmail(input: $i) { email { id status sentAt } } }";
const SCHEDULE: &str =
    "mutation($i: ScheduleEmailInput!) { scheduleEmail(input: $i) { email { id status } } }";
const SEQUENCE_FIELDS: &str =
    "id stoppedAt stoppedReason steps { index after status dueAt autoSend email { id status subject body } }";

async fn spawn(kind: Kind, clock: &ManualClock) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_string_lossy().into_owned();
    let app =
        TestApp::spawn_with_clock_and(kind, &[("RELATIONHUB_DATA_DIR", data_dir.as_str())], clock.clone())
            .await;
    (app, dir)
}

/// The outbox's messages, as text with quoted-printable soft breaks undone.
fn outbox(dir: &tempfile::TempDir) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.path().join("outbox")) else { return Vec::new() };
    let mut files: Vec<_> =
        entries.map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "eml")).collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().replace("=\r\n", "").replace("=\n", ""))
        .collect()
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message.lines().find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(": ")))
}

async fn setup(app: &TestApp, subject: &str) -> (String, String, String) {
    let (token, _) = app.sign_up(&format!("{}@example.com", domain::new_id())).await;
    let contact = app.contact(&token, "Ada Lovelace").await;
    let email = app.draft(&token, &contact, subject).await;
    (token, contact, email)
}

async fn send(app: &TestApp, token: &str, email: &str, follow_ups: Value) -> Value {
    let v = app.gql(Some(token), SEND, json!({ "i": { "id": email, "followUps": follow_ups } })).await;
    data(&v)["sendEmail"]["email"].clone()
}

async fn sequence_of(app: &TestApp, token: &str, email: &str) -> Value {
    let q = format!("query($id: ID!) {{ email(id: $id) {{ followUp {{ {SEQUENCE_FIELDS} }} }} }}");
    app.gql_ok(token, &q, json!({ "id": email })).await["email"]["followUp"].clone()
}

async fn sequence(app: &TestApp, token: &str, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ followUpSequence(id: $id) {{ {SEQUENCE_FIELDS} }} }}");
    app.gql_ok(token, &q, json!({ "id": id })).await["followUpSequence"].clone()
}

async fn work(app: &TestApp) -> usize {
    run_once(&app.state, "test-worker").await.unwrap()
}

async fn with_no_reply_the_follow_up_is_sent_threaded_under_the_first_message(kind: Kind) {
    let clock = ManualClock::new();
    let (app, dir) = spawn(kind, &clock).await;
    let (token, _, email) = setup(&app, "Coffee next week?").await;
    let sent = send(&app, &token, &email, json!([{ "after": "PT1S", "autoSend": true }])).await;
    assert_eq!(sent["status"], "SENT");

    let seq = sequence_of(&app, &token, &email).await;
    let step = &seq["steps"][0];
    assert_eq!(
        (step["index"].clone(), step["after"].clone(), step["status"].clone()),
        (json!(0), json!("PT1S"), json!("PENDING"))
    );
    let sent_at: chrono::DateTime<chrono::Utc> = sent["sentAt"].as_str().unwrap().parse().unwrap();
    let due_at: chrono::DateTime<chrono::Utc> = step["dueAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(due_at - sent_at, Duration::seconds(1), "due one second after the send");

    // Not due yet by the server's clock: nothing happens.
    assert_eq!(work(&app).await, 0);
    assert_eq!(outbox(&dir).len(), 1);

    clock.advance(Duration::minutes(1));
    assert_eq!(work(&app).await, 1);
    let messages = outbox(&dir);
    assert_eq!(messages.len(), 2, "the first email and one follow-up");
    let (first, follow_up): (Vec<&String>, Vec<&String>) =
        messages.iter().partition(|m| header(m, "In-Reply-To").is_none());
    let first_id = header(first[0], "Message-ID").unwrap();
    assert_eq!(header(follow_up[0], "In-Reply-To"), Some(first_id));
    assert_eq!(header(follow_up[0], "References"), Some(first_id));
    assert_eq!(header(follow_up[0], "Subject"), Some("Re: Coffee next week?"));

    let seq = sequence_of(&app, &token, &email).await;
    assert_eq!(seq["steps"][0]["status"], "SENT");
    assert_eq!(seq["steps"][0]["email"]["status"], "SENT");
    assert_eq!(seq["steps"][0]["email"]["subject"], "Re: Coffee next week?");
    assert!(seq["stoppedReason"].is_null());
    // The follow-up belongs to the same sequence.
    let follow_up_id = seq["steps"][0]["email"]["id"].as_str().unwrap().to_owned();
    assert_eq!(sequence_of(&app, &token, &follow_up_id).await["id"], seq["id"]);

    // Done: later rounds send nothing more.
    clock.advance(Duration::days(2));
    assert_eq!(work(&app).await, 0);
    assert_eq!(outbox(&dir).len(), 2);
}

async fn a_reply_before_the_step_stops_it_and_nothing_more_is_sent(kind: Kind) {
    let clock = ManualClock::new();
    let (app, dir) = spawn(kind, &clock).await;
    let (token, contact, email) = setup(&app, "Proposal").await;
    send(
        &app,
        &token,
        &email,
        json!([{ "after": "PT1S", "autoSend": true }, { "after": "P2D", "autoSend": true }]),
    )
    .await;

    clock.advance(Duration::seconds(30));
    app.log(&token, &contact, "Thanks, let's talk on Monday.", "RECEIVED", None).await;
    let seq = sequence_of(&app, &token, &email).await;
    assert_eq!(seq["stoppedReason"], "REPLIED");
    assert!(seq["stoppedAt"].is_string());
    assert_eq!(seq["steps"][0]["status"], "STOPPED");
    assert_eq!(seq["steps"][1]["status"], "STOPPED");

    clock.advance(Duration::days(3));
    assert_eq!(work(&app).await, 0);
    assert_eq!(outbox(&dir).len(), 1, "no second message");
}

async fn approval_mode_leaves_a_draft_and_sends_nothing_until_approved(kind: Kind) {
    let clock = ManualClock::new();
    let (app, dir) = spawn(kind, &clock).await;
    let (token, contact, email) = setup(&app, "Re: Intro").await;
    let template = app.template(&token, "Nudge", false).await;
    send(
        &app,
        &token,
        &email,
        json!([{ "after": "PT1S", "instructions": "Ask about Tuesday" }, { "after": "PT1H", "templateId": template }]),
    )
    .await;

    clock.advance(Duration::minutes(1));
    assert_eq!(work(&app).await, 1);
    let seq = sequence_of(&app, &token, &email).await;
    let step = &seq["steps"][0];
    assert_eq!(step["status"], "DRAFTED");
    assert_eq!(step["email"]["status"], "DRAFT");
    assert_eq!(step["email"]["subject"], "Re: Intro", "no double Re:");
    assert_eq!(outbox(&dir).len(), 1, "nothing sent without approval");
    // The next step waits for this draft to be sent.
    assert!(seq["steps"][1]["dueAt"].is_null());

    // Approving it sends it threaded; the next step (from a template) then falls due an hour later.
    let draft = step["email"]["id"].as_str().unwrap().to_owned();
    assert_eq!(send(&app, &token, &draft, json!([])).await["status"], "SENT");
    let seq = sequence_of(&app, &token, &email).await;
    assert_eq!(seq["steps"][0]["status"], "SENT");
    assert!(seq["steps"][1]["dueAt"].is_string());
    clock.advance(Duration::hours(2));
    assert_eq!(work(&app).await, 1);
    let seq = sequence_of(&app, &token, &email).await;
    assert_eq!(seq["steps"][1]["status"], "DRAFTED");
    assert_eq!(seq["steps"][1]["email"]["body"], "Hello Ada", "written from the template");
    assert_eq!(outbox(&dir).len(), 2);

    // A reply now cancels a follow-up the user scheduled but that has not gone out.
    let second = seq["steps"][1]["email"]["id"].as_str().unwrap().to_owned();
    let at = (chrono::Utc::now() + Duration::hours(1)).to_rfc3339();
    let v = app.gql(Some(&token), SCHEDULE, json!({ "i": { "id": second, "sendAt": at } })).await;
    assert_eq!(data(&v)["scheduleEmail"]["email"]["status"], "SCHEDULED");
    // Every step is written, but the sequence is still active until its follow-ups went out.
    app.log(&token, &contact, "Sounds good", "RECEIVED", None).await;
    let seq = sequence_of(&app, &token, &email).await;
    assert_eq!(seq["stoppedReason"], "REPLIED");
    assert_eq!(seq["steps"][1]["email"]["status"], "CANCELLED");
    assert_eq!(seq["steps"][1]["status"], "STOPPED");
}

async fn stop_follow_ups_stops_pending_steps_once_and_only_for_the_owner(kind: Kind) {
    let clock = ManualClock::new();
    let (app, _dir) = spawn(kind, &clock).await;
    let (token, _, email) = setup(&app, "Later").await;
    let at = (chrono::Utc::now() + Duration::hours(1)).to_rfc3339();
    let v = app
        .gql(
            Some(&token),
            SCHEDULE,
            json!({ "i": { "id": email, "sendAt": at, "followUps": [{ "after": "P3D" }] } }),
        )
        .await;
    assert_eq!(data(&v)["scheduleEmail"]["email"]["status"], "SCHEDULED");
    let id = sequence_of(&app, &token, &email).await["id"].as_str().unwrap().to_owned();

    let stop = format!(
        "mutation($i: StopFollowUpsInput!) {{ stopFollowUps(input: $i) {{ sequence {{ {SEQUENCE_FIELDS} }} }} }}"
    );
    let (other, _) = app.sign_up("other@example.com").await;
    let v = app.gql(Some(&other), &stop, json!({ "i": { "sequenceId": id } })).await;
    assert_eq!(code(&v), "NOT_FOUND");

    let v = app.gql(Some(&token), &stop, json!({ "i": { "sequenceId": id } })).await;
    let seq = &data(&v)["stopFollowUps"]["sequence"];
    assert_eq!(seq["stoppedReason"], "STOPPED_BY_USER");
    assert_eq!(seq["steps"][0]["status"], "STOPPED");
    let v = app.gql(Some(&token), &stop, json!({ "i": { "sequenceId": id } })).await;
    assert_eq!(code(&v), "CONFLICT");
}

async fn deleting_the_contact_or_the_first_email_stops_the_sequence(kind: Kind) {
    let clock = ManualClock::new();
    let (app, dir) = spawn(kind, &clock).await;
    let (token, contact, email) = setup(&app, "Hello").await;
    send(&app, &token, &email, json!([{ "after": "PT1S", "autoSend": true }])).await;
    let by_contact = sequence_of(&app, &token, &email).await["id"].as_str().unwrap().to_owned();
    let other = app.contact(&token, "Grace Hopper").await;
    let second = app.draft(&token, &other, "Hi Grace").await;
    send(&app, &token, &second, json!([{ "after": "PT1S", "autoSend": true }])).await;
    let by_email = sequence_of(&app, &token, &second).await["id"].as_str().unwrap().to_owned();

    let v = app
        .gql(
            Some(&token),
            "mutation($i: DeleteContactInput!) { deleteContact(input: $i) { deletedId } }",
            json!({ "i": { "id": contact } }),
        )
        .await;
    data(&v);
    let v = app
        .gql(
            Some(&token),
            "mutation($i: DeleteEmailInput!) { deleteEmail(input: $i) { deletedId } }",
            json!({ "i": { "id": second } }),
        )
        .await;
    data(&v);

    let seq = sequence(&app, &token, &by_contact).await;
    assert_eq!(seq["stoppedReason"], "CONTACT_DELETED");
    assert_eq!(seq["steps"][0]["status"], "STOPPED");
    let seq = sequence(&app, &token, &by_email).await;
    assert_eq!(seq["stoppedReason"], "EMAIL_DELETED");
    assert_eq!(seq["steps"][0]["status"], "STOPPED");

    clock.advance(Duration::days(1));
    assert_eq!(work(&app).await, 0);
    assert_eq!(outbox(&dir).len(), 2, "only the two first emails");
}

async fn bad_follow_ups_are_refused_with_the_field_and_change_nothing(kind: Kind) {
    let clock = ManualClock::new();
    let (app, dir) = spawn(kind, &clock).await;
    let (token, _, email) = setup(&app, "Hello").await;
    let eleven: Vec<Value> = (0..11).map(|_| json!({ "after": "P1D" })).collect();
    let cases = [
        (json!([{ "after": "3 days" }]), "followUps[0].after"),
        (json!([{ "after": "P1D" }, { "after": "PT0S" }]), "followUps[1].after"),
        (json!([{ "after": "P1M" }]), "followUps[0].after"),
        (json!([{ "after": "P400D" }]), "followUps[0].after"),
        (json!(eleven), "followUps"),
        (json!([{ "after": "P1D", "templateId": "nope" }]), "followUps[0].templateId"),
        (json!([{ "after": "P1D", "instructions": "x".repeat(2001) }]), "followUps[0].instructions"),
    ];
    for (follow_ups, field) in cases {
        let v = app.gql(Some(&token), SEND, json!({ "i": { "id": email, "followUps": follow_ups } })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
        assert_eq!(v["errors"][0]["extensions"]["field"], field, "{v}");
    }
    assert!(outbox(&dir).is_empty());
    let v = app
        .gql_ok(
            &token,
            "query($id: ID!) { email(id: $id) { status followUp { id } } }",
            json!({ "id": email }),
        )
        .await;
    assert_eq!(v["email"]["status"], "DRAFT");
    assert!(v["email"]["followUp"].is_null());
}

on_both!(
    with_no_reply_the_follow_up_is_sent_threaded_under_the_first_message,
    a_reply_before_the_step_stops_it_and_nothing_more_is_sent,
    approval_mode_leaves_a_draft_and_sends_nothing_until_approved,
    stop_follow_ups_stops_pending_steps_once_and_only_for_the_owner,
    deleting_the_contact_or_the_first_email_stops_the_sequence,
    bad_follow_ups_are_refused_with_the_field_and_change_nothing,
);

/// Two server processes on one PostgreSQL, both running the worker at once, never write or send
/// a step twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_never_send_a_step_twice() {
    let clock = ManualClock::new();
    let (a, dir) = spawn(Kind::Postgres, &clock).await;
    let data_dir = dir.path().to_string_lossy().into_owned();
    let b = a.spawn_beside_with_clock(&[("RELATIONHUB_DATA_DIR", data_dir.as_str())], clock.clone()).await;
    let (token, _) = a.sign_up("many@example.com").await;
    const N: usize = 12;
    for i in 0..N {
        let contact = a.contact(&token, &format!("Contact {i}")).await;
        let email = a.draft(&token, &contact, &format!("Hello {i}")).await;
        send(&a, &token, &email, json!([{ "after": "PT1S", "autoSend": true }])).await;
    }
    clock.advance(Duration::minutes(1));
    let (x, y) = tokio::join!(run_once(&a.state, "worker-a"), run_once(&b.state, "worker-b"));
    assert_eq!(x.unwrap() + y.unwrap(), N, "every step claimed exactly once");
    let messages = outbox(&dir);
    let follow_ups = messages.iter().filter(|m| header(m, "In-Reply-To").is_some()).count();
    assert_eq!((messages.len(), follow_ups), (2 * N, N));
    assert_eq!(work(&a).await + work(&b).await, 0);
}

/// The editor's "Follow up if no reply" rows over plain HTTP (no browser): a bad row is refused
/// and changes nothing; good rows send with follow-ups; the page shows them and stops them.
async fn the_editor_sends_with_follow_ups_and_the_email_page_stops_them(kind: Kind) {
    use crate::web::Browser;
    use reqwest::StatusCode;
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_string_lossy().into_owned();
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_DATA_DIR", data_dir.as_str())]).await;
    let mut browser = Browser::new(&app);
    browser.sign_up("editor@example.com").await;
    let contact = browser.add_contact("Ada Lovelace").await;
    let user = app.store.user_by_email("editor@example.com").await.unwrap().unwrap();
    let email = app.email_with_status(&user.id, &contact, "Intro", domain::EmailStatus::Draft, None).await;
    let path = format!("/emails/{email}");

    let editor = browser.get(&path).await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(editor.body.contains("Follow up if no reply") && editor.body.contains("name=\"fu1After\""));

    let typed =
        [("subject", "Intro, edited"), ("body", "Hello Ada"), ("fu1After", "2"), ("fu2After", "soon")];
    let refused = browser.submit(&editor, &format!("{path}/send"), &typed).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("follow-up 2: give a whole number of days or hours"), "{}", refused.body);
    assert!(refused.body.contains("value=\"soon\""), "the typed rows are kept");
    let v = app.store.email(&user.id, &email).await.unwrap();
    assert_eq!((v.status, v.subject.as_str()), (domain::EmailStatus::Draft, "Intro"), "nothing changed");
    assert!(outbox(&dir).is_empty());

    let good = [
        ("subject", "Intro"),
        ("body", "Hello Ada"),
        ("fu1After", "2"),
        ("fu1Unit", "DAYS"),
        ("fu1Instructions", "Ask about Tuesday"),
        ("fu2After", "4"),
        ("fu2Unit", "HOURS"),
        ("fu2AutoSend", "on"),
    ];
    let sent = browser.submit(&editor, &format!("{path}/send"), &good).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(outbox(&dir).len(), 1);
    let page = browser.get(&path).await;
    assert!(page.body.contains("Follow-ups") && page.body.contains("P2D") && page.body.contains("PT4H"));
    assert!(page.body.contains("Pending") && page.body.contains("Stop follow-ups"), "{}", page.body);
    let seq = app.store.follow_up_for_email(&user.id, &email).await.unwrap().unwrap();
    assert!(seq.steps[1].auto_send && !seq.steps[0].auto_send);
    assert_eq!(seq.steps[0].instructions.as_deref(), Some("Ask about Tuesday"));

    let stopped = browser.submit(&page, &format!("{path}/follow-ups/stop"), &[]).await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER, "{}", stopped.body);
    let page = browser.get(&path).await;
    assert!(page.body.contains("stopped by you") && !page.body.contains("Stop follow-ups"), "{}", page.body);
}

on_both!(the_editor_sends_with_follow_ups_and_the_email_page_stops_them);
