//! The migrations compiled into the binary, per backend, in the order they apply.
//!
//! Names are a contract (the guide's three are fixed); an applied migration is never edited,
//! so changes are new entries at the end. A test checks this list matches the directories.

use crate::url::Backend;

/// One migration: its name (directory), its SQL and the SQL that undoes it.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// `YYYYMMDDHHMMSS_description`.
    pub name: &'static str,
    /// The forward script (`migration.sql`).
    pub up: &'static str,
    /// The rollback script (`down.sql`).
    pub down: &'static str,
}

impl Migration {
    /// SHA-256 of the forward script, hex; stored when applied to detect later edits.
    pub fn checksum(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(self.up.as_bytes()))
    }

    /// Where the forward script lives in the source tree, for messages.
    pub fn source_path(&self, backend: Backend) -> String {
        format!("crates/store/migrations/{}/{}/migration.sql", backend.as_str(), self.name)
    }
}

macro_rules! embed {
    ($backend:literal, [$($name:literal),+ $(,)?]) => {
        &[$(Migration {
            name: $name,
            up: include_str!(concat!("../../migrations/", $backend, "/", $name, "/migration.sql")),
            down: include_str!(concat!("../../migrations/", $backend, "/", $name, "/down.sql")),
        }),+]
    };
}

/// Embeds every migration of `$backend`, in order. One list for both backends, so their names
/// cannot drift apart; a new migration is one new line here and a directory under each backend.
macro_rules! embed_all {
    ($backend:literal) => {
        embed!(
            $backend,
            [
                "20251001000000_init",
                "20251010000000_add_email_tables",
                "20251010000001_add_email_templates",
                "20251010000002_add_conversation_history",
                "20251101000000_query_indexes",
                "20251101000001_email_delivery",
                "20251201000000_account_security",
                "20251201000001_seed_marks",
                "20251201000002_user_preferences",
                "20251201000003_stay_in_touch",
                "20251201000004_mailboxes",
                "20251201000005_follow_ups",
                "20251201000006_digest",
                "20251201000007_mailbox_sync",
                "20251201000008_webhooks",
            ]
        )
    };
}

/// Every migration, in order, for PostgreSQL.
pub const POSTGRES: &[Migration] = embed_all!("postgres");

/// Every migration, in order, for SQLite (same names as PostgreSQL).
pub const SQLITE: &[Migration] = embed_all!("sqlite");

/// The migrations of one backend.
pub fn for_backend(backend: Backend) -> &'static [Migration] {
    match backend {
        Backend::Postgres => POSTGRES,
        Backend::Sqlite => SQLITE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lists_match_the_migration_directories_in_order() {
        for backend in [Backend::Postgres, Backend::Sqlite] {
            let dir =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend.as_str());
            let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let embedded: Vec<&str> = for_backend(backend).iter().map(|m| m.name).collect();
            assert_eq!(on_disk, embedded, "{backend:?}");
        }
        let names = |ms: &[Migration]| ms.iter().map(|m| m.name).collect::<Vec<_>>();
        assert_eq!(names(POSTGRES), names(SQLITE));
    }

    #[test]
    fn the_guides_three_migrations_keep_their_names_and_order() {
        let names: Vec<&str> = POSTGRES.iter().map(|m| m.name).collect();
        let at = names.iter().position(|n| *n == "20251010000000_add_email_tables").unwrap();
        assert_eq!(
            &names[at..at + 3],
            [
                "20251010000000_add_email_tables",
                "20251010000001_add_email_templates",
                "20251010000002_add_conversation_history"
            ]
        );
        assert!(at >= 1, "an init migration creates users and contacts first");
    }
}
