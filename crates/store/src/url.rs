//! Database URLs: which backend, where, and how to describe it without leaking a password.

use std::path::PathBuf;
use std::str::FromStr;

/// Which database engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, the reference backend.
    Postgres,
    /// SQLite, the embedded default.
    Sqlite,
}

impl Backend {
    /// `postgres` or `sqlite`, as used in directory names and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        }
    }
}

/// A parsed, validated database URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `postgres://user:pass@host:port/db?…` (or `postgresql://`).
    Postgres(String),
    /// `sqlite://path` / `sqlite:path`, or an in-memory database (`sqlite::memory:`).
    Sqlite {
        /// The database file; `None` for in-memory.
        path: Option<PathBuf>,
    },
}

/// Why a URL was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UrlError {
    /// Not of the form `scheme://…`.
    #[error("malformed database URL {0:?}: expected postgres://USER@HOST:PORT/DB or sqlite://PATH")]
    Malformed(String),
    /// A scheme we do not speak.
    #[error("unsupported database URL scheme {0:?}: use postgres://… or sqlite://…")]
    UnknownScheme(String),
}

impl FromStr for DatabaseUrl {
    type Err = UrlError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        let (scheme, rest) = raw.split_once(':').ok_or_else(|| UrlError::Malformed(redact(raw)))?;
        match scheme.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => {
                let after = rest.strip_prefix("//").ok_or_else(|| UrlError::Malformed(redact(raw)))?;
                if after.is_empty() || after.starts_with('/') && after.len() == 1 {
                    return Err(UrlError::Malformed(redact(raw)));
                }
                // Let sqlx validate the rest (ports, options) so errors surface at parse time.
                sqlx::postgres::PgConnectOptions::from_str(raw)
                    .map_err(|_| UrlError::Malformed(redact(raw)))?;
                Ok(DatabaseUrl::Postgres(raw.to_owned()))
            }
            "sqlite" => {
                let path = rest.strip_prefix("//").unwrap_or(rest);
                let path = path.split('?').next().unwrap_or_default();
                if path == ":memory:" {
                    return Ok(DatabaseUrl::Sqlite { path: None });
                }
                if path.is_empty() {
                    return Err(UrlError::Malformed(raw.to_owned()));
                }
                Ok(DatabaseUrl::Sqlite { path: Some(PathBuf::from(path)) })
            }
            other if other.len() > 1 => Err(UrlError::UnknownScheme(other.to_owned())),
            // A one-letter "scheme" is a Windows drive or a typo'd path: refuse, never create a file.
            _ => Err(UrlError::Malformed(redact(raw))),
        }
    }
}

impl DatabaseUrl {
    /// The SQLite file used when no URL is configured.
    pub fn embedded_default(data_dir: &std::path::Path) -> Self {
        DatabaseUrl::Sqlite { path: Some(data_dir.join("relationhub.db")) }
    }

    /// Which engine this URL selects.
    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Postgres(_) => Backend::Postgres,
            DatabaseUrl::Sqlite { .. } => Backend::Sqlite,
        }
    }

    /// The database's short name: the PostgreSQL database or the SQLite file stem.
    pub fn database_name(&self) -> String {
        match self {
            DatabaseUrl::Postgres(url) => sqlx::postgres::PgConnectOptions::from_str(url)
                .ok()
                .and_then(|o| o.get_database().map(str::to_owned))
                .unwrap_or_else(|| "postgres".into()),
            DatabaseUrl::Sqlite { path: Some(p) } => {
                p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "sqlite".into())
            }
            DatabaseUrl::Sqlite { path: None } => "memory".into(),
        }
    }
}

impl std::fmt::Display for DatabaseUrl {
    /// The URL with any password replaced by `***`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
            DatabaseUrl::Sqlite { path: Some(p) } => write!(f, "sqlite://{}", p.display()),
            DatabaseUrl::Sqlite { path: None } => f.write_str("sqlite::memory:"),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Replaces the password of `scheme://user:password@host` with `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let Some((userinfo, host)) = rest.split_once('@') else { return url.to_owned() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_the_backend_by_scheme() {
        let pg: DatabaseUrl = "postgres://u:secret@localhost:5432/app".parse().unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert_eq!(pg.database_name(), "app");
        assert!(!pg.to_string().contains("secret"));
        let sq: DatabaseUrl = "sqlite://./data/x.db".parse().unwrap();
        assert_eq!(sq, DatabaseUrl::Sqlite { path: Some("./data/x.db".into()) });
        let abs: DatabaseUrl = "sqlite:///tmp/x.db".parse().unwrap();
        assert_eq!(abs, DatabaseUrl::Sqlite { path: Some("/tmp/x.db".into()) });
        assert_eq!("sqlite::memory:".parse::<DatabaseUrl>().unwrap(), DatabaseUrl::Sqlite { path: None });
    }

    #[test]
    fn typos_and_unknown_schemes_are_refused() {
        assert!(matches!("postgress://x/y".parse::<DatabaseUrl>(), Err(UrlError::UnknownScheme(_))));
        assert!(matches!("mysql://x/y".parse::<DatabaseUrl>(), Err(UrlError::UnknownScheme(_))));
        assert!(matches!("./data/x.db".parse::<DatabaseUrl>(), Err(UrlError::Malformed(_))));
        assert!(matches!("sqlite://".parse::<DatabaseUrl>(), Err(UrlError::Malformed(_))));
        assert!(matches!("postgres:x".parse::<DatabaseUrl>(), Err(UrlError::Malformed(_))));
        let err = "postgres://u:pw@host:notaport/db".parse::<DatabaseUrl>().unwrap_err();
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}
