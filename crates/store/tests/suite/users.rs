use crate::fixtures;
use chrono::{Duration, Utc};
use domain::TokenKind;
use store::StoreError;
use testkit::{Kind, TestDb, on_both};

async fn users_are_found_by_email_case_insensitively_and_emails_are_unique(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "Ada@Example.com").await;
    assert_eq!(u.email, "ada@example.com");
    let found = store.user_by_email("ADA@example.COM").await.unwrap().unwrap();
    assert_eq!(found.id, u.id);
    assert_eq!(store.user_by_id(&u.id).await.unwrap().unwrap().email, u.email);
    assert!(store.user_by_email("nobody@example.com").await.unwrap().is_none());
    let dup = store
        .create_user(&domain::inputs::NewUser {
            email: domain::validate::EmailAddress::parse("email", "ada@example.com").unwrap(),
            name: domain::validate::PersonName::parse("name", "Other").unwrap(),
            password_hash: "x".into(),
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
}

async fn tokens_authenticate_until_revoked_or_expired(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "t@example.com").await;
    let live = store.create_token(&u.id, "hash-live", TokenKind::Session, None, None).await.unwrap();
    store
        .create_token(
            &u.id,
            "hash-old",
            TokenKind::Api,
            Some("cron"),
            Some(Utc::now() - Duration::minutes(1)),
        )
        .await
        .unwrap();
    let (who, tok) = store.authenticate_token("hash-live").await.unwrap().unwrap();
    assert_eq!((who.id.as_str(), tok.id.as_str()), (u.id.as_str(), live.id.as_str()));
    assert!(store.authenticate_token("hash-old").await.unwrap().is_none(), "expired token accepted");
    assert!(store.authenticate_token("nope").await.unwrap().is_none());
    assert!(store.revoke_token_by_hash("hash-live").await.unwrap());
    assert!(!store.revoke_token_by_hash("hash-live").await.unwrap(), "second revoke reports nothing revoked");
    assert!(store.authenticate_token("hash-live").await.unwrap().is_none(), "revoked token accepted");
    let listed = store.list_tokens(&u.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    let other = fixtures::user(&store, "o@example.com").await;
    assert!(matches!(store.revoke_token(&other.id, &live.id).await, Err(StoreError::NotFound)));
}

async fn changing_the_password_revokes_sessions(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let u = fixtures::user(&store, "p@example.com").await;
    store.create_token(&u.id, "s1", TokenKind::Session, None, None).await.unwrap();
    store.create_token(&u.id, "a1", TokenKind::Api, None, None).await.unwrap();
    store.set_password_hash(&u.id, "new-hash").await.unwrap();
    assert!(store.authenticate_token("s1").await.unwrap().is_none());
    assert!(store.authenticate_token("a1").await.unwrap().is_some(), "API tokens survive a password change");
    assert_eq!(store.user_by_id(&u.id).await.unwrap().unwrap().password_hash, "new-hash");
}

on_both!(
    users_are_found_by_email_case_insensitively_and_emails_are_unique,
    tokens_authenticate_until_revoked_or_expired,
    changing_the_password_revokes_sessions,
);
