//! The daily digest with two real `relationhub serve` processes on one PostgreSQL: exactly one
//! digest (and one auto-draft) for the user's day, also after both restart.

use crate::common::command;
use chrono::{Duration, Utc};
use domain::inputs::{NewContact, NewUser};
use domain::validate::{EmailAddress, PersonName};
use std::io::{BufRead as _, BufReader};
use std::process::{Child, Stdio};
use testkit::{Kind, TestDb};

fn start(dir: &std::path::Path, url: &str) -> Child {
    let mut child = command(dir, &["serve", "--bind", "127.0.0.1:0", "--database-url", url])
        .env("RELATIONHUB_DIGEST_POLL_SECS", "1")
        .env("RELATIONHUB_DATA_DIR", dir.join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("RelationHub listening on "), "unexpected: {line:?}");
    child
}

fn stop(mut child: Child) {
    std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    child.wait().unwrap();
}

fn outbox(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("data/outbox"))
        .map(|e| e.filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "eml")).count())
        .unwrap_or(0)
}

async fn drafts(store: &store::Store, user_id: &str) -> i64 {
    let store::Db::Postgres(p) = store.db() else { unreachable!() };
    sqlx::query_scalar(r#"SELECT COUNT(*) FROM "emails" WHERE "userId" = $1 AND "status" = 'DRAFT'"#)
        .bind(user_id)
        .fetch_one(p)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_serve_processes_on_one_postgres_send_one_digest_per_day_also_after_a_restart() {
    let db = TestDb::migrated(Kind::Postgres).await;
    let store = db.connect().await;
    let user = store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", "owner@example.com").unwrap(),
            name: PersonName::parse("name", "Owner").unwrap(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    let mut new = NewContact::named(PersonName::parse("name", "Ada Lovelace").unwrap());
    new.email = Some(EmailAddress::parse("email", "ada@example.com").unwrap());
    let ada = store.create_contact(&user.id, &new).await.unwrap();
    let store::Db::Postgres(p) = store.db() else { unreachable!() };
    sqlx::query(r#"UPDATE "contacts" SET "nextTouchAt" = $1 WHERE "id" = $2"#)
        .bind(store::Ts::new(Utc::now() - Duration::days(1)))
        .bind(&ada.id)
        .execute(p)
        .await
        .unwrap();
    // The pass is due now (as if digestTime had just passed).
    store
        .save_digest_settings(
            &user.id,
            &store::DigestSettings {
                cadence: domain::touch::CadenceDefaults::BUILTIN,
                daily_digest: true,
                auto_draft: true,
                digest_time: "08:00".into(),
                next_digest_at: Some(Utc::now() - Duration::seconds(1)),
            },
        )
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (start(dir.path(), &db.url), start(dir.path(), &db.url));
    let mut waited = 0;
    while store.digests_sent(&user.id).await.unwrap() == 0 && waited < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    // Both keep polling for a few rounds more.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(store.digests_sent(&user.id).await.unwrap(), 1);
    assert_eq!(outbox(dir.path()), 1, "one digest email");
    assert_eq!(drafts(&store, &user.id).await, 1, "one auto-draft");
    stop(a);
    stop(b);

    // Restarted, and the slot put back as if the finish had never been recorded on it.
    sqlx::query(r#"UPDATE "user_preferences" SET "nextDigestAt" = $1 WHERE "userId" = $2"#)
        .bind(store::Ts::new(Utc::now() - Duration::seconds(1)))
        .bind(&user.id)
        .execute(p)
        .await
        .unwrap();
    let (a, b) = (start(dir.path(), &db.url), start(dir.path(), &db.url));
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    stop(a);
    stop(b);
    assert_eq!(store.digests_sent(&user.id).await.unwrap(), 1, "still one that day");
    assert_eq!(outbox(dir.path()), 1);
    assert_eq!(drafts(&store, &user.id).await, 1);
}
