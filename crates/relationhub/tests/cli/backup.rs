use crate::common::{command, query_rows, run, run_db, scratch};
use std::io::{BufRead as _, BufReader};
use std::process::Stdio;
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

async fn backups_are_readable_by_their_owner_only(kind: Kind) {
    use std::os::unix::fs::PermissionsExt as _;
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    run_db(&dir, &db.url, &["db", "seed"]).ok();
    run_db(&dir, &db.url, &["db", "backup", "--output", "nested/dir/copy.bak"]).ok();
    let mode = std::fs::metadata(dir.join("nested/dir/copy.bak")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "backup mode {:o}", mode & 0o777);
    let dir_mode = std::fs::metadata(dir.join("nested/dir")).unwrap().permissions().mode();
    assert_eq!(dir_mode & 0o077, 0, "created directories are private: {:o}", dir_mode & 0o777);
    // The default location too.
    run_db(&dir, &db.url, &["db", "backup"]).ok();
    let file = std::fs::read_dir(dir.join("backups")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600);
    // An existing file is never overwritten.
    let again = run_db(&dir, &db.url, &["db", "backup", "--output", "nested/dir/copy.bak"]).failed();
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
}

async fn replacing_data_by_restore_is_refused_in_production(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    run_db(&dir, &db.url, &["db", "seed"]).ok();
    run_db(&dir, &db.url, &["db", "backup", "--output", "copy.bak"]).ok();
    let store = db.connect().await;
    query_rows(&store, r#"INSERT INTO "users" ("id", "email", "name", "passwordHash", "updatedAt") VALUES ('extra', 'x@example.com', 'X', 'h', '2025-01-01 00:00:00.000')"#).await;
    store.close().await;
    let before = snapshot(&db).await;
    let out = command(&dir, &["db", "restore", "copy.bak", "--force", "--database-url", &db.url])
        .env("RELATIONHUB_ENV", "production")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("production") && stderr.contains("db restore --force"), "{stderr}");
    assert_eq!(snapshot(&db).await, before, "nothing changed");
}

on_both!(
    backups_are_readable_by_their_owner_only,
    replacing_data_by_restore_is_refused_in_production,
    backup_reset_restore_leaves_the_same_rows,
    restoring_a_corrupt_file_fails_and_changes_nothing,
    restore_into_a_fresh_database_needs_no_force,
);

#[tokio::test]
async fn restore_is_refused_while_a_server_runs_on_the_sqlite_database() {
    let (_keep, dir) = scratch();
    run(&dir, &["migrate", "dev"]).ok();
    run(&dir, &["db", "backup", "--output", "copy.bak"]).ok();
    let mut server = command(&dir, &["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("RelationHub listening on "), "{line:?}");
    let db_file = dir.join("data/relationhub.db");
    let inode_before = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&db_file).unwrap());
    let refused = run(&dir, &["db", "restore", "copy.bak", "--force"]).failed();
    assert!(refused.stderr.contains("server is using"), "{}", refused.stderr);
    let inode_after = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&db_file).unwrap());
    assert_eq!(inode_before, inode_after, "the database file was not replaced under the server");

    let pid = server.id().to_string();
    std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(server.wait().unwrap().success());
    run(&dir, &["db", "restore", "copy.bak", "--force"]).ok();
}
