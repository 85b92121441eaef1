//! Runs the `relationhub` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One run's result.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "command failed:\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }

    pub fn failed(self) -> Run {
        assert_ne!(
            self.code, 0,
            "command should have failed:\nstdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }
}

fn from(out: Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A command for the binary in `dir`, with a clean environment: nothing the developer exported
/// (DATABASE_URL, SMTP_URL, API keys, …) reaches it; only PATH, for `pg_dump`/`psql`.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_relationhub"));
    cmd.args(args).current_dir(dir).env_clear().env("RUST_LOG", "warn").stdin(Stdio::null());
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd
}

/// Runs the binary to completion.
pub fn run(dir: &Path, args: &[&str]) -> Run {
    from(command(dir, args).output().unwrap())
}

/// Runs with `--database-url url` appended.
pub fn run_db(dir: &Path, url: &str, args: &[&str]) -> Run {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--database-url", url]);
    run(dir, &all)
}

/// A scratch working directory.
pub fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}

/// Runs a query on the test database and returns rows as text.
pub async fn query_rows(store: &store::Store, sql: &str) -> Vec<Vec<String>> {
    use sqlx::Row as _;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    macro_rules! collect {
        ($rows:expr) => {
            $rows
                .iter()
                .map(|r| {
                    (0..r.columns().len())
                        .map(|i| {
                            r.try_get::<String, _>(i)
                                .or_else(|_| r.try_get::<i64, _>(i).map(|v| v.to_string()))
                                .or_else(|_| r.try_get::<bool, _>(i).map(|v| v.to_string()))
                                .unwrap_or_else(|_| "NULL".into())
                        })
                        .collect()
                })
                .collect()
        };
    }
    match store.db() {
        store::Db::Postgres(p) => collect!(sqlx::query(sql).fetch_all(p).await.unwrap()),
        store::Db::Sqlite(p) => collect!(sqlx::query(sql).fetch_all(p).await.unwrap()),
    }
}

/// Executes SQL that may hold several statements (no result rows).
pub async fn exec_sql(store: &store::Store, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match store.db() {
        store::Db::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(drop).unwrap(),
        store::Db::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(drop).unwrap(),
    }
}

/// The PostgreSQL database name in a test URL.
pub fn pg_database(url: &str) -> String {
    url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned()
}
