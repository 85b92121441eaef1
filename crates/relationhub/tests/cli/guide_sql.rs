//! The migration guide's own SQL and psql commands, unchanged, against a migrated PostgreSQL
//! database.

use crate::common::pg_database;
use std::io::Write as _;
use std::process::{Command, Stdio};
use testkit::{Kind, TestDb};

/// `psql -h localhost -U postgres -d <db>` fed `input` on stdin (the guide's heredocs), or with `-c`.
fn psql(db: &str, args: &[&str], input: Option<&str>) -> String {
    let mut cmd = Command::new("psql");
    cmd.args(["-h", "localhost", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1"]).args(args);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("psql is installed (scripts/test installs postgresql-client)");
    if let Some(text) = input {
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "psql failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const HEALTH_CHECK: &str = "SELECT 'emails' as table_name, COUNT(*) FROM emails
UNION ALL
SELECT 'email_templates', COUNT(*) FROM email_templates
UNION ALL
SELECT 'conversation_history', COUNT(*) FROM conversation_history;
";

const TABLE_SIZES: &str = "SELECT
    relname AS table_name,
    pg_size_pretty(pg_total_relation_size(relid)) AS total_size,
    pg_size_pretty(pg_relation_size(relid)) AS table_size,
    pg_size_pretty(pg_total_relation_size(relid) - pg_relation_size(relid)) AS indexes_size
FROM pg_catalog.pg_statio_user_tables
WHERE relname IN ('emails', 'email_templates', 'conversation_history')
ORDER BY pg_total_relation_size(relid) DESC;
";

const MANUAL_ROLLBACK: &str = r#"DROP TABLE IF EXISTS "conversation_history" CASCADE;
DROP TABLE IF EXISTS "email_templates" CASCADE;
DROP TABLE IF EXISTS "emails" CASCADE;

DROP TYPE IF EXISTS "Direction";
DROP TYPE IF EXISTS "TemplateType";
DROP TYPE IF EXISTS "EmailStatus";
"#;

#[tokio::test]
async fn the_guides_psql_checks_and_rollback_run_unchanged() {
    let db = TestDb::migrated(Kind::Postgres).await;
    let (_keep, dir) = crate::common::scratch();
    crate::common::run_db(&dir, &db.url, &["db", "seed"]).ok();
    let name = pg_database(&db.url);

    let dt = psql(&name, &["-c", "\\dt"], None);
    for table in ["emails", "email_templates", "conversation_history", "users", "contacts"] {
        assert!(dt.contains(&format!(" {table} ")), "\\dt lacks {table}:\n{dt}");
    }

    let counts = psql(&name, &["-A", "-t"], Some(HEALTH_CHECK));
    assert_eq!(counts.trim(), "emails|10\nemail_templates|5\nconversation_history|20");

    let sizes = psql(&name, &["-A", "-t"], Some(TABLE_SIZES));
    let tables: Vec<&str> = sizes.lines().map(|l| l.split('|').next().unwrap()).collect();
    assert_eq!(tables.len(), 3, "{sizes}");
    for t in ["emails", "email_templates", "conversation_history"] {
        assert!(tables.contains(&t), "{sizes}");
    }

    psql(&name, &[], Some(MANUAL_ROLLBACK));
    let dt = psql(&name, &["-c", "\\dt"], None);
    assert!(
        !dt.contains(" emails ")
            && !dt.contains(" email_templates ")
            && !dt.contains(" conversation_history "),
        "{dt}"
    );
    assert!(dt.contains(" contacts "), "existing tables stay: {dt}");
    let types =
        psql(&name, &["-A", "-t", "-c", "SELECT typname FROM pg_type WHERE typtype = 'e' ORDER BY 1"], None);
    assert_eq!(types.trim(), "Priority", "the guide's three enums are gone");
}

#[tokio::test]
async fn the_guides_tables_have_exactly_the_guides_columns_and_indexes() {
    let db = TestDb::migrated(Kind::Postgres).await;
    let name = pg_database(&db.url);
    let columns = psql(
        &name,
        &["-A", "-t"],
        Some(
            "SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || COALESCE(column_default, '')
             FROM information_schema.columns WHERE table_name = 'conversation_history' ORDER BY ordinal_position;",
        ),
    );
    assert_eq!(
        columns.trim(),
        "conversation_history.id:text:NO:
conversation_history.userId:text:NO:
conversation_history.contactId:text:NO:
conversation_history.content:text:NO:
conversation_history.direction:USER-DEFINED:NO:
conversation_history.timestamp:timestamp without time zone:NO:CURRENT_TIMESTAMP
conversation_history.metadata:jsonb:YES:"
    );
    let indexes = psql(
        &name,
        &["-A", "-t"],
        Some(
            "SELECT indexname FROM pg_indexes WHERE tablename IN ('emails', 'email_templates', 'conversation_history') ORDER BY 1;",
        ),
    );
    for idx in [
        "emails_pkey",
        "emails_userId_idx",
        "emails_contactId_idx",
        "emails_status_idx",
        "emails_generatedAt_idx",
        "email_templates_pkey",
        "email_templates_userId_idx",
        "email_templates_isDefault_idx",
        "conversation_history_pkey",
        "conversation_history_userId_idx",
        "conversation_history_contactId_idx",
        "conversation_history_timestamp_idx",
        "email_templates_userId_isDefault_key",
        "emails_userId_createdAt_id_idx",
    ] {
        assert!(indexes.lines().any(|l| l == idx), "missing index {idx}:\n{indexes}");
    }
    let fks = psql(
        &name,
        &["-A", "-t"],
        Some(
            "SELECT conname || ':' || confdeltype::text FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN ('emails', 'email_templates', 'conversation_history') ORDER BY 1;",
        ),
    );
    assert_eq!(
        fks.trim(),
        "conversation_history_contactId_fkey:c
conversation_history_userId_fkey:c
email_templates_userId_fkey:c
emails_contactId_fkey:c
emails_userId_fkey:c"
    );
}
