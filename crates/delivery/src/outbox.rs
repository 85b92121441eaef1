//! The outbox transport: each message becomes `<outbox>/<timestamp>_<message-id>.eml`, written to a
//! temporary file and renamed into place, so a reader never sees half a message.

use crate::transport::{SendError, Transport};
use async_trait::async_trait;
use lettre::Message;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt as _;

/// Writes messages as `.eml` files into a directory (created on first use).
#[derive(Debug, Clone)]
pub struct OutboxTransport {
    dir: PathBuf,
}

impl OutboxTransport {
    /// An outbox in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> OutboxTransport {
        OutboxTransport { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// The file name for a message: sortable UTC timestamp, then the `Message-ID` reduced to
/// characters safe in any file system.
pub fn file_name(message: &Message, now: chrono::DateTime<chrono::Utc>) -> String {
    let id = message.headers().get_raw("Message-ID").unwrap_or("no-message-id");
    let safe: String = id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_') { c } else { '_' })
        .take(200)
        .collect();
    format!("{}_{safe}.eml", now.format("%Y%m%dT%H%M%S%.3fZ"))
}

#[async_trait]
impl Transport for OutboxTransport {
    async fn send(&self, message: &Message) -> Result<(), SendError> {
        let fail = |what: &str, path: &Path, e: std::io::Error| {
            // The path stays in the log: `lastError` is shown to users and never names files.
            SendError::transient_with(
                "outbox not writable",
                format!("outbox: cannot {what} {}: {e}", path.display()),
            )
        };
        tokio::fs::create_dir_all(&self.dir).await.map_err(|e| fail("create", &self.dir, e))?;
        let name = file_name(message, chrono::Utc::now());
        let target = self.dir.join(&name);
        let temp = self.dir.join(format!(".{name}.tmp"));
        let write = async {
            let mut file = tokio::fs::File::create(&temp).await?;
            file.write_all(&message.formatted()).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&temp, &target).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(fail("write", &target, e));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        format!("outbox {}", self.dir.display())
    }
}
