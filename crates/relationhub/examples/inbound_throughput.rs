//! Measures inbound mail: first-sync throughput (messages per second) of a 10,000-message
//! mailbox, and the delay from IMAP `APPEND` to the RECEIVED entry with IDLE. Runs against a
//! Dovecot started here (as the tests do) on both backends (fresh databases from the test kit;
//! PostgreSQL needs `TEST_DATABASE_URL`).
//!
//! `cargo run --release -p relationhub --example inbound_throughput [-- MESSAGES]`
//!
//! The mailbox mixes what real mail looks like: 70 % from 200 known contacts, 20 % from
//! strangers (the review queue), 10 % from the user to contacts (SENT entries). Throughput is
//! wall time of the passes that import everything (IMAP fetch, parse, match, store).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use domain::inputs::{NewContact, NewUser};
use domain::validate::{EmailAddress, PersonName};
use inbound::imap;
use inbound::testing::{Dovecot, PASSWORD};
use relationhub::app::AppState;
use relationhub::app::inbound::{self as rh, Connect};
use relationhub::config::{Config, Overrides, Settings};
use std::sync::Arc;
use std::time::{Duration, Instant};
use testkit::{Kind, TestDb};

const KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const CONTACTS: usize = 200;

fn message(i: usize) -> Vec<u8> {
    let (from, to) = match i % 10 {
        0..=6 => (format!("c{}@example.com", i % CONTACTS), "bench@example.com".to_owned()),
        7 | 8 => (format!("stranger{i}@else.org"), "bench@example.com".to_owned()),
        _ => ("bench@example.com".to_owned(), format!("c{}@example.com", i % CONTACTS)),
    };
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: Message {i}\r\nMessage-ID: <bench-{i}@example.org>\r\nDate: Tue, 1 Dec 2026 07:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\n{}\r\n\r\nOn Mon, 30 Nov 2026, Someone wrote:\r\n> earlier text\r\n-- \r\nA signature\r\n",
        "This is the new text of the message, a few lines long. ".repeat(6)
    )
    .into_bytes()
}

async fn count(store: &store::Store, user_id: &str) -> i64 {
    let sql = r#"SELECT COUNT(*) FROM "conversation_history" WHERE "userId" = $1"#;
    match store.db() {
        store::Db::Postgres(p) => sqlx::query_scalar(sql).bind(user_id).fetch_one(p).await.unwrap(),
        store::Db::Sqlite(p) => sqlx::query_scalar(sql).bind(user_id).fetch_one(p).await.unwrap(),
    }
}

async fn measure(kind: Kind, dv: &Dovecot, mailbox_user: &str, n: usize) {
    let db = TestDb::migrated(kind).await;
    let data = tempfile::tempdir().unwrap();
    let pairs = vec![
        ("RELATIONHUB_BIND", "127.0.0.1:0"),
        ("RELATIONHUB_DATA_DIR", data.path().to_str().unwrap()),
        ("RELATIONHUB_SECRET_KEY", KEY),
        ("RELATIONHUB_MAILBOX_POLL_SECS", "600"),
    ];
    let overrides = Overrides { database_url: Some(db.url.clone()), ..Default::default() };
    let config = Arc::new(Config::from_settings(Settings::from_pairs(pairs), &overrides).unwrap());
    let store = db.connect().await;
    let st = AppState::new(store.clone(), config).unwrap();
    let user = store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", "bench@example.com").unwrap(),
            name: PersonName::parse("name", "Bench User").unwrap(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    for i in 0..CONTACTS {
        let mut c = NewContact::named(PersonName::parse("name", &format!("Contact {i}")).unwrap());
        c.email = Some(EmailAddress::parse("email", &format!("c{i}@example.com")).unwrap());
        store.create_contact(&user.id, &c).await.unwrap();
    }
    let input = Connect {
        host: "127.0.0.1".into(),
        port: dv.port,
        security: inbound::Security::None,
        username: mailbox_user.into(),
        password: PASSWORD.into(),
        folders: vec!["INBOX".into()],
        role: "CAPTURE".into(),
    };
    let mb = rh::connect(&st, &user, input).await.unwrap();

    let started = Instant::now();
    let (mut imported, mut queued, mut skipped, mut passes) = (0, 0, 0, 0);
    loop {
        let c = rh::sync_pass(&st, &mb.id, "bench").await.unwrap().unwrap();
        assert!(!c.failed, "{:?}", store.mailbox(&user.id, &mb.id).await.unwrap().last_error);
        (imported, queued, skipped, passes) =
            (imported + c.imported, queued + c.queued, skipped + c.skipped, passes + 1);
        if !c.more {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!((imported + queued + skipped) as usize, n, "every message handled once");
    println!(
        "{kind:?}: first sync of {n} messages in {secs:.1} s over {passes} passes = {:.0} messages/s ({imported} imported, {queued} queued for review, {skipped} skipped)",
        n as f64 / secs
    );

    // IDLE: the worker waits on the mailbox; each APPEND should reach the history promptly.
    let cancel = tokio_util::sync::CancellationToken::new();
    let worker = tokio::spawn(rh::worker::run(st.clone(), cancel.clone()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut session = imap::login(&dv.endpoint(mailbox_user)).await.unwrap();
    let mut delays = Vec::new();
    for i in 0..20 {
        let before = count(&store, &user.id).await;
        let m = format!(
            "From: c1@example.com\r\nTo: bench@example.com\r\nSubject: idle {i}\r\nMessage-ID: <idle-{i}-{}@example.org>\r\n\r\nNew\r\n",
            mb.id
        );
        let t = Instant::now();
        imap::append(&mut session, "INBOX", m.as_bytes()).await.unwrap();
        while count(&store, &user.id).await == before {
            assert!(t.elapsed() < Duration::from_secs(120), "IDLE delivery timed out");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        delays.push(t.elapsed());
        tokio::time::sleep(Duration::from_millis(300)).await; // let the worker return to IDLE
    }
    cancel.cancel();
    let _ = worker.await;
    delays.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{kind:?}: APPEND → RECEIVED entry with IDLE over 20 messages: p50 {:.0} ms, max {:.0} ms",
        ms(delays[delays.len() / 2]),
        ms(delays[delays.len() - 1])
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let dv = Dovecot::start(&["sqlite", "postgres"]).unwrap();
    for user in ["sqlite", "postgres"] {
        let mut s = imap::login(&dv.endpoint(user)).await.unwrap();
        let t = Instant::now();
        for i in 0..n {
            imap::append(&mut s, "INBOX", &message(i)).await.unwrap();
        }
        println!("{user}: appended {n} messages in {:.1} s", t.elapsed().as_secs_f64());
    }
    measure(Kind::Sqlite, &dv, "sqlite", n).await;
    if std::env::var_os("TEST_DATABASE_URL").is_some() {
        measure(Kind::Postgres, &dv, "postgres", n).await;
    } else {
        println!("PostgreSQL skipped: set TEST_DATABASE_URL");
    }
}
