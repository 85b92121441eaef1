//! Measures the scheduler: N emails fall due at the same instant and one scheduler with the
//! production defaults sends them to the loopback aiosmtpd server (scripts/smtp_server.py).
//! Prints the lag from due time to recorded send (p50, p99, max) and the sustained rate.
//!
//! ```text
//! cargo run --release -p delivery --example scheduler_lag -- [--emails 1000] [--database-url URL]
//!     [--batch 50] [--concurrency 8] [--outbox]
//! ```
//! Without `--database-url`, a fresh SQLite file in a temporary directory is used. `--outbox` writes
//! `.eml` files instead of talking SMTP, to separate the scheduler's own cost from the SMTP exchange.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{TimeDelta, Utc};
use delivery::{DeliveryConfig, Scheduler, Sender, SmtpSettings};
use domain::EmailStatus;
use domain::inputs::{NewContact, NewEmail, NewUser};
use domain::validate::{Body, EmailAddress, PersonName, Subject};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{ConnectOptions, EmailFilter, EmailOrder, PageRequest, Store};
use tokio::io::{AsyncBufReadExt as _, BufReader};

struct Args {
    emails: usize,
    database_url: Option<String>,
    batch: Option<u32>,
    concurrency: Option<usize>,
    outbox: bool,
}

fn args() -> Args {
    let mut a = Args { emails: 1000, database_url: None, batch: None, concurrency: None, outbox: false };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--emails" => a.emails = value().parse().expect("--emails N"),
            "--database-url" => a.database_url = Some(value()),
            "--batch" => a.batch = Some(value().parse().expect("--batch N")),
            "--concurrency" => a.concurrency = Some(value().parse().expect("--concurrency N")),
            "--outbox" => a.outbox = true,
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args = args();
    let tmp = tempfile::tempdir().unwrap();

    // The SMTP server.
    let maildir = tmp.path().join("mail");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp_server.py");
    let mut child = tokio::process::Command::new("python3")
        .arg(script)
        .args(["--port", "0", "--exit-on-eof", "--maildir"])
        .arg(&maildir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python3 on PATH (with `pip install aiosmtpd`)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.next_line().await.unwrap().expect("smtp_server.py exited: is aiosmtpd installed?");
    let port: u16 = ready.strip_prefix("READY ").unwrap().parse().unwrap();

    // The database.
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", tmp.path().join("lag.db").display()));
    let opts = ConnectOptions { create_if_missing: true, ..Default::default() };
    let store = Store::connect(&url.parse().unwrap(), &opts).await.unwrap();
    store.deploy(|_| {}).await.unwrap();
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let user = store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", &format!("lag-{tag}@example.com")).unwrap(),
            name: PersonName::parse("name", "Lag Probe").unwrap(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    let mut ids = Vec::with_capacity(args.emails);
    for i in 0..args.emails {
        let c = NewContact {
            email: Some(EmailAddress::parse("email", &format!("c{i}-{tag}@example.com")).unwrap()),
            ..NewContact::named(PersonName::parse("name", &format!("Contact {i}")).unwrap())
        };
        let c = store.create_contact(&user.id, &c).await.unwrap();
        let body = "Hello,\n\nA short follow-up to see how things are going.\n\nBest,\nLag Probe";
        let new = NewEmail::draft(
            c.id,
            Subject::parse("subject", &format!("Follow-up {i}")).unwrap(),
            Body::parse("body", body).unwrap(),
            None,
        );
        ids.push(store.create_email(&user.id, &new).await.unwrap().id);
    }

    // One scheduler with the production defaults (except where flags say otherwise).
    let mut cfg = if args.outbox {
        DeliveryConfig::outbox(maildir.clone())
    } else {
        // The local test server offers no STARTTLS; plain text is allowed to loopback only.
        let mut cfg = DeliveryConfig::smtp(
            SmtpSettings::from_url(&format!("smtp://127.0.0.1:{port}?tls=none")).unwrap(),
        );
        cfg.from = Some("RelationHub <noreply@relay.example>".parse().unwrap());
        cfg
    };
    if let Some(b) = args.batch {
        cfg.batch_size = b;
    }
    if let Some(c) = args.concurrency {
        cfg.concurrency = c;
    }
    let (batch, concurrency, poll) = (cfg.batch_size, cfg.concurrency, cfg.poll_interval);
    let sender = Arc::new(Sender::from_config(store.clone(), cfg).unwrap());
    let cancel = tokio_util::sync::CancellationToken::new();
    let run = tokio::spawn(Scheduler::new(sender.clone()).run(cancel.clone()));

    // Everything falls due at the same instant, a little after it has all been scheduled.
    let due = domain::id::now_ms() + TimeDelta::seconds(3);
    for id in &ids {
        store.schedule_email(&user.id, id, due).await.unwrap();
    }
    assert!(Utc::now() < due, "scheduling took longer than the head start; raise it");
    sender.notify();

    let started = Instant::now();
    let filter = EmailFilter { status: Some(EmailStatus::Sent), ..Default::default() };
    while store.count_emails(&user.id, &filter).await.unwrap() < args.emails as i64 {
        assert!(started.elapsed() < Duration::from_secs(600), "gave up after 10 minutes");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    cancel.cancel();
    run.await.unwrap();

    let mut lags = Vec::with_capacity(args.emails);
    let mut last_sent = due;
    let mut after = None;
    loop {
        let page = store
            .list_emails(
                &user.id,
                &filter,
                EmailOrder::CreatedAtAsc,
                &PageRequest { first: 100, after: after.clone() },
            )
            .await
            .unwrap();
        for (e, _) in &page.items {
            let sent = e.sent_at.unwrap();
            last_sent = last_sent.max(sent);
            lags.push((sent - e.delivery.scheduled_at.unwrap()).as_seconds_f64());
        }
        if !page.has_next_page {
            break;
        }
        after = page.end_cursor();
    }
    lags.sort_by(f64::total_cmp);
    let delivered = std::fs::read_dir(&maildir).unwrap().filter(|e| {
        e.as_ref().is_ok_and(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".json") || name.ends_with(".eml")
        })
    });
    let delivered = delivered.count();
    let span = (last_sent - due).as_seconds_f64();
    println!(
        "backend: {:?}  emails: {}  batch: {batch}  concurrency: {concurrency}  poll: {poll:?}",
        store.backend(),
        args.emails
    );
    println!("transport: {}  delivered: {delivered}", sender.transport().describe());
    println!(
        "scheduler lag (due -> sent): min {:.3} s  p50 {:.3} s  p99 {:.3} s  max {:.3} s",
        lags[0],
        percentile(&lags, 0.50),
        percentile(&lags, 0.99),
        lags[lags.len() - 1]
    );
    println!(
        "throughput: {:.0} messages/s ({} in {span:.2} s after the due time)",
        args.emails as f64 / span,
        args.emails
    );
    drop(child);
}
