//! Measures the stay-in-touch agenda and the daily pass on PostgreSQL: the `dueContacts` first
//! page (page and total count) and one daily pass (finding due users and newly due contacts,
//! drafting each with the builtin writer, the digest email to the outbox) for one user with
//! 10,000 contacts and for 100 users with 1,000 contacts each.
//!
//! Every contact has a 60-day cadence and an email address, and became due at a point spread
//! over the last 60 days, so every contact is due and about 1/60 of them became due since the
//! previous pass (yesterday): those are drafted.
//!
//! `cargo run --release -p relationhub --example digest_bench -- --database-url postgres://…/digest_bench`

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{Duration, Utc};
use domain::inputs::{NewContact, NewUser};
use domain::validate::{EmailAddress, PersonName};
use domain::{Clock, ManualClock, Priority, User};
use relationhub::app::digest::{DigestOptions, run_round};
use relationhub::config::{Config, Overrides, Settings};
use relationhub::graphql::AppState;
use std::sync::Arc;
use std::time::Instant;
use store::{ConnectOptions, DatabaseUrl, PageRequest, Store, Ts};

async fn user_with_contacts(store: &Store, n: usize, now: chrono::DateTime<Utc>) -> User {
    let email = format!("digest-bench-{}@example.com", uuid::Uuid::new_v4().simple());
    let user = store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", &email).unwrap(),
            name: PersonName::parse("name", "Bench User").unwrap(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    let priorities = [Priority::High, Priority::Medium, Priority::Low];
    let contacts: Vec<NewContact> = (0..n)
        .map(|i| {
            let mut c = NewContact::named(PersonName::parse("name", &format!("Contact {i}")).unwrap());
            c.email = Some(EmailAddress::parse("email", &format!("c{i}@example.com")).unwrap());
            c.priority = priorities[i % 3];
            c
        })
        .collect();
    for chunk in contacts.chunks(2000) {
        store.apply_import(&user.id, chunk, &[]).await.unwrap();
    }
    // Due points spread over the last 60 days (deterministic per id).
    let store::Db::Postgres(pool) = store.db() else { panic!("this bench runs on PostgreSQL") };
    sqlx::query(
        r#"UPDATE "contacts" SET "stayInTouchDays" = 60,
            "nextTouchAt" = $1 - (abs(hashtext("id")) % 5184000000) * interval '1 millisecond'
            WHERE "userId" = $2"#,
    )
    .bind(Ts::new(now))
    .bind(&user.id)
    .execute(pool)
    .await
    .unwrap();
    store
        .save_digest_settings(
            &user.id,
            &store::DigestSettings {
                cadence: domain::touch::CadenceDefaults::BUILTIN,
                daily_digest: true,
                auto_draft: true,
                digest_time: "08:00".into(),
                next_digest_at: Some(now - Duration::minutes(1)),
            },
        )
        .await
        .unwrap();
    sqlx::query(
        r#"UPDATE "user_preferences" SET "lastPassAt" = $1, "lastDigestAt" = $1 WHERE "userId" = $2"#,
    )
    .bind(Ts::new(now - Duration::days(1)))
    .bind(&user.id)
    .execute(pool)
    .await
    .unwrap();
    user
}

async fn due_page_ms(store: &Store, user: &User, now: chrono::DateTime<Utc>) -> (f64, f64) {
    let req = PageRequest { first: 20, after: None };
    let mut page = Vec::new();
    let mut with_count = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let p = store.due_contacts(&user.id, Ts::new(now), false, &req).await.unwrap();
        page.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(p.items.len(), 20);
        let n = store.count_due(&user.id, Ts::new(now), false).await.unwrap();
        with_count.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(n > 0);
    }
    page.sort_by(f64::total_cmp);
    with_count.sort_by(f64::total_cmp);
    (page[page.len() / 2], with_count[with_count.len() / 2])
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let raw = match args.iter().position(|a| a == "--database-url") {
        Some(i) => args[i + 1].clone(),
        None => "postgres://postgres@127.0.0.1:5432/digest_bench".to_owned(),
    };
    let url: DatabaseUrl = raw.parse().unwrap();
    let store = Store::connect(&url, &ConnectOptions { create_if_missing: true, ..Default::default() })
        .await
        .unwrap();
    store.deploy(|_| {}).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().into_owned();
    let settings = Settings::from_pairs([("RELATIONHUB_DATA_DIR", data.as_str())]);
    let overrides = Overrides { database_url: Some(raw.clone()), ..Default::default() };
    let config = Arc::new(Config::from_settings(settings, &overrides).unwrap());
    let generator = llm::Generator::new(&config.ai).unwrap();
    let mut st = AppState::with_generator(store.clone(), config, generator).unwrap();
    let clock = ManualClock::new();
    st.clock = Arc::new(clock.clone());
    let now = clock.now();
    let opts = DigestOptions { draft_limit: 100_000, batch: 100, ..Default::default() };

    // One user, 10,000 contacts.
    let t = Instant::now();
    let big = user_with_contacts(&store, 10_000, now).await;
    println!("setup: 1 user x 10,000 contacts in {:.1} s", t.elapsed().as_secs_f64());
    let (page, counted) = due_page_ms(&store, &big, now).await;
    println!("dueContacts first page (20 of 10,000 due): p50 {page:.2} ms; with totalCount {counted:.2} ms");
    let t = Instant::now();
    let r = run_round(&st, "bench", &opts).await.unwrap();
    println!(
        "daily pass, 1 user x 10,000 contacts: {:.0} ms ({} pass, {} drafts with the builtin writer, {} digest)",
        t.elapsed().as_secs_f64() * 1e3,
        r.passes,
        r.drafts,
        r.digests
    );

    // 100 users, 1,000 contacts each.
    let t = Instant::now();
    let mut users = Vec::new();
    for _ in 0..100 {
        users.push(user_with_contacts(&store, 1_000, now).await);
    }
    println!("setup: 100 users x 1,000 contacts in {:.1} s", t.elapsed().as_secs_f64());
    let (page, counted) = due_page_ms(&store, &users[50], now).await;
    println!(
        "dueContacts first page (20 of 1,000 due, 101,000 contacts in the table): p50 {page:.2} ms; with totalCount {counted:.2} ms"
    );
    let t = Instant::now();
    let mut total = relationhub::app::digest::RoundReport::default();
    loop {
        let r = run_round(&st, "bench", &opts).await.unwrap();
        if r.passes == 0 {
            break;
        }
        total.passes += r.passes;
        total.drafts += r.drafts;
        total.digests += r.digests;
    }
    println!(
        "daily pass, 100 users x 1,000 contacts: {:.0} ms ({} passes, {} drafts, {} digests)",
        t.elapsed().as_secs_f64() * 1e3,
        total.passes,
        total.drafts,
        total.digests
    );
    store.close().await;
}
