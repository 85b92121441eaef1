//! `relationhub export` of each format (file and standard output), and `relationhub import` of
//! the JSON archive restoring the account into an empty one.

use crate::common::{query_rows, run_db, scratch};
use serde_json::Value;
use testkit::{Kind, TestDb, on_both};

async fn export_writes_each_format_and_the_archive_restores_into_an_empty_account(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let (_keep, dir) = scratch();
    run_db(&dir, &db.url, &["db", "seed"]).ok();
    let demo = "demo@relationhub.dev";
    let archive = dir.join("demo.json");
    let path = archive.to_str().unwrap();
    let out = run_db(&dir, &db.url, &["export", "--email", demo, "--format", "json", "--output", path]).ok();
    assert!(out.stdout.is_empty(), "the archive goes to the file: {}", out.stdout);
    assert!(out.stderr.contains("exported"), "{}", out.stderr);
    assert!(!dir.join("demo.partial").exists(), "no temporary file left behind");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&archive).unwrap()).unwrap();
    assert_eq!((v["format"].as_str(), v["version"].as_i64()), (Some("relationhub"), Some(1)));
    assert_eq!(v["account"]["email"], demo);
    let n = |k: &str| v[k].as_array().unwrap().len();
    let contacts = n("contacts");
    assert!(contacts >= 5);
    assert_eq!((n("emails"), n("conversationHistory"), n("emailTemplates")), (10, 20, 5));

    let stdout = run_db(&dir, &db.url, &["export", "--email", demo]).ok().stdout;
    let again: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(again["emails"], v["emails"], "json is the default format and stdout the default output");
    let vcf = run_db(&dir, &db.url, &["export", "--email", demo, "--format", "vcard"]).ok().stdout;
    assert_eq!(vcf.matches("BEGIN:VCARD\r\nVERSION:4.0\r\n").count(), contacts);
    let csv = run_db(&dir, &db.url, &["export", "--email", demo, "--format", "csv"]).ok().stdout;
    assert!(csv.starts_with("name,email,"), "{csv}");
    assert!(csv.lines().count() > contacts, "a header and a line per contact (quoted newlines add lines)");
    let bad = run_db(&dir, &db.url, &["export", "--email", demo, "--format", "pdf"]).failed();
    assert!(bad.stderr.contains("unknown format"), "{}", bad.stderr);

    let create =
        ["user", "create", "--email", "copy@example.com", "--name", "Copy", "--password", "long enough"];
    run_db(&dir, &db.url, &create).ok();
    let out = run_db(&dir, &db.url, &["import", "--email", "copy@example.com", path]).ok();
    let expected =
        format!("full archive restore: {contacts} contacts, 5 templates, 20 conversation entries, 10 emails");
    assert!(out.stdout.contains(&expected), "{}", out.stdout);
    let store = db.connect().await;
    let per_user = query_rows(
        &store,
        r#"SELECT u."email", CAST(COUNT(e."id") AS TEXT) FROM "users" u JOIN "emails" e ON e."userId" = u."id"
           GROUP BY u."email" ORDER BY u."email""#,
    )
    .await;
    assert_eq!(
        per_user,
        [vec!["copy@example.com".to_owned(), "10".into()], vec![demo.to_owned(), "10".into()]]
    );
    let copy = run_db(&dir, &db.url, &["export", "--email", "copy@example.com"]).ok().stdout;
    let copy: Value = serde_json::from_str(&copy).unwrap();
    let subjects = |v: &Value| {
        let mut s: Vec<String> =
            v["emails"].as_array().unwrap().iter().map(|e| e["subject"].to_string()).collect();
        s.sort();
        s
    };
    assert_eq!(subjects(&copy), subjects(&v), "the copy has the same emails (with fresh ids)");
}

on_both!(export_writes_each_format_and_the_archive_restores_into_an_empty_account);
