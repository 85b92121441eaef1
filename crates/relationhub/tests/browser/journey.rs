//! The whole loop in the browser: sign up → add a contact → log a received message → generate
//! drafts (builtin writer) → use one → edit → schedule → "Scheduled" → "Back to draft" → "Send
//! now" (outbox) → "Sent" and the contact's timeline → sign out → app pages redirect to /login.

use crate::harness::Session;
use testkit::{Kind, on_both};

async fn journey(s: &Session, email: &str, javascript: bool) {
    s.goto("/").await;
    assert!(s.path().await.starts_with("/login"), "signed out, / goes to the sign-in page");
    // The page's script marks <html class="js">: proof of whether scripts ran.
    assert_eq!(s.source().await.contains("class=\"js\""), javascript, "scripts ran: {}", !javascript);
    s.screenshot("login").await;
    s.link("Create an account").await;
    s.fill("Name", "Grace Hopper").await;
    s.fill("Email", email).await;
    s.fill("Password", "correct horse battery").await;
    s.button("Sign up").await;
    s.sees("Haven't talked in a while").await;
    assert_eq!(s.path().await, "/");

    s.link("Contacts").await;
    s.link("Add contact").await;
    s.fill("Name", "Ada Lovelace").await;
    s.fill("Email", "ada@example.com").await;
    s.fill("Company", "Analytical Engines").await;
    s.fill("Notes", "Met at the difference engine demo.").await;
    s.button("Save").await;
    s.sees("Log conversation").await;
    let contact_path = s.path().await.split('?').next().unwrap().to_owned();

    s.fill("What was said", "Could you send me the notes on the engine?").await;
    s.button("Log conversation").await;
    s.sees("Conversation logged.").await;
    s.sees("Could you send me the notes on the engine?").await;
    s.screenshot("contact").await;

    s.link("Write follow-up").await;
    s.button("Generate drafts").await;
    s.sees("Use this draft").await;
    s.sees("builtin").await;
    s.screenshot("write-follow-up").await;
    s.button("Use this draft").await;
    s.sees("Edit draft").await;
    s.button("Polish").await;
    s.sees("Polished.").await;

    s.fill("Subject", "Notes on the engine, as promised").await;
    s.button("Save draft").await;
    s.sees("Saved.").await;
    s.screenshot("editor").await;
    s.button("Schedule").await;
    s.sees("Scheduled.").await;

    s.link("Emails").await;
    s.link("Scheduled 1").await;
    s.link("Notes on the engine, as promised").await;
    s.button("Back to draft").await;
    s.sees("Back to draft.").await;
    s.button("Send now").await;
    s.sees("Sent.").await;

    s.link("Emails").await;
    s.link("Sent 1").await;
    s.sees("Notes on the engine, as promised").await;
    s.screenshot("emails").await;
    let outbox: Vec<_> = std::fs::read_dir(s.data_dir.path().join("outbox")).unwrap().collect();
    assert_eq!(outbox.len(), 1, "one .eml in the outbox");

    s.goto(&contact_path).await;
    s.sees("Notes on the engine, as promised").await;
    let page = s.source().await;
    let sent = page.find("class=\"sent\"").expect("a sent entry in the timeline");
    let received = page.find("class=\"received\"").expect("the received entry");
    assert!(sent < received, "newest first: the sent email above the logged message");

    s.link("Today").await;
    s.screenshot("today").await;
    s.link("Contacts").await;
    s.screenshot("contacts").await;
    s.button("Sign out").await;
    s.sees("Sign in").await;
    for path in ["/", "/contacts", &contact_path, "/emails"] {
        s.goto(path).await;
        assert!(s.path().await.starts_with("/login"), "{path} after sign-out");
    }
}

async fn the_whole_loop_works_in_a_browser(kind: Kind) {
    let s = Session::start(kind, true).await;
    journey(&s, "grace@example.com", true).await;
    s.close().await;
}

async fn the_whole_loop_works_with_javascript_disabled(kind: Kind) {
    let s = Session::start(kind, false).await;
    journey(&s, "nojs@example.com", false).await;
    s.close().await;
}

on_both!(the_whole_loop_works_in_a_browser, the_whole_loop_works_with_javascript_disabled);
