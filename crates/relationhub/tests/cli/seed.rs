use crate::common::{query_rows, run_db, scratch};
use testkit::{Kind, TestDb, on_both};

async fn counts(store: &store::Store, sql: &str) -> Vec<(String, String)> {
    query_rows(store, sql).await.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect()
}

async fn seed_creates_exactly_the_guides_data_and_a_second_run_changes_nothing(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    let out = run_db(&dir, &db.url, &["db", "seed"]).ok();
    assert!(out.stdout.contains("demo@relationhub.dev"), "{}", out.stdout);
    let store = db.connect().await;
    let by_status =
        counts(&store, r#"SELECT CAST("status" AS TEXT), COUNT(*) FROM "emails" GROUP BY 1 ORDER BY 1"#)
            .await;
    assert_eq!(
        by_status,
        [("DRAFT".into(), "5".into()), ("FAILED".into(), "2".into()), ("SENT".into(), "3".into())]
    );
    let by_type = counts(
        &store,
        r#"SELECT CAST("templateType" AS TEXT), COUNT(*) FROM "email_templates" GROUP BY 1 ORDER BY 1"#,
    )
    .await;
    assert_eq!(
        by_type,
        [("CASUAL".into(), "2".into()), ("CUSTOM".into(), "1".into()), ("FORMAL".into(), "2".into())]
    );
    let defaults = query_rows(&store, r#"SELECT COUNT(*) FROM "email_templates" WHERE "isDefault""#).await;
    assert_eq!(defaults[0][0], "1");
    let by_direction = counts(
        &store,
        r#"SELECT CAST("direction" AS TEXT), COUNT(*) FROM "conversation_history" GROUP BY 1 ORDER BY 1"#,
    )
    .await;
    assert_eq!(by_direction, [("RECEIVED".into(), "10".into()), ("SENT".into(), "10".into())]);
    let contacts =
        query_rows(&store, r#"SELECT COUNT(DISTINCT "contactId") FROM "conversation_history""#).await;
    assert_eq!(contacts[0][0], "5");

    let snapshot = |store: store::Store| async move {
        query_rows(&store, r#"SELECT "id", "subject", CAST("updatedAt" AS TEXT) FROM "emails" ORDER BY "id""#)
            .await
    };
    let before = snapshot(store.clone()).await;
    let again = run_db(&dir, &db.url, &["db", "seed"]).ok();
    assert!(again.stdout.contains("already present"), "{}", again.stdout);
    assert_eq!(snapshot(store.clone()).await, before, "a second seed changes nothing");
    let users = query_rows(&store, r#"SELECT COUNT(*) FROM "users""#).await;
    assert_eq!(users[0][0], "1");
}

async fn migrate_dev_deploys_then_seeds_once(kind: Kind) {
    let db = TestDb::empty(kind).await;
    let (_keep, dir) = scratch();
    let out = run_db(&dir, &db.url, &["migrate", "dev"]).ok();
    assert!(out.stdout.contains("Applying migration `20251010000000_add_email_tables`"), "{}", out.stdout);
    assert!(out.stdout.contains("Seeded the database"), "{}", out.stdout);
    let again = run_db(&dir, &db.url, &["migrate", "dev"]).ok();
    assert!(again.stdout.contains("No pending migrations"), "{}", again.stdout);
    assert!(again.stdout.contains("not seeding again"), "{}", again.stdout);
}

async fn seed_is_refused_in_production(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    for args in [&["db", "seed"][..], &["db", "seed", "--scale", "small"][..]] {
        let mut all = args.to_vec();
        all.extend(["--database-url", &db.url]);
        let out = crate::common::command(&dir, &all).env("RELATIONHUB_ENV", "production").output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("production") && stderr.contains("db seed"), "{stderr}");
    }
    let store = db.connect().await;
    assert_eq!(query_rows(&store, r#"SELECT COUNT(*) FROM "users""#).await[0][0], "0");
}

on_both!(
    seed_creates_exactly_the_guides_data_and_a_second_run_changes_nothing,
    migrate_dev_deploys_then_seeds_once,
    seed_is_refused_in_production,
);
