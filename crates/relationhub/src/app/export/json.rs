//! The JSON account archive (docs/EXPORT_FORMAT.md): a header, the account, then one array per
//! table, each streamed a page at a time. A new section is one more `section::<Row>` call here
//! and one more field in the restore (`app::import::restore`).

use super::{io, pages};
use crate::app::ApiResult;
use domain::User;
use store::Store;
use store::archive::{ArchiveContact, ArchiveEmail, ArchiveEntry, ArchiveTable, ArchiveTemplate};
use tokio::io::{AsyncWrite, AsyncWriteExt};

pub use crate::app::import::ARCHIVE_VERSION;

fn to_json(v: &impl serde::Serialize, buf: &mut Vec<u8>) -> ApiResult<()> {
    serde_json::to_writer(buf, v).map_err(|e| crate::app::ApiError::Internal(e.into()))
}

/// Writes `,"<key>":[row,row,…]`.
async fn section<T: ArchiveTable, W: AsyncWrite + Unpin + Send>(
    store: &Store,
    user: &User,
    key: &str,
    out: &mut W,
) -> ApiResult<u64> {
    out.write_all(format!(",\n\"{key}\":[").as_bytes()).await.map_err(io)?;
    let n = pages::<T, W>(store, &user.id, out, |row, i, buf| {
        buf.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        to_json(row, buf)
    })
    .await?;
    out.write_all(b"]").await.map_err(io)?;
    Ok(n)
}

/// Writes the whole archive; returns the number of table rows written.
pub(super) async fn write<W: AsyncWrite + Unpin + Send>(
    store: &Store,
    user: &User,
    now: chrono::DateTime<chrono::Utc>,
    out: &mut W,
) -> ApiResult<u64> {
    let mut head = Vec::new();
    head.extend_from_slice(b"{\"format\":\"relationhub\",\"version\":");
    head.extend_from_slice(ARCHIVE_VERSION.to_string().as_bytes());
    head.extend_from_slice(b",\"exportedAt\":");
    to_json(&store::Ts::new(now), &mut head)?;
    head.extend_from_slice(b",\n\"account\":");
    to_json(&store.archive_account(&user.id).await?, &mut head)?;
    out.write_all(&head).await.map_err(io)?;
    // Contacts first: every later section refers to them, so a reader can restore in one pass.
    let mut rows = section::<ArchiveContact, W>(store, user, "contacts", out).await?;
    rows += section::<ArchiveTemplate, W>(store, user, "emailTemplates", out).await?;
    rows += section::<ArchiveEntry, W>(store, user, "conversationHistory", out).await?;
    rows += section::<ArchiveEmail, W>(store, user, "emails", out).await?;
    out.write_all(b"\n}\n").await.map_err(io)?;
    Ok(rows)
}
