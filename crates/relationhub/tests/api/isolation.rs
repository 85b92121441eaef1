//! Isolation: user B tries every query and mutation on user A's ids. Each answers exactly like
//! a made-up id (NOT_FOUND, same message), and A's data is unchanged afterwards.

use crate::common::{TestApp, code, data, ids};
use crate::contacts::CONTACT_FIELDS;
use crate::emails::EMAIL_FIELDS;
use crate::templates::TEMPLATE_FIELDS;
use domain::EmailStatus;
use serde_json::{Value, json};
use testkit::{Kind, on_both};

/// One user's rows.
struct Rows {
    token: String,
    contact: String,
    draft: String,
    sent: String,
    template: String,
    entry: String,
}

async fn rows_for(app: &TestApp, email: &str, name: &str) -> Rows {
    let (token, user_id) = app.sign_up(email).await;
    let v = app
        .gql(
            Some(&token),
            "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
            json!({ "input": { "name": name, "email": format!("{}@example.com", name.to_lowercase()), "company": format!("{name} Corp"),
                               "phone": "555", "role": "Boss", "industry": "Tech", "linkedInUrl": "https://example.com/x",
                               "priority": "HIGH", "birthday": "1990-01-02", "notes": "private notes" } }),
        )
        .await;
    let contact = data(&v)["createContact"]["contact"]["id"].as_str().unwrap().to_owned();
    let draft = app.draft(&token, &contact, &format!("{name}'s draft")).await;
    let sent_at = chrono::Utc::now() - chrono::Duration::days(1);
    let sent = app
        .email_with_status(&user_id, &contact, &format!("{name}'s sent"), EmailStatus::Sent, Some(sent_at))
        .await;
    let template = app.template(&token, &format!("{name}'s template"), true).await;
    let entry = app
        .log(&token, &contact, &format!("{name}'s conversation"), "SENT", Some("2025-01-01T00:00:00Z"))
        .await;
    Rows { token, contact, draft, sent, template, entry }
}

/// Everything a user can see, as one JSON document.
async fn snapshot(app: &TestApp, rows: &Rows) -> Value {
    let q = format!(
        "query($c: ID!, $d: ID!, $s: ID!, $t: ID!) {{
            me {{ id email name createdAt }}
            contact(id: $c) {{ {CONTACT_FIELDS}
                emails {{ totalCount nodes {{ id }} }}
                conversationHistory {{ totalCount nodes {{ id contactId content direction timestamp metadata }} }} }}
            draft: email(id: $d) {{ {EMAIL_FIELDS} contact {{ id }} }}
            sent: email(id: $s) {{ {EMAIL_FIELDS} }}
            emailTemplate(id: $t) {{ {TEMPLATE_FIELDS} }}
            contacts {{ totalCount nodes {{ id }} }}
            emails {{ totalCount nodes {{ id }} }}
            emailTemplates {{ totalCount nodes {{ id isDefault }} }}
            conversationHistory(contactId: $c) {{ totalCount nodes {{ id }} }}
        }}"
    );
    let vars = json!({ "c": rows.contact, "d": rows.draft, "s": rows.sent, "t": rows.template });
    app.gql_ok(&rows.token, &q, vars).await
}

/// Every query and mutation that names a row, with the variable that carries the id.
fn operations(a: &Rows) -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("contact", "query($id: ID!) { contact(id: $id) { id name } }", a.contact.clone()),
        ("email", "query($id: ID!) { email(id: $id) { id subject } }", a.draft.clone()),
        ("emailTemplate", "query($id: ID!) { emailTemplate(id: $id) { id name } }", a.template.clone()),
        (
            "conversationHistory",
            "query($id: ID!) { conversationHistory(contactId: $id) { totalCount nodes { id content } } }",
            a.contact.clone(),
        ),
        (
            "updateContact",
            "mutation($id: ID!) { updateContact(input: {id: $id, name: \"Hacked\", notes: null, priority: LOW}) { contact { id name } } }",
            a.contact.clone(),
        ),
        (
            "deleteContact",
            "mutation($id: ID!) { deleteContact(input: {id: $id}) { deletedId } }",
            a.contact.clone(),
        ),
        (
            "createEmail",
            "mutation($id: ID!) { createEmail(input: {contactId: $id, subject: \"Hi\", body: \"Spam\"}) { email { id } } }",
            a.contact.clone(),
        ),
        (
            "updateEmail (draft)",
            "mutation($id: ID!) { updateEmail(input: {id: $id, subject: \"Hacked\", bodyHtml: null}) { email { id } } }",
            a.draft.clone(),
        ),
        (
            "updateEmail (sent: NOT_FOUND, not CONFLICT)",
            "mutation($id: ID!) { updateEmail(input: {id: $id, subject: \"Hacked\"}) { email { id } } }",
            a.sent.clone(),
        ),
        (
            "deleteEmail (draft)",
            "mutation($id: ID!) { deleteEmail(input: {id: $id}) { deletedId } }",
            a.draft.clone(),
        ),
        (
            "deleteEmail (sent)",
            "mutation($id: ID!) { deleteEmail(input: {id: $id}) { deletedId } }",
            a.sent.clone(),
        ),
        (
            "updateEmailTemplate",
            "mutation($id: ID!) { updateEmailTemplate(input: {id: $id, name: \"Hacked\", isDefault: false}) { emailTemplate { id } } }",
            a.template.clone(),
        ),
        (
            "updateEmailTemplate (isDefault: true)",
            "mutation($id: ID!) { updateEmailTemplate(input: {id: $id, isDefault: true}) { emailTemplate { id } } }",
            a.template.clone(),
        ),
        (
            "deleteEmailTemplate",
            "mutation($id: ID!) { deleteEmailTemplate(input: {id: $id}) { deletedId } }",
            a.template.clone(),
        ),
        (
            "setDefaultEmailTemplate",
            "mutation($id: ID!) { setDefaultEmailTemplate(input: {id: $id}) { emailTemplate { id } } }",
            a.template.clone(),
        ),
        (
            "logConversation (RECEIVED would mark A's sent email)",
            "mutation($id: ID!) { logConversation(input: {contactId: $id, content: \"Injected\", direction: RECEIVED}) { conversationEntry { id } } }",
            a.contact.clone(),
        ),
        (
            "logConversation (SENT, with metadata)",
            "mutation($id: ID!) { logConversation(input: {contactId: $id, content: \"Injected\", direction: SENT, metadata: {a: 1}}) { conversationEntry { id } } }",
            a.contact.clone(),
        ),
        (
            "deleteConversationEntry",
            "mutation($id: ID!) { deleteConversationEntry(input: {id: $id}) { deletedId } }",
            a.entry.clone(),
        ),
    ]
}

async fn another_users_ids_answer_exactly_like_missing_ids_and_change_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let a = rows_for(&app, "alice@example.com", "Alice").await;
    let b = rows_for(&app, "bob@example.com", "Bob").await;
    let a_before = snapshot(&app, &a).await;
    let b_before = snapshot(&app, &b).await;

    for (name, query, a_id) in operations(&a) {
        let made_up = domain::new_id();
        let foreign = app.gql(Some(&b.token), query, json!({ "id": a_id })).await;
        let missing = app.gql(Some(&b.token), query, json!({ "id": made_up })).await;
        assert_eq!(code(&foreign), "NOT_FOUND", "{name} on A's id: {foreign}");
        assert_eq!(foreign, missing, "{name}: A's id must answer exactly like a made-up id");
        assert_eq!(foreign["errors"].as_array().unwrap().len(), 1, "{name}: {foreign}");
        assert!(foreign["data"].is_null(), "{name}: no partial data: {foreign}");
    }

    // A list filtered by A's contact id is simply empty for B, like a made-up id.
    let q = "query($id: ID!) { emails(filter: {contactId: $id}) { totalCount nodes { id } edges { node { id } } pageInfo { hasNextPage endCursor } } }";
    let foreign = app.gql(Some(&b.token), q, json!({ "id": a.contact })).await;
    let missing = app.gql(Some(&b.token), q, json!({ "id": domain::new_id() })).await;
    assert_eq!(data(&foreign)["emails"]["totalCount"], 0);
    assert_eq!(data(&foreign)["emails"]["nodes"], json!([]));
    assert_eq!(foreign, missing);

    assert_eq!(snapshot(&app, &a).await, a_before, "A's data is unchanged after B's attempts");
    assert_eq!(
        snapshot(&app, &b).await,
        b_before,
        "B's own data is unchanged too (e.g. B's default template)"
    );

    // And A can still do everything with those ids.
    let v = app
        .gql(
            Some(&a.token),
            "mutation($id: ID!) { updateEmail(input: {id: $id, subject: \"Mine\"}) { email { subject } } }",
            json!({ "id": a.draft }),
        )
        .await;
    assert_eq!(data(&v)["updateEmail"]["email"]["subject"], "Mine");
}

async fn lists_and_filters_never_show_another_users_rows(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let a = rows_for(&app, "alice@example.com", "Alice").await;
    let b = rows_for(&app, "bob@example.com", "Bob").await;
    for (me, other, other_name) in [(&a, &b, "bob"), (&b, &a, "alice")] {
        let v = app
            .gql_ok(
                &me.token,
                "query($c: ID!, $search: String, $company: String) {
                    contacts { totalCount nodes { id } }
                    searched: contacts(filter: {search: $search}) { totalCount nodes { id } }
                    byCompany: contacts(filter: {company: $company}) { totalCount nodes { id } }
                    high: contacts(filter: {priority: HIGH}) { totalCount nodes { id } }
                    emails { totalCount nodes { id contactId } }
                    sent: emails(filter: {status: SENT}) { totalCount nodes { id } }
                    emailTemplates { totalCount nodes { id isDefault } }
                    conversationHistory(contactId: $c) { totalCount nodes { id } }
                    contact(id: $c) { emails { totalCount nodes { id } } conversationHistory { totalCount nodes { id } } }
                }",
                json!({ "c": me.contact, "search": other_name, "company": format!("{other_name} corp") }),
            )
            .await;
        assert_eq!(ids(&v["contacts"]), [me.contact.as_str()]);
        assert_eq!(v["contacts"]["totalCount"], 1);
        assert_eq!(v["searched"]["totalCount"], 0, "searching for the other user's contact finds nothing");
        assert_eq!(v["searched"]["nodes"], json!([]));
        assert_eq!(v["byCompany"]["totalCount"], 0);
        assert_eq!(ids(&v["high"]), [me.contact.as_str()]);
        let mut emails = ids(&v["emails"]);
        emails.sort();
        let mut mine = vec![me.draft.clone(), me.sent.clone()];
        mine.sort();
        assert_eq!(emails, mine);
        assert_eq!(v["emails"]["totalCount"], 2);
        assert_eq!(ids(&v["sent"]), [me.sent.as_str()]);
        assert_eq!(v["sent"]["totalCount"], 1);
        assert_eq!(v["emailTemplates"]["nodes"], json!([{ "id": me.template, "isDefault": true }]));
        assert_eq!(v["emailTemplates"]["totalCount"], 1);
        assert_eq!(ids(&v["conversationHistory"]), [me.entry.as_str()]);
        assert_eq!(v["contact"]["emails"]["totalCount"], 2);
        assert_eq!(v["contact"]["conversationHistory"]["totalCount"], 1);
        let all = serde_json::to_string(&v).unwrap();
        for foreign in [&other.contact, &other.draft, &other.sent, &other.template, &other.entry] {
            assert!(!all.contains(foreign.as_str()), "another user's id {foreign} leaked into {all}");
        }
    }
}

on_both!(
    another_users_ids_answer_exactly_like_missing_ids_and_change_nothing,
    lists_and_filters_never_show_another_users_rows,
);
