//! Backups: `pg_dump` plain SQL on PostgreSQL (restored with `psql` in a single transaction),
//! SQLite's online backup (`VACUUM INTO`) on SQLite (restored by an atomic file swap).
//!
//! A restore never half-happens: PostgreSQL restores run in one transaction (a corrupt file
//! rolls back and leaves the database as it was); SQLite restores are checked before the swap.

use anyhow::{Context as _, anyhow, bail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use store::{DatabaseUrl, Store};
use tokio::io::AsyncWriteExt as _;

/// Default backup path: `backups/relationhub_<db>_<YYYYMMDD_HHMMSS>.<sql|db>`.
pub fn default_path(url: &DatabaseUrl) -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d_%H%M%S");
    let ext = match url.backend() {
        store::Backend::Postgres => "sql",
        store::Backend::Sqlite => "db",
    };
    PathBuf::from("backups").join(format!("relationhub_{}_{stamp}.{ext}", url.database_name()))
}

/// libpq environment for a PostgreSQL URL, so the password never appears on a command line.
fn libpq_env(url: &str) -> anyhow::Result<Vec<(&'static str, String)>> {
    let parsed = url::Url::parse(url).map_err(|_| anyhow!("malformed PostgreSQL URL"))?;
    let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    let mut env = vec![
        ("PGHOST", parsed.host_str().unwrap_or("localhost").trim_matches(['[', ']']).to_owned()),
        ("PGPORT", parsed.port().unwrap_or(5432).to_string()),
        ("PGDATABASE", decode(parsed.path().trim_start_matches('/'))),
    ];
    if !parsed.username().is_empty() {
        env.push(("PGUSER", decode(parsed.username())));
    }
    if let Some(pw) = parsed.password() {
        env.push(("PGPASSWORD", decode(pw)));
    }
    for (k, v) in parsed.query_pairs() {
        if k == "sslmode" {
            env.push(("PGSSLMODE", v.into_owned()));
        }
    }
    Ok(env)
}

fn tool(name: &str) -> anyhow::Result<tokio::process::Command> {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
        .unwrap_or(false);
    if !found {
        bail!(
            "`{name}` was not found on PATH; install the PostgreSQL client tools (Debian: apt-get install postgresql-client)"
        );
    }
    Ok(tokio::process::Command::new(name))
}

/// Creates `out` empty, readable and writable by the owner only (0600 on Unix), failing when it
/// exists. A backup holds every password hash and email; it must never be world-readable, not
/// even for the moment between its creation and a `chmod`. Created parent directories are 0700.
fn create_private(out: &Path) -> anyhow::Result<()> {
    let mut dirs = std::fs::DirBuilder::new();
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
        dirs.mode(0o700);
        file.mode(0o600);
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        dirs.recursive(true).create(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    match file.open(out) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{} already exists; choose another --output", out.display())
        }
        Err(e) => Err(e).with_context(|| format!("cannot create {}", out.display())),
    }
}

/// Writes a backup of `store` to `out` (a new file, mode 0600; parent directories created).
pub async fn backup(store: &Store, out: &Path) -> anyhow::Result<()> {
    create_private(out)?;
    let written = write_backup(store, out).await;
    if written.is_err() {
        let _ = std::fs::remove_file(out);
    }
    written
}

/// Fills the empty file `out`: `pg_dump` truncates and writes it (keeping its mode); SQLite's
/// `VACUUM INTO` accepts an existing empty file.
async fn write_backup(store: &Store, out: &Path) -> anyhow::Result<()> {
    match store.url() {
        DatabaseUrl::Postgres(url) => {
            let mut cmd = tool("pg_dump")?;
            cmd.args(["--no-owner", "--no-privileges", "--format=plain", "--file"]).arg(out);
            cmd.envs(libpq_env(url)?).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
            let output = cmd.output().await.context("running pg_dump")?;
            if !output.status.success() {
                bail!("pg_dump failed: {}", first_line(&output.stderr));
            }
        }
        DatabaseUrl::Sqlite { .. } => store.sqlite_backup(out).await?,
    }
    Ok(())
}

/// Restores `file` into `store`'s database. Refuses a non-empty database unless `force` (the CLI
/// decides, after the production check and the confirmation).
pub async fn restore(store: Store, file: &Path, force: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let empty = store.is_empty().await?;
    if !empty && !force {
        bail!("the database {} is not empty; pass --force to replace its contents", store.url());
    }
    match store.url().clone() {
        DatabaseUrl::Postgres(url) => {
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow!("{} is not a pg_dump SQL file", file.display()))?;
            if !text.trim_start().starts_with("--") || !text.contains("PostgreSQL database dump") {
                bail!(
                    "{} is not a pg_dump SQL file (no \"PostgreSQL database dump\" header)",
                    file.display()
                );
            }
            let mut script = String::new();
            if !empty {
                for stmt in store.drop_statements().await? {
                    script.push_str(&stmt);
                    script.push_str(";\n");
                }
            }
            store.close().await;
            script.push_str(&text);
            let mut cmd = tool("psql")?;
            cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", "-"]);
            cmd.envs(libpq_env(&url)?).stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped());
            let mut child = cmd.spawn().context("running psql")?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(script.as_bytes()).await.context("writing to psql")?;
            }
            let output = child.wait_with_output().await.context("running psql")?;
            if !output.status.success() {
                bail!(
                    "restore failed and was rolled back; the database is unchanged: {}",
                    first_line(&output.stderr)
                );
            }
        }
        DatabaseUrl::Sqlite { path: None } => bail!("cannot restore into an in-memory database"),
        DatabaseUrl::Sqlite { path: Some(target) } => {
            if !bytes.starts_with(b"SQLite format 3\0") {
                bail!("{} is not a SQLite database", file.display());
            }
            let source = Store::connect(
                &DatabaseUrl::Sqlite { path: Some(file.to_path_buf()) },
                &store::ConnectOptions { max_connections: 2, ..Default::default() },
            )
            .await?;
            let check = async {
                source.check_integrity().await?;
                if source.history_rows().await?.is_empty() {
                    bail!("{} is not a RelationHub database (no migration history)", file.display());
                }
                let tmp = target.with_extension("db.restore-tmp");
                let _ = std::fs::remove_file(&tmp);
                source.sqlite_backup(&tmp).await?;
                Ok(tmp)
            }
            .await;
            source.close().await;
            let tmp = check?;
            store.close().await;
            for suffix in ["-wal", "-shm"] {
                let mut side = target.clone().into_os_string();
                side.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(side));
            }
            std::fs::rename(&tmp, &target).with_context(|| format!("cannot replace {}", target.display()))?;
        }
    }
    Ok(())
}

fn first_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    text.lines().find(|l| !l.trim().is_empty()).unwrap_or("no output").trim().to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn libpq_env_carries_credentials_outside_the_command_line() {
        let env = super::libpq_env("postgres://bob:p%40ss@db.example:6543/app?sslmode=require").unwrap();
        let get = |k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("PGHOST"), Some("db.example"));
        assert_eq!(get("PGPORT"), Some("6543"));
        assert_eq!(get("PGDATABASE"), Some("app"));
        assert_eq!(get("PGUSER"), Some("bob"));
        assert_eq!(get("PGPASSWORD"), Some("p@ss"));
        assert_eq!(get("PGSSLMODE"), Some("require"));
    }
}
