use store::migrate::embedded;
use store::{MigrationState, Resolution, Store, StoreError};
use testkit::{Kind, TestDb, on_both};

async fn exec(store: &Store, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match store.db() {
        store::Db::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(drop).unwrap(),
        store::Db::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(drop).unwrap(),
    }
}

fn names(store: &Store) -> Vec<String> {
    store.migrations().iter().map(|m| m.name.to_owned()).collect()
}

async fn deploy_applies_everything_in_order_once(kind: Kind) {
    let db = TestDb::empty(kind).await;
    let store = db.connect().await;
    let before = store.migration_status().await.unwrap();
    assert!(!before.is_up_to_date());
    assert_eq!(before.names(|s| *s == MigrationState::Pending).len(), store.migrations().len());
    let mut announced = Vec::new();
    let applied = store.deploy(|n| announced.push(n.to_owned())).await.unwrap();
    assert_eq!(applied, names(&store));
    assert_eq!(announced, applied);
    assert!(store.migration_status().await.unwrap().is_up_to_date());
    assert!(store.deploy(|_| {}).await.unwrap().is_empty(), "second deploy has nothing to do");
    let rows = store.history_rows().await.unwrap();
    assert_eq!(rows.len(), store.migrations().len());
    assert!(rows.iter().all(|r| r.is_applied() && r.applied_steps_count == 1));
}

async fn concurrent_deploys_apply_each_migration_exactly_once(kind: Kind) {
    let db = TestDb::empty(kind).await;
    let s1 = db.connect().await;
    let s2 = db.connect().await;
    let (a, b) = tokio::join!(s1.deploy(|_| {}), s2.deploy(|_| {}));
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut all = a.clone();
    all.extend(b.clone());
    all.sort();
    assert_eq!(all, names(&s1), "each migration applied by exactly one deployer: {a:?} / {b:?}");
    assert_eq!(s1.history_rows().await.unwrap().len(), names(&s1).len());
}

async fn a_failed_migration_leaves_no_trace_and_blocks_until_rolled_back(kind: Kind) {
    let db = TestDb::empty(kind).await;
    let store = db.connect().await;
    // A leftover table from an earlier attempt: the guide's "relation already exists" case.
    exec(&store, r#"CREATE TABLE "emails" ("id" TEXT)"#).await;
    let err = store.deploy(|_| {}).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, StoreError::Migration(_)));
    assert!(msg.contains("20251010000000_add_email_tables") && msg.contains("already exists"), "{msg}");
    let status = store.migration_status().await.unwrap();
    assert!(matches!(&status.migrations[1].1, MigrationState::Failed(_)), "{status:?}");
    assert_eq!(status.migrations[0].1, MigrationState::Applied);
    assert!(!status.is_up_to_date());
    if kind == Kind::Postgres {
        // The failed script's first statement (CREATE TYPE) was rolled back with it.
        let n: i64 = match store.db() {
            store::Db::Postgres(p) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM pg_type WHERE typname = 'EmailStatus'")
                    .fetch_one(p)
                    .await
                    .unwrap()
            }
            _ => unreachable!(),
        };
        assert_eq!(n, 0);
    }
    let refused = store.deploy(|_| {}).await.unwrap_err().to_string();
    assert!(refused.contains("resolve --rolled-back 20251010000000_add_email_tables"), "{refused}");

    exec(&store, r#"DROP TABLE "emails""#).await;
    store.resolve("20251010000000_add_email_tables", Resolution::RolledBack).await.unwrap();
    let applied = store.deploy(|_| {}).await.unwrap();
    assert_eq!(applied.first().map(String::as_str), Some("20251010000000_add_email_tables"));
    assert!(store.migration_status().await.unwrap().is_up_to_date());
}

async fn resolve_applied_recovers_when_the_tables_already_exist(kind: Kind) {
    let db = TestDb::empty(kind).await;
    let store = db.connect().await;
    let all = store.migrations();
    // Someone ran the init and email-table scripts by hand, outside the history.
    exec(&store, all[0].up).await;
    store.resolve(all[0].name, Resolution::Applied).await.unwrap();
    exec(&store, all[1].up).await;
    assert!(store.deploy(|_| {}).await.is_err(), "relation already exists");
    store.resolve("20251010000000_add_email_tables", Resolution::Applied).await.unwrap();
    let applied = store.deploy(|_| {}).await.unwrap();
    assert_eq!(applied, names(&store)[2..].to_vec());
    assert!(store.migration_status().await.unwrap().is_up_to_date());
    let again = store.resolve("20251010000000_add_email_tables", Resolution::Applied).await.unwrap_err();
    assert!(again.to_string().contains("already applied"));
}

async fn resolving_an_unknown_migration_lists_the_known_ones(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let err = store.resolve("20990101000000_nope", Resolution::Applied).await.unwrap_err().to_string();
    assert!(err.contains("unknown migration `20990101000000_nope`"), "{err}");
    assert!(err.contains("20251010000002_add_conversation_history"), "{err}");
    let err = store.resolve("20251010000000_add_email_tables", Resolution::RolledBack).await.unwrap_err();
    assert!(err.to_string().contains("not in a failed state"));
}

async fn a_modified_applied_migration_is_refused_naming_its_file(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    exec(
        &store,
        r#"UPDATE "_prisma_migrations" SET "checksum" = 'deadbeef' WHERE "migration_name" = '20251010000001_add_email_templates'"#,
    )
    .await;
    let status = store.migration_status().await.unwrap();
    assert!(!status.is_up_to_date());
    assert_eq!(status.names(|s| *s == MigrationState::Modified), ["20251010000001_add_email_templates"]);
    let err = store.deploy(|_| {}).await.unwrap_err().to_string();
    let file = format!(
        "crates/store/migrations/{}/20251010000001_add_email_templates/migration.sql",
        kind_dir(kind)
    );
    assert!(err.contains(&file), "{err}");
}

fn kind_dir(kind: Kind) -> &'static str {
    match kind {
        Kind::Postgres => "postgres",
        Kind::Sqlite => "sqlite",
    }
}

async fn rollback_then_deploy_round_trips(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    let latest = store.rollback(None, |_| {}).await.unwrap();
    assert_eq!(latest, [names(&store).last().unwrap().clone()]);
    let rolled = store.rollback(Some("20251001000000_init"), |_| {}).await.unwrap();
    // Newest first: the one before the latest (already rolled back above) comes first.
    let all = names(&store);
    assert_eq!(rolled.first(), all.get(all.len() - 2));
    assert_eq!(rolled.last().map(String::as_str), Some("20251010000000_add_email_tables"));
    let status = store.migration_status().await.unwrap();
    assert_eq!(status.names(|s| *s == MigrationState::Applied), ["20251001000000_init"]);
    let counts = store.row_counts().await;
    assert!(counts.is_err(), "the guide's tables are gone");
    let applied = store.deploy(|_| {}).await.unwrap();
    assert_eq!(applied, names(&store)[1..].to_vec());
    assert!(store.migration_status().await.unwrap().is_up_to_date());
    assert_eq!(store.row_counts().await.unwrap().len(), 5);
    let err = store.rollback(Some("nope"), |_| {}).await.unwrap_err().to_string();
    assert!(err.contains("unknown migration"), "{err}");
}

async fn drop_everything_leaves_an_empty_database(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let store = db.connect().await;
    assert!(store.is_empty().await.unwrap(), "no users yet");
    store.drop_everything().await.unwrap();
    assert!(store.history_rows().await.unwrap().is_empty());
    assert!(store.is_empty().await.unwrap());
    assert_eq!(store.deploy(|_| {}).await.unwrap().len(), embedded::for_backend(store.backend()).len());
}

on_both!(
    deploy_applies_everything_in_order_once,
    concurrent_deploys_apply_each_migration_exactly_once,
    a_failed_migration_leaves_no_trace_and_blocks_until_rolled_back,
    resolve_applied_recovers_when_the_tables_already_exist,
    resolving_an_unknown_migration_lists_the_known_ones,
    a_modified_applied_migration_is_refused_naming_its_file,
    rollback_then_deploy_round_trips,
    drop_everything_leaves_an_empty_database,
);

/// `is_empty` guards `db restore` against overwriting data: when it cannot count the accounts
/// (here: a role that may read the migration history but not "users"), that is an error, never
/// "empty".
#[tokio::test]
async fn is_empty_reports_a_failed_count_as_an_error_not_as_empty() {
    let db = TestDb::migrated(Kind::Postgres).await;
    let admin = db.connect().await;
    let role = format!("rh_noread_{}", uuid::Uuid::new_v4().simple());
    let database = db.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let store::Db::Postgres(pool) = admin.db() else { unreachable!() };
    for sql in [
        format!(r#"CREATE ROLE "{role}" LOGIN"#),
        format!(r#"GRANT CONNECT ON DATABASE "{database}" TO "{role}""#),
        format!(r#"GRANT USAGE ON SCHEMA public TO "{role}""#),
        format!(r#"GRANT SELECT ON "_prisma_migrations" TO "{role}""#),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap();
    }
    let url = db.url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(url, db.url, "the test URL names the postgres user: {}", db.url);
    let limited = Store::connect(&url.parse().unwrap(), &store::ConnectOptions::default()).await.unwrap();
    let result = limited.is_empty().await;
    limited.close().await;
    for sql in [format!(r#"DROP OWNED BY "{role}""#), format!(r#"DROP ROLE "{role}""#)] {
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap();
    }
    assert!(result.is_err(), "a failed count is not an empty database: {result:?}");
    assert!(admin.is_empty().await.unwrap(), "the owner sees an empty database");
}
