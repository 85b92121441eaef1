//! Email templates: CRUD, the single default, validation.

use crate::common::{TestApp, code, data, field, ids, no_data};
use serde_json::{Value, json};
use testkit::{Kind, on_both};

pub const TEMPLATE_FIELDS: &str = "id name subject body templateType isDefault createdAt updatedAt";

const CREATE: &str = "mutation($input: CreateEmailTemplateInput!) { createEmailTemplate(input: $input) { emailTemplate { id name subject body templateType isDefault createdAt updatedAt } } }";
const UPDATE: &str = "mutation($input: UpdateEmailTemplateInput!) { updateEmailTemplate(input: $input) { emailTemplate { id name subject body templateType isDefault createdAt updatedAt } } }";
const SET_DEFAULT: &str =
    "mutation($id: ID!) { setDefaultEmailTemplate(input: {id: $id}) { emailTemplate { id isDefault } } }";
const DELETE: &str = "mutation($id: ID!) { deleteEmailTemplate(input: {id: $id}) { deletedId } }";

async fn read_template(app: &TestApp, token: &str, id: &str) -> Value {
    let q = format!("query($id: ID!) {{ emailTemplate(id: $id) {{ {TEMPLATE_FIELDS} }} }}");
    app.gql_ok(token, &q, json!({ "id": id })).await["emailTemplate"].clone()
}

async fn list(app: &TestApp, token: &str, first: Option<u32>, after: Value) -> Value {
    let q = "query($first: Int, $after: String) { emailTemplates(first: $first, after: $after) {
        totalCount nodes { id name isDefault } edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";
    app.gql_ok(token, q, json!({ "first": first, "after": after })).await["emailTemplates"].clone()
}

/// The ids of the user's default templates.
async fn defaults(app: &TestApp, token: &str) -> Vec<String> {
    let all = list(app, token, Some(100), Value::Null).await;
    all["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["isDefault"] == true)
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn email_templates_can_be_created_read_listed_updated_and_deleted(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let v = app
        .gql(
            Some(&token),
            CREATE,
            json!({ "input": { "name": " Follow-up ", "subject": "Hi {{firstName}}", "body": "Dear {{firstName}},\n\nBest", "templateType": "FORMAL" } }),
        )
        .await;
    let created = data(&v)["createEmailTemplate"]["emailTemplate"].clone();
    assert_eq!(created["name"], "Follow-up");
    assert_eq!(created["subject"], "Hi {{firstName}}");
    assert_eq!(created["body"], "Dear {{firstName}},\n\nBest");
    assert_eq!(created["templateType"], "FORMAL");
    assert_eq!(created["isDefault"], false, "isDefault defaults to false");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(read_template(&app, &token, &id).await, created);

    let second = app.template(&token, "Second", false).await;
    let third = app.template(&token, "Third", false).await;
    app.set_time("email_templates", "createdAt", &id, "2025-01-01 00:00:00.000").await;
    app.set_time("email_templates", "createdAt", &second, "2025-01-02 00:00:00.000").await;
    app.set_time("email_templates", "createdAt", &third, "2025-01-03 00:00:00.000").await;
    let all = list(&app, &token, None, Value::Null).await;
    assert_eq!(ids(&all), [third.clone(), second.clone(), id.clone()], "newest first");
    assert_eq!(all["totalCount"], 3);
    let page = list(&app, &token, Some(2), Value::Null).await;
    assert_eq!(ids(&page), [third.clone(), second.clone()]);
    assert_eq!(page["pageInfo"]["hasNextPage"], true);
    let rest = list(&app, &token, Some(2), page["pageInfo"]["endCursor"].clone()).await;
    assert_eq!(ids(&rest), [id.as_str()]);
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    assert_eq!(rest["pageInfo"]["hasPreviousPage"], true);
    assert_eq!(rest["totalCount"], 3);

    app.set_time("email_templates", "updatedAt", &id, "2020-01-01 00:00:00.000").await;
    let before = read_template(&app, &token, &id).await;
    let v = app
        .gql(
            Some(&token),
            UPDATE,
            json!({ "input": { "id": id, "name": "Renamed", "templateType": "CASUAL" } }),
        )
        .await;
    let updated = data(&v)["updateEmailTemplate"]["emailTemplate"].clone();
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["templateType"], "CASUAL");
    for kept in ["subject", "body", "isDefault", "createdAt"] {
        assert_eq!(updated[kept], before[kept], "omitted {kept} stays");
    }
    assert_ne!(updated["updatedAt"], before["updatedAt"]);
    let v = app
        .gql(
            Some(&token),
            UPDATE,
            json!({ "input": { "id": id, "subject": "New {{x}}", "body": "New body" } }),
        )
        .await;
    let updated = &data(&v)["updateEmailTemplate"]["emailTemplate"];
    assert_eq!(updated["subject"], "New {{x}}");
    assert_eq!(updated["body"], "New body");
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(&read_template(&app, &token, &id).await, updated);

    let v = app.gql(Some(&token), DELETE, json!({ "id": id })).await;
    assert_eq!(data(&v)["deleteEmailTemplate"]["deletedId"], id.as_str());
    let v =
        app.gql(Some(&token), "query($id: ID!) { emailTemplate(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert!(no_data(&v));
    assert_eq!(code(&app.gql(Some(&token), DELETE, json!({ "id": id })).await), "NOT_FOUND");
    assert_eq!(
        code(&app.gql(Some(&token), UPDATE, json!({ "input": { "id": id, "name": "x" } })).await),
        "NOT_FOUND"
    );
    assert_eq!(code(&app.gql(Some(&token), SET_DEFAULT, json!({ "id": id })).await), "NOT_FOUND");
    assert_eq!(ids(&list(&app, &token, None, Value::Null).await), [third, second]);
}

async fn set_default_email_template_leaves_exactly_one_default(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let a = app.template(&token, "A", false).await;
    let b = app.template(&token, "B", false).await;
    let c = app.template(&token, "C", false).await;
    assert!(defaults(&app, &token).await.is_empty(), "no default until one is chosen");

    for id in [&a, &b, &c, &b, &b] {
        let v = app.gql(Some(&token), SET_DEFAULT, json!({ "id": id })).await;
        assert_eq!(
            data(&v)["setDefaultEmailTemplate"]["emailTemplate"],
            json!({ "id": id, "isDefault": true })
        );
        assert_eq!(defaults(&app, &token).await, [id.as_str()], "exactly one default after choosing {id}");
        assert_eq!(read_template(&app, &token, id).await["isDefault"], true);
    }

    // A missing id changes nothing: the default stays.
    let v = app.gql(Some(&token), SET_DEFAULT, json!({ "id": "missing" })).await;
    assert_eq!(code(&v), "NOT_FOUND");
    assert_eq!(defaults(&app, &token).await, [b.as_str()], "a failed set keeps the old default");

    // Deleting the default leaves none.
    app.gql(Some(&token), DELETE, json!({ "id": b })).await;
    assert!(defaults(&app, &token).await.is_empty());
}

async fn is_default_on_create_and_update_moves_or_clears_the_default(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let a = app.template(&token, "A", true).await;
    assert_eq!(defaults(&app, &token).await, [a.as_str()]);
    let b = app.template(&token, "B", true).await;
    assert_eq!(defaults(&app, &token).await, [b.as_str()], "creating with isDefault moves the default");
    assert_eq!(read_template(&app, &token, &a).await["isDefault"], false);
    let c = app.template(&token, "C", false).await;
    assert_eq!(defaults(&app, &token).await, [b.as_str()], "creating without isDefault keeps it");

    let v = app.gql(Some(&token), UPDATE, json!({ "input": { "id": c, "isDefault": true } })).await;
    assert_eq!(data(&v)["updateEmailTemplate"]["emailTemplate"]["isDefault"], true);
    assert_eq!(defaults(&app, &token).await, [c.as_str()], "isDefault: true on update moves it");

    let v = app.gql(Some(&token), UPDATE, json!({ "input": { "id": a, "isDefault": false } })).await;
    assert_eq!(data(&v)["updateEmailTemplate"]["emailTemplate"]["isDefault"], false);
    assert_eq!(defaults(&app, &token).await, [c.as_str()], "clearing a non-default changes nothing");

    let v = app.gql(Some(&token), UPDATE, json!({ "input": { "id": c, "isDefault": false } })).await;
    assert_eq!(data(&v)["updateEmailTemplate"]["emailTemplate"]["isDefault"], false);
    assert!(defaults(&app, &token).await.is_empty(), "isDefault: false clears it");

    // Another user's default is untouched by all of this.
    let (other, _) = app.sign_up("other@example.com").await;
    let mine = app.template(&other, "Mine", true).await;
    app.template(&token, "D", true).await;
    assert_eq!(defaults(&app, &other).await, [mine]);
}

async fn each_template_rule_refuses_bad_input_naming_the_field_and_changes_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let existing = app.template(&token, "Existing", true).await;
    let before = read_template(&app, &token, &existing).await;
    for (name, value) in [
        ("name", json!("")),
        ("name", json!("   ")),
        ("name", json!("n".repeat(256))),
        ("subject", json!("  ")),
        ("subject", json!("s".repeat(501))),
        ("body", json!("")),
        ("body", json!("b".repeat(50_001))),
    ] {
        let mut input = json!({ "name": "Valid", "subject": "Valid", "body": "Valid", "templateType": "CUSTOM", "isDefault": true });
        input[name] = value.clone();
        let v = app.gql(Some(&token), CREATE, json!({ "input": input })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "create {name}: {v}");
        assert_eq!(field(&v), name);
        assert!(no_data(&v));

        let mut patch = json!({ "id": existing, "isDefault": false });
        patch[name] = value;
        let v = app.gql(Some(&token), UPDATE, json!({ "input": patch })).await;
        assert_eq!(code(&v), "BAD_USER_INPUT", "update {name}: {v}");
        assert_eq!(field(&v), name);
    }
    assert_eq!(list(&app, &token, None, Value::Null).await["totalCount"], 1, "no refused create left a row");
    assert_eq!(
        read_template(&app, &token, &existing).await,
        before,
        "no refused create or update changed the row (it is still the default)"
    );
    let v = app
        .gql(
            Some(&token),
            CREATE,
            json!({ "input": { "name": "n".repeat(255), "subject": "s", "body": "b", "templateType": "TEMPLATE_BASED" } }),
        )
        .await;
    assert_eq!(data(&v)["createEmailTemplate"]["emailTemplate"]["name"].as_str().unwrap().len(), 255);
}

on_both!(
    email_templates_can_be_created_read_listed_updated_and_deleted,
    set_default_email_template_leaves_exactly_one_default,
    is_default_on_create_and_update_moves_or_clears_the_default,
    each_template_rule_refuses_bad_input_naming_the_field_and_changes_nothing,
);
