//! The web app's Import page over plain HTTP: upload → preview (nothing written, counts, bad
//! rows with lines, first rows) → "Import"; CSRF required; and the settings downloads.

use crate::web::{Browser, csrf};
use reqwest::StatusCode;
use testkit::{Kind, on_both};

const CSV: &str = "name,email,company\r\nAda Lovelace,ada@example.com,\"Analytical, Ltd\"\r\nGrace Hopper,grace@example.com,Navy\r\n";

/// The value of hidden field `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no field {name} in {html}"));
    let rest = &html[at + key.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn upload_preview_then_import_without_javascript(kind: Kind) {
    let app = crate::common::TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("web@example.com").await;
    let settings = b.get("/settings").await;
    assert!(settings.body.contains("href=\"/import\""), "settings link to the import page");
    assert!(settings.body.contains("href=\"/settings/export/json\""));
    let form = b.get("/import").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let token = csrf(&form.body);

    let preview = b
        .post_multipart(
            "/import/preview",
            &[("csrf", None, token.as_str()), ("format", None, ""), ("file", Some("people.csv"), CSV)],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("Preview of people.csv"), "{}", preview.body);
    assert!(preview.body.contains("data-count=\"created\">2<"), "{}", preview.body);
    assert!(preview.body.contains("<td>Ada Lovelace</td><td>ada@example.com</td><td>Analytical, Ltd</td>"));
    assert!(preview.body.contains("Nothing has been written yet."));
    assert!(!b.get("/contacts").await.body.contains("Grace Hopper"), "a preview writes nothing");

    let (token2, format) = (csrf(&preview.body), hidden(&preview.body, "format"));
    let (file_name, content) = (hidden(&preview.body, "fileName"), hidden(&preview.body, "contentBase64"));
    let done = b
        .post_multipart(
            "/import",
            &[
                ("csrf", None, token2.as_str()),
                ("format", None, format.as_str()),
                ("fileName", None, file_name.as_str()),
                ("contentBase64", None, content.as_str()),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Imported people.csv"), "{}", done.body);
    let contacts = b.get("/contacts").await.body;
    assert!(contacts.contains("Grace Hopper") && contacts.contains("Ada Lovelace"), "{contacts}");

    let again = b
        .post_multipart(
            "/import/preview",
            &[("csrf", None, token.as_str()), ("file", Some("people.csv"), CSV)],
        )
        .await;
    assert!(again.body.contains("data-count=\"unchanged\">2<"), "{}", again.body);
}

async fn bad_rows_are_shown_with_their_lines_and_cannot_be_imported(kind: Kind) {
    let app = crate::common::TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("web@example.com").await;
    let token = csrf(&b.get("/import").await.body);
    let bad = "name,email\nAda,ada@example.com\nBob,not-an-email\n";
    let p = b
        .post_multipart("/import/preview", &[("csrf", None, token.as_str()), ("file", Some("bad.csv"), bad)])
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("<td>3</td>"), "the bad row's line: {}", p.body);
    assert!(!p.body.contains("name=\"contentBase64\""), "no Import button for a file with errors");
    let none = b
        .post_multipart("/import/preview", &[("csrf", None, token.as_str()), ("file", Some("x.csv"), "")])
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(none.body.contains("Choose a file"));
}

async fn an_upload_without_the_csrf_token_is_refused(kind: Kind) {
    let app = crate::common::TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("web@example.com").await;
    let p =
        b.post_multipart("/import/preview", &[("csrf", None, "forged"), ("file", Some("p.csv"), CSV)]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = b.post_multipart("/import", &[("file", Some("p.csv"), CSV)]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(!b.get("/contacts").await.body.contains("Grace Hopper"));
}

async fn downloads_need_a_session_and_name_the_file(kind: Kind) {
    let app = crate::common::TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    let p = b.get("/settings/export/json").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "signed out: to the login page");
    b.sign_up("web@example.com").await;
    b.add_contact("Ada Lovelace").await;
    let p = b.get("/settings/export/csv").await;
    assert_eq!(p.status, StatusCode::OK);
    let cd = p.headers.get("content-disposition").unwrap().to_str().unwrap();
    assert!(cd.starts_with("attachment; filename=\"relationhub-") && cd.ends_with(".csv\""), "{cd}");
    assert!(p.body.lines().nth(1).unwrap().starts_with("Ada Lovelace,ada@example.com,"), "{}", p.body);
    assert_eq!(b.get("/settings/export/pdf").await.status, StatusCode::NOT_FOUND);
}

on_both!(
    upload_preview_then_import_without_javascript,
    bad_rows_are_shown_with_their_lines_and_cannot_be_imported,
    an_upload_without_the_csrf_token_is_refused,
    downloads_need_a_session_and_name_the_file,
);
