use crate::common::{command, query_rows, run_db, scratch};
use testkit::{Kind, TestDb, on_both};

async fn snapshot(db: &TestDb) -> Vec<Vec<String>> {
    let store = db.connect().await;
    let mut rows = query_rows(
        &store,
        r#"SELECT "id", "subject", "body", CAST("status" AS TEXT) FROM "emails" ORDER BY "id""#,
    )
    .await;
    rows.extend(query_rows(&store, r#"SELECT "id", "name", "templateType" || '', CAST("isDefault" AS TEXT) FROM "email_templates" ORDER BY "id""#).await);
    rows.extend(query_rows(&store, r#"SELECT "id", "content", "contactId", CAST("direction" AS TEXT) FROM "conversation_history" ORDER BY "id""#).await);
    rows.extend(
        query_rows(&store, r#"SELECT "id", "email", "name", "passwordHash" FROM "users" ORDER BY "id""#)
            .await,
    );
    store.close().await;
    rows
}

async fn backup_reset_restore_leaves_the_same_rows(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    run_db(&dir, &db.url, &["db", "seed"]).ok();
    let before = snapshot(&db).await;
    assert!(!before.is_empty());
    let out = run_db(&dir, &db.url, &["db", "backup"]).ok();
    let backups: Vec<_> =
        std::fs::read_dir(dir.join("backups")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(backups.len(), 1, "{}", out.stdout);
    let file = backups[0].clone();
    let fname = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(fname.starts_with("relationhub_"), "{fname}");
    let stamp = fname.rsplit_once('.').unwrap().0;
    let parts: Vec<&str> = stamp.rsplitn(3, '_').collect();
    assert_eq!((parts[1].len(), parts[0].len()), (8, 6), "relationhub_<db>_<YYYYMMDD_HHMMSS>: {fname}");

    run_db(&dir, &db.url, &["migrate", "reset", "--force"]).ok();
    // Reset re-seeds: different ids now, so restoring over it needs --force.
    assert_ne!(snapshot(&db).await, before);
    let refused = run_db(&dir, &db.url, &["db", "restore", file.to_str().unwrap()]).failed();
    assert!(refused.stderr.contains("not empty") && refused.stderr.contains("--force"), "{}", refused.stderr);
    run_db(&dir, &db.url, &["db", "restore", file.to_str().unwrap(), "--force"]).ok();
    assert_eq!(snapshot(&db).await, before, "restore brings back exactly the backed-up rows");
    run_db(&dir, &db.url, &["migrate", "status"]).ok();
}

async fn restoring_a_corrupt_file_fails_and_changes_nothing(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    run_db(&dir, &db.url, &["db", "seed"]).ok();
    let before = snapshot(&db).await;
    let garbage = dir.join("garbage.sql");
    std::fs::write(&garbage, "this is not a backup\n\u{0}\u{1}").unwrap();
    let out = run_db(&dir, &db.url, &["db", "restore", garbage.to_str().unwrap(), "--force"]).failed();
    assert_eq!(out.stderr.lines().count(), 1, "one clear line: {}", out.stderr);
    // A truncated real backup: the header is right, the SQL breaks half-way.
    run_db(&dir, &db.url, &["db", "backup", "--output", "full.bak"]).ok();
    let full = std::fs::read(dir.join("full.bak")).unwrap();
    std::fs::write(dir.join("half.bak"), &full[..full.len() / 2]).unwrap();
    run_db(&dir, &db.url, &["db", "restore", "half.bak", "--force"]).failed();
    assert_eq!(snapshot(&db).await, before, "the database is as it was");
}

async fn restore_into_a_fresh_database_needs_no_force(kind: Kind) {
    let source = TestDb::migrated(kind).await;
    let target = TestDb::empty(kind).await;
    let (_keep, dir) = scratch();
    run_db(&dir, &source.url, &["db", "seed"]).ok();
    run_db(&dir, &source.url, &["db", "backup", "--output", "copy.bak"]).ok();
    target.connect().await.close().await;
    run_db(&dir, &target.url, &["db", "restore", "copy.bak"]).ok();
    assert_eq!(snapshot(&target).await, snapshot(&source).await);
}

#[tokio::test]
async fn backup_without_pg_dump_says_how_to_install_it() {
    let db = TestDb::migrated(Kind::Postgres).await;
    let (_keep, dir) = scratch();
    let out = command(&dir, &["db", "backup", "--database-url", &db.url])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pg_dump") && err.contains("postgresql-client"), "{err}");
    assert!(
        !dir.join("backups").exists() || std::fs::read_dir(dir.join("backups")).unwrap().next().is_none()
    );
}

on_both!(
    backup_reset_restore_leaves_the_same_rows,
    restoring_a_corrupt_file_fails_and_changes_nothing,
    restore_into_a_fresh_database_needs_no_force,
);
