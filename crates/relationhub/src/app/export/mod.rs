//! Export: take an account out as a lossless JSON archive (docs/EXPORT_FORMAT.md), or its
//! contacts as vCard 4.0 or CSV.
//!
//! Everything is written as a stream: rows are read a page at a time (keyset by id) and each
//! page is written out before the next is read, so memory stays flat however large the account.

mod csv;
mod json;
mod vcard;

use super::{ApiError, ApiResult};
use domain::User;
use store::Store;
use store::archive::{ArchiveTable, PAGE_ROWS};
use tokio::io::{AsyncWrite, AsyncWriteExt};

pub use json::ARCHIVE_VERSION;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// The full account archive.
    Json,
    /// Contacts as vCard 4.0.
    Vcard,
    /// Contacts as CSV with a header line.
    Csv,
}

impl ExportFormat {
    /// Parses `json`, `vcard` or `csv` (as given on the command line or in a download URL).
    pub fn from_name(s: &str) -> Option<ExportFormat> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "json" | "relationhub-json" => ExportFormat::Json,
            "vcard" | "vcf" => ExportFormat::Vcard,
            "csv" => ExportFormat::Csv,
            _ => return None,
        })
    }

    /// The MIME type of a download.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Vcard => "text/vcard; charset=utf-8",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The file name of a download made at `now`: `relationhub-2026-12-01.json`.
    pub fn file_name(self, now: chrono::DateTime<chrono::Utc>) -> String {
        let ext = match self {
            ExportFormat::Json => "json",
            ExportFormat::Vcard => "vcf",
            ExportFormat::Csv => "csv",
        };
        format!("relationhub-{}.{ext}", now.format("%Y-%m-%d"))
    }
}

/// Writes the user's account (JSON) or contacts (vCard, CSV) to `out`, page by page. `now` is
/// the archive's `exportedAt`. Returns the number of rows written.
#[tracing::instrument(skip_all, fields(op = "export", user = %user.id, format = ?format))]
pub async fn export_account<W: AsyncWrite + Unpin + Send>(
    store: &Store,
    user: &User,
    format: ExportFormat,
    now: chrono::DateTime<chrono::Utc>,
    out: &mut W,
) -> ApiResult<u64> {
    let rows = match format {
        ExportFormat::Json => json::write(store, user, now, out).await?,
        ExportFormat::Vcard => vcard::write(store, user, out).await?,
        ExportFormat::Csv => csv::write(store, user, out).await?,
    };
    out.flush().await.map_err(io)?;
    Ok(rows)
}

fn io(e: std::io::Error) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("writing the export failed: {e}"))
}

/// Streams every row of `T` of the user through `render` (which appends a row's bytes to the
/// page buffer; its second argument is the row's 0-based position), one page at a time.
async fn pages<T, W>(
    store: &Store,
    user_id: &str,
    out: &mut W,
    mut render: impl FnMut(&T, u64, &mut Vec<u8>) -> ApiResult<()>,
) -> ApiResult<u64>
where
    T: ArchiveTable,
    W: AsyncWrite + Unpin + Send,
{
    let (mut after, mut n, mut buf) = (String::new(), 0u64, Vec::with_capacity(64 * 1024));
    loop {
        let page: Vec<T> = store.archive_page(user_id, &after, PAGE_ROWS).await?;
        buf.clear();
        for row in &page {
            render(row, n, &mut buf)?;
            n += 1;
        }
        out.write_all(&buf).await.map_err(io)?;
        match page.last() {
            Some(last) if page.len() as i64 == PAGE_ROWS => after = last.id().to_owned(),
            _ => return Ok(n),
        }
    }
}
