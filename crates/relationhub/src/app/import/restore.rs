//! Restoring a full RelationHub archive (docs/EXPORT_FORMAT.md) into an EMPTY account: every
//! section, row for row, with its ids, times and statuses, in one transaction.
//!
//! An archive is "full" when it carries an `account` object (what `relationhub export --format
//! json` writes); a file without one is a list of contacts and is merged like any other import.
//! Ids are kept; when they already exist in this database (the archive was exported from it),
//! the restore is retried once with fresh ids (see `store::archive`).

use super::{ImportReport, RowError};
use crate::app::contacts::ContactFields;
use crate::app::{ApiError, ApiResult};
use domain::User;
use serde::Deserialize;
use std::collections::HashSet;
use store::StoreError;
use store::archive::{
    AccountData, ArchiveAccount, ArchiveContact, ArchiveEmail, ArchiveEntry, ArchiveTemplate,
};

/// The newest archive version this server reads (and the one it writes).
pub const ARCHIVE_VERSION: u32 = 1;

/// How many rows of each section a restore wrote (or, for a dry run, would write).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestoreCounts {
    /// Contacts.
    pub contacts: usize,
    /// Email templates.
    pub templates: usize,
    /// Conversation history entries.
    pub history: usize,
    /// Emails.
    pub emails: usize,
}

/// A full archive as written by the exporter. Unknown sections are ignored, so archives from a
/// newer minor addition (e.g. `followUpSequences`) still restore what this server knows.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FullArchive {
    format: String,
    account: Option<ArchiveAccount>,
    #[serde(default)]
    contacts: Vec<ArchiveContact>,
    #[serde(default)]
    email_templates: Vec<ArchiveTemplate>,
    #[serde(default)]
    conversation_history: Vec<ArchiveEntry>,
    #[serde(default)]
    emails: Vec<ArchiveEmail>,
}

/// Just enough to tell a full archive from a contacts-only file.
#[derive(Deserialize)]
struct Head {
    version: Option<u32>,
    account: Option<serde::de::IgnoredAny>,
}

/// Reads `text` as a full archive: None when it has no `account` (a contacts-only file);
/// BAD_USER_INPUT when it is a full archive that cannot be read.
pub(super) fn full_archive(text: &str) -> ApiResult<Option<AccountData>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let invalid = |e: serde_json::Error| {
        ApiError::bad_input("content", format!("not a readable RelationHub archive (line {}): {e}", e.line()))
    };
    let head: Head = serde_json::from_str(text).map_err(invalid)?;
    if head.account.is_none() {
        return Ok(None);
    }
    let version = head.version.unwrap_or(ARCHIVE_VERSION);
    if version > ARCHIVE_VERSION {
        return Err(ApiError::bad_input(
            "content",
            format!("archive version {version} is newer than this server reads ({ARCHIVE_VERSION})"),
        ));
    }
    let a: FullArchive = serde_json::from_str(text).map_err(invalid)?;
    if a.format != "relationhub" {
        return Err(ApiError::bad_input(
            "content",
            "not a RelationHub archive (format is not \"relationhub\")",
        ));
    }
    Ok(Some(AccountData {
        account: a.account,
        contacts: a.contacts,
        templates: a.email_templates,
        history: a.conversation_history,
        emails: a.emails,
    }))
}

/// What is wrong with an archive's rows, by section and 1-based position.
fn check(data: &AccountData) -> Vec<RowError> {
    let mut errors = Vec::new();
    let mut ids = HashSet::new();
    for (i, c) in data.contacts.iter().enumerate() {
        let fields = ContactFields {
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            company: c.company.clone(),
            role: c.role.clone(),
            industry: c.industry.clone(),
            linked_in_url: c.linked_in_url.clone(),
            priority: Some(c.priority),
            birthday: c.birthday,
            notes: c.notes.clone(),
            ..ContactFields::default()
        };
        if c.name.trim().is_empty() {
            errors.push(RowError {
                line: i + 1,
                message: format!("contacts[{}]: name: must not be empty", i + 1),
            });
        } else if let Err(e) = super::validate(&fields) {
            errors.push(RowError { line: i + 1, message: format!("contacts[{}]: {e}", i + 1) });
        }
        if !ids.insert(c.id.as_str()) {
            errors.push(RowError { line: i + 1, message: format!("contacts[{}]: duplicate id", i + 1) });
        }
    }
    let refs = data
        .history
        .iter()
        .map(|h| ("conversationHistory", &h.contact_id))
        .chain(data.emails.iter().map(|e| ("emails", &e.contact_id)));
    let mut pos = (0usize, 0usize);
    for (section, contact) in refs {
        let n = if section == "emails" { &mut pos.1 } else { &mut pos.0 };
        *n += 1;
        if !ids.contains(contact.as_str()) {
            errors.push(RowError {
                line: *n,
                message: format!("{section}[{n}]: contactId is not in contacts"),
            });
        }
    }
    if data.templates.iter().filter(|t| t.is_default).count() > 1 {
        errors.push(RowError { line: 1, message: "emailTemplates: more than one default".into() });
    }
    errors
}

/// Restores `data` into the (empty) account; nothing is written for a dry run or a bad archive.
pub(super) async fn restore(
    store: &store::Store,
    user: &User,
    data: AccountData,
    dry_run: bool,
) -> ApiResult<ImportReport> {
    let counts = RestoreCounts {
        contacts: data.contacts.len(),
        templates: data.templates.len(),
        history: data.history.len(),
        emails: data.emails.len(),
    };
    let errors = check(&data);
    let mut report =
        ImportReport { created: counts.contacts, restored: Some(counts), errors, ..ImportReport::default() };
    if dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    match store.restore_account(&user.id, &data, false).await {
        // The ids are taken: the archive comes from this database. Restore a copy with new ids.
        Err(StoreError::Conflict(m)) if m != "the account is not empty" => {
            tracing::info!(user = %user.id, "archive ids already in use; restoring with fresh ids");
            store.restore_account(&user.id, &data, true).await?;
        }
        other => other?,
    }
    report.committed = true;
    Ok(report)
}
