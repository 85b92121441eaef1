//! Open tracking: the pixel only with RELATIONHUB_PUBLIC_URL, and only the first fetch counts.

use crate::common::{self, SmtpServer};
use delivery::{DeliveryConfig, record_open};
use domain::EmailStatus;
use std::collections::HashMap;
use testkit::{Kind, TestDb, on_both};

async fn the_pixel_is_added_only_with_a_public_url_and_only_the_first_open_counts(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let smtp = SmtpServer::start(&[]).await;
    let data = tempfile::tempdir().unwrap();
    let load = |public: Option<&str>| {
        let mut vars = HashMap::from([
            ("SMTP_URL".to_owned(), smtp.url()),
            ("SMTP_FROM".to_owned(), common::FROM.to_owned()),
        ]);
        if let Some(p) = public {
            vars.insert("RELATIONHUB_PUBLIC_URL".into(), p.into());
        }
        common::fast(DeliveryConfig::from_lookup(|k| vars.get(k).cloned(), data.path()).unwrap())
    };
    let tracked = common::sender(&store, load(Some("https://crm.example.com/")));
    let untracked = common::sender(&store, load(None));
    let u = common::user(&store, "Grace", "grace@navy.example").await;
    let c = common::contact(&store, &u, "Ada", Some("ada@example.com")).await;
    let a = common::draft(&store, &u, &c, "Tracked", "Hello", None).await;
    let b = common::draft(&store, &u, &c, "Untracked", "Hello", None).await;
    assert_eq!(tracked.send_now(&u.id, &a.id).await.unwrap().status, EmailStatus::Sent);
    assert_eq!(untracked.send_now(&u.id, &b.id).await.unwrap().status, EmailStatus::Sent);

    let got = smtp.messages();
    let html_a = got[0].parsed().body_html(0).unwrap().into_owned();
    let html_b = got[1].parsed().body_html(0).unwrap().into_owned();
    assert!(!html_b.contains("<img") && !html_b.contains("/t/"), "{html_b}");
    let start =
        html_a.find("https://crm.example.com/t/").expect("a pixel") + "https://crm.example.com/t/".len();
    let token = &html_a[start..start + html_a[start..].find(".gif").unwrap()];
    assert!(
        html_a.contains(&format!(
            r#"<img src="https://crm.example.com/t/{token}.gif" width="1" height="1" alt="" style="display:none">"#
        )),
        "{html_a}"
    );
    assert_eq!(token.len(), 43);
    assert_eq!(store.email_by_tracking_token(token).await.unwrap().unwrap().id, a.id);

    assert!(!record_open(&store, "unknown-token-unknown-token-unknown").await);
    assert!(!record_open(&store, "../../etc/passwd").await);
    assert!(record_open(&store, token).await, "the first fetch records the open");
    let opened = store.email(&u.id, &a.id).await.unwrap().opened_at.expect("openedAt set");
    assert!(!record_open(&store, token).await, "later fetches do not");
    assert_eq!(store.email(&u.id, &a.id).await.unwrap().opened_at, Some(opened));
    assert_eq!(store.email(&u.id, &b.id).await.unwrap().opened_at, None);
}

on_both!(the_pixel_is_added_only_with_a_public_url_and_only_the_first_open_counts);
