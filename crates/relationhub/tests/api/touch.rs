//! Stay in touch: cadences, touch status, snoozing and the due list, moving an injected clock.

use crate::common::{TestApp, code, data, field};
use chrono::{DateTime, Duration, Utc};
use domain::ManualClock;
use serde_json::{Value, json};
use testkit::{Kind, on_both};

const CREATE: &str = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id stayInTouchDays nextTouchAt touchStatus } } }";
const CONTACT: &str = "query($id: ID!) { contact(id: $id) { id stayInTouchDays lastTouchAt nextTouchAt snoozedUntil touchStatus } }";
const SNOOZE: &str =
    "mutation($input: SnoozeContactInput!) { snoozeContact(input: $input) { contact { id touchStatus } } }";
const DUE: &str = "query($first: Int, $after: String, $s: Boolean) { dueContacts(first: $first, after: $after, includeSnoozed: $s) {
    totalCount nodes { id touchStatus } pageInfo { hasNextPage endCursor } } }";

async fn create(app: &TestApp, token: &str, input: Value) -> Value {
    let v = app.gql(Some(token), CREATE, json!({ "input": input })).await;
    data(&v)["createContact"]["contact"].clone()
}

async fn contact(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_ok(token, CONTACT, json!({ "id": id })).await["contact"].clone()
}

async fn status(app: &TestApp, token: &str, id: &str) -> String {
    contact(app, token, id).await["touchStatus"].as_str().unwrap().to_owned()
}

async fn due_ids(app: &TestApp, token: &str, include_snoozed: bool) -> Vec<String> {
    let v = app.gql_ok(token, DUE, json!({ "first": 100, "s": include_snoozed })).await;
    let ids: Vec<String> = v["dueContacts"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(v["dueContacts"]["totalCount"], ids.len(), "totalCount agrees with the list");
    ids
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}")).parse().unwrap()
}

async fn cadences_default_by_priority_and_need_an_address(kind: Kind) {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(kind, clock.clone()).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    for (priority, days) in [("HIGH", 30), ("MEDIUM", 60), ("LOW", 180)] {
        let c =
            create(&app, &token, json!({ "name": priority, "email": "a@example.com", "priority": priority }))
                .await;
        assert_eq!(c["stayInTouchDays"], days, "{priority}");
        assert_eq!(c["touchStatus"], "ON_TRACK");
    }
    let no_address = create(&app, &token, json!({ "name": "Phone Only" })).await;
    assert_eq!(no_address["touchStatus"], "NO_CADENCE");
    assert!(no_address["nextTouchAt"].is_null());
    let marked =
        create(&app, &token, json!({ "name": "No", "email": "n@example.com", "stayInTouchDays": null }))
            .await;
    assert_eq!(marked["touchStatus"], "NO_CADENCE");
    assert!(marked["stayInTouchDays"].is_null());
    let custom =
        create(&app, &token, json!({ "name": "Ten", "email": "t@example.com", "stayInTouchDays": 10 })).await;
    assert_eq!(custom["stayInTouchDays"], 10);

    // A year later nobody without a cadence is due.
    clock.advance(Duration::days(400));
    let due = due_ids(&app, &token, false).await;
    assert_eq!(due.len(), 4, "the three priorities and the custom cadence: {due:?}");
    assert!(!due.contains(&no_address["id"].as_str().unwrap().to_owned()));
    assert!(!due.contains(&marked["id"].as_str().unwrap().to_owned()));

    // Bad cadences are refused and change nothing.
    for bad in [0, -1, 3651] {
        let v = app
            .gql(
                Some(&token),
                CREATE,
                json!({ "input": { "name": "Bad", "email": "b@example.com", "stayInTouchDays": bad } }),
            )
            .await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "{bad}");
        assert_eq!(field(&v), "stayInTouchDays");
    }
    // Clearing the cadence or the address takes the contact off the list at once.
    let id = custom["id"].as_str().unwrap();
    let upd = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { touchStatus nextTouchAt } } }";
    let v = app.gql_ok(&token, upd, json!({ "input": { "id": id, "stayInTouchDays": null } })).await;
    assert_eq!(v["updateContact"]["contact"]["touchStatus"], "NO_CADENCE");
    assert!(v["updateContact"]["contact"]["nextTouchAt"].is_null());
    assert!(!due_ids(&app, &token, false).await.contains(&id.to_owned()));
    let v = app.gql_ok(&token, upd, json!({ "input": { "id": id, "stayInTouchDays": 5 } })).await;
    assert_eq!(v["updateContact"]["contact"]["touchStatus"], "OVERDUE");
    assert!(due_ids(&app, &token, false).await.contains(&id.to_owned()));
}

async fn a_received_entry_today_resets_a_due_contact(kind: Kind) {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(kind, clock.clone()).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = create(&app, &token, json!({ "name": "Ada", "email": "ada@example.com", "stayInTouchDays": 30 }))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    clock.advance(Duration::days(29));
    assert_eq!(status(&app, &token, &id).await, "ON_TRACK");
    assert!(due_ids(&app, &token, false).await.is_empty());
    clock.advance(Duration::days(2));
    assert_eq!(status(&app, &token, &id).await, "DUE");
    assert_eq!(due_ids(&app, &token, false).await, std::slice::from_ref(&id));

    // Logged today (no timestamp: the server's now), received: the clock restarts.
    app.log(&token, &id, "Great to hear from you", "RECEIVED", None).await;
    let after = contact(&app, &token, &id).await;
    assert_eq!(after["touchStatus"], "ON_TRACK");
    assert_eq!(time(&after["lastTouchAt"]), domain::Clock::now(&clock));
    assert_eq!(time(&after["nextTouchAt"]), domain::Clock::now(&clock) + Duration::days(30));
    assert!(due_ids(&app, &token, false).await.is_empty());

    // An older entry never moves the last touch backwards.
    app.log(&token, &id, "Old note", "SENT", Some("2020-01-01T00:00:00Z")).await;
    assert_eq!(time(&contact(&app, &token, &id).await["lastTouchAt"]), domain::Clock::now(&clock));
}

async fn overdue_at_twice_the_cadence(kind: Kind) {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(kind, clock.clone()).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c =
        create(&app, &token, json!({ "name": "Bo", "email": "bo@example.com", "stayInTouchDays": 10 })).await;
    let id = c["id"].as_str().unwrap().to_owned();
    // (plus a minute: the contact was created a moment after the clock was read)
    clock.advance(Duration::days(10) + Duration::minutes(1));
    assert_eq!(status(&app, &token, &id).await, "DUE");
    clock.advance(Duration::days(9));
    assert_eq!(status(&app, &token, &id).await, "DUE");
    clock.advance(Duration::days(1));
    assert_eq!(status(&app, &token, &id).await, "OVERDUE");
}

async fn snooze_hides_and_then_returns_the_contact(kind: Kind) {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(kind, clock.clone()).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c =
        create(&app, &token, json!({ "name": "Cy", "email": "cy@example.com", "stayInTouchDays": 7 })).await;
    let id = c["id"].as_str().unwrap().to_owned();
    clock.advance(Duration::days(8));
    assert_eq!(due_ids(&app, &token, false).await, std::slice::from_ref(&id));

    let until = domain::Clock::now(&clock) + Duration::days(3);
    let v = app.gql_ok(&token, SNOOZE, json!({ "input": { "id": id, "until": until } })).await;
    assert_eq!(v["snoozeContact"]["contact"], json!({ "id": id, "touchStatus": "SNOOZED" }));
    assert!(due_ids(&app, &token, false).await.is_empty(), "hidden while snoozed");
    assert_eq!(due_ids(&app, &token, true).await, std::slice::from_ref(&id), "shown with includeSnoozed");

    clock.advance(Duration::days(3));
    assert_eq!(status(&app, &token, &id).await, "DUE");
    assert_eq!(due_ids(&app, &token, false).await, std::slice::from_ref(&id), "back when the snooze ends");

    // A past time is refused; another user's contact is NOT_FOUND.
    let v = app
        .gql(
            Some(&token),
            SNOOZE,
            json!({ "input": { "id": id, "until": domain::Clock::now(&clock) - Duration::days(1) } }),
        )
        .await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
    let (other, _) = app.sign_up("other@example.com").await;
    let v = app
        .gql(Some(&other), SNOOZE, json!({ "input": { "id": id, "until": until + Duration::days(9) } }))
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert!(due_ids(&app, &other, false).await.is_empty(), "due lists are per user");
}

async fn due_list_is_most_overdue_first_then_high_priority_and_pages(kind: Kind) {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(kind, clock.clone()).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let mut ids = Vec::new();
    for (name, priority) in [("Low", "LOW"), ("Med", "MEDIUM"), ("High", "HIGH"), ("Late", "LOW")] {
        let c = create(
            &app,
            &token,
            json!({ "name": name, "email": "x@example.com", "priority": priority, "stayInTouchDays": 5 }),
        )
        .await;
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    // Equal due times for the first three; "Late" has been due longest.
    for id in &ids[..3] {
        app.set_time("contacts", "nextTouchAt", id, "2030-01-10 00:00:00.000").await;
    }
    app.set_time("contacts", "nextTouchAt", &ids[3], "2030-01-01 00:00:00.000").await;
    clock.set("2030-02-01T00:00:00Z".parse().unwrap());
    let expected = vec![ids[3].clone(), ids[2].clone(), ids[1].clone(), ids[0].clone()];
    assert_eq!(due_ids(&app, &token, false).await, expected);

    // Page by one: the same order, no repeats.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let v = app.gql_ok(&token, DUE, json!({ "first": 1, "after": after })).await;
        let conn = &v["dueContacts"];
        seen.push(conn["nodes"][0]["id"].as_str().unwrap().to_owned());
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen, expected);
    let v = app.gql(Some(&token), DUE, json!({ "first": 1, "after": "bogus" })).await;
    assert_eq!(code(&v), "BAD_USER_INPUT");
}

async fn today_lists_due_contacts_with_write_and_snooze(kind: Kind) {
    let clock = ManualClock::new();
    let app = TestApp::spawn_with_clock(kind, clock.clone()).await;
    let mut b = crate::web::Browser::new(&app);
    b.sign_up("today@example.com").await;
    let id = b.add_contact("Ada Lovelace").await; // HIGH: every 30 days
    let today = b.get("/").await;
    assert!(today.body.contains("Haven't talked in a while"));
    assert!(!today.body.contains(&format!("/contacts/{id}/snooze")), "not due yet");

    clock.advance(Duration::days(31));
    let today = b.get("/").await;
    assert!(today.body.contains(&format!("/contacts/{id}/write")), "Write follow-up link");
    assert!(today.body.contains(&format!("/contacts/{id}/snooze")), "Snooze button");
    let done = b.submit(&today, &format!("/contacts/{id}/snooze"), &[("days", "7")]).await;
    assert_eq!(done.status, reqwest::StatusCode::SEE_OTHER, "{}", done.body);
    let today = b.get("/").await;
    assert!(!today.body.contains(&format!("/contacts/{id}/snooze")), "snoozed for a week");
    clock.advance(Duration::days(8));
    assert!(b.get("/").await.body.contains(&format!("/contacts/{id}/snooze")), "back after the week");

    // The contact form shows and takes the cadence.
    let form = b.get(&format!("/contacts/{id}/edit")).await;
    assert!(form.body.contains("Stay in touch every"));
    let done = b
        .submit(
            &form,
            &format!("/contacts/{id}/edit"),
            &[
                ("name", "Ada Lovelace"),
                ("email", "ada@example.com"),
                ("priority", "HIGH"),
                ("stayInTouchDays", "0"),
            ],
        )
        .await;
    assert_eq!(done.status, reqwest::StatusCode::SEE_OTHER, "{}", done.body);
    assert!(!b.get("/").await.body.contains(&format!("/contacts/{id}/snooze")), "no cadence, not due");
}

on_both!(
    today_lists_due_contacts_with_write_and_snooze,
    cadences_default_by_priority_and_need_an_address,
    a_received_entry_today_resets_a_due_contact,
    overdue_at_twice_the_cadence,
    snooze_hides_and_then_returns_the_contact,
    due_list_is_most_overdue_first_then_high_priority_and_pages,
);
