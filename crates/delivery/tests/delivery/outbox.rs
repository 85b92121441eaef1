//! Without SMTP_URL, mail lands in `<data_dir>/outbox` as `.eml` files.

use crate::common;
use delivery::{DeliveryConfig, Sender, TransportConfig};
use domain::EmailStatus;
use testkit::{Kind, TestDb, on_both};

async fn without_smtp_url_mail_lands_in_the_outbox_as_parseable_eml_files(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let data = tempfile::tempdir().unwrap();
    let cfg = DeliveryConfig::from_lookup(|_| None, data.path()).unwrap();
    let outbox = data.path().join("outbox");
    assert_eq!(cfg.transport, TransportConfig::Outbox(outbox.clone()));
    let sender = Sender::from_config(store.clone(), cfg).unwrap();
    assert!(sender.transport().describe().contains("outbox"));
    let u = common::user(&store, "Grace Hopper", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada Lovelace", Some("ada@example.com")).await;
    let mut ids = Vec::new();
    for subject in ["Première lettre", "Second letter"] {
        let e = common::draft(&store, &u, &c, subject, "Hello Ada", None).await;
        let sent = sender.send_now(&u.id, &e.id).await.unwrap();
        assert_eq!(sent.status, EmailStatus::Sent);
        ids.push(sent.delivery.message_id.unwrap());
    }
    let mut names: Vec<String> =
        std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names.len(), 2, "no temporary files left behind: {names:?}");
    for (name, id) in names.iter().zip(&ids) {
        let (stamp, rest) = name.split_once('_').unwrap();
        assert_eq!(stamp.len(), "20250101T120000.000Z".len(), "{name}");
        assert!(stamp.ends_with('Z') && rest.ends_with(".eml"), "{name}");
        let raw = std::fs::read(outbox.join(name)).unwrap();
        let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(m.message_id(), Some(id.trim_matches(['<', '>'])));
        assert_eq!(m.to().unwrap().first().unwrap().address(), Some("ada@example.com"));
        assert_eq!(m.from().unwrap().first().unwrap().address(), Some("grace@navy.example"));
        assert_eq!(common::lf(&m.body_text(0).unwrap()).trim_end(), "Hello Ada");
        assert!(m.body_html(0).unwrap().contains("<p>Hello Ada</p>"));
    }
    let first = mail_parser::MessageParser::default()
        .parse(&std::fs::read(outbox.join(&names[0])).unwrap())
        .unwrap()
        .subject()
        .map(str::to_owned);
    assert_eq!(first.as_deref(), Some("Première lettre"));
}

on_both!(without_smtp_url_mail_lands_in_the_outbox_as_parseable_eml_files);
