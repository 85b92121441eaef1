//! The IMAP client against a real Dovecot started by the test.

use inbound::imap::{self, Checkpoint};
use inbound::testing::Dovecot;

fn msg(id: &str, from: &str, body: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: me@example.org\r\nSubject: s {id}\r\nMessage-ID: <{id}>\r\nDate: Tue, 1 Dec 2026 07:00:00 +0000\r\n\r\n{body}\r\n").into_bytes()
}

#[tokio::test]
async fn login_fetch_and_resume_from_a_checkpoint() {
    let dv = Dovecot::start(&["alice"]).unwrap();
    let ep = dv.endpoint("alice");
    imap::test_login(&ep).await.unwrap();
    let mut s = imap::login(&ep).await.unwrap();
    imap::append(&mut s, "INBOX", &msg("1@x", "a@b.c", "one")).await.unwrap();
    imap::append(&mut s, "INBOX", &msg("2@x", "a@b.c", "two")).await.unwrap();
    let b = imap::fetch_new(&mut s, "INBOX", None, 36500, 1000, 1 << 20).await.unwrap();
    assert_eq!(b.messages.len(), 2);
    let p = inbound::parse_message(b.messages[1].raw.as_deref().unwrap()).unwrap();
    assert_eq!(p.message_id, "2@x");
    let cp = Checkpoint { uid_validity: b.uid_validity, last_uid: b.messages[1].uid };
    let again = imap::fetch_new(&mut s, "INBOX", Some(cp), 36500, 1000, 1 << 20).await.unwrap();
    assert!(again.messages.is_empty(), "nothing new after the checkpoint");
    imap::append(&mut s, "INBOX", &msg("3@x", "a@b.c", "three")).await.unwrap();
    let more = imap::fetch_new(&mut s, "INBOX", Some(cp), 36500, 1000, 1 << 20).await.unwrap();
    assert_eq!(more.messages.len(), 1);
    // A small size limit fetches no body.
    let sized = imap::fetch_new(&mut s, "INBOX", None, 36500, 1000, 10).await.unwrap();
    assert!(sized.messages.iter().all(|m| m.raw.is_none()));
}

#[tokio::test]
async fn wrong_password_and_missing_folder_are_clear() {
    let dv = Dovecot::start(&["bob"]).unwrap();
    let mut ep = dv.endpoint("bob");
    ep.password = "nope".into();
    let e = imap::test_login(&ep).await.unwrap_err();
    assert_eq!(e.class(), "auth", "{e}");
    assert!(e.to_string().starts_with("wrong username or password"), "{e}");
    let mut s = imap::login(&dv.endpoint("bob")).await.unwrap();
    let e = imap::fetch_new(&mut s, "Nope", None, 90, 10, 1000).await.unwrap_err();
    assert_eq!(e.to_string(), "folder missing: Nope");
    let mut far = dv.endpoint("bob");
    far.host = "192.0.2.1".into();
    let e = imap::test_login(&far).await.unwrap_err();
    assert_eq!(e.class(), "tls", "plain IMAP off loopback is refused: {e}");
}

/// A first pass fetches and parses a whole batch in one go, and reports its throughput (no
/// database): `cargo test -p inbound --test dovecot -- first_pass --nocapture`.
#[tokio::test]
async fn a_first_pass_fetches_and_parses_every_message_of_a_batch() {
    let dv = Dovecot::start(&["big"]).unwrap();
    let mut s = imap::login(&dv.endpoint("big")).await.unwrap();
    let n = 500;
    for i in 0..n {
        imap::append(&mut s, "INBOX", &msg(&format!("{i}@x"), "a@b.c", "body text")).await.unwrap();
    }
    let t = std::time::Instant::now();
    let b = imap::fetch_new(&mut s, "INBOX", None, 36500, n, 1 << 20).await.unwrap();
    let parsed = b.messages.iter().filter_map(|m| inbound::parse_message(m.raw.as_deref()?)).count();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(parsed, n);
    println!("fetched and parsed {n} messages in {secs:.2}s: {:.0} msg/s", n as f64 / secs);
}
