//! Sending through SMTP: the message as received, and how each kind of failure ends.

use crate::common::{self, SmtpServer, lf};
use chrono::Utc;
use delivery::{Scheduler, SmtpSettings};
use domain::EmailStatus;
use mail_parser::MimeHeaders as _;
use testkit::{Kind, TestDb, on_both};
use tokio_util::sync::CancellationToken;

async fn a_sent_message_carries_its_headers_both_parts_and_the_envelope(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let smtp = SmtpServer::start(&[]).await;
    let sender = common::sender(&store, smtp.config());
    let u = common::user(&store, "Grace Hopper", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Zoë Ångström", Some("zoe@example.com")).await;
    let subject = "Café ☕ — shall we catch up?";
    let body = "Hi Zoë,\n\nShall we meet next week? <3 & cheers\n\nGrace";
    let plain = common::draft(&store, &u, &c, subject, body, None).await;
    let rich =
        common::draft(&store, &u, &c, "Agenda", "Hello there", Some("<p>Hello <b>there</b></p>")).await;

    let sent = sender.send_now(&u.id, &plain.id).await.unwrap();
    assert_eq!(sent.status, EmailStatus::Sent, "{:?}", sent.delivery);
    assert_eq!((sent.delivery.send_attempts, sent.delivery.last_error.as_deref()), (1, None));
    let stored_id = sent.delivery.message_id.clone().unwrap();
    assert!(stored_id.starts_with('<') && stored_id.ends_with("@relay.example>"), "{stored_id}");

    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.mail_from, "noreply@relay.example", "the envelope sender is SMTP_FROM, never the user");
    assert_eq!(r.rcpt_tos, ["zoe@example.com"]);
    assert!(r.data.is_ascii(), "headers are RFC 2047 encoded and bodies transfer-encoded");
    let m = r.parsed();
    let raw_subject = m.header_raw("Subject").unwrap();
    assert!(raw_subject.to_ascii_lowercase().contains("=?utf-8?"), "RFC 2047: {raw_subject}");
    assert_eq!(m.subject(), Some(subject));
    let from = m.from().unwrap().first().unwrap();
    assert_eq!(
        (from.name(), from.address()),
        (Some("Grace Hopper via RelationHub"), Some("noreply@relay.example"))
    );
    let reply_to = m.reply_to().unwrap().first().unwrap();
    assert_eq!(reply_to.address(), Some("grace@navy.example"));
    let to = m.to().unwrap().first().unwrap();
    assert_eq!((to.name(), to.address()), (Some("Zoë Ångström"), Some("zoe@example.com")));
    let date = m.date().expect("a Date header").to_timestamp();
    assert!((date - Utc::now().timestamp()).abs() < 3600, "a current Date: {date}");
    assert_eq!(m.message_id(), Some(stored_id.trim_matches(|c| c == '<' || c == '>')));
    let root = m.root_part().content_type().unwrap();
    assert_eq!((root.ctype(), root.subtype()), ("multipart", Some("alternative")));
    assert_eq!((m.text_body_count(), m.html_body_count()), (1, 1));
    let text_part = m.text_part(0).unwrap().content_type().unwrap();
    assert_eq!((text_part.subtype(), text_part.attribute("charset")), (Some("plain"), Some("utf-8")));
    assert_eq!(lf(&m.body_text(0).unwrap()).trim_end(), body);
    let html = lf(&m.body_html(0).unwrap());
    assert!(
        html.contains("<p>Hi Zoë,</p>\n<p>Shall we meet next week? &lt;3 &amp; cheers</p>\n<p>Grace</p>"),
        "the plain text rendered as escaped HTML: {html}"
    );
    assert!(!html.contains("<img"), "no tracking without a public URL");

    // The stored sanitised HTML is sent as is.
    let sent = sender.send_now(&u.id, &rich.id).await.unwrap();
    assert_eq!(sent.status, EmailStatus::Sent);
    let got = smtp.messages();
    assert_eq!(got.len(), 2);
    let m = got[1].parsed();
    assert!(m.body_html(0).unwrap().contains("<p>Hello <b>there</b></p>"));
    assert_eq!(lf(&m.body_text(0).unwrap()).trim_end(), "Hello there");

    // Bookkeeping: history and the contact's last-contacted time.
    assert_eq!(store.count_history(&u.id, &c.id).await.unwrap(), 2);
    assert!(store.contact(&u.id, &c.id).await.unwrap().last_contacted_at.is_some());
}

async fn a_fixed_sender_sends_from_smtp_from_with_replies_to_the_user(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let smtp = SmtpServer::start(&[]).await;
    let mut cfg = smtp.config();
    cfg.from = Some("Robot <robot@relay.example>".parse().unwrap());
    let sender = common::sender(&store, cfg);
    let u = common::user(&store, "Grace Hopper", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;
    let sent = sender.send_now(&u.id, &e.id).await.unwrap();
    assert_eq!(sent.status, EmailStatus::Sent);
    assert!(sent.delivery.message_id.unwrap().ends_with("@relay.example>"));
    let got = smtp.messages();
    assert_eq!(got[0].mail_from, "robot@relay.example");
    let m = got[0].parsed();
    let from = m.from().unwrap().first().unwrap();
    assert_eq!((from.name(), from.address()), (Some("Grace Hopper via Robot"), Some("robot@relay.example")));
    let reply_to = m.reply_to().unwrap().first().unwrap();
    assert_eq!((reply_to.name(), reply_to.address()), (Some("Grace Hopper"), Some("grace@navy.example")));
}

async fn a_4xx_reply_is_retried_and_the_email_delivered_exactly_once(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let smtp = SmtpServer::start(&["--fail-first", "1", "--fail-code", "451"]).await;
    let sender = common::sender(&store, smtp.config());
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;

    let first = sender.send_now(&u.id, &e.id).await.unwrap();
    assert_eq!(first.status, EmailStatus::Scheduled, "a transient failure leaves it to the scheduler");
    assert_eq!(first.delivery.send_attempts, 1);
    let err = first.delivery.last_error.unwrap();
    assert_eq!(err, "mail server temporarily refused the message (451)");
    assert!(smtp.messages().is_empty());

    let cancel = CancellationToken::new();
    let run = tokio::spawn(Scheduler::new(sender.clone()).run(cancel.clone()));
    let sent = common::until_status(&store, &u, &e, EmailStatus::Sent).await;
    cancel.cancel();
    tokio::time::timeout(common::GUARD, run).await.unwrap().unwrap();
    assert_eq!((sent.delivery.send_attempts, sent.delivery.last_error), (2, None));
    let got = smtp.messages();
    assert_eq!(got.len(), 1, "exactly one delivery");
    assert_eq!(
        got[0].parsed().message_id().map(str::to_owned),
        sent.delivery.message_id.map(|m| m.trim_matches(['<', '>']).to_owned())
    );
}

async fn a_5xx_reply_fails_the_email_with_the_server_reply(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let smtp = SmtpServer::start(&["--reject-code", "550"]).await;
    let sender = common::sender(&store, smtp.config());
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;
    let failed = sender.send_now(&u.id, &e.id).await.unwrap();
    assert_eq!(failed.status, EmailStatus::Failed);
    assert_eq!(failed.delivery.send_attempts, 1);
    assert_eq!(failed.delivery.last_error.as_deref(), Some("recipient refused by the mail server (550)"));
    assert!(smtp.messages().is_empty());
    assert_eq!(store.count_history(&u.id, &c.id).await.unwrap(), 0);
    assert_eq!(store.next_due_at().await.unwrap(), None, "nothing left to retry");
}

async fn transient_failures_give_up_after_the_last_allowed_attempt(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let smtp = SmtpServer::start(&["--fail-first", "1000"]).await;
    let mut cfg = smtp.config();
    cfg.max_attempts = 3;
    let sender = common::sender(&store, cfg);
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;
    store.schedule_email(&u.id, &e.id, Utc::now() - chrono::TimeDelta::seconds(1)).await.unwrap();
    let cancel = CancellationToken::new();
    let run = tokio::spawn(Scheduler::new(sender.clone()).run(cancel.clone()));
    let failed = common::until_status(&store, &u, &e, EmailStatus::Failed).await;
    cancel.cancel();
    tokio::time::timeout(common::GUARD, run).await.unwrap().unwrap();
    assert_eq!(failed.delivery.send_attempts, 3);
    assert!(failed.delivery.last_error.unwrap().ends_with("(451)"));
    assert!(smtp.messages().is_empty());
}

async fn an_unreachable_server_is_a_transient_failure(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let sender = common::sender(&store, common::smtp_config(&format!("smtp://127.0.0.1:{port}?tls=none")));
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;
    let r = sender.send_now(&u.id, &e.id).await.unwrap();
    assert_eq!((r.status, r.delivery.send_attempts), (EmailStatus::Scheduled, 1));
    let err = r.delivery.last_error.unwrap();
    assert_eq!(err, "mail server unreachable", "a short reason that names no host or port");
    assert!(!err.contains("127.0.0.1") && !err.contains(&port.to_string()), "{err}");
    assert!(store.next_due_at().await.unwrap().is_some(), "queued for a retry");
}

async fn plain_smtp_urls_require_starttls_and_send_nothing_without_it(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    // This server offers no STARTTLS; `smtp://` without `tls=` must not fall back to plain text.
    let smtp = SmtpServer::start(&[]).await;
    let url = format!("smtp://user:hunter2@127.0.0.1:{}", smtp.port);
    let cfg = common::smtp_config(&url);
    assert_eq!(cfg.transport, delivery::TransportConfig::Smtp(SmtpSettings::from_url(&url).unwrap()));
    let sender = common::sender(&store, cfg);
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;
    let r = sender.send_now(&u.id, &e.id).await.unwrap();
    assert_ne!(r.status, EmailStatus::Sent);
    assert_eq!(r.delivery.last_error.as_deref(), Some("mail server does not offer STARTTLS"));
    assert!(smtp.messages().is_empty(), "nothing went out in plain text");

    // Opportunistic TLS is an explicit choice, and then the plain-text server is used.
    let cfg = common::smtp_config(&format!("smtp://127.0.0.1:{}?tls=opportunistic", smtp.port));
    let e = common::draft(&store, &u, &c, "Hi again", "Hello", None).await;
    let r = common::sender(&store, cfg).send_now(&u.id, &e.id).await.unwrap();
    assert_eq!(r.status, EmailStatus::Sent, "{:?}", r.delivery.last_error);
    assert_eq!(smtp.messages().len(), 1);
}

async fn an_unwritable_outbox_is_reported_without_its_path(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let data = tempfile::tempdir().unwrap();
    // A file where the outbox directory should be: creating the directory fails for any user.
    let blocked = data.path().join("outbox");
    std::fs::write(&blocked, b"not a directory").unwrap();
    let sender =
        common::sender(&store, common::fast(delivery::DeliveryConfig::outbox(blocked.join("inner"))));
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;
    let r = sender.send_now(&u.id, &e.id).await.unwrap();
    assert_eq!(r.status, EmailStatus::Scheduled, "a transient failure");
    let err = r.delivery.last_error.unwrap();
    assert_eq!(err, "outbox not writable");
    assert!(!err.contains(&data.path().display().to_string()));
}

async fn a_contact_without_an_address_fails_without_contacting_the_server(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let smtp = SmtpServer::start(&[]).await;
    let sender = common::sender(&store, smtp.config());
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Unknown Address", None).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;
    let r = sender.send_now(&u.id, &e.id).await.unwrap();
    assert_eq!(r.status, EmailStatus::Failed);
    assert_eq!(r.delivery.last_error.as_deref(), Some("contact has no email address"));
    assert!(smtp.messages().is_empty());
}

async fn send_now_refuses_emails_that_are_not_drafts_or_failed(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let smtp = SmtpServer::start(&[]).await;
    let sender = common::sender(&store, smtp.config());
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let other = common::user(&store, "Mallory", "mallory@example.com").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let e = common::draft(&store, &u, &c, "Hi", "Hello", None).await;
    assert!(matches!(
        sender.send_now(&other.id, &e.id).await,
        Err(delivery::SendNowError::Store(store::StoreError::NotFound))
    ));
    sender.send_now(&u.id, &e.id).await.unwrap();
    match sender.send_now(&u.id, &e.id).await {
        Err(delivery::SendNowError::Store(store::StoreError::Conflict(msg))) => {
            assert!(msg.contains("SENT"), "{msg}")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(smtp.messages().len(), 1);
}

on_both!(
    a_sent_message_carries_its_headers_both_parts_and_the_envelope,
    a_fixed_sender_sends_from_smtp_from_with_replies_to_the_user,
    a_4xx_reply_is_retried_and_the_email_delivered_exactly_once,
    a_5xx_reply_fails_the_email_with_the_server_reply,
    transient_failures_give_up_after_the_last_allowed_attempt,
    an_unreachable_server_is_a_transient_failure,
    plain_smtp_urls_require_starttls_and_send_nothing_without_it,
    an_unwritable_outbox_is_reported_without_its_path,
    a_contact_without_an_address_fails_without_contacting_the_server,
    send_now_refuses_emails_that_are_not_drafts_or_failed,
);
