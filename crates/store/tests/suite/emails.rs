use crate::fixtures;
use domain::inputs::{EmailPatch, NewEmail};
use domain::validate::{Body, Subject};
use domain::{EmailStatus, TemplateType};
use std::collections::HashSet;
use store::{EmailColumnSet, EmailColumns, EmailFilter, EmailOrder, PageRequest, StoreError};
use testkit::{Kind, TestDb, on_both};

async fn emails_are_created_for_own_contacts_only(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let a = fixtures::user(&store, "a@example.com").await;
    let b = fixtures::user(&store, "b@example.com").await;
    let ca = fixtures::contact(&store, &a, "A's contact").await;
    let e = fixtures::draft(&store, &a, &ca, "Hello").await;
    assert_eq!(e.status, EmailStatus::Draft);
    assert_eq!(e.contact_id, ca.id);
    assert_eq!(store.email(&a.id, &e.id).await.unwrap(), e);
    let stolen = NewEmail::draft(
        ca.id.clone(),
        Subject::parse("subject", "x").unwrap(),
        Body::parse("body", "y").unwrap(),
        None,
    );
    assert!(matches!(store.create_email(&b.id, &stolen).await, Err(StoreError::NotFound)));
    assert!(matches!(store.email(&b.id, &e.id).await, Err(StoreError::NotFound)));
    let deleted = store.delete_email(&b.id, &e.id).await;
    assert!(matches!(deleted, Err(StoreError::NotFound)), "{deleted:?}");
    assert_eq!(store.count_emails(&a.id, &EmailFilter::default()).await.unwrap(), 1);
    assert_eq!(store.count_emails(&b.id, &EmailFilter::default()).await.unwrap(), 0);
}

async fn only_drafts_can_be_edited_and_the_conflict_names_the_status(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c = fixtures::contact(&store, &u, "C").await;
    let e = fixtures::draft(&store, &u, &c, "Draft one").await;
    let patch = EmailPatch {
        subject: Some(Subject::parse("subject", "Better subject").unwrap()),
        template_type: Some(Some(TemplateType::Casual)),
        ..Default::default()
    };
    let edited = store.update_email(&u.id, &e.id, &patch).await.unwrap();
    assert_eq!(edited.subject, "Better subject");
    assert_eq!(edited.body, "Hello there");
    assert_eq!(edited.template_type, Some(TemplateType::Casual));

    let mut sent = NewEmail::draft(
        c.id.clone(),
        Subject::parse("subject", "Sent").unwrap(),
        Body::parse("body", "b").unwrap(),
        None,
    );
    sent.status = EmailStatus::Sent;
    sent.sent_at = Some(chrono::Utc::now());
    let sent = store.create_email(&u.id, &sent).await.unwrap();
    match store.update_email(&u.id, &sent.id, &patch).await {
        Err(StoreError::Conflict(msg)) => assert!(msg.contains("SENT"), "{msg}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    assert_eq!(store.email(&u.id, &sent.id).await.unwrap(), sent, "a SENT email is unchanged");
    assert!(matches!(store.update_email(&u.id, "missing", &patch).await, Err(StoreError::NotFound)));
}

async fn email_lists_filter_and_page_over_equal_timestamps(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c1 = fixtures::contact(&store, &u, "One").await;
    let c2 = fixtures::contact(&store, &u, "Two").await;
    for i in 0..17 {
        fixtures::draft(&store, &u, if i % 2 == 0 { &c1 } else { &c2 }, &format!("Email {i}")).await;
    }
    fixtures::flatten_timestamps(&store, "emails", "createdAt").await;
    for order in [EmailOrder::CreatedAtDesc, EmailOrder::CreatedAtAsc, EmailOrder::UpdatedAtDesc] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let p = store
                .list_emails(
                    &u.id,
                    &EmailFilter::default(),
                    order,
                    &PageRequest { first: 4, after: after.clone() },
                )
                .await
                .unwrap();
            seen.extend(p.items.iter().map(|(e, _)| e.id.clone()));
            if !p.has_next_page {
                break;
            }
            after = p.end_cursor();
        }
        assert_eq!(seen.len(), 17);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 17, "{order:?}");
    }
    let by_contact = EmailFilter { contact_id: Some(c1.id.clone()), ..Default::default() };
    let p = store
        .list_emails(&u.id, &by_contact, EmailOrder::default(), &PageRequest { first: 100, after: None })
        .await;
    assert_eq!(p.unwrap().items.len(), 9);
    assert_eq!(store.count_emails(&u.id, &by_contact).await.unwrap(), 9);
    let sent = EmailFilter { status: Some(EmailStatus::Sent), ..Default::default() };
    assert_eq!(store.count_emails(&u.id, &sent).await.unwrap(), 0);
    let drafts = EmailFilter { status: Some(EmailStatus::Draft), template_type: None, ..Default::default() };
    assert_eq!(store.count_emails(&u.id, &drafts).await.unwrap(), 17);
    let casual = EmailFilter { template_type: Some(TemplateType::Casual), ..Default::default() };
    assert_eq!(store.count_emails(&u.id, &casual).await.unwrap(), 0);
}

async fn newest_emails_come_first_by_default(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c = fixtures::contact(&store, &u, "C").await;
    let first = fixtures::draft(&store, &u, &c, "first").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = fixtures::draft(&store, &u, &c, "second").await;
    let p = store
        .list_emails(
            &u.id,
            &EmailFilter::default(),
            EmailOrder::default(),
            &PageRequest { first: 10, after: None },
        )
        .await
        .unwrap();
    let ids: Vec<&str> = p.items.iter().map(|(e, _)| e.id.as_str()).collect();
    assert_eq!(ids, [second.id.as_str(), first.id.as_str()]);
    assert!(!p.has_next_page && !p.has_previous_page);
}

async fn a_list_without_bodies_reads_everything_else_and_pages_the_same(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c = fixtures::contact(&store, &u, "Ada").await;
    for i in 0..3 {
        fixtures::draft(&store, &u, &c, &format!("S{i}")).await;
    }
    let list = |columns, after: Option<String>| {
        let store = store.clone();
        let uid = u.id.clone();
        async move {
            let req = PageRequest { first: 2, after };
            store
                .list_emails_reading(&uid, &EmailFilter::default(), EmailOrder::default(), &req, columns)
                .await
                .unwrap()
        }
    };
    let full = list(EmailColumns::All, None).await;
    let bare = list(EmailColumns::WithoutBodies, None).await;
    assert_eq!(bare.items.len(), 2);
    assert!(bare.has_next_page);
    for ((f, fc), (b, bc)) in full.items.iter().zip(&bare.items) {
        assert_eq!(f.body, "Hello there");
        assert_eq!(b.body, "");
        assert_eq!(b.body_html, None);
        assert_eq!((&f.id, &f.subject, f.status, f.created_at), (&b.id, &b.subject, b.status, b.created_at));
        assert_eq!(fc.encode(), bc.encode(), "the same cursors");
    }
    let rest = list(EmailColumns::WithoutBodies, bare.end_cursor()).await;
    assert_eq!(rest.items.len(), 1);

    // Only the subject (and the columns every read keeps): the rest comes back empty, the
    // cursors and pages are the same.
    let only = EmailColumnSet::new().with("subject").unwrap();
    assert_eq!(EmailColumnSet::new().with("no such column"), None);
    let narrow = list(EmailColumns::Only(only), None).await;
    assert!(narrow.has_next_page);
    for ((f, fc), (n, nc)) in full.items.iter().zip(&narrow.items) {
        assert_eq!(
            (&f.id, &f.user_id, &f.contact_id, &f.subject),
            (&n.id, &n.user_id, &n.contact_id, &n.subject)
        );
        assert_eq!((f.status, f.created_at, f.updated_at), (n.status, n.created_at, n.updated_at));
        assert_eq!((n.body.as_str(), n.body_html.as_deref(), n.template_type), ("", None, None));
        assert_eq!(fc.encode(), nc.encode(), "the same cursors");
    }
    let rest = list(EmailColumns::Only(only), narrow.end_cursor()).await;
    assert_eq!(rest.items.len(), 1);
    assert!(rest.items[0].0.subject.starts_with('S'));
}

/// Hot reads (on PostgreSQL, the read lane's own connections) stay correct when many run at
/// once, more than there are connections, and when reads are abandoned mid-flight: a cancelled
/// read must never leave a connection that answers the next read with the wrong rows.
async fn reads_survive_cancellation_and_more_readers_than_connections(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c = fixtures::contact(&store, &u, "C").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(fixtures::draft(&store, &u, &c, &format!("Email {i}")).await.id);
    }
    // Abandon reads at every stage: before they start, while waiting, after the query went out.
    for round in 0..30u64 {
        let id = &ids[round as usize % ids.len()];
        let read = store.email(&u.id, id);
        let _ = tokio::time::timeout(std::time::Duration::from_micros(round * 40), read).await;
    }
    let mut tasks = Vec::new();
    for round in 0..40usize {
        let (store, user, id) = (store.clone(), u.id.clone(), ids[round % ids.len()].clone());
        tasks.push(tokio::spawn(async move {
            let email = store.email(&user, &id).await.unwrap();
            assert_eq!(email.id, id, "a read answered with another row");
            let page = store
                .list_emails(
                    &user,
                    &EmailFilter::default(),
                    EmailOrder::default(),
                    &PageRequest::new(None, None).unwrap(),
                )
                .await
                .unwrap();
            assert_eq!(page.items.len(), 5);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    store.close().await;
}

/// Write transactions that read before they write (deleting an email first looks for the
/// follow-up sequences it ends) run beside other writers. On SQLite a deferred transaction
/// that has read cannot wait for the write lock: it fails at once with SQLITE_BUSY, so every
/// write transaction must take the lock when it begins and wait its turn.
async fn concurrent_writers_wait_their_turn_instead_of_failing(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c = fixtures::contact(&store, &u, "C").await;
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (store, u, c) = (store.clone(), u.clone(), c.clone());
            tokio::spawn(async move {
                for i in 0..15 {
                    let e = fixtures::draft(&store, &u, &c, &format!("T{t} {i}")).await;
                    store.email(&u.id, &e.id).await.map_err(|err| format!("read: {err:?}"))?;
                    store.delete_email(&u.id, &e.id).await.map_err(|err| format!("delete: {err:?}"))?;
                    match store.delete_email(&u.id, &e.id).await {
                        Err(StoreError::NotFound) => {}
                        other => return Err(format!("second delete: {other:?}")),
                    }
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(store.count_emails(&u.id, &EmailFilter::default()).await.unwrap(), 0);
    store.close().await;
}

on_both!(
    concurrent_writers_wait_their_turn_instead_of_failing,
    reads_survive_cancellation_and_more_readers_than_connections,
    a_list_without_bodies_reads_everything_else_and_pages_the_same,
    emails_are_created_for_own_contacts_only,
    only_drafts_can_be_edited_and_the_conflict_names_the_status,
    email_lists_filter_and_page_over_equal_timestamps,
    newest_emails_come_first_by_default,
);
