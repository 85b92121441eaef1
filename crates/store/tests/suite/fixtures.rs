//! Small builders for test data.

use domain::inputs::{NewContact, NewEmail, NewUser};
use domain::validate::{Body, EmailAddress, PersonName, ShortText, Subject};
use domain::{Contact, Email, Priority, User};
use store::Store;

pub async fn user(store: &Store, email: &str) -> User {
    store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", email).unwrap(),
            name: PersonName::parse("name", "Test User").unwrap(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        })
        .await
        .unwrap()
}

pub fn new_contact(name: &str) -> NewContact {
    NewContact::named(PersonName::parse("name", name).unwrap())
}

pub async fn contact(store: &Store, user: &User, name: &str) -> Contact {
    store.create_contact(&user.id, &new_contact(name)).await.unwrap()
}

pub async fn contact_at(
    store: &Store,
    user: &User,
    name: &str,
    company: &str,
    priority: Priority,
) -> Contact {
    let mut c = new_contact(name);
    c.company = Some(ShortText::parse("company", company).unwrap());
    c.priority = priority;
    c.email = Some(EmailAddress::parse("email", &format!("{}@example.com", name.replace(' ', "."))).unwrap());
    store.create_contact(&user.id, &c).await.unwrap()
}

pub async fn draft(store: &Store, user: &User, contact: &Contact, subject: &str) -> Email {
    let new = NewEmail::draft(
        contact.id.clone(),
        Subject::parse("subject", subject).unwrap(),
        Body::parse("body", "Hello there").unwrap(),
        None,
    );
    store.create_email(&user.id, &new).await.unwrap()
}

/// Sets one column of every row of `table` to the same timestamp, to create ties.
pub async fn flatten_timestamps(store: &Store, table: &str, column: &str) {
    let sql = format!(r#"UPDATE "{table}" SET "{column}" = '2025-10-15 12:00:00.000'"#);
    match store.db() {
        store::Db::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.map(drop).unwrap(),
        store::Db::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.map(drop).unwrap(),
    }
}
