use crate::fixtures;
use chrono::{Duration, Utc};
use domain::inputs::{NewEmail, NewHistoryEntry};
use domain::validate::{Body, HistoryContent, Metadata, Subject};
use domain::{Direction, EmailStatus};
use store::{PageRequest, StoreError};
use testkit::{Kind, TestDb, on_both};

fn entry(contact_id: &str, text: &str, direction: Direction, ago_minutes: i64) -> NewHistoryEntry {
    NewHistoryEntry {
        contact_id: contact_id.to_owned(),
        content: HistoryContent::parse("content", text).unwrap(),
        direction,
        timestamp: Some(Utc::now() - Duration::minutes(ago_minutes)),
        metadata: Some(Metadata::parse("metadata", serde_json::json!({"subject": text})).unwrap()),
    }
}

async fn history_is_listed_newest_first_per_contact(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c = fixtures::contact(&store, &u, "C").await;
    let other = fixtures::contact(&store, &u, "Other").await;
    store.append_history(&u.id, &entry(&c.id, "oldest", Direction::Sent, 30)).await.unwrap();
    store.append_history(&u.id, &entry(&c.id, "newest", Direction::Received, 1)).await.unwrap();
    let mid = store.append_history(&u.id, &entry(&c.id, "middle", Direction::Sent, 10)).await.unwrap();
    store.append_history(&u.id, &entry(&other.id, "elsewhere", Direction::Sent, 5)).await.unwrap();
    assert_eq!(mid.metadata, Some(serde_json::json!({"subject": "middle"})));
    let p = store.list_history(&u.id, &c.id, &PageRequest { first: 2, after: None }).await.unwrap();
    let texts: Vec<&str> = p.items.iter().map(|(e, _)| e.content.as_str()).collect();
    assert_eq!(texts, ["newest", "middle"]);
    assert!(p.has_next_page);
    let rest =
        store.list_history(&u.id, &c.id, &PageRequest { first: 2, after: p.end_cursor() }).await.unwrap();
    assert_eq!(rest.items.iter().map(|(e, _)| e.content.as_str()).collect::<Vec<_>>(), ["oldest"]);
    assert_eq!(store.count_history(&u.id, &c.id).await.unwrap(), 3);
    store.delete_history_entry(&u.id, &mid.id).await.unwrap();
    assert_eq!(store.count_history(&u.id, &c.id).await.unwrap(), 2);
}

async fn history_for_another_users_contact_is_not_found(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let a = fixtures::user(&store, "a@example.com").await;
    let b = fixtures::user(&store, "b@example.com").await;
    let c = fixtures::contact(&store, &a, "C").await;
    let h = store.append_history(&a.id, &entry(&c.id, "private", Direction::Sent, 1)).await.unwrap();
    assert!(matches!(
        store.append_history(&b.id, &entry(&c.id, "x", Direction::Sent, 1)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(store.delete_history_entry(&b.id, &h.id).await, Err(StoreError::NotFound)));
    assert!(
        store
            .list_history(&b.id, &c.id, &PageRequest { first: 10, after: None })
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(store.count_history(&a.id, &c.id).await.unwrap(), 1);
}

async fn a_received_entry_marks_the_latest_earlier_sent_email_replied(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c = fixtures::contact(&store, &u, "C").await;
    let sent = |minutes_ago: i64, subject: &str| {
        let mut e = NewEmail::draft(
            c.id.clone(),
            Subject::parse("subject", subject).unwrap(),
            Body::parse("body", "b").unwrap(),
            None,
        );
        e.status = EmailStatus::Sent;
        e.sent_at = Some(Utc::now() - Duration::minutes(minutes_ago));
        e
    };
    let older = store.create_email(&u.id, &sent(60, "older")).await.unwrap();
    let latest = store.create_email(&u.id, &sent(30, "latest")).await.unwrap();
    let after_reply = store.create_email(&u.id, &sent(1, "after the reply")).await.unwrap();
    store.append_history(&u.id, &entry(&c.id, "thanks!", Direction::Received, 10)).await.unwrap();
    assert!(store.email(&u.id, &latest.id).await.unwrap().replied_at.is_some());
    assert!(store.email(&u.id, &older.id).await.unwrap().replied_at.is_none());
    assert!(store.email(&u.id, &after_reply.id).await.unwrap().replied_at.is_none());
    // A second reply goes to the next unreplied email before it.
    store.append_history(&u.id, &entry(&c.id, "and another thing", Direction::Received, 5)).await.unwrap();
    assert!(store.email(&u.id, &older.id).await.unwrap().replied_at.is_some());
    // SENT entries mark nothing.
    store.append_history(&u.id, &entry(&c.id, "you're welcome", Direction::Sent, 0)).await.unwrap();
    assert!(store.email(&u.id, &after_reply.id).await.unwrap().replied_at.is_none());
}

on_both!(
    history_is_listed_newest_first_per_contact,
    history_for_another_users_contact_is_not_found,
    a_received_entry_marks_the_latest_earlier_sent_email_replied,
);
