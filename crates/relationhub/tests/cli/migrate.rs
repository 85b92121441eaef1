use crate::common::{command, query_rows, run_db, scratch};
use testkit::{Kind, TestDb, on_both};

const GUIDE: [&str; 3] = [
    "20251010000000_add_email_tables",
    "20251010000001_add_email_templates",
    "20251010000002_add_conversation_history",
];

async fn status_lists_pending_then_reports_up_to_date(kind: Kind) {
    let db = TestDb::empty(kind).await;
    let (_keep, dir) = scratch();
    // Create the (empty) database first so status has something to look at.
    db.connect().await.close().await;
    let pending = run_db(&dir, &db.url, &["migrate", "status"]).failed();
    assert!(
        pending.stdout.contains("Database schema is not in sync with migration history"),
        "{}",
        pending.stdout
    );
    assert!(pending.stdout.contains("Following migrations have not been applied:"));
    for name in GUIDE {
        assert!(pending.stdout.contains(&format!("  {name}")), "{}", pending.stdout);
    }
    let deploy = run_db(&dir, &db.url, &["migrate", "deploy"]).ok();
    let order: Vec<usize> =
        GUIDE.iter().map(|n| deploy.stdout.find(&format!("Applying migration `{n}`")).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "applied in order:\n{}", deploy.stdout);
    let status = run_db(&dir, &db.url, &["migrate", "status"]).ok();
    assert!(status.stdout.contains("Database schema is up to date!"), "{}", status.stdout);
}

async fn two_concurrent_deploy_processes_apply_each_migration_once(kind: Kind) {
    let db = TestDb::empty(kind).await;
    let (_keep, dir) = scratch();
    let spawn = || {
        command(&dir, &["migrate", "deploy", "--database-url", &db.url])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(a.status.success() && b.status.success(), "{a:?}\n{b:?}");
    let store = db.connect().await;
    let rows =
        query_rows(&store, r#"SELECT "migration_name", COUNT(*) FROM "_prisma_migrations" GROUP BY 1"#).await;
    assert_eq!(rows.len(), store.migrations().len());
    assert!(rows.iter().all(|r| r[1] == "1"), "{rows:?}");
    let applied = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout).matches("Applying migration").count()
    };
    assert_eq!(
        applied(&a) + applied(&b),
        store.migrations().len(),
        "the second waits and finds nothing to do"
    );
}

async fn a_failed_migration_is_reported_blocks_deploys_and_resolves(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (_keep, dir) = scratch();
    // Roll back the guide's migrations, then leave a conflicting table behind.
    run_db(&dir, &db.url, &["migrate", "rollback", "--to", "20251001000000_init", "--force"]).ok();
    query_rows(&store, r#"CREATE TABLE "emails" ("id" TEXT)"#).await;
    let failed = run_db(&dir, &db.url, &["migrate", "deploy"]).failed();
    assert!(
        failed.stderr.contains("20251010000000_add_email_tables") && failed.stderr.contains("already exists"),
        "{}",
        failed.stderr
    );
    let status = run_db(&dir, &db.url, &["migrate", "status"]).failed();
    assert!(status.stdout.contains("failed"), "{}", status.stdout);
    let refused = run_db(&dir, &db.url, &["migrate", "deploy"]).failed();
    assert!(
        refused.stderr.contains("resolve --rolled-back 20251010000000_add_email_tables"),
        "{}",
        refused.stderr
    );
    query_rows(&store, r#"DROP TABLE "emails""#).await;
    run_db(&dir, &db.url, &["migrate", "resolve", "--rolled-back", "20251010000000_add_email_tables"]).ok();
    run_db(&dir, &db.url, &["migrate", "deploy"]).ok();
    run_db(&dir, &db.url, &["migrate", "status"]).ok();
}

async fn the_guides_relation_already_exists_case_recovers_with_resolve_applied(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (_keep, dir) = scratch();
    run_db(&dir, &db.url, &["migrate", "rollback", "--to", "20251001000000_init", "--force"]).ok();
    // The tables exist and are correct (created outside the history): deploy fails…
    crate::common::exec_sql(&store, store.migrations()[1].up).await;
    run_db(&dir, &db.url, &["migrate", "deploy"]).failed();
    // …and `resolve --applied` records them, after which deploy completes.
    let out =
        run_db(&dir, &db.url, &["migrate", "resolve", "--applied", "20251010000000_add_email_tables"]).ok();
    assert!(out.stdout.contains("marked as applied"), "{}", out.stdout);
    run_db(&dir, &db.url, &["migrate", "deploy"]).ok();
    run_db(&dir, &db.url, &["migrate", "status"]).ok();
}

async fn a_changed_migration_is_refused_naming_its_file(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let (_keep, dir) = scratch();
    query_rows(&store, r#"UPDATE "_prisma_migrations" SET "checksum" = 'x' WHERE "migration_name" = '20251010000002_add_conversation_history'"#).await;
    let status = run_db(&dir, &db.url, &["migrate", "status"]).failed();
    assert!(status.stdout.contains("was modified after it was applied"), "{}", status.stdout);
    let out = run_db(&dir, &db.url, &["migrate", "deploy"]).failed();
    assert!(out.stderr.contains("/20251010000002_add_conversation_history/migration.sql"), "{}", out.stderr);
}

async fn rollback_then_deploy_round_trips_and_keeps_data_shape(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    let out = run_db(&dir, &db.url, &["migrate", "rollback", "--to", "20251001000000_init", "--force"]).ok();
    assert!(
        out.stdout.contains("Rolling back migration `20251010000000_add_email_tables`"),
        "{}",
        out.stdout
    );
    let status = run_db(&dir, &db.url, &["migrate", "status"]).failed();
    assert!(status.stdout.contains("  20251010000000_add_email_tables"), "{}", status.stdout);
    run_db(&dir, &db.url, &["migrate", "deploy"]).ok();
    run_db(&dir, &db.url, &["db", "seed"]).ok();
    let stats = run_db(&dir, &db.url, &["db", "stats"]).ok();
    assert!(stats.stdout.contains("emails"), "{}", stats.stdout);
    assert!(
        stats.stdout.lines().any(|l| l.contains("conversation_history") && l.trim_end().ends_with("20")),
        "{}",
        stats.stdout
    );
}

async fn reset_needs_confirmation_and_is_refused_in_production(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    run_db(&dir, &db.url, &["db", "seed"]).ok();
    let store = db.connect().await;
    let no_tty = run_db(&dir, &db.url, &["migrate", "reset"]).failed();
    assert!(no_tty.stderr.contains("--force"), "{}", no_tty.stderr);
    let prod = command(&dir, &["migrate", "reset", "--force", "--database-url", &db.url])
        .env("RELATIONHUB_ENV", "production")
        .output()
        .unwrap();
    assert!(!prod.status.success());
    assert!(String::from_utf8_lossy(&prod.stderr).contains("production"));
    query_rows(&store, r#"INSERT INTO "users" ("id", "email", "name", "passwordHash", "updatedAt") VALUES ('extra', 'x@example.com', 'X', 'h', '2025-01-01 00:00:00.000')"#).await;
    assert_eq!(
        query_rows(&store, r#"SELECT COUNT(*) FROM "users""#).await[0][0],
        "2",
        "refusals changed nothing"
    );
    store.close().await;
    let out = run_db(&dir, &db.url, &["migrate", "reset", "--force"]).ok();
    assert!(out.stdout.contains("Seeded the database"), "{}", out.stdout);
    let store = db.connect().await;
    assert_eq!(
        query_rows(&store, r#"SELECT COUNT(*) FROM "users""#).await[0][0],
        "1",
        "reset dropped the extra user"
    );
}

async fn rollback_needs_confirmation_and_is_refused_in_production(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    let store = db.connect().await;
    let applied = || async {
        query_rows(&store, r#"SELECT COUNT(*) FROM "_prisma_migrations" WHERE "rolled_back_at" IS NULL"#)
            .await
    };
    let before = applied().await;
    let no_tty = run_db(&dir, &db.url, &["migrate", "rollback"]).failed();
    assert!(no_tty.stderr.contains("--force"), "{}", no_tty.stderr);
    let prod = command(&dir, &["migrate", "rollback", "--force", "--database-url", &db.url])
        .env("RELATIONHUB_ENV", "production")
        .output()
        .unwrap();
    assert!(!prod.status.success());
    let stderr = String::from_utf8_lossy(&prod.stderr);
    assert!(stderr.contains("production") && stderr.contains("migrate rollback"), "{stderr}");
    assert_eq!(applied().await, before, "refusals changed nothing");
    run_db(&dir, &db.url, &["migrate", "status"]).ok();
    let out = run_db(&dir, &db.url, &["migrate", "rollback", "--force"]).ok();
    assert!(out.stdout.contains("Rolled back 1 migration(s)"), "{}", out.stdout);
}

async fn migrate_dev_is_refused_in_production_and_changes_nothing(kind: Kind) {
    let db = TestDb::empty(kind).await;
    let (_keep, dir) = scratch();
    db.connect().await.close().await;
    let out = command(&dir, &["migrate", "dev", "--database-url", &db.url])
        .env("RELATIONHUB_ENV", "production")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("migrate dev") && stderr.contains("production"), "{stderr}");
    // Not even the migrations were applied.
    let status = run_db(&dir, &db.url, &["migrate", "status"]).failed();
    assert!(status.stdout.contains("have not been applied"), "{}", status.stdout);
}

async fn resolving_an_unknown_name_lists_the_known_ones(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    let out = run_db(&dir, &db.url, &["migrate", "resolve", "--applied", "20250101000000_nope"]).failed();
    assert!(out.stderr.contains("unknown migration `20250101000000_nope`"), "{}", out.stderr);
    for name in GUIDE {
        assert!(out.stderr.contains(name), "{}", out.stderr);
    }
}

on_both!(
    status_lists_pending_then_reports_up_to_date,
    two_concurrent_deploy_processes_apply_each_migration_once,
    a_failed_migration_is_reported_blocks_deploys_and_resolves,
    the_guides_relation_already_exists_case_recovers_with_resolve_applied,
    a_changed_migration_is_refused_naming_its_file,
    rollback_then_deploy_round_trips_and_keeps_data_shape,
    reset_needs_confirmation_and_is_refused_in_production,
    rollback_needs_confirmation_and_is_refused_in_production,
    migrate_dev_is_refused_in_production_and_changes_nothing,
    resolving_an_unknown_name_lists_the_known_ones,
);
