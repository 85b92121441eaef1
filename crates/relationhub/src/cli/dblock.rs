//! The lock file next to an SQLite database (`relationhub.db.lock`): every `serve` holds a shared
//! lock on it for its whole life, and `db restore` needs the exclusive lock. So a restore cannot
//! swap the file under a running server (which would keep writing to the old, unlinked file and
//! lose every write), and a server cannot start in the middle of a restore.
//!
//! The lock is advisory (`flock`-style, [`std::fs::File::try_lock`]) and released by the OS when
//! the process ends, even on a crash, so a stale lock file is harmless. PostgreSQL needs none.

use anyhow::{Context as _, bail};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use store::DatabaseUrl;

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct DbLock {
    _file: File,
}

/// The lock file of an SQLite database file, or `None` for PostgreSQL and in-memory SQLite.
pub fn lock_path(url: &DatabaseUrl) -> Option<PathBuf> {
    match url {
        DatabaseUrl::Sqlite { path: Some(path) } => {
            let mut name = path.clone().into_os_string();
            name.push(".lock");
            Some(PathBuf::from(name))
        }
        _ => None,
    }
}

fn open(path: &Path) -> anyhow::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))
}

impl DbLock {
    /// The shared lock a server holds: several servers may share a database, but not with a
    /// restore in progress. `None` when the database needs no lock.
    pub fn shared(url: &DatabaseUrl) -> anyhow::Result<Option<DbLock>> {
        let Some(path) = lock_path(url) else { return Ok(None) };
        let file = open(&path)?;
        match file.try_lock_shared() {
            Ok(()) => Ok(Some(DbLock { _file: file })),
            Err(TryLockError::WouldBlock) => {
                bail!(
                    "a restore of {url} is in progress (it holds {}); start the server when it is done",
                    path.display()
                )
            }
            Err(TryLockError::Error(e)) => Err(e).context(format!("cannot lock {}", path.display())),
        }
    }

    /// The exclusive lock a restore needs: refused while any server holds the database.
    /// `None` when the database needs no lock.
    pub fn exclusive(url: &DatabaseUrl) -> anyhow::Result<Option<DbLock>> {
        let Some(path) = lock_path(url) else { return Ok(None) };
        let file = open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(DbLock { _file: file })),
            Err(TryLockError::WouldBlock) => bail!(
                "a RelationHub server is using {url} (it holds {}); stop it before restoring, nothing was changed",
                path.display()
            ),
            Err(TryLockError::Error(e)) => Err(e).context(format!("cannot lock {}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_share_the_lock_and_a_restore_needs_it_alone() {
        let dir = std::env::temp_dir().join(format!("rh-dblock-{}", std::process::id()));
        let url = DatabaseUrl::Sqlite { path: Some(dir.join("x.db")) };
        assert_eq!(lock_path(&url), Some(dir.join("x.db.lock")));
        let a = DbLock::shared(&url).unwrap();
        let b = DbLock::shared(&url).unwrap();
        assert!(a.is_some() && b.is_some());
        let err = DbLock::exclusive(&url).unwrap_err().to_string();
        assert!(err.contains("server is using"), "{err}");
        drop((a, b));
        let restore = DbLock::exclusive(&url).unwrap();
        assert!(DbLock::shared(&url).unwrap_err().to_string().contains("restore"));
        drop(restore);
        assert!(DbLock::shared(&url).unwrap().is_some());
        assert!(DbLock::exclusive(&DatabaseUrl::Sqlite { path: None }).unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
