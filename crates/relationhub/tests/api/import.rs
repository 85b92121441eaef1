//! Import (`importContacts`): every format from fixtures with the awkward cases (BOM, folded
//! vCard lines, varying Google column groups, LinkedIn's preamble, quoted commas and newlines,
//! non-ASCII names), duplicate matching, idempotent re-import, dry run, and all-or-nothing files.

use crate::common::{TestApp, data};
use serde_json::{Value, json};
use testkit::{Kind, on_both};

const IMPORT: &str = "mutation($input: ImportContactsInput!) { importContacts(input: $input) {
    report { created updated unchanged skipped committed errors { line message } } } }";

const VCARD: &str = include_str!("../fixtures/import/contacts.vcf");
const GOOGLE: &str = include_str!("../fixtures/import/google.csv");
const LINKEDIN: &str = include_str!("../fixtures/import/linkedin.csv");
const GENERIC: &str = include_str!("../fixtures/import/generic.csv");
const BAD: &str = include_str!("../fixtures/import/bad.csv");
const ARCHIVE: &str = include_str!("../fixtures/import/archive.json");

async fn import(app: &TestApp, token: &str, input: Value) -> Value {
    let v = app.gql(Some(token), IMPORT, json!({ "input": input })).await;
    data(&v)["importContacts"]["report"].clone()
}

fn counts(r: &Value) -> [i64; 4] {
    ["created", "updated", "unchanged", "skipped"].map(|k| r[k].as_i64().unwrap())
}

/// Every contact of the account, by name.
async fn contacts(app: &TestApp, token: &str) -> Vec<Value> {
    let q = "{ contacts(first: 100) { nodes { name email phone company role notes linkedInUrl birthday priority } } }";
    let mut nodes = app.gql_ok(token, q, json!({})).await["contacts"]["nodes"].as_array().unwrap().clone();
    nodes.sort_by_key(|n| n["name"].as_str().unwrap().to_owned());
    nodes
}

fn by_name<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no contact {name} in {list:?}"))
}

async fn vcard_is_read_with_folded_lines_and_reimport_changes_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let r = import(&app, &token, json!({ "content": VCARD })).await;
    assert_eq!(counts(&r), [3, 0, 0, 0], "{r}");
    assert_eq!(r["committed"], true);
    let list = contacts(&app, &token).await;
    let ada = by_name(&list, "Ada Lovelace");
    assert_eq!(ada["email"], "ada@example.com", "the first email is the contact's");
    assert_eq!(ada["phone"], "+44 20 7946 0001");
    assert_eq!(ada["company"], "Analytical Engines, Ltd", "escaped comma, first ORG component");
    assert_eq!(ada["role"], "Programmer");
    let notes = ada["notes"].as_str().unwrap();
    assert!(notes.starts_with("Met at the Royal Society.\nLikes poetry."), "{notes}");
    assert!(notes.contains("ada@analytical.example") && notes.contains("+44 20 7946 0002"), "{notes}");
    let zoe = by_name(&list, "Zoë Ångström-Müller");
    assert_eq!(zoe["notes"], "This note is folded across several physical lines and keeps its words intact.");
    assert_eq!(zoe["birthday"], "1990-04-05");
    assert_eq!(zoe["linkedInUrl"], "https://www.linkedin.com/in/zoe-example");
    by_name(&list, "Grace Hopper");

    let again = import(&app, &token, json!({ "content": VCARD, "format": "VCARD" })).await;
    assert_eq!(counts(&again), [0, 0, 3, 0], "a second import changes nothing: {again}");
    assert_eq!(contacts(&app, &token).await, list);
}

async fn google_csv_groups_then_csv_matches_by_email_case_insensitively(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let r = import(&app, &token, json!({ "content": GOOGLE })).await;
    assert_eq!(counts(&r), [3, 0, 0, 0], "{r}");
    let list = contacts(&app, &token).await;
    let ada = by_name(&list, "Ada Lovelace");
    assert!(ada["email"].as_str().unwrap().eq_ignore_ascii_case("ada@example.com"));
    assert_eq!(ada["company"], "Analytical Engines");
    let notes = ada["notes"].as_str().unwrap();
    assert!(notes.starts_with("Poet, mathematician"), "{notes}");
    assert!(notes.contains("ada@home.example") && notes.contains("ada@analytical.example"), "{notes}");
    let jose = by_name(&list, "José Núñez");
    assert_eq!(jose["notes"], "Two lines:\nfirst, then second", "a quoted newline stays in the field");
    assert_eq!(jose["company"], "Café Ltd");
    let linus = by_name(&list, "Linus Torvalds");
    assert_eq!(linus["phone"], "+1 555 0100", "the first of \" ::: \" values");

    // A plain CSV with other headers: Ada matches by email (other case), only Marie is new.
    let r = import(&app, &token, json!({ "content": GENERIC, "format": "CSV" })).await;
    assert_eq!(counts(&r), [1, 0, 1, 0], "{r}");
    assert_eq!(by_name(&contacts(&app, &token).await, "Marie Curie")["company"], "Sorbonne");
}

async fn linkedin_preamble_is_skipped_and_empty_rows_counted(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let r = import(&app, &token, json!({ "content": LINKEDIN })).await;
    assert_eq!(counts(&r), [2, 0, 0, 1], "{r}");
    let list = contacts(&app, &token).await;
    let soren = by_name(&list, "Søren Kierkegaard");
    assert_eq!(soren["company"], "Regensen, Copenhagen");
    assert_eq!(soren["email"], "soren@example.dk");
    let ada = by_name(&list, "Ada Lovelace");
    assert_eq!(ada["role"], "Programmer, Lead");
    assert_eq!(ada["linkedInUrl"], "https://www.linkedin.com/in/ada-example");
    assert!(ada["notes"].as_str().unwrap().contains("05 Mar 2024"));

    // Ada has no email: she matches by name and company, so a re-import changes nothing.
    let again = import(&app, &token, json!({ "content": LINKEDIN, "format": "LINKEDIN_CSV" })).await;
    assert_eq!(counts(&again), [0, 0, 2, 1], "{again}");
}

async fn a_bad_row_writes_nothing_and_is_reported_by_line(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let r = import(&app, &token, json!({ "content": BAD })).await;
    let lines: Vec<i64> =
        r["errors"].as_array().unwrap().iter().map(|e| e["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![3, 6], "lines count the quoted newline of row 4: {r}");
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("email"), "{r}");
    assert_eq!(r["committed"], false);
    assert!(contacts(&app, &token).await.is_empty(), "the good rows were rolled back too");
}

async fn dry_run_reports_and_writes_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let r = import(&app, &token, json!({ "content": GENERIC, "dryRun": true })).await;
    assert_eq!(counts(&r), [2, 0, 0, 0], "{r}");
    assert_eq!(r["committed"], false);
    assert!(contacts(&app, &token).await.is_empty());
}

async fn existing_contacts_get_empty_fields_filled_unless_overwrite(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let q = "mutation { createContact(input: {name: \"Ada Lovelace\", email: \"Ada@Example.com\", company: \"Old Co\"}) { contact { id } } }";
    app.gql_ok(&token, q, json!({})).await;
    let r = import(&app, &token, json!({ "content": GENERIC })).await;
    assert_eq!(counts(&r), [1, 1, 0, 0], "{r}");
    let ada = by_name(&contacts(&app, &token).await, "Ada Lovelace").clone();
    assert_eq!(ada["company"], "Old Co", "a filled field is kept");
    assert_eq!(ada["notes"], "Imported, with a comma", "an empty field is filled");

    let r = import(&app, &token, json!({ "content": GENERIC, "overwrite": true })).await;
    assert_eq!(counts(&r), [0, 1, 1, 0], "{r}");
    assert_eq!(by_name(&contacts(&app, &token).await, "Ada Lovelace")["company"], "Analytical Engines");
}

async fn relationhub_json_keeps_priority_and_birthday_and_rejects_other_json(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("owner@example.com").await;
    let r = import(&app, &token, json!({ "content": ARCHIVE })).await;
    assert_eq!(counts(&r), [2, 0, 0, 0], "{r}");
    let list = contacts(&app, &token).await;
    let ada = by_name(&list, "Ada Lovelace");
    assert_eq!(ada["priority"], "HIGH");
    assert_eq!(ada["birthday"], "1815-12-10");
    assert_eq!(ada["notes"], "Первая программистка");
    assert_eq!(by_name(&list, "Grace Hopper")["priority"], "LOW");

    let v = app.gql(Some(&token), IMPORT, json!({ "input": { "content": "{\"contacts\": 3}" } })).await;
    assert_eq!(crate::common::code(&v), "BAD_USER_INPUT");
    crate::common::assert_errors_are_clean(&v);
}

on_both!(
    vcard_is_read_with_folded_lines_and_reimport_changes_nothing,
    google_csv_groups_then_csv_matches_by_email_case_insensitively,
    linkedin_preamble_is_skipped_and_empty_rows_counted,
    a_bad_row_writes_nothing_and_is_reported_by_line,
    dry_run_reports_and_writes_nothing,
    existing_contacts_get_empty_fields_filled_unless_overwrite,
    relationhub_json_keeps_priority_and_birthday_and_rejects_other_json,
);
