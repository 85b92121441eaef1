use crate::fixtures;
use domain::Priority;
use domain::inputs::ContactPatch;
use domain::validate::{EmailAddress, Notes, PersonName};
use std::collections::HashSet;
use store::{ContactFilter, ContactOrder, PageRequest, StoreError};
use testkit::{Kind, TestDb, on_both};

async fn contacts_round_trip_and_patches_set_and_clear_fields(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let mut new = fixtures::new_contact("Grace Hopper");
    new.email = Some(EmailAddress::parse("email", "grace@navy.mil").unwrap());
    new.notes = Some(Notes::parse("notes", "Met at the conference").unwrap());
    new.birthday = chrono::NaiveDate::from_ymd_opt(1906, 12, 9);
    new.priority = Priority::High;
    let c = store.create_contact(&u.id, &new).await.unwrap();
    assert_eq!(store.contact(&u.id, &c.id).await.unwrap(), c);
    assert_eq!(c.birthday, chrono::NaiveDate::from_ymd_opt(1906, 12, 9));

    let patch = ContactPatch {
        name: Some(PersonName::parse("name", "Rear Admiral Hopper").unwrap()),
        notes: Some(None),
        priority: Some(Priority::Low),
        ..Default::default()
    };
    let updated = store.update_contact(&u.id, &c.id, &patch).await.unwrap();
    assert_eq!(updated.name, "Rear Admiral Hopper");
    assert_eq!(updated.notes, None);
    assert_eq!(updated.email.as_deref(), Some("grace@navy.mil"), "untouched fields stay");
    assert_eq!(updated.priority, Priority::Low);
    assert!(updated.updated_at >= c.updated_at);
    assert_eq!(store.contact(&u.id, &c.id).await.unwrap(), updated);

    store.delete_contact(&u.id, &c.id).await.unwrap();
    assert!(matches!(store.contact(&u.id, &c.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.delete_contact(&u.id, &c.id).await, Err(StoreError::NotFound)));
}

async fn another_users_contact_is_indistinguishable_from_a_missing_one(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let a = fixtures::user(&store, "a@example.com").await;
    let b = fixtures::user(&store, "b@example.com").await;
    let c = fixtures::contact(&store, &a, "Alice's friend").await;
    assert!(matches!(store.contact(&b.id, &c.id).await, Err(StoreError::NotFound)));
    let patch =
        ContactPatch { name: Some(PersonName::parse("name", "Hijacked").unwrap()), ..Default::default() };
    assert!(matches!(store.update_contact(&b.id, &c.id, &patch).await, Err(StoreError::NotFound)));
    assert!(matches!(store.delete_contact(&b.id, &c.id).await, Err(StoreError::NotFound)));
    assert_eq!(store.contact(&a.id, &c.id).await.unwrap(), c, "A's contact is unchanged");
    let page = store
        .list_contacts(&b.id, &ContactFilter::default(), ContactOrder::default(), &page(100))
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert!(store.contacts_by_ids(&b.id, std::slice::from_ref(&c.id)).await.unwrap().is_empty());
}

fn page(first: u32) -> PageRequest {
    PageRequest { first, after: None }
}

async fn filters_match_search_priority_and_company(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    fixtures::contact_at(&store, &u, "Ada Lovelace", "Analytical Engines", Priority::High).await;
    fixtures::contact_at(&store, &u, "Charles Babbage", "Analytical Engines", Priority::Low).await;
    fixtures::contact_at(&store, &u, "Alan Turing", "Bletchley 100% Park", Priority::High).await;
    let names = |f: ContactFilter| {
        let store = store.clone();
        let uid = u.id.clone();
        async move {
            let p = store.list_contacts(&uid, &f, ContactOrder::NameAsc, &page(50)).await.unwrap();
            let count = store.count_contacts(&uid, &f).await.unwrap();
            assert_eq!(count as usize, p.items.len());
            p.items.into_iter().map(|(c, _)| c.name).collect::<Vec<_>>()
        }
    };
    assert_eq!(
        names(ContactFilter { search: Some("ANA".into()), ..Default::default() }).await,
        ["Ada Lovelace", "Charles Babbage"]
    );
    assert_eq!(
        names(ContactFilter { search: Some("babbage@".into()), ..Default::default() }).await,
        ["Charles Babbage"]
    );
    // LIKE wildcards in the search are literal characters.
    assert_eq!(
        names(ContactFilter { search: Some("100%".into()), ..Default::default() }).await,
        ["Alan Turing"]
    );
    assert!(names(ContactFilter { search: Some("_".into()), ..Default::default() }).await.is_empty());
    assert_eq!(
        names(ContactFilter { priority: Some(Priority::High), ..Default::default() }).await,
        ["Ada Lovelace", "Alan Turing"]
    );
    assert_eq!(
        names(ContactFilter {
            company: Some("analytical engines".into()),
            priority: Some(Priority::Low),
            ..Default::default()
        })
        .await,
        ["Charles Babbage"]
    );
}

async fn paging_over_equal_sort_keys_never_skips_or_repeats(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    for _ in 0..23 {
        fixtures::contact(&store, &u, "Same Name").await;
    }
    fixtures::flatten_timestamps(&store, "contacts", "createdAt").await;
    for order in [
        ContactOrder::NameAsc,
        ContactOrder::NameDesc,
        ContactOrder::CreatedAtDesc,
        ContactOrder::LastContactedAtAsc,
    ] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let p = store
                .list_contacts(
                    &u.id,
                    &ContactFilter::default(),
                    order,
                    &PageRequest { first: 5, after: after.clone() },
                )
                .await
                .unwrap();
            assert_eq!(p.has_previous_page, after.is_some());
            seen.extend(p.items.iter().map(|(c, _)| c.id.clone()));
            if !p.has_next_page {
                break;
            }
            after = p.end_cursor();
        }
        assert_eq!(seen.len(), 23, "{order:?}");
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 23, "{order:?} repeated a row");
    }
}

async fn orders_sort_as_named_and_cursors_do_not_cross_orders(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let b = fixtures::contact(&store, &u, "Bravo").await;
    let a = fixtures::contact(&store, &u, "Alpha").await;
    let c = fixtures::contact(&store, &u, "Charlie").await;
    let when = chrono::Utc::now() - chrono::Duration::days(3);
    store
        .update_contact(
            &u.id,
            &c.id,
            &ContactPatch { last_contacted_at: Some(Some(when)), ..Default::default() },
        )
        .await
        .unwrap();
    let ids = |order| {
        let store = store.clone();
        let uid = u.id.clone();
        async move {
            let p = store.list_contacts(&uid, &ContactFilter::default(), order, &page(10)).await.unwrap();
            p.items.into_iter().map(|(c, _)| c.name).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids(ContactOrder::NameAsc).await, ["Alpha", "Bravo", "Charlie"]);
    assert_eq!(ids(ContactOrder::NameDesc).await, ["Charlie", "Bravo", "Alpha"]);
    assert_eq!(ids(ContactOrder::CreatedAtAsc).await, ["Bravo", "Alpha", "Charlie"]);
    assert_eq!(ids(ContactOrder::LastContactedAtDesc).await.first().map(String::as_str), Some("Charlie"));
    assert_eq!(ids(ContactOrder::LastContactedAtAsc).await.last().map(String::as_str), Some("Charlie"));
    let first =
        store.list_contacts(&u.id, &ContactFilter::default(), ContactOrder::NameAsc, &page(1)).await.unwrap();
    let cursor = first.end_cursor().unwrap();
    let wrong = store
        .list_contacts(
            &u.id,
            &ContactFilter::default(),
            ContactOrder::CreatedAtDesc,
            &PageRequest { first: 1, after: Some(cursor) },
        )
        .await;
    assert!(matches!(wrong, Err(StoreError::Invalid(_))), "{wrong:?}");
    let found = store.contacts_by_ids(&u.id, &[a.id.clone(), b.id.clone(), "missing".into()]).await.unwrap();
    assert_eq!(found.len(), 2);
}

async fn deleting_a_contact_cascades_to_its_emails_and_history(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let c = fixtures::contact(&store, &u, "Gone Soon").await;
    let e = fixtures::draft(&store, &u, &c, "Hi").await;
    let h = store
        .append_history(
            &u.id,
            &domain::inputs::NewHistoryEntry {
                contact_id: c.id.clone(),
                content: domain::validate::HistoryContent::parse("content", "hello").unwrap(),
                direction: domain::Direction::Sent,
                timestamp: None,
                metadata: None,
            },
        )
        .await
        .unwrap();
    store.delete_contact(&u.id, &c.id).await.unwrap();
    assert!(matches!(store.email(&u.id, &e.id).await, Err(StoreError::NotFound)));
    assert!(matches!(store.history_entry(&u.id, &h.id).await, Err(StoreError::NotFound)));
}

on_both!(
    contacts_round_trip_and_patches_set_and_clear_fields,
    another_users_contact_is_indistinguishable_from_a_missing_one,
    filters_match_search_priority_and_company,
    paging_over_equal_sort_keys_never_skips_or_repeats,
    orders_sort_as_named_and_cursors_do_not_cross_orders,
    deleting_a_contact_cascades_to_its_emails_and_history,
);
