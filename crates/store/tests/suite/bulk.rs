//! The bench data loader: counts per account, determinism, refusal and replacement.

use store::bulk::{BulkOptions, Progress, Scale, bench_email};
use store::{ContactFilter, ContactOrder, EmailFilter, EmailOrder, PageRequest, Store, StoreError};
use testkit::{Kind, TestDb, on_both};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

fn options(seed: u64, replace: bool) -> BulkOptions {
    BulkOptions { plan: Scale::Small.plan(), seed, password_hash: HASH.into(), replace }
}

async fn load(store: &Store, seed: u64, replace: bool) -> Result<store::bulk::LoadReport, StoreError> {
    store.bulk_load(&options(seed, replace), &|_: Progress| {}).await
}

/// Every row of every loaded table as text, in id order.
async fn snapshot(store: &Store) -> Vec<Vec<Option<String>>> {
    use sqlx::Row as _;
    let tables: [(&str, &[&str]); 5] = [
        ("users", &["id", "email", "name", "passwordHash", "createdAt", "updatedAt"]),
        (
            "contacts",
            &[
                "id",
                "userId",
                "name",
                "email",
                "phone",
                "company",
                "role",
                "industry",
                "linkedInUrl",
                "priority",
                "birthday",
                "notes",
                "lastContactedAt",
                "createdAt",
                "updatedAt",
            ],
        ),
        (
            "email_templates",
            &["id", "userId", "name", "subject", "body", "templateType", "isDefault", "createdAt"],
        ),
        (
            "conversation_history",
            &["id", "userId", "contactId", "content", "direction", "timestamp", "metadata"],
        ),
        (
            "emails",
            &[
                "id",
                "userId",
                "contactId",
                "subject",
                "body",
                "status",
                "templateType",
                "providerId",
                "tokensUsed",
                "generatedAt",
                "sentAt",
                "openedAt",
                "repliedAt",
                "createdAt",
                "updatedAt",
                "sendAttempts",
                "lastError",
            ],
        ),
    ];
    let mut out = Vec::new();
    for (table, cols) in tables {
        let select: Vec<String> = cols.iter().map(|c| format!(r#"CAST("{c}" AS TEXT)"#)).collect();
        let sql = format!(r#"SELECT {} FROM "{table}" ORDER BY "id""#, select.join(", "));
        let sql = sqlx::AssertSqlSafe(sql);
        macro_rules! rows {
            ($rows:expr) => {
                $rows
                    .iter()
                    .map(|r| (0..cols.len()).map(|i| r.try_get::<Option<String>, _>(i).unwrap()).collect())
                    .collect::<Vec<Vec<Option<String>>>>()
            };
        }
        let rows = match store.db() {
            store::Db::Postgres(p) => rows!(sqlx::query(sql).fetch_all(p).await.unwrap()),
            store::Db::Sqlite(p) => rows!(sqlx::query(sql).fetch_all(p).await.unwrap()),
        };
        out.extend(rows);
    }
    out
}

async fn a_small_load_gives_every_bench_account_its_rows(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let report = load(&store, 42, false).await.unwrap();
    let rows: Vec<(&str, u64)> = report.tables.iter().map(|(t, n, _)| (*t, *n)).collect();
    assert_eq!(
        rows,
        [
            ("users", 3),
            ("contacts", 12),
            ("email_templates", 15),
            ("conversation_history", 36),
            ("emails", 60)
        ]
    );
    assert_eq!(store.bench_user_count().await.unwrap(), 3);
    let plan = Scale::Small.plan();
    for n in 1..=plan.users {
        let user = store.user_by_email(&bench_email(n)).await.unwrap().expect("bench account exists");
        assert_eq!(user.password_hash, HASH);
        let all = PageRequest { first: 100, after: None };
        let no_filter = ContactFilter::default();
        let contacts = store.list_contacts(&user.id, &no_filter, ContactOrder::NameAsc, &all).await.unwrap();
        assert_eq!(contacts.items.len() as u32, plan.contacts_per_user);
        for (c, _) in &contacts.items {
            let emails = EmailFilter { contact_id: Some(c.id.clone()), ..Default::default() };
            assert_eq!(
                store.count_emails(&user.id, &emails).await.unwrap(),
                i64::from(plan.emails_per_contact)
            );
            assert_eq!(
                store.count_history(&user.id, &c.id).await.unwrap(),
                i64::from(plan.history_per_contact)
            );
        }
        let emails = store.count_emails(&user.id, &EmailFilter::default()).await.unwrap();
        assert_eq!(emails, i64::from(plan.contacts_per_user * plan.emails_per_contact));
        assert_eq!(store.count_templates(&user.id).await.unwrap(), 5);
        let default = store.default_template(&user.id).await.unwrap().expect("one default template");
        assert_eq!(default.name, "Quarterly relationship check-in");
        // The loaded rows read back through the normal query path, newest first.
        let page = store
            .list_emails(
                &user.id,
                &EmailFilter::default(),
                EmailOrder::CreatedAtDesc,
                &PageRequest { first: 5, after: None },
            )
            .await
            .unwrap();
        assert!(page.has_next_page);
        let times: Vec<_> = page.items.iter().map(|(e, _)| e.created_at).collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
        assert!(page.items.iter().all(|(e, _)| (2048..=5120).contains(&e.body.len())));
    }
}

async fn the_same_seed_loads_identical_rows_and_another_seed_does_not(kind: Kind) {
    let (a, b, c) =
        (TestDb::migrated(kind).await, TestDb::migrated(kind).await, TestDb::migrated(kind).await);
    let (a, b, c) = (a.connect().await, b.connect().await, c.connect().await);
    load(&a, 7, false).await.unwrap();
    load(&b, 7, false).await.unwrap();
    load(&c, 8, false).await.unwrap();
    let first = snapshot(&a).await;
    assert_eq!(first.len(), 3 + 12 + 15 + 36 + 60);
    assert_eq!(first, snapshot(&b).await, "same seed, same rows");
    assert_ne!(first, snapshot(&c).await, "another seed, other rows");
}

async fn a_second_load_is_refused_and_replace_loads_the_same_data_again(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    load(&store, 42, false).await.unwrap();
    let before = snapshot(&store).await;
    let err = load(&store, 42, false).await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict(m) if m.contains("already exist")), "{err:?}");
    assert_eq!(snapshot(&store).await, before, "a refused load changes nothing");
    let report = load(&store, 42, true).await.unwrap();
    assert_eq!(report.replaced, 3);
    assert_eq!(snapshot(&store).await, before, "replacing with the same seed gives the same rows");
}

on_both!(
    a_small_load_gives_every_bench_account_its_rows,
    the_same_seed_loads_identical_rows_and_another_seed_does_not,
    a_second_load_is_refused_and_replace_loads_the_same_data_again,
);
