//! Errors of the IMAP client, classified so a mailbox can show the last error in plain words
//! and metrics can count them by class.

/// Result with [`InboundError`].
pub type Result<T> = std::result::Result<T, InboundError>;

/// What went wrong talking to a mailbox. The `Display` text is written for the mailbox's owner
/// (it never contains the password).
#[derive(Debug, thiserror::Error)]
pub enum InboundError {
    /// The server refused the username or password.
    #[error("wrong username or password: {0}")]
    Auth(String),
    /// The TLS handshake failed (bad certificate, no TLS on that port, …).
    #[error("TLS failure: {0}")]
    Tls(String),
    /// The server could not be reached.
    #[error("could not connect to the server: {0}")]
    Connect(String),
    /// A configured folder does not exist.
    #[error("folder missing: {0}")]
    FolderMissing(String),
    /// The server answered something unexpected or closed the connection.
    #[error("IMAP error: {0}")]
    Protocol(String),
    /// The operation took too long.
    #[error("the server did not answer in time")]
    Timeout,
}

impl InboundError {
    /// A short stable class for metrics labels.
    pub fn class(&self) -> &'static str {
        match self {
            InboundError::Auth(_) => "auth",
            InboundError::Tls(_) => "tls",
            InboundError::Connect(_) => "connect",
            InboundError::FolderMissing(_) => "folder",
            InboundError::Protocol(_) => "protocol",
            InboundError::Timeout => "timeout",
        }
    }
}

impl From<async_imap::error::Error> for InboundError {
    fn from(e: async_imap::error::Error) -> Self {
        InboundError::Protocol(short(&e.to_string()))
    }
}

/// Keeps a server's message short enough to show and store.
pub(crate) fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 200 { s.chars().take(200).collect::<String>() + "…" } else { s.to_owned() }
}
