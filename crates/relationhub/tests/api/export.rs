//! Export and full-account restore: the JSON archive round trip SQLite → PostgreSQL → SQLite
//! compared row for row, restore into an account of the same database (fresh ids), merge into a
//! non-empty account, a bad archive writing nothing, vCard and CSV downloads that import back,
//! large imports over GraphQL, and the exporter writing page by page.

use crate::common::{TestApp, data};
use domain::EmailStatus;
use reqwest::StatusCode;
use serde_json::{Value, json};
use store::archive::{ArchiveContact, ArchiveEmail, ArchiveEntry, ArchiveTemplate};
use testkit::{Kind, on_both};

const IMPORT: &str = "mutation($input: ImportContactsInput!) { importContacts(input: $input) {
    report { created updated unchanged skipped committed errors { line message } } } }";

async fn import(app: &TestApp, token: &str, content: &str) -> Value {
    let v = app.gql(Some(token), IMPORT, json!({ "input": { "content": content } })).await;
    data(&v)["importContacts"]["report"].clone()
}

/// An account with something in every table: contacts with cadence, snooze and awkward text,
/// history with metadata, emails in several statuses with their times, templates, a time zone.
async fn rich_account(app: &TestApp, email: &str) -> (String, String) {
    let (token, user) = app.sign_up(email).await;
    let ada = app.contact(&token, "Ada Lovelace").await;
    let grace = app.contact(&token, "Grace Hopper").await;
    let zoe = app.contact(&token, "Zoe Angstrom").await;
    app.sql(&format!(r#"UPDATE "contacts" SET "name" = 'Zoë Ångström' WHERE "id" = '{zoe}'"#)).await;
    app.sql(&format!(
        r#"UPDATE "contacts" SET "phone" = '+44 20 7946 0001', "company" = 'Analytical, Ltd',
           "notes" = 'Line one
said "hi", then left', "birthday" = '1815-12-10', "stayInTouchDays" = 14,
           "snoozedUntil" = '2026-12-24 09:00:00.000', "priority" = 'HIGH' WHERE "id" = '{ada}'"#
    ))
    .await;
    app.log(&token, &ada, "We met at the society.", "SENT", Some("2026-01-02T10:00:00.123Z")).await;
    let reply = app.log(&token, &grace, "Thanks, Ada!", "RECEIVED", Some("2026-01-03T11:00:00Z")).await;
    app.sql(&format!(
        r#"UPDATE "conversation_history" SET "metadata" = '{{"subject":"Re: hello","n":[1,2]}}' WHERE "id" = '{reply}'"#
    ))
    .await;
    let sent_at = chrono::DateTime::parse_from_rfc3339("2026-01-01T09:30:00.250Z").unwrap().to_utc();
    let sent = app.email_with_status(&user, &ada, "Hello again", EmailStatus::Sent, Some(sent_at)).await;
    app.sql(&format!(
        r#"UPDATE "emails" SET "openedAt" = '2026-01-01 10:00:00.000', "trackingToken" = 'tok-{sent}',
           "messageId" = '<m1@example.com>', "providerId" = 'builtin', "tokensUsed" = 321 WHERE "id" = '{sent}'"#
    ))
    .await;
    let failed = app.email_with_status(&user, &grace, "Bounced", EmailStatus::Failed, None).await;
    app.sql(&format!(
        r#"UPDATE "emails" SET "lastError" = 'mailbox full', "sendAttempts" = 3 WHERE "id" = '{failed}'"#
    ))
    .await;
    let scheduled = app.email_with_status(&user, &grace, "Later", EmailStatus::Scheduled, None).await;
    app.sql(&format!(
        r#"UPDATE "emails" SET "scheduledAt" = '2027-01-01 08:00:00.000', "nextAttemptAt" = '2027-01-01 08:00:00.000'
           WHERE "id" = '{scheduled}'"#
    ))
    .await;
    app.draft(&token, &ada, "A draft").await;
    app.template(&token, "Formal hello", true).await;
    app.template(&token, "Casual hello", false).await;
    app.store.set_time_zone(&user, "Europe/Berlin").await.unwrap();
    (token, user)
}

/// Every archived row of the account (all columns but `userId`), plus name and time zone.
#[derive(Debug, PartialEq)]
struct Snapshot {
    name: String,
    time_zone: Option<String>,
    contacts: Vec<ArchiveContact>,
    templates: Vec<ArchiveTemplate>,
    history: Vec<ArchiveEntry>,
    emails: Vec<ArchiveEmail>,
}

async fn snapshot(store: &store::Store, user: &str) -> Snapshot {
    let account = store.archive_account(user).await.unwrap();
    Snapshot {
        name: account.name,
        time_zone: account.time_zone,
        contacts: store.archive_page(user, "", 100_000).await.unwrap(),
        templates: store.archive_page(user, "", 100_000).await.unwrap(),
        history: store.archive_page(user, "", 100_000).await.unwrap(),
        emails: store.archive_page(user, "", 100_000).await.unwrap(),
    }
}

/// Downloads `/settings/export/{format}` with the session; returns (content type, disposition, body).
pub async fn download(app: &TestApp, token: &str, format: &str) -> (String, String, String) {
    let resp = app
        .client()
        .get(app.url(&format!("/settings/export/{format}")))
        .header("cookie", format!("rh_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = |n: &str| resp.headers().get(n).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let (ct, cd) = (h("content-type"), h("content-disposition"));
    (ct, cd, resp.text().await.unwrap())
}

/// An archive without the parts that name the exporting account and moment.
fn rows_of(archive: &str) -> Value {
    let mut v: Value = serde_json::from_str(archive).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("exportedAt");
    o.remove("account");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_archive_round_trips_sqlite_to_postgres_and_back_row_for_row() {
    let a = TestApp::spawn(Kind::Sqlite).await;
    let (ta, ua) = rich_account(&a, "owner@example.com").await;
    let original = snapshot(&a.store, &ua).await;
    assert_eq!((original.contacts.len(), original.history.len(), original.emails.len()), (3, 2, 4));
    let (ct, cd, first) = download(&a, &ta, "json").await;
    assert!(ct.starts_with("application/json"), "{ct}");
    assert!(cd.starts_with("attachment; filename=\"relationhub-") && cd.ends_with(".json\""), "{cd}");

    let b = TestApp::spawn(Kind::Postgres).await;
    let (tb, ub) = b.sign_up("copy@example.com").await;
    let r = import(&b, &tb, &first).await;
    assert_eq!((r["created"].as_i64(), r["committed"].as_bool()), (Some(3), Some(true)), "{r}");
    assert_eq!(snapshot(&b.store, &ub).await, original, "SQLite → PostgreSQL keeps every row");
    let (_, _, second) = download(&b, &tb, "json").await;
    assert_eq!(rows_of(&second), rows_of(&first), "PostgreSQL exports the same rows");

    let c = TestApp::spawn(Kind::Sqlite).await;
    let (tc, uc) = c.sign_up("back@example.com").await;
    let r = import(&c, &tc, &second).await;
    assert_eq!(r["committed"], true, "{r}");
    assert_eq!(snapshot(&c.store, &uc).await, original, "and back to SQLite, row for row");
    // The restored account works: its default template and scheduled email are where they were.
    let v =
        c.gql_ok(&tc, "{ emails(first: 10, filter: { status: SCHEDULED }) { totalCount } }", json!({})).await;
    assert_eq!(v["emails"]["totalCount"], 1);
}

async fn restoring_into_a_second_account_of_the_same_database_gets_fresh_ids(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (t1, u1) = rich_account(&app, "one@example.com").await;
    let (_, _, archive) = download(&app, &t1, "json").await;
    let (t2, u2) = app.sign_up("two@example.com").await;
    let r = import(&app, &t2, &archive).await;
    assert_eq!(r["committed"], true, "{r}");
    let (one, two) = (snapshot(&app.store, &u1).await, snapshot(&app.store, &u2).await);
    assert_eq!(one, snapshot(&app.store, &u1).await, "the original is untouched");
    assert_eq!(two.contacts.len(), one.contacts.len());
    assert_eq!(two.emails.len(), one.emails.len());
    assert!(two.contacts.iter().all(|c| one.contacts.iter().all(|o| o.id != c.id)), "ids are new");
    let names = |s: &Snapshot| {
        let mut n: Vec<_> =
            s.contacts.iter().map(|c| (c.name.clone(), c.notes.clone(), c.snoozed_until)).collect();
        n.sort_by(|a, b| a.0.cmp(&b.0));
        n
    };
    assert_eq!(names(&two), names(&one));
    assert!(two.emails.iter().all(|e| e.tracking_token.is_none()), "tracking tokens stay with the original");
    assert!(two.emails.iter().all(|e| two.contacts.iter().any(|c| c.id == e.contact_id)));
}

async fn a_full_archive_into_an_account_with_data_only_merges_contacts(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (t1, _) = rich_account(&app, "one@example.com").await;
    let (_, _, archive) = download(&app, &t1, "json").await;
    let (t2, u2) = app.sign_up("two@example.com").await;
    app.contact(&t2, "Ada Lovelace").await;
    let r = import(&app, &t2, &archive).await;
    assert_eq!(r["created"], 2, "{r}");
    assert_eq!(r["updated"], 1, "Ada gets her empty fields filled: {r}");
    let s = snapshot(&app.store, &u2).await;
    assert_eq!((s.contacts.len(), s.emails.len(), s.history.len(), s.templates.len()), (3, 0, 0, 0));
}

async fn a_bad_archive_restores_nothing_and_says_where(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (t1, _) = rich_account(&app, "one@example.com").await;
    let (_, _, archive) = download(&app, &t1, "json").await;
    let mut v: Value = serde_json::from_str(&archive).unwrap();
    v["emails"][1]["contactId"] = json!("someone-elses-contact");
    v["contacts"][0]["name"] = json!("x".repeat(300));
    let (t2, u2) = app.sign_up("two@example.com").await;
    let r = import(&app, &t2, &v.to_string()).await;
    assert_eq!(r["committed"], false, "{r}");
    let errors = r["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["message"].as_str().unwrap().starts_with("emails[2]")), "{r}");
    assert!(errors.iter().any(|e| e["message"].as_str().unwrap().starts_with("contacts[1]")), "{r}");
    let s = snapshot(&app.store, &u2).await;
    assert_eq!((s.contacts.len(), s.emails.len()), (0, 0), "nothing written");
    let v = app
        .gql(
            Some(&t2),
            IMPORT,
            json!({ "input": { "content": "{\"format\":\"relationhub\",\"account\":{},\"version\":99}" } }),
        )
        .await;
    assert_eq!(crate::common::code(&v), "BAD_USER_INPUT");
}

async fn vcard_and_csv_downloads_import_back_into_the_same_contacts(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (t1, _) = rich_account(&app, "one@example.com").await;
    let q = "{ contacts(first: 100) { nodes { name email phone company notes birthday priority } } }";
    let before = app.gql_ok(&t1, q, json!({})).await;
    let (ct, cd, vcf) = download(&app, &t1, "vcard").await;
    assert!(ct.starts_with("text/vcard"), "{ct}");
    assert!(cd.ends_with(".vcf\""), "{cd}");
    assert_eq!(vcf.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(), 3, "{vcf}");
    assert!(vcf.contains("ORG:Analytical\\, Ltd\r\n"), "{vcf}");
    assert!(vcf.contains("BDAY:18151210\r\n"), "{vcf}");
    assert!(vcf.lines().all(|l| l.len() <= 75), "lines are folded: {vcf}");
    let (ct, _, csv) = download(&app, &t1, "csv").await;
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert!(
        csv.starts_with("name,email,phone,company,role,industry,linkedInUrl,priority,birthday,notes,"),
        "{csv}"
    );
    assert!(csv.contains("\"Analytical, Ltd\""), "{csv}");
    assert!(csv.contains("\"Line one\nsaid \"\"hi\"\", then left\""), "{csv}");
    for file in [vcf, csv] {
        let (t, _) = app.sign_up(&format!("copy-{}@example.com", file.len())).await;
        let r = import(&app, &t, &file).await;
        assert_eq!((r["created"].as_i64(), r["committed"].as_bool()), (Some(3), Some(true)), "{r}");
        assert_eq!(app.gql_ok(&t, q, json!({})).await, before, "{file}");
    }
}

async fn a_five_megabyte_import_goes_through_graphql_and_other_large_bodies_do_not(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let (token, _) = app.sign_up("big@example.com").await;
    // Few, long rows: the point is the request size, not the row count.
    let note = "x".repeat(9_900);
    let mut csv = String::from("name,email,notes\n");
    for i in 0..510 {
        csv.push_str(&format!("Person {i},person{i}@example.com,\"{note}, {i}\"\n"));
    }
    assert!(csv.len() > 5_000_000);
    let r = import(&app, &token, &csv).await;
    assert_eq!((r["created"].as_i64(), r["committed"].as_bool()), (Some(510), Some(true)), "{r}");

    let pad = "y".repeat(2 * 1024 * 1024);
    let big_query = json!({ "query": "query($p: String) { me { id } }", "variables": { "p": pad } });
    let resp =
        app.client().post(app.url("/graphql")).bearer_auth(&token).json(&big_query).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE, "only importContacts may be large");
    let anonymous = json!({ "query": IMPORT, "variables": { "input": { "content": pad } } });
    let resp = app.client().post(app.url("/graphql")).json(&anonymous).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE, "not without a token");
}

/// Records the size of every write.
#[derive(Default)]
struct Recorder {
    writes: Vec<usize>,
    bytes: Vec<u8>,
}

impl tokio::io::AsyncWrite for Recorder {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.writes.push(buf.len());
        self.bytes.extend_from_slice(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

async fn the_exporter_writes_a_large_account_page_by_page(kind: Kind) {
    use relationhub::app::export::{ExportFormat, export_account};
    let app = TestApp::spawn(kind).await;
    let (token, user_id) = app.sign_up("pages@example.com").await;
    let mut csv = String::from("name,email\n");
    for i in 0..1_234 {
        csv.push_str(&format!("Person {i},p{i}@example.com\n"));
    }
    assert_eq!(import(&app, &token, &csv).await["created"], 1_234);
    let user = app.store.user_by_email("pages@example.com").await.unwrap().unwrap();
    assert_eq!(user.id, user_id);
    for format in [ExportFormat::Json, ExportFormat::Csv, ExportFormat::Vcard] {
        let mut out = Recorder::default();
        let rows = export_account(&app.store, &user, format, chrono::Utc::now(), &mut out).await.unwrap();
        assert_eq!(rows, 1_234);
        let largest = out.writes.iter().max().copied().unwrap_or_default();
        assert!(out.writes.len() >= 3, "{format:?}: one write per page, not one for the whole file");
        assert!(largest * 2 < out.bytes.len(), "{format:?}: no write holds most of the export");
    }
    let mut out = Recorder::default();
    export_account(&app.store, &user, ExportFormat::Json, chrono::Utc::now(), &mut out).await.unwrap();
    let v: Value = serde_json::from_slice(&out.bytes).unwrap();
    assert_eq!(v["contacts"].as_array().unwrap().len(), 1_234);
    assert_eq!((v["format"].as_str(), v["version"].as_i64()), (Some("relationhub"), Some(1)));
}

on_both!(
    restoring_into_a_second_account_of_the_same_database_gets_fresh_ids,
    a_full_archive_into_an_account_with_data_only_merges_contacts,
    a_bad_archive_restores_nothing_and_says_where,
    vcard_and_csv_downloads_import_back_into_the_same_contacts,
    a_five_megabyte_import_goes_through_graphql_and_other_large_bodies_do_not,
    the_exporter_writes_a_large_account_page_by_page,
);
