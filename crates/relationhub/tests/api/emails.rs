//! Emails: drafts, filters and orders, editing only while DRAFT, validation, sanitising and
//! paging over equal sort keys.

use crate::common::{TestApp, code, data, field, ids, no_data};
use domain::EmailStatus;
use serde_json::{Value, json};
use testkit::{Kind, on_both};

pub const EMAIL_FIELDS: &str = "id contactId subject body bodyHtml status templateType providerId tokensUsed generatedAt sentAt openedAt repliedAt scheduledAt sendAttempts lastError createdAt updatedAt";

const CREATE: &str = "mutation($input: CreateEmailInput!) { createEmail(input: $input) { email { id status subject body bodyHtml templateType contactId } } }";
const UPDATE: &str = "mutation($input: UpdateEmailInput!) { updateEmail(input: $input) { email { id subject body bodyHtml templateType status updatedAt } } }";
const DELETE: &str = "mutation($id: ID!) { deleteEmail(input: {id: $id}) { deletedId } }";

async fn read_email(app: &TestApp, token: &str, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ email(id: $id) {{ {EMAIL_FIELDS} }} }}");
    app.gql_ok(token, &q, json!({ "id": id })).await["email"].clone()
}

async fn list(app: &TestApp, token: &str, args: Value) -> Value {
    let q = "query($first: Int, $after: String, $filter: EmailFilter, $orderBy: EmailOrder) {
        emails(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
            totalCount nodes { id subject } edges { cursor node { id } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    app.gql_ok(token, q, args).await["emails"].clone()
}

async fn create_email_makes_a_draft_that_email_reads_back(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let contact = app.contact(&token, "Ada").await;
    let v = app
        .gql(
            Some(&token),
            "mutation($c: ID!) { createEmail(input: {contactId: $c, subject: \"Hello\", body: \"Hi Ada\"}) { email { id status } } }",
            json!({ "c": contact }),
        )
        .await;
    let created = &data(&v)["createEmail"]["email"];
    assert_eq!(created["status"], "DRAFT");
    let id = created["id"].as_str().unwrap();

    let e = read_email(&app, &token, id).await;
    assert_eq!(e["id"], id);
    assert_eq!(e["contactId"], contact.as_str());
    assert_eq!(e["subject"], "Hello");
    assert_eq!(e["body"], "Hi Ada");
    assert!(e["bodyHtml"].is_null());
    assert_eq!(e["status"], "DRAFT");
    assert!(e["templateType"].is_null());
    for f in [
        "providerId",
        "tokensUsed",
        "generatedAt",
        "sentAt",
        "openedAt",
        "repliedAt",
        "scheduledAt",
        "lastError",
    ] {
        assert!(e[f].is_null(), "{f} is null on a hand-written draft: {e}");
    }
    assert_eq!(e["sendAttempts"], 0);
    assert_eq!(e["createdAt"], e["updatedAt"]);

    let v = app
        .gql(
            Some(&token),
            CREATE,
            json!({ "input": { "contactId": contact, "subject": "  Styled  ", "body": "Text", "bodyHtml": "<p>Text</p>", "templateType": "CASUAL" } }),
        )
        .await;
    let styled = &data(&v)["createEmail"]["email"];
    assert_eq!(styled["subject"], "Styled", "subjects are trimmed");
    assert_eq!(styled["bodyHtml"], "<p>Text</p>");
    assert_eq!(styled["templateType"], "CASUAL");

    // Email.contact resolves the recipient.
    let v = app
        .gql_ok(
            &token,
            "query($id: ID!) { email(id: $id) { contact { id name email } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(v["email"]["contact"], json!({ "id": contact, "name": "Ada", "email": "ada@example.com" }));

    // A missing recipient is NOT_FOUND and creates nothing.
    let v = app
        .gql(
            Some(&token),
            CREATE,
            json!({ "input": { "contactId": "no-such-contact", "subject": "S", "body": "B" } }),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert!(no_data(&v));
    assert_eq!(list(&app, &token, json!({})).await["totalCount"], 2);
}

async fn email_contact_resolves_each_emails_own_recipient_in_a_list(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let mut want = std::collections::HashMap::new();
    for name in ["Ada", "Bob", "Cy"] {
        let c = app.contact(&token, name).await;
        for i in 0..2 {
            let e = app.draft(&token, &c, &format!("{name} {i}")).await;
            want.insert(e, (c.clone(), name));
        }
    }
    let v = app.gql_ok(&token, "{ emails { nodes { id contactId contact { id name } } } }", json!({})).await;
    let nodes = v["emails"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 6);
    for n in nodes {
        let (c, name) = &want[n["id"].as_str().unwrap()];
        assert_eq!(n["contactId"], c.as_str());
        assert_eq!(n["contact"]["id"], c.as_str());
        assert_eq!(n["contact"]["name"], *name);
    }
}

async fn emails_filter_by_status_contact_and_template_type(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    let ada = app.contact(&token, "Ada").await;
    let bob = app.contact(&token, "Bob").await;
    let d1 = app.draft(&token, &ada, "d1").await;
    let v = app
        .gql(
            Some(&token),
            CREATE,
            json!({ "input": { "contactId": bob, "subject": "d2", "body": "b", "templateType": "CASUAL" } }),
        )
        .await;
    let d2 = data(&v)["createEmail"]["email"]["id"].as_str().unwrap().to_owned();
    let sent = app.email_with_status(&user_id, &ada, "s1", EmailStatus::Sent, Some(chrono::Utc::now())).await;
    let failed = app.email_with_status(&user_id, &bob, "f1", EmailStatus::Failed, None).await;
    for (i, id) in [&d1, &d2, &sent, &failed].into_iter().enumerate() {
        app.set_time("emails", "createdAt", id, &format!("2025-01-0{} 00:00:00.000", i + 1)).await;
    }

    let cases = [
        (json!({}), vec![&failed, &sent, &d2, &d1]),
        (json!({ "status": "DRAFT" }), vec![&d2, &d1]),
        (json!({ "status": "SENT" }), vec![&sent]),
        (json!({ "status": "FAILED" }), vec![&failed]),
        (json!({ "status": "SCHEDULED" }), vec![]),
        (json!({ "contactId": ada }), vec![&sent, &d1]),
        (json!({ "contactId": bob }), vec![&failed, &d2]),
        (json!({ "contactId": "nobody" }), vec![]),
        (json!({ "templateType": "CASUAL" }), vec![&d2]),
        (json!({ "templateType": "FORMAL" }), vec![&failed, &sent]),
        (json!({ "templateType": "AI_GENERATED" }), vec![]),
        (json!({ "status": "DRAFT", "contactId": bob }), vec![&d2]),
        (json!({ "status": "SENT", "contactId": bob }), vec![]),
        (json!({ "status": "FAILED", "contactId": bob, "templateType": "FORMAL" }), vec![&failed]),
    ];
    for (filter, want) in cases {
        let got = list(&app, &token, json!({ "filter": filter })).await;
        let want: Vec<String> = want.into_iter().cloned().collect();
        assert_eq!(ids(&got), want, "filter {filter}");
        assert_eq!(got["totalCount"], want.len(), "totalCount for filter {filter}");
    }
}

async fn every_email_order_sorts_as_documented(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let mut by_created = Vec::new();
    for (i, (created, updated)) in
        [("01", "05"), ("02", "03"), ("03", "04"), ("04", "01")].into_iter().enumerate()
    {
        let id = app.draft(&token, &c, &format!("e{i}")).await;
        app.set_time("emails", "createdAt", &id, &format!("2025-01-{created} 00:00:00.000")).await;
        app.set_time("emails", "updatedAt", &id, &format!("2025-02-{updated} 00:00:00.000")).await;
        by_created.push(id);
    }
    let [e0, e1, e2, e3] = [0, 1, 2, 3].map(|i| by_created[i].clone());
    for (order, want) in [
        (None, vec![&e3, &e2, &e1, &e0]),
        (Some("CREATED_AT_DESC"), vec![&e3, &e2, &e1, &e0]),
        (Some("CREATED_AT_ASC"), vec![&e0, &e1, &e2, &e3]),
        (Some("UPDATED_AT_DESC"), vec![&e0, &e2, &e1, &e3]),
    ] {
        let want: Vec<String> = want.into_iter().cloned().collect();
        assert_eq!(ids(&list(&app, &token, json!({ "orderBy": order })).await), want, "order {order:?}");
        let mut paged = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = list(&app, &token, json!({ "orderBy": order, "first": 3, "after": after })).await;
            paged.extend(ids(&page));
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(paged, want, "paging in order {order:?}");
    }
    // Editing moves an email to the front of UPDATED_AT_DESC.
    app.gql(Some(&token), UPDATE, json!({ "input": { "id": e3, "subject": "touched" } })).await;
    let v = list(&app, &token, json!({ "orderBy": "UPDATED_AT_DESC", "first": 1 })).await;
    assert_eq!(ids(&v), [e3]);
}

async fn update_email_edits_a_draft_and_rerenders_html_from_a_new_body(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let v = app
        .gql(
            Some(&token),
            CREATE,
            json!({ "input": { "contactId": c, "subject": "S", "body": "B", "bodyHtml": "<p>B</p>", "templateType": "FORMAL" } }),
        )
        .await;
    let id = data(&v)["createEmail"]["email"]["id"].as_str().unwrap().to_owned();
    app.set_time("emails", "updatedAt", &id, "2020-01-01 00:00:00.000").await;
    let before = read_email(&app, &token, &id).await;

    let v = app.gql(Some(&token), UPDATE, json!({ "input": { "id": id, "subject": "New subject" } })).await;
    let e = &data(&v)["updateEmail"]["email"];
    assert_eq!(e["subject"], "New subject");
    assert_eq!(e["body"], "B", "omitted fields stay");
    assert_eq!(e["bodyHtml"], "<p>B</p>");
    assert_eq!(e["templateType"], "FORMAL");
    assert_eq!(e["status"], "DRAFT");
    assert_ne!(e["updatedAt"], before["updatedAt"]);

    let v = app
        .gql(
            Some(&token),
            UPDATE,
            json!({ "input": { "id": id, "body": "Line <one>\nline two\n\nNext & last" } }),
        )
        .await;
    let e = &data(&v)["updateEmail"]["email"];
    assert_eq!(e["body"], "Line <one>\nline two\n\nNext & last");
    let html = e["bodyHtml"].as_str().unwrap();
    assert!(html.contains("Line &lt;one&gt;"), "the new body is escaped into HTML: {html}");
    assert!(html.contains("Next &amp; last"), "{html}");
    assert!(!html.contains("<p>B</p>"), "the old HTML does not survive a body change: {html}");

    let v = app
        .gql(
            Some(&token),
            UPDATE,
            json!({ "input": { "id": id, "body": "Plain", "bodyHtml": "<b>Rich</b>" } }),
        )
        .await;
    assert_eq!(data(&v)["updateEmail"]["email"]["bodyHtml"], "<b>Rich</b>", "an explicit bodyHtml wins");

    let v = app
        .gql(Some(&token), UPDATE, json!({ "input": { "id": id, "bodyHtml": null, "templateType": null } }))
        .await;
    let e = &data(&v)["updateEmail"]["email"];
    assert!(e["bodyHtml"].is_null(), "null clears bodyHtml: {e}");
    assert!(e["templateType"].is_null(), "null clears templateType: {e}");
    assert_eq!(e["body"], "Plain");
    let stored = read_email(&app, &token, &id).await;
    assert_eq!(stored["subject"], "New subject");
    assert!(stored["bodyHtml"].is_null());
}

async fn update_email_on_a_non_draft_answers_conflict_naming_the_status_and_changes_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    for (status, name) in [
        (EmailStatus::Sent, "SENT"),
        (EmailStatus::Scheduled, "SCHEDULED"),
        (EmailStatus::Failed, "FAILED"),
        (EmailStatus::Cancelled, "CANCELLED"),
    ] {
        let sent_at = (status == EmailStatus::Sent).then(chrono::Utc::now);
        let id = app.email_with_status(&user_id, &c, "Already out", status, sent_at).await;
        let before = read_email(&app, &token, &id).await;
        assert_eq!(before["status"], name);
        for patch in [
            json!({ "id": id, "subject": "Sneaky edit" }),
            json!({ "id": id, "body": "New body" }),
            json!({ "id": id, "bodyHtml": null }),
            json!({ "id": id }),
        ] {
            let v = app.gql(Some(&token), UPDATE, json!({ "input": patch })).await;
            assert_eq!(code(&v), "CONFLICT", "{name}: {v}");
            let message = v["errors"][0]["message"].as_str().unwrap();
            assert!(message.contains(name), "the message names the status {name}: {message}");
            assert!(no_data(&v));
        }
        assert_eq!(
            read_email(&app, &token, &id).await,
            before,
            "a refused edit of a {name} email changes nothing"
        );
        // Non-drafts can still be deleted.
        let v = app.gql(Some(&token), DELETE, json!({ "id": id })).await;
        assert_eq!(data(&v)["deleteEmail"]["deletedId"], id.as_str());
    }
    // A missing email is NOT_FOUND, not CONFLICT.
    let v = app.gql(Some(&token), UPDATE, json!({ "input": { "id": "missing", "subject": "x" } })).await;
    assert_eq!(code(&v), "NOT_FOUND");
}

async fn delete_email_returns_the_id_and_then_answers_not_found(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let doomed = app.draft(&token, &c, "Doomed").await;
    let kept = app.draft(&token, &c, "Kept").await;
    let v = app.gql(Some(&token), DELETE, json!({ "id": doomed })).await;
    assert_eq!(data(&v)["deleteEmail"]["deletedId"], doomed.as_str());
    let v = app.gql(Some(&token), "query($id: ID!) { email(id: $id) { id } }", json!({ "id": doomed })).await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert_eq!(v["errors"][0]["message"], "email not found");
    assert_eq!(code(&app.gql(Some(&token), DELETE, json!({ "id": doomed })).await), "NOT_FOUND");
    assert_eq!(
        code(&app.gql(Some(&token), UPDATE, json!({ "input": { "id": doomed, "subject": "x" } })).await),
        "NOT_FOUND"
    );
    let all = list(&app, &token, json!({})).await;
    assert_eq!(ids(&all), [kept]);
    assert_eq!(all["totalCount"], 1);
    let v = app
        .gql_ok(&token, "query($id: ID!) { contact(id: $id) { emails { totalCount } } }", json!({ "id": c }))
        .await;
    assert_eq!(v["contact"]["emails"]["totalCount"], 1, "deleting an email keeps its contact");
}

async fn each_email_rule_refuses_bad_input_naming_the_field_and_changes_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let existing = app.draft(&token, &c, "Existing").await;
    let before = read_email(&app, &token, &existing).await;
    let cases = [
        ("subject", json!("")),
        ("subject", json!("   ")),
        ("subject", json!("s".repeat(501))),
        ("body", json!("")),
        ("body", json!("b".repeat(50_001))),
        ("bodyHtml", json!("h".repeat(50_001))),
    ];
    for (name, value) in cases {
        let mut input = json!({ "contactId": c, "subject": "Valid", "body": "Valid" });
        input[name] = value.clone();
        let v = app.gql(Some(&token), CREATE, json!({ "input": input })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "create {name}: {v}");
        assert_eq!(field(&v), name);
        assert!(no_data(&v));

        let mut patch = json!({ "id": existing });
        patch[name] = value;
        let v = app.gql(Some(&token), UPDATE, json!({ "input": patch })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "update {name}: {v}");
        assert_eq!(field(&v), name);
    }
    assert_eq!(list(&app, &token, json!({})).await["totalCount"], 1, "no refused create left a row");
    assert_eq!(read_email(&app, &token, &existing).await, before, "no refused update changed the row");

    // The limits themselves are accepted.
    let v = app
        .gql(
            Some(&token),
            CREATE,
            json!({ "input": { "contactId": c, "subject": "s".repeat(500), "body": "b".repeat(50_000), "bodyHtml": "h".repeat(50_000) } }),
        )
        .await;
    let e = &data(&v)["createEmail"]["email"];
    assert_eq!(e["subject"].as_str().unwrap().len(), 500);
    assert_eq!(e["body"].as_str().unwrap().len(), 50_000);
}

async fn body_html_is_sanitised_on_create_and_update(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let dirty = concat!(
        "<p>Hello <b>Ada</b>, <i>see</i> <a href=\"https://example.com/page\">this link</a>.</p>",
        "<script>alert('x')</script>",
        "<p onclick=\"steal()\">Click</p>",
        "<img src=\"https://example.com/x.png\" onerror=\"steal()\">",
        "<a href=\"javascript:alert(1)\">bad link</a>",
        "<a href=\"JaVaScRiPt:alert(2)\">bad link 2</a>",
        "<ul><li>one</li><li>two</li></ul>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<style>body { display: none }</style>",
    );
    let check = |html: &str| {
        let lower = html.to_lowercase();
        for bad in
            ["<script", "alert('x')", "onclick", "onerror", "javascript:", "steal()", "<iframe", "<style"]
        {
            assert!(!lower.contains(bad), "{bad:?} survived sanitising: {html}");
        }
        for good in [
            "<p>",
            "<b>Ada</b>",
            "<i>see</i>",
            "href=\"https://example.com/page\"",
            "this link",
            "<li>one</li>",
            "Click",
            "bad link",
        ] {
            assert!(html.contains(good), "safe markup {good:?} was lost: {html}");
        }
    };
    let v = app
        .gql(
            Some(&token),
            CREATE,
            json!({ "input": { "contactId": c, "subject": "S", "body": "B", "bodyHtml": dirty } }),
        )
        .await;
    let e = &data(&v)["createEmail"]["email"];
    check(e["bodyHtml"].as_str().unwrap());
    let id = e["id"].as_str().unwrap().to_owned();
    check(read_email(&app, &token, &id).await["bodyHtml"].as_str().unwrap());

    let clean = app.draft(&token, &c, "Clean").await;
    let v = app.gql(Some(&token), UPDATE, json!({ "input": { "id": clean, "bodyHtml": dirty } })).await;
    check(data(&v)["updateEmail"]["email"]["bodyHtml"].as_str().unwrap());
    check(read_email(&app, &token, &clean).await["bodyHtml"].as_str().unwrap());
}

/// Pages through `emails` in `order` with `first`; returns every id seen, in order.
async fn page_all(app: &TestApp, token: &str, order: &str, first: u32, expected_total: usize) -> Vec<String> {
    let (mut seen, mut after, mut pages) = (Vec::new(), Value::Null, 0);
    loop {
        let page = list(app, token, json!({ "orderBy": order, "first": first, "after": after })).await;
        assert_eq!(page["totalCount"], expected_total);
        assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 0);
        let got = ids(&page);
        assert!(got.len() <= first as usize);
        seen.extend(got);
        pages += 1;
        assert!(pages <= expected_total + 1, "paging does not end");
        if page["pageInfo"]["hasNextPage"] == false {
            return seen;
        }
        assert_eq!(page["edges"].as_array().unwrap().len(), first as usize, "only the last page is short");
        after = page["pageInfo"]["endCursor"].clone();
    }
}

async fn paging_emails_with_identical_timestamps_returns_every_email_exactly_once(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    let mut want = Vec::new();
    for i in 0..25 {
        want.push(app.draft(&token, &c, &format!("Email {i}")).await);
    }
    app.sql(r#"UPDATE "emails" SET "createdAt" = '2025-10-15 12:00:00.000', "updatedAt" = '2025-10-15 12:00:00.000'"#)
        .await;
    want.sort();
    for order in ["CREATED_AT_DESC", "CREATED_AT_ASC", "UPDATED_AT_DESC"] {
        let seen = page_all(&app, &token, order, 7, 25).await;
        assert_eq!(seen.len(), 25, "{order}");
        assert_eq!(seen, want, "{order}: every id exactly once, ties broken by id");
    }
    // Ties mixed with distinct keys: half the rows one second later.
    for id in &want[..12] {
        app.set_time("emails", "createdAt", id, "2025-10-15 12:00:01.000").await;
    }
    let seen = page_all(&app, &token, "CREATED_AT_DESC", 7, 25).await;
    let mut expected: Vec<String> = want[..12].to_vec();
    expected.extend(want[12..].iter().cloned());
    assert_eq!(seen, expected);
    let seen = page_all(&app, &token, "CREATED_AT_ASC", 5, 25).await;
    let mut expected: Vec<String> = want[12..].to_vec();
    expected.extend(want[..12].iter().cloned());
    assert_eq!(seen, expected);
}

async fn page_size_defaults_to_20_and_must_be_between_1_and_100(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    for i in 0..25 {
        app.draft(&token, &c, &format!("Email {i}")).await;
    }
    let page = list(&app, &token, json!({})).await;
    assert_eq!(page["nodes"].as_array().unwrap().len(), 20, "first defaults to 20");
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    assert_eq!(page["totalCount"], 25);
    let page = list(&app, &token, json!({ "first": 100 })).await;
    assert_eq!(page["nodes"].as_array().unwrap().len(), 25);
    assert_eq!(page["pageInfo"]["hasNextPage"], false);

    for bad in [101, 0, -1] {
        let v = app
            .gql(Some(&token), "query($n: Int) { emails(first: $n) { nodes { id } } }", json!({ "n": bad }))
            .await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "first: {bad}: {v}");
        assert_eq!(field(&v), "first");
        assert!(no_data(&v), "{v}");
    }
    // A huge page is refused by the page-size rule, naming the argument.
    let v = app.gql(Some(&token), "{ emails(first: 1000000) { nodes { id } } }", json!({})).await;
    assert_eq!(code(&v), "BAD_USER_INPUT", "{v}");
    assert_eq!(field(&v), "first", "{v}");
    assert!(no_data(&v), "{v}");
}

async fn a_cursor_from_another_order_or_list_is_refused(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let c = app.contact(&token, "Ada").await;
    app.contact(&token, "Bob").await;
    for i in 0..3 {
        app.draft(&token, &c, &format!("Email {i}")).await;
    }
    let desc = list(&app, &token, json!({ "first": 1, "orderBy": "CREATED_AT_DESC" })).await;
    let cursor = desc["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
    let contacts = app.gql_ok(&token, "{ contacts(first: 1) { pageInfo { endCursor } } }", json!({})).await;
    let contact_cursor = contacts["contacts"]["pageInfo"]["endCursor"].as_str().unwrap().to_owned();

    let q = "query($after: String, $order: EmailOrder) { emails(first: 2, after: $after, orderBy: $order) { nodes { id } } }";
    for (after, order) in [
        (cursor.as_str(), "CREATED_AT_ASC"),
        (cursor.as_str(), "UPDATED_AT_DESC"),
        (contact_cursor.as_str(), "CREATED_AT_DESC"),
        ("not a cursor", "CREATED_AT_DESC"),
        ("WyJlLmNkIiwibm9wZSIsIngiXQ", "CREATED_AT_DESC"),
        ("", "CREATED_AT_DESC"),
    ] {
        let v = app.gql(Some(&token), q, json!({ "after": after, "order": order })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "after {after:?} with {order}: {v}");
        assert_eq!(field(&v), "after");
        assert!(no_data(&v));
    }
    // The cursor still works with its own order.
    let v = app.gql(Some(&token), q, json!({ "after": cursor, "order": "CREATED_AT_DESC" })).await;
    assert_eq!(data(&v)["emails"]["nodes"].as_array().unwrap().len(), 2);
}

async fn the_guides_health_check_query_returns_the_users_emails(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    // The guide's `curl` body, adapted to Relay connections (edges carry `node`).
    let query = "{ emails { edges { node { id subject status } } } }";
    let v = app.gql(Some(&token), query, json!(null)).await;
    assert_eq!(data(&v)["emails"]["edges"], json!([]), "an empty array for a new account");

    let c = app.contact(&token, "Ada").await;
    let id = app.draft(&token, &c, "Checking in").await;
    let resp = app
        .client()
        .post(app.url("/graphql"))
        .header("Content-Type", "application/json")
        .bearer_auth(&token)
        .body(json!({ "query": query }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        data(&v)["emails"]["edges"],
        json!([{ "node": { "id": id, "subject": "Checking in", "status": "DRAFT" } }])
    );

    let v = app.gql(None, query, json!(null)).await;
    assert_eq!(code(&v), "UNAUTHENTICATED", "without a token the list is refused");
    assert!(no_data(&v));
}

async fn a_list_reads_bodies_whenever_the_selection_shows_them(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let contact = app.contact(&token, "Ada").await;
    let input = json!({ "contactId": contact, "subject": "S", "body": "Body text", "bodyHtml": "<p>Body text</p>",
                        "templateType": "CASUAL" });
    app.gql_ok(&token, CREATE, json!({ "input": input })).await;
    // Lists that do not show bodies skip reading them; every way of asking for them gets them.
    let plain =
        app.gql_ok(&token, "{ emails { nodes { id subject } edges { node { status } } } }", json!({})).await;
    assert_eq!(plain["emails"]["nodes"][0]["subject"], "S");
    assert_eq!(plain["emails"]["edges"][0]["node"]["status"], "DRAFT");
    for (q, path) in [
        ("{ emails { nodes { body bodyHtml } } }", "/emails/nodes/0"),
        ("{ emails { edges { node { id body bodyHtml } } } }", "/emails/edges/0/node"),
        (
            "{ emails { edges { node { ...E } } } } fragment E on Email { body bodyHtml }",
            "/emails/edges/0/node",
        ),
        ("{ emails { edges { node { ... on Email { body bodyHtml } } } } }", "/emails/edges/0/node"),
        ("{ emails { nodes { id } more: nodes { body: body bodyHtml } } }", "/emails/more/0"),
    ] {
        let v = app.gql_ok(&token, q, json!({})).await;
        let node = v.pointer(path).unwrap_or_else(|| panic!("{q}: {v}"));
        assert_eq!(node["body"], "Body text", "{q}");
        assert_eq!(node["bodyHtml"], "<p>Body text</p>", "{q}");
    }
    // A page reads only the columns its selection shows: each field, alone or with all the
    // others, shows what `email(id)` shows.
    let all = "id contactId subject body bodyHtml status templateType providerId tokensUsed generatedAt \
               sentAt openedAt repliedAt scheduledAt sendAttempts lastError createdAt updatedAt __typename";
    let page = app.gql_ok(&token, &format!("{{ emails {{ nodes {{ {all} }} }} }}"), json!({})).await;
    let node = &page["emails"]["nodes"][0];
    let one = app
        .gql_ok(
            &token,
            &format!("query($id: ID!) {{ email(id: $id) {{ {all} }} }}"),
            json!({ "id": node["id"] }),
        )
        .await;
    assert_eq!(node, &one["email"]);
    assert_eq!(node["templateType"], "CASUAL");
    for field in all.split_whitespace() {
        let v = app
            .gql_ok(&token, &format!("{{ emails {{ edges {{ node {{ {field} }} }} }} }}"), json!({}))
            .await;
        assert_eq!(v["emails"]["edges"][0]["node"][field], one["email"][field], "{field}");
    }
}

/// Many clients changing emails at once (two accounts, eight clients each, every email
/// created, edited and deleted): every request gets its real answer — on SQLite too, where
/// writers take turns on one lock instead of failing with "database is locked".
async fn concurrent_mutations_each_get_their_own_answer(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut accounts = Vec::new();
    for who in ["one@example.com", "two@example.com"] {
        let (token, _) = app.sign_up(who).await;
        let contact = app.contact(&token, "Ada").await;
        accounts.push((token, contact));
    }
    let clients = accounts.iter().flat_map(|a| std::iter::repeat_n(a, 8)).enumerate().map(
        |(n, (token, contact))| {
            let app = &app;
            async move {
                for round in 0..5 {
                    let v = app
                        .gql(
                            Some(token),
                            CREATE,
                            json!({ "input": { "contactId": contact, "subject": format!("C{n} R{round}"), "body": "Hi" } }),
                        )
                        .await;
                    let id = data(&v)["createEmail"]["email"]["id"].as_str().unwrap().to_owned();
                    let v = app
                        .gql(Some(token), UPDATE, json!({ "input": { "id": id, "subject": format!("Edited C{n}") } }))
                        .await;
                    assert_eq!(data(&v)["updateEmail"]["email"]["subject"], format!("Edited C{n}"));
                    let v = app.gql(Some(token), DELETE, json!({ "id": id })).await;
                    assert_eq!(data(&v)["deleteEmail"]["deletedId"], id.as_str());
                    let v = app.gql(Some(token), DELETE, json!({ "id": id })).await;
                    assert_eq!(code(&v), "NOT_FOUND", "{v}");
                }
            }
        },
    );
    futures::future::join_all(clients).await;
    for (token, _) in &accounts {
        assert_eq!(list(&app, token, json!({})).await["totalCount"], 0);
    }
}

on_both!(
    a_list_reads_bodies_whenever_the_selection_shows_them,
    create_email_makes_a_draft_that_email_reads_back,
    email_contact_resolves_each_emails_own_recipient_in_a_list,
    emails_filter_by_status_contact_and_template_type,
    every_email_order_sorts_as_documented,
    update_email_edits_a_draft_and_rerenders_html_from_a_new_body,
    update_email_on_a_non_draft_answers_conflict_naming_the_status_and_changes_nothing,
    delete_email_returns_the_id_and_then_answers_not_found,
    each_email_rule_refuses_bad_input_naming_the_field_and_changes_nothing,
    body_html_is_sanitised_on_create_and_update,
    paging_emails_with_identical_timestamps_returns_every_email_exactly_once,
    page_size_defaults_to_20_and_must_be_between_1_and_100,
    a_cursor_from_another_order_or_list_is_refused,
    the_guides_health_check_query_returns_the_users_emails,
    concurrent_mutations_each_get_their_own_answer,
);
