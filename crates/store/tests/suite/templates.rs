use crate::fixtures;
use domain::TemplateType;
use domain::inputs::{NewTemplate, TemplatePatch};
use domain::validate::{Body, Subject, TemplateName};
use store::{PageRequest, StoreError};
use testkit::{Kind, TestDb, on_both};

fn new_template(name: &str, is_default: bool) -> NewTemplate {
    NewTemplate {
        name: TemplateName::parse("name", name).unwrap(),
        subject: Subject::parse("subject", "Following up, {{firstName}}").unwrap(),
        body: Body::parse("body", "Hi {{firstName}}, ...").unwrap(),
        template_type: TemplateType::Formal,
        is_default,
    }
}

async fn defaults(store: &store::Store, user_id: &str) -> Vec<String> {
    let p = store.list_templates(user_id, &PageRequest { first: 100, after: None }).await.unwrap();
    p.items.into_iter().filter(|(t, _)| t.is_default).map(|(t, _)| t.name).collect()
}

async fn exactly_one_template_is_default_after_any_change(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let a = store.create_template(&u.id, &new_template("A", true)).await.unwrap();
    let b = store.create_template(&u.id, &new_template("B", true)).await.unwrap();
    assert_eq!(defaults(&store, &u.id).await, ["B"], "creating a default clears the old one");
    store.set_default_template(&u.id, &a.id).await.unwrap();
    assert_eq!(defaults(&store, &u.id).await, ["A"]);
    let patch = TemplatePatch { is_default: Some(true), ..Default::default() };
    store.update_template(&u.id, &b.id, &patch).await.unwrap();
    assert_eq!(defaults(&store, &u.id).await, ["B"]);
    assert_eq!(store.default_template(&u.id).await.unwrap().unwrap().id, b.id);
    // A failed set-default (unknown id) rolls back: the old default stays.
    assert!(matches!(store.set_default_template(&u.id, "missing").await, Err(StoreError::NotFound)));
    assert_eq!(defaults(&store, &u.id).await, ["B"]);
    // Another user cannot make A's template their default, nor touch A's default.
    let other = fixtures::user(&store, "b@example.com").await;
    assert!(matches!(store.set_default_template(&other.id, &a.id).await, Err(StoreError::NotFound)));
    assert_eq!(defaults(&store, &u.id).await, ["B"]);
}

async fn concurrent_set_default_leaves_exactly_one_default(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(store.create_template(&u.id, &new_template(&format!("T{i}"), false)).await.unwrap().id);
    }
    let tasks: Vec<_> = ids
        .iter()
        .cycle()
        .take(24)
        .map(|id| {
            let store = store.clone();
            let uid = u.id.clone();
            let id = id.clone();
            tokio::spawn(async move { store.set_default_template(&uid, &id).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(defaults(&store, &u.id).await.len(), 1);
}

async fn templates_update_delete_and_page(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "a@example.com").await;
    for i in 0..5 {
        store.create_template(&u.id, &new_template(&format!("T{i}"), false)).await.unwrap();
    }
    let t = store.create_template(&u.id, &new_template("Mine", false)).await.unwrap();
    let patch = TemplatePatch {
        name: Some(TemplateName::parse("name", "Renamed").unwrap()),
        template_type: Some(TemplateType::Casual),
        ..Default::default()
    };
    let t2 = store.update_template(&u.id, &t.id, &patch).await.unwrap();
    assert_eq!((t2.name.as_str(), t2.template_type), ("Renamed", TemplateType::Casual));
    assert_eq!(store.template(&u.id, &t.id).await.unwrap(), t2);
    let first = store.list_templates(&u.id, &PageRequest { first: 4, after: None }).await.unwrap();
    assert!(first.has_next_page);
    let rest =
        store.list_templates(&u.id, &PageRequest { first: 4, after: first.end_cursor() }).await.unwrap();
    assert_eq!(first.items.len() + rest.items.len(), 6);
    assert!(!rest.has_next_page);
    assert_eq!(store.count_templates(&u.id).await.unwrap(), 6);
    store.delete_template(&u.id, &t.id).await.unwrap();
    assert!(matches!(store.template(&u.id, &t.id).await, Err(StoreError::NotFound)));
}

on_both!(
    exactly_one_template_is_default_after_any_change,
    concurrent_set_default_leaves_exactly_one_default,
    templates_update_delete_and_page,
);
