//! In the browser: CSRF refusal, escaping, isolation between users, and the narrow viewport.

use crate::harness::Session;
use testkit::{Kind, on_both};

async fn sign_up(s: &Session, name: &str, email: &str) {
    s.goto("/signup").await;
    s.fill("Name", name).await;
    s.fill("Email", email).await;
    s.fill("Password", "correct horse battery").await;
    s.button("Sign up").await;
    s.sees("Haven't talked in a while").await;
}

async fn add_contact(s: &Session, name: &str) -> String {
    s.goto("/contacts/new").await;
    s.fill("Name", name).await;
    s.fill("Email", "someone@example.com").await;
    s.button("Save").await;
    s.sees("Log conversation").await;
    s.path().await.split('?').next().unwrap().to_owned()
}

async fn a_form_posted_without_its_csrf_token_is_refused(kind: Kind) {
    let s = Session::start(kind, true).await;
    sign_up(&s, "Eve", "eve@example.com").await;
    s.goto("/contacts/new").await;
    s.fill("Name", "Mallory").await;
    s.client
        .execute(
            "document.querySelectorAll('input[name=csrf]').forEach(function (e) { e.remove(); })",
            vec![],
        )
        .await
        .unwrap();
    s.button("Save").await;
    s.sees("This form has expired").await;
    s.goto("/contacts").await;
    s.sees("0 contacts").await;
    assert!(!s.source().await.contains("Mallory"));
    s.close().await;
}

async fn a_contact_named_like_a_script_renders_as_text(kind: Kind) {
    let s = Session::start(kind, true).await;
    sign_up(&s, "Xavier", "x@example.com").await;
    let path = add_contact(&s, "<script>alert(1)</script>").await;
    s.goto("/contacts").await;
    let shown = s.wait_xpath("//table//a").await.text().await.unwrap();
    assert_eq!(shown, "<script>alert(1)</script>");
    s.goto(&path).await;
    let h1 = s.wait_xpath("//h1").await.text().await.unwrap();
    assert_eq!(h1, "<script>alert(1)</script>");
    // An alert would block WebDriver commands; reaching here means none opened.
    assert!(s.client.get_alert_text().await.is_err());
    s.close().await;
}

async fn another_users_contact_url_gets_the_404_page(kind: Kind) {
    let s = Session::start(kind, true).await;
    sign_up(&s, "Alice", "alice@example.com").await;
    let path = add_contact(&s, "Alice's Friend").await;
    s.button("Sign out").await;
    // Let the sign-out land on the sign-in page before navigating away, or the POST's redirect
    // can arrive after the next `goto` and replace the sign-up page.
    s.wait_xpath("//button[normalize-space()='Sign in']").await;
    sign_up(&s, "Bob", "bob@example.com").await;
    s.goto(&path).await;
    s.sees("Page not found").await;
    assert!(!s.source().await.contains("Alice's Friend"));
    s.close().await;
}

async fn a_360_px_viewport_has_no_horizontal_scroll(kind: Kind) {
    let s = Session::start(kind, true).await;
    s.client.set_window_size(360, 800).await.unwrap();
    sign_up(&s, "Narrow Screen User With A Long Name", "narrow@example.com").await;
    let contact = add_contact(&s, "Bartholomew Longname-Featherstonehaugh").await;
    s.link("Write follow-up").await;
    s.button("Generate drafts").await;
    s.button("Use this draft").await;
    s.sees("Edit draft").await;
    let editor = s.path().await;
    let overflow = "return document.documentElement.scrollWidth - document.documentElement.clientWidth";
    for path in ["/contacts", editor.as_str(), contact.as_str(), "/"] {
        s.goto(path).await;
        let over = s.client.execute(overflow, vec![]).await.unwrap();
        assert!(over.as_i64().unwrap() <= 0, "{path} scrolls sideways by {over} px at 360 px");
    }
    s.goto("/contacts").await;
    s.screenshot("contacts-360").await;
    s.close().await;
}

on_both!(
    a_form_posted_without_its_csrf_token_is_refused,
    a_contact_named_like_a_script_renders_as_text,
    another_users_contact_url_gets_the_404_page,
    a_360_px_viewport_has_no_horizontal_scroll,
);
