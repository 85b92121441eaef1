//! The store's error type: keeps *absent* (NotFound) apart from *refused* (Conflict) and
//! *broken* (Database / Unavailable).

/// What can go wrong in the data layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist or belongs to another user (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// The change conflicts with current state (duplicate key, wrong status, …).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request is malformed in a way only the store can see (e.g. a bad cursor).
    #[error("invalid: {0}")]
    Invalid(String),
    /// The database cannot be reached or refused us; the message names host and port, never secrets.
    #[error("{0}")]
    Unavailable(String),
    /// Migration history problems (failed, modified, unknown migrations).
    #[error("{0}")]
    Migration(String),
    /// Any other database failure; the source is logged, never shown to clients.
    #[error("database error")]
    Database(#[source] sqlx::Error),
}

impl StoreError {
    /// True for a unique-constraint violation (PostgreSQL 23505, SQLite 2067/1555).
    pub fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut => {
                StoreError::Unavailable("timed out waiting for a database connection".into())
            }
            sqlx::Error::Io(io) => StoreError::Unavailable(format!("database connection failed: {io}")),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("duplicate value ({})", db.constraint().unwrap_or("unique key")))
            }
            _ => StoreError::Database(err),
        }
    }
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
