//! Bad input gets one clear line on stderr, a non-zero exit, and changes nothing.

use crate::common::{run, run_db, scratch};
use std::time::{Duration, Instant};
use testkit::{Kind, TestDb};

fn one_line(stderr: &str) -> &str {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{stderr}");
    lines[0]
}

#[test]
fn malformed_or_unknown_urls_are_refused_and_create_no_file() {
    let (_keep, dir) = scratch();
    for url in [
        "postgress://localhost/db",
        "mysql://localhost/db",
        "data/relationhub.db",
        "sqlite://",
        "postgres:nohost",
    ] {
        let out = run_db(&dir, url, &["migrate", "deploy"]).failed();
        let line = one_line(&out.stderr);
        assert!(line.starts_with("error: "), "{line}");
        assert!(line.contains("URL"), "{line}");
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "nothing was created");
}

#[test]
fn an_unreachable_server_fails_fast_naming_host_and_port() {
    let (_keep, dir) = scratch();
    let started = Instant::now();
    let out = run_db(&dir, "postgres://postgres@127.0.0.1:1/relationhub", &["migrate", "status"]).failed();
    let line = one_line(&out.stderr);
    assert!(line.contains("127.0.0.1:1"), "{line}");
    // A failure guard, not a benchmark: the promise is "within a few seconds", not "hangs".
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[tokio::test]
async fn a_missing_postgres_database_is_named() {
    let db = TestDb::migrated(Kind::Postgres).await;
    let (_keep, dir) = scratch();
    let missing = testkit::replace_db(&db.url, "rh_does_not_exist_anywhere");
    let out = run_db(&dir, &missing, &["migrate", "status"]).failed();
    let line = one_line(&out.stderr);
    assert!(line.contains("rh_does_not_exist_anywhere") && line.contains("does not exist"), "{line}");
    run_db(&dir, &missing, &["db", "seed"]).failed();
}

#[test]
fn a_missing_sqlite_file_is_named_and_not_created_by_read_commands() {
    let (_keep, dir) = scratch();
    for args in [
        &["migrate", "status"][..],
        &["db", "stats"],
        &["db", "seed"],
        &["migrate", "resolve", "--applied", "x"],
    ] {
        let out = run_db(&dir, "sqlite://typo/relationhub.db", args).failed();
        let line = one_line(&out.stderr);
        assert!(line.contains("typo/relationhub.db") && line.contains("does not exist"), "{line}");
    }
    assert!(!dir.join("typo").exists());
}

#[test]
fn restoring_a_missing_file_is_refused() {
    let (_keep, dir) = scratch();
    let out = run(&dir, &["db", "restore", "nope.sql"]).failed();
    assert!(one_line(&out.stderr).contains("nope.sql"));
}

#[test]
fn user_create_validates_its_input() {
    let (_keep, dir) = scratch();
    run(&dir, &["migrate", "deploy"]).ok();
    let out =
        run(&dir, &["user", "create", "--email", "not-an-email", "--name", "X", "--password", "long enough"])
            .failed();
    assert!(one_line(&out.stderr).contains("email"));
    let out =
        run(&dir, &["user", "create", "--email", "a@example.com", "--name", "X", "--password", "short"])
            .failed();
    assert!(one_line(&out.stderr).contains("password"));
    let out = run(&dir, &["token", "create", "--email", "nobody@example.com"]).failed();
    assert!(one_line(&out.stderr).contains("nobody@example.com"));
}
