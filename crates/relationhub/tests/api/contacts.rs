//! Contacts: CRUD, filters, every order, paging, validation and the nested connections.

use crate::common::{TestApp, code, data, field, ids, no_data};
use serde_json::{Value, json};
use testkit::{Kind, on_both};

pub const CONTACT_FIELDS: &str = "id name email phone company role industry linkedInUrl priority birthday notes lastContactedAt createdAt updatedAt";

const CREATE: &str = "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id name email phone company role industry linkedInUrl priority birthday notes lastContactedAt createdAt updatedAt } } }";
const UPDATE: &str = "mutation($input: UpdateContactInput!) { updateContact(input: $input) { contact { id name email phone company role industry linkedInUrl priority birthday notes lastContactedAt createdAt updatedAt } } }";

async fn read_contact(app: &TestApp, token: &str, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ contact(id: $id) {{ {CONTACT_FIELDS} }} }}");
    app.gql_ok(token, &q, json!({ "id": id })).await["contact"].clone()
}

async fn list(app: &TestApp, token: &str, args: Value) -> Value {
    let q = "query($first: Int, $after: String, $filter: ContactFilter, $orderBy: ContactOrder) {
        contacts(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
            totalCount nodes { id name } edges { cursor node { id } }
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    app.gql_ok(token, q, args).await["contacts"].clone()
}

/// Pages through `contact(id).<name>` with `after`; returns the ids seen and the page count.
async fn page_nested(app: &TestApp, token: &str, query: &str, id: &str, name: &str) -> (Vec<String>, usize) {
    let (mut seen, mut pages, mut after) = (Vec::new(), 0, Value::Null);
    loop {
        let v = app.gql_ok(token, query, json!({ "id": id, "after": after })).await;
        let conn = &v["contact"][name];
        let total = conn["totalCount"].as_u64().unwrap() as usize;
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 0, "{name} page {pages}");
        seen.extend(ids(conn));
        pages += 1;
        assert!(pages <= total + 1, "paging {name} does not end");
        if conn["pageInfo"]["hasNextPage"] == false {
            assert_eq!(seen.len(), total, "{name}: totalCount matches what paging finds");
            return (seen, pages);
        }
        after = conn["pageInfo"]["endCursor"].clone();
    }
}

fn names(connection: &Value) -> Vec<&str> {
    connection["nodes"].as_array().unwrap().iter().map(|n| n["name"].as_str().unwrap()).collect()
}

async fn create_with(app: &TestApp, token: &str, input: Value) -> String {
    let v = app.gql(Some(token), CREATE, json!({ "input": input })).await;
    data(&v)["createContact"]["contact"]["id"].as_str().unwrap().to_owned()
}

async fn creating_a_contact_stores_every_field_and_reads_it_back(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let input = json!({
        "name": "  Grace Hopper ",
        "email": "Grace@Navy.MIL",
        "phone": "+1 555 0100",
        "company": "US Navy",
        "role": "Rear Admiral",
        "industry": "Defence",
        "linkedInUrl": "https://www.linkedin.com/in/grace",
        "priority": "HIGH",
        "birthday": "1906-12-09",
        "notes": "Invented the compiler.\nLine two.",
    });
    let v = app.gql(Some(&token), CREATE, json!({ "input": input })).await;
    let created = data(&v)["createContact"]["contact"].clone();
    assert_eq!(created["name"], "Grace Hopper", "names are trimmed");
    assert_eq!(created["email"], "grace@navy.mil", "addresses are stored lowercased");
    assert_eq!(created["phone"], "+1 555 0100");
    assert_eq!(created["company"], "US Navy");
    assert_eq!(created["role"], "Rear Admiral");
    assert_eq!(created["industry"], "Defence");
    assert_eq!(created["linkedInUrl"], "https://www.linkedin.com/in/grace");
    assert_eq!(created["priority"], "HIGH");
    assert_eq!(created["birthday"], "1906-12-09");
    assert_eq!(created["notes"], "Invented the compiler.\nLine two.");
    assert!(created["lastContactedAt"].is_null());
    assert_eq!(created["createdAt"], created["updatedAt"]);
    let id = created["id"].as_str().unwrap();
    assert_eq!(read_contact(&app, &token, id).await, created, "contact(id) answers what create stored");

    // Only the name is required; priority defaults to MEDIUM and the rest stays null.
    let v = app.gql(Some(&token), CREATE, json!({ "input": { "name": "Minimal" } })).await;
    let minimal = &data(&v)["createContact"]["contact"];
    assert_eq!(minimal["priority"], "MEDIUM");
    for f in ["email", "phone", "company", "role", "industry", "linkedInUrl", "birthday", "notes"] {
        assert!(minimal[f].is_null(), "{f} should be null: {minimal}");
    }
}

async fn contacts_lists_the_callers_contacts_with_a_total_count(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let empty = list(&app, &token, json!({})).await;
    assert_eq!(empty["totalCount"], 0);
    assert_eq!(empty["nodes"], json!([]));
    assert_eq!(
        empty["pageInfo"],
        json!({ "hasNextPage": false, "hasPreviousPage": false, "startCursor": null, "endCursor": null })
    );
    for name in ["Carol", "Alice", "Bob"] {
        app.contact(&token, name).await;
    }
    let all = list(&app, &token, json!({})).await;
    assert_eq!(all["totalCount"], 3);
    assert_eq!(names(&all), ["Alice", "Bob", "Carol"], "NAME_ASC is the default order");
    let edges = all["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 3);
    assert_eq!(all["pageInfo"]["startCursor"], edges[0]["cursor"]);
    assert_eq!(all["pageInfo"]["endCursor"], edges[2]["cursor"]);
    for (edge, node) in edges.iter().zip(all["nodes"].as_array().unwrap()) {
        assert_eq!(edge["node"]["id"], node["id"], "edges and nodes agree");
    }

    let first = list(&app, &token, json!({ "first": 2 })).await;
    assert_eq!(names(&first), ["Alice", "Bob"]);
    assert_eq!(first["totalCount"], 3, "totalCount counts the whole list, not the page");
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
    let rest = list(&app, &token, json!({ "first": 2, "after": first["pageInfo"]["endCursor"] })).await;
    assert_eq!(names(&rest), ["Carol"]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["pageInfo"]["hasPreviousPage"], true);
}

async fn update_contact_sets_given_fields_clears_nulls_and_keeps_omitted_ones(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let id = create_with(
        &app,
        &token,
        json!({ "name": "Ada", "email": "ada@example.com", "phone": "123", "company": "Analytical",
                "role": "Engineer", "industry": "Computing", "linkedInUrl": "http://example.com/ada",
                "priority": "LOW", "birthday": "1815-12-10", "notes": "First programmer" }),
    )
    .await;
    // An old updatedAt, so the change is visible whatever the clock's resolution.
    app.set_time("contacts", "updatedAt", &id, "2020-01-01 00:00:00.000").await;
    let before = read_contact(&app, &token, &id).await;

    let v = app
        .gql(
            Some(&token),
            UPDATE,
            json!({ "input": { "id": id, "name": "Ada Lovelace", "company": null, "birthday": null,
                               "notes": null, "priority": "HIGH", "role": "Countess" } }),
        )
        .await;
    let after = data(&v)["updateContact"]["contact"].clone();
    assert_eq!(after["name"], "Ada Lovelace");
    assert_eq!(after["role"], "Countess");
    assert_eq!(after["priority"], "HIGH");
    assert!(after["company"].is_null(), "null clears: {after}");
    assert!(after["birthday"].is_null(), "null clears a date too: {after}");
    assert!(after["notes"].is_null());
    for kept in ["email", "phone", "industry", "linkedInUrl", "createdAt", "id"] {
        assert_eq!(after[kept], before[kept], "omitted {kept} stays as it was");
    }
    assert_ne!(after["updatedAt"], before["updatedAt"], "updatedAt moves on a change");
    assert_eq!(read_contact(&app, &token, &id).await, after, "the change is stored");

    // A patch with only the id changes nothing but updatedAt.
    let v = app.gql(Some(&token), UPDATE, json!({ "input": { "id": id } })).await;
    let same = data(&v)["updateContact"]["contact"].clone();
    for f in [
        "name",
        "email",
        "phone",
        "company",
        "role",
        "industry",
        "linkedInUrl",
        "priority",
        "birthday",
        "notes",
    ] {
        assert_eq!(same[f], after[f], "{f}");
    }

    // Setting a cleared field again works.
    let v = app
        .gql(
            Some(&token),
            UPDATE,
            json!({ "input": { "id": id, "company": "Babbage & Co", "birthday": "1815-12-10" } }),
        )
        .await;
    assert_eq!(data(&v)["updateContact"]["contact"]["company"], "Babbage & Co");
    assert_eq!(data(&v)["updateContact"]["contact"]["birthday"], "1815-12-10");
}

async fn delete_contact_removes_it_with_its_emails_and_history_then_answers_not_found(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let id = app.contact(&token, "Doomed").await;
    let keep = app.contact(&token, "Keeper").await;
    let email = app.draft(&token, &id, "Bye").await;
    let entry = app.log(&token, &id, "We talked", "SENT", None).await;

    let del = "mutation($input: DeleteContactInput!) { deleteContact(input: $input) { deletedId } }";
    let v = app.gql(Some(&token), del, json!({ "input": { "id": id } })).await;
    assert_eq!(data(&v)["deleteContact"]["deletedId"], id.as_str());

    let v = app.gql(Some(&token), "query($id: ID!) { contact(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert!(no_data(&v));
    assert_eq!(code(&app.gql(Some(&token), del, json!({ "input": { "id": id } })).await), "NOT_FOUND");
    assert_eq!(
        code(&app.gql(Some(&token), UPDATE, json!({ "input": { "id": id, "name": "Back" } })).await),
        "NOT_FOUND"
    );
    let v = app.gql(Some(&token), "query($id: ID!) { email(id: $id) { id } }", json!({ "id": email })).await;
    assert_eq!(code(&v), "NOT_FOUND", "the contact's emails go with it");
    let v = app
        .gql(
            Some(&token),
            "mutation($id: ID!) { deleteConversationEntry(input: {id: $id}) { deletedId } }",
            json!({ "id": entry }),
        )
        .await;
    assert_eq!(code(&v), "NOT_FOUND", "the contact's history goes with it");

    let all = list(&app, &token, json!({})).await;
    assert_eq!(ids(&all), [keep]);
    assert_eq!(all["totalCount"], 1);
}

async fn search_is_case_insensitive_over_name_email_and_company(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let by_name = create_with(&app, &token, json!({ "name": "Margaret Hamilton" })).await;
    let by_email =
        create_with(&app, &token, json!({ "name": "Someone", "email": "HAMILTON.fan@example.com" })).await;
    let by_company = create_with(&app, &token, json!({ "name": "Other", "company": "Hamilton Labs" })).await;
    let _unrelated = create_with(
        &app,
        &token,
        json!({ "name": "Zed", "email": "zed@example.com", "company": "Acme", "role": "Hamilton" }),
    )
    .await;

    for term in ["hamilton", "HAMILTON", "hAmIlToN", "amilto", "  hamilton  "] {
        let found = list(&app, &token, json!({ "filter": { "search": term } })).await;
        let mut got = ids(&found);
        got.sort();
        let mut want = vec![by_name.clone(), by_email.clone(), by_company.clone()];
        want.sort();
        assert_eq!(got, want, "search {term:?} matches name, email and company (not role)");
        assert_eq!(found["totalCount"], 3, "totalCount honours the filter");
    }
    let none = list(&app, &token, json!({ "filter": { "search": "nobody-matches-this" } })).await;
    assert_eq!(none["totalCount"], 0);
    assert_eq!(none["nodes"], json!([]));
    let blank = list(&app, &token, json!({ "filter": { "search": "" } })).await;
    assert_eq!(blank["totalCount"], 4, "an empty search filters nothing");
}

async fn search_treats_percent_underscore_and_backslash_literally(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let percent = create_with(&app, &token, json!({ "name": "100% Real" })).await;
    let underscore = create_with(&app, &token, json!({ "name": "Snake_Case Ltd" })).await;
    let backslash = create_with(&app, &token, json!({ "name": "Back\\Slash" })).await;
    create_with(&app, &token, json!({ "name": "1000 Real" })).await;
    create_with(&app, &token, json!({ "name": "SnakeXCase Ltd" })).await;
    create_with(&app, &token, json!({ "name": "BackSlash" })).await;

    let found = list(&app, &token, json!({ "filter": { "search": "%" } })).await;
    assert_eq!(ids(&found), [percent.as_str()], "% is not a wildcard");
    let found = list(&app, &token, json!({ "filter": { "search": "0% r" } })).await;
    assert_eq!(ids(&found), [percent]);
    let found = list(&app, &token, json!({ "filter": { "search": "e_c" } })).await;
    assert_eq!(ids(&found), [underscore.as_str()], "_ is not a wildcard");
    let found = list(&app, &token, json!({ "filter": { "search": "_" } })).await;
    assert_eq!(ids(&found), [underscore]);
    let found = list(&app, &token, json!({ "filter": { "search": "k\\s" } })).await;
    assert_eq!(ids(&found), [backslash], "a backslash is not an escape");
}

async fn priority_and_company_filters_narrow_the_list(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let a = create_with(&app, &token, json!({ "name": "A", "company": "Acme", "priority": "HIGH" })).await;
    let b = create_with(&app, &token, json!({ "name": "B", "company": "ACME", "priority": "LOW" })).await;
    let c = create_with(&app, &token, json!({ "name": "C", "company": "Acme Holdings", "priority": "HIGH" }))
        .await;
    let d = create_with(&app, &token, json!({ "name": "D" })).await;

    let high = list(&app, &token, json!({ "filter": { "priority": "HIGH" } })).await;
    assert_eq!(ids(&high), [a.clone(), c.clone()]);
    assert_eq!(high["totalCount"], 2);
    let medium = list(&app, &token, json!({ "filter": { "priority": "MEDIUM" } })).await;
    assert_eq!(ids(&medium), [d]);
    let low = list(&app, &token, json!({ "filter": { "priority": "LOW" } })).await;
    assert_eq!(ids(&low), [b.as_str()]);

    let acme = list(&app, &token, json!({ "filter": { "company": "acme" } })).await;
    assert_eq!(ids(&acme), [a.clone(), b], "company matches whole names, case-insensitively");
    assert_eq!(acme["totalCount"], 2);
    let both = list(&app, &token, json!({ "filter": { "company": "ACME", "priority": "HIGH" } })).await;
    assert_eq!(ids(&both), [a]);
    assert_eq!(both["totalCount"], 1);
    let combined =
        list(&app, &token, json!({ "filter": { "search": "holdings", "priority": "HIGH" } })).await;
    assert_eq!(ids(&combined), [c]);
}

async fn every_contact_order_sorts_as_documented(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, user_id) = app.sign_up("owner@example.com").await;
    // name, createdAt, lastContactedAt (None = never)
    let rows = [
        ("Bravo", "2025-01-02 00:00:00.000", Some("2025-03-01T00:00:00Z")),
        ("Alpha", "2025-01-03 00:00:00.000", None),
        ("Delta", "2025-01-01 00:00:00.000", Some("2025-02-01T00:00:00Z")),
        ("Charlie", "2025-01-04 00:00:00.000", Some("2025-04-01T00:00:00Z")),
    ];
    for (name, created, contacted) in rows {
        let id = app.contact(&token, name).await;
        app.set_time("contacts", "createdAt", &id, created).await;
        if let Some(at) = contacted {
            let patch = domain::inputs::ContactPatch {
                last_contacted_at: Some(Some(at.parse().unwrap())),
                ..Default::default()
            };
            app.store.update_contact(&user_id, &id, &patch).await.unwrap();
        }
    }
    for (order, want) in [
        (None, ["Alpha", "Bravo", "Charlie", "Delta"]),
        (Some("NAME_ASC"), ["Alpha", "Bravo", "Charlie", "Delta"]),
        (Some("NAME_DESC"), ["Delta", "Charlie", "Bravo", "Alpha"]),
        (Some("CREATED_AT_DESC"), ["Charlie", "Alpha", "Bravo", "Delta"]),
        (Some("CREATED_AT_ASC"), ["Delta", "Bravo", "Alpha", "Charlie"]),
        (Some("LAST_CONTACTED_AT_ASC"), ["Alpha", "Delta", "Bravo", "Charlie"]),
        (Some("LAST_CONTACTED_AT_DESC"), ["Charlie", "Bravo", "Delta", "Alpha"]),
    ] {
        let all = list(&app, &token, json!({ "orderBy": order })).await;
        assert_eq!(names(&all), want, "order {order:?}");
        // Paging one at a time follows the same order.
        let mut paged = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = list(&app, &token, json!({ "orderBy": order, "first": 1, "after": after })).await;
            paged.extend(names(&page).into_iter().map(str::to_owned));
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(paged, want, "paging in order {order:?}");
    }
    let v = app
        .gql_ok(
            &token,
            "{ contacts(orderBy: LAST_CONTACTED_AT_DESC, first: 1) { nodes { lastContactedAt } } }",
            json!({}),
        )
        .await;
    let at: chrono::DateTime<chrono::Utc> =
        v["contacts"]["nodes"][0]["lastContactedAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(at, "2025-04-01T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap());
}

async fn paging_contacts_over_equal_sort_keys_returns_every_contact_once_in_every_order(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let mut want = Vec::new();
    for _ in 0..13 {
        want.push(app.contact(&token, "Twin").await);
    }
    app.sql(r#"UPDATE "contacts" SET "createdAt" = '2025-10-15 12:00:00.000'"#).await;
    want.sort();
    for order in [
        "NAME_ASC",
        "NAME_DESC",
        "CREATED_AT_DESC",
        "CREATED_AT_ASC",
        "LAST_CONTACTED_AT_ASC",
        "LAST_CONTACTED_AT_DESC",
    ] {
        let mut seen = Vec::new();
        let mut after = Value::Null;
        let mut pages = 0;
        loop {
            let page = list(&app, &token, json!({ "orderBy": order, "first": 4, "after": after })).await;
            assert_eq!(page["totalCount"], 13);
            seen.extend(ids(&page));
            pages += 1;
            assert!(pages <= 4, "paging in {order} does not end");
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(pages, 4, "{order}: 13 rows in pages of 4");
        assert_eq!(seen, want, "{order}: ties are broken by id ascending, each row exactly once");
    }
}

/// (input field, value, why) for every contact rule; each must be refused naming the field.
fn invalid_contact_values() -> Vec<(&'static str, Value)> {
    vec![
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("n".repeat(256))),
        ("email", json!("not-an-email")),
        ("email", json!("two@@example.com")),
        ("email", json!("no-domain@localhost")),
        ("phone", json!("1".repeat(51))),
        ("company", json!("c".repeat(256))),
        ("role", json!("r".repeat(256))),
        ("industry", json!("i".repeat(256))),
        ("notes", json!("x".repeat(10_001))),
        ("linkedInUrl", json!("javascript:alert(1)")),
        ("linkedInUrl", json!("ftp://x")),
        ("linkedInUrl", json!("www.linkedin.com/in/no-scheme")),
        ("linkedInUrl", json!("https://")),
    ]
}

async fn each_contact_rule_refuses_bad_input_naming_the_field_and_changes_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let existing = app.contact(&token, "Existing").await;
    let before = read_contact(&app, &token, &existing).await;
    for (name, value) in invalid_contact_values() {
        let mut input = json!({ "name": "Valid Name" });
        input[name] = value.clone();
        let v = app.gql(Some(&token), CREATE, json!({ "input": input })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "create {name}={value}: {v}");
        assert_eq!(field(&v), name, "create {name}");
        assert!(no_data(&v), "a refused create returns no contact: {v}");

        let mut patch = json!({ "id": existing });
        patch[name] = value.clone();
        let v = app.gql(Some(&token), UPDATE, json!({ "input": patch })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "update {name}={value}: {v}");
        assert_eq!(field(&v), name, "update {name}");
    }
    let all = list(&app, &token, json!({})).await;
    assert_eq!(all["totalCount"], 1, "no refused create left a row");
    assert_eq!(read_contact(&app, &token, &existing).await, before, "no refused update changed the row");
}

async fn values_at_the_limits_are_accepted(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let input = json!({
        "name": "n".repeat(255),
        "phone": "1".repeat(50),
        "company": "c".repeat(255),
        "role": "r".repeat(255),
        "industry": "i".repeat(255),
        "notes": "x".repeat(10_000),
        "linkedInUrl": "HTTP://example.com",
        "email": "a.b+c@sub.example.co.uk",
    });
    let v = app.gql(Some(&token), CREATE, json!({ "input": input })).await;
    let c = &data(&v)["createContact"]["contact"];
    assert_eq!(c["name"].as_str().unwrap().len(), 255);
    assert_eq!(c["notes"].as_str().unwrap().len(), 10_000);
    // Multi-byte characters count as one each.
    let v = app.gql(Some(&token), CREATE, json!({ "input": { "name": "é".repeat(255) } })).await;
    assert_eq!(data(&v)["createContact"]["contact"]["name"].as_str().unwrap().chars().count(), 255);
}

async fn contact_emails_and_conversation_history_are_paged_connections(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let ada = app.contact(&token, "Ada").await;
    let bob = app.contact(&token, "Bob").await;
    let mut ada_emails = Vec::new();
    for i in 0..5 {
        let id = app.draft(&token, &ada, &format!("Ada {i}")).await;
        app.set_time("emails", "createdAt", &id, &format!("2025-01-0{} 00:00:00.000", i + 1)).await;
        ada_emails.push(id);
    }
    let bob_email = app.draft(&token, &bob, "Bob only").await;
    let mut ada_history = Vec::new();
    for i in 0..4 {
        ada_history.push(
            app.log(
                &token,
                &ada,
                &format!("entry {i}"),
                "SENT",
                Some(&format!("2025-02-0{}T00:00:00Z", i + 1)),
            )
            .await,
        );
    }
    ada_emails.reverse();
    ada_history.reverse();

    let q = "query($first: Int, $after: String, $hFirst: Int, $hAfter: String) {
        contacts { nodes { id name
            emails(first: $first, after: $after) { totalCount nodes { id contactId } pageInfo { hasNextPage hasPreviousPage endCursor } }
            conversationHistory(first: $hFirst, after: $hAfter) { totalCount nodes { id contactId } pageInfo { hasNextPage endCursor } } } } }";
    let v = app.gql_ok(&token, q, json!({ "first": 2, "hFirst": 3 })).await;
    let nodes = v["contacts"]["nodes"].as_array().unwrap();
    let (a, b) = (&nodes[0], &nodes[1]);
    assert_eq!(a["id"], ada.as_str());
    assert_eq!(a["emails"]["totalCount"], 5);
    assert_eq!(ids(&a["emails"]), ada_emails[..2], "newest first");
    assert_eq!(a["emails"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(a["emails"]["pageInfo"]["hasPreviousPage"], false);
    assert_eq!(a["conversationHistory"]["totalCount"], 4);
    assert_eq!(ids(&a["conversationHistory"]), ada_history[..3], "newest first");
    assert_eq!(b["id"], bob.as_str());
    assert_eq!(b["emails"]["totalCount"], 1);
    assert_eq!(ids(&b["emails"]), [bob_email], "each contact sees only its own emails");
    assert_eq!(b["conversationHistory"]["totalCount"], 0);
    assert_eq!(b["conversationHistory"]["nodes"], json!([]));

    // Page through Ada's connections with `after`.
    let emails_page = "query($id: ID!, $after: String) { contact(id: $id) {
        emails(first: 2, after: $after) { totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage endCursor } } } }";
    let (seen, pages) = page_nested(&app, &token, emails_page, &ada, "emails").await;
    assert_eq!(seen, ada_emails);
    assert_eq!(pages, 3);
    let history_page = "query($id: ID!, $after: String) { contact(id: $id) {
        conversationHistory(first: 3, after: $after) { totalCount nodes { id } pageInfo { hasNextPage hasPreviousPage endCursor } } } }";
    let (seen, pages) = page_nested(&app, &token, history_page, &ada, "conversationHistory").await;
    assert_eq!(seen, ada_history);
    assert_eq!(pages, 2);

    // Contact.emails takes the email filter and order too.
    let v = app
        .gql_ok(
            &token,
            "query($id: ID!) { contact(id: $id) { emails(orderBy: CREATED_AT_ASC, filter: {status: DRAFT}) { totalCount nodes { id } } } }",
            json!({ "id": ada }),
        )
        .await;
    let mut oldest_first = ada_emails.clone();
    oldest_first.reverse();
    assert_eq!(ids(&v["contact"]["emails"]), oldest_first);
    assert_eq!(v["contact"]["emails"]["totalCount"], 5);
    let v = app
        .gql_ok(&token, "query($id: ID!) { contact(id: $id) { emails(filter: {status: SENT}) { totalCount nodes { id } } } }", json!({ "id": ada }))
        .await;
    assert_eq!(v["contact"]["emails"]["totalCount"], 0);
    assert_eq!(v["contact"]["emails"]["nodes"], json!([]));
    // A contactId in the nested filter cannot widen the list to another contact.
    let v = app
        .gql_ok(
            &token,
            "query($id: ID!, $other: ID!) { contact(id: $id) { emails(filter: {contactId: $other}) { totalCount nodes { id } } } }",
            json!({ "id": bob, "other": ada }),
        )
        .await;
    assert_eq!(v["contact"]["emails"]["totalCount"], 1);
    assert_eq!(v["contact"]["emails"]["nodes"].as_array().unwrap().len(), 1);
}

on_both!(
    creating_a_contact_stores_every_field_and_reads_it_back,
    contacts_lists_the_callers_contacts_with_a_total_count,
    update_contact_sets_given_fields_clears_nulls_and_keeps_omitted_ones,
    delete_contact_removes_it_with_its_emails_and_history_then_answers_not_found,
    search_is_case_insensitive_over_name_email_and_company,
    search_treats_percent_underscore_and_backslash_literally,
    priority_and_company_filters_narrow_the_list,
    every_contact_order_sorts_as_documented,
    paging_contacts_over_equal_sort_keys_returns_every_contact_once_in_every_order,
    each_contact_rule_refuses_bad_input_naming_the_field_and_changes_nothing,
    values_at_the_limits_are_accepted,
    contact_emails_and_conversation_history_are_paged_connections,
);
