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

/// IDLE reports a message appended while waiting, times out quietly, and answers at once when
/// the folder already holds mail after the caller's checkpoint (mail that arrived between a
/// pass and the IDLE, which IDLE itself would never report).
#[tokio::test]
async fn idle_reports_new_mail_and_mail_that_arrived_before_it_started() {
    use imap::Woke;
    use std::time::Duration;
    let dv = Dovecot::start(&["idler"]).unwrap();
    let ep = dv.endpoint("idler");
    let mut s = imap::login(&ep).await.unwrap();
    assert!(imap::supports_idle(&mut s).await.unwrap(), "Dovecot offers IDLE");
    imap::append(&mut s, "INBOX", &msg("i1@x", "a@b.c", "one")).await.unwrap();
    let state = imap::select(&mut s, "INBOX").await.unwrap();
    let seen = Checkpoint { uid_validity: state.uid_validity, last_uid: state.uid_next - 1 };

    let never = std::future::pending::<()>();
    let stale = Checkpoint { last_uid: 0, ..seen };
    let w = imap::idle_wait(
        imap::login(&ep).await.unwrap(),
        "INBOX",
        Some(stale),
        Duration::from_secs(60),
        never,
    )
    .await;
    assert_eq!(w.unwrap(), Woke::Changed, "mail after the checkpoint answers at once");

    let w = imap::idle_wait(
        imap::login(&ep).await.unwrap(),
        "INBOX",
        Some(seen),
        Duration::from_secs(1),
        std::future::pending(),
    )
    .await;
    assert_eq!(w.unwrap(), Woke::TimedOut);

    let waiter = tokio::spawn({
        let ep = ep.clone();
        async move {
            let session = imap::login(&ep).await.unwrap();
            imap::idle_wait(session, "INBOX", Some(seen), Duration::from_secs(120), std::future::pending())
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    imap::append(&mut s, "INBOX", &msg("i2@x", "a@b.c", "two")).await.unwrap();
    let w = tokio::time::timeout(Duration::from_secs(60), waiter).await.unwrap().unwrap().unwrap();
    assert_eq!(w, Woke::Changed);

    // The first import walks back newest first.
    imap::append(&mut s, "INBOX", &msg("i3@x", "a@b.c", "three")).await.unwrap();
    imap::select(&mut s, "INBOX").await.unwrap();
    assert_eq!(imap::uids_before(&mut s, u32::MAX, 30, 10).await.unwrap(), vec![3, 2, 1]);
    assert_eq!(imap::uids_before(&mut s, 3, 30, 1).await.unwrap(), vec![2]);
    assert_eq!(imap::uids_after(&mut s, 1, 10).await.unwrap(), vec![2, 3]);
}
