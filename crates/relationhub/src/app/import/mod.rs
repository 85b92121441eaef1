//! Import: bring a file of contacts into the user's account.
//!
//! Formats: `vcard`, `google-csv`, `linkedin-csv`, `csv` (any header, `map` or guessed columns)
//! and `relationhub-json` (our own archive), guessed from the content when not given. Each row is
//! matched to an existing contact by email (case-insensitive), then by name and company
//! (case-insensitive); a match only gets its empty fields filled, unless `overwrite`. Rows
//! matching an earlier row of the same file merge into it, so importing a file twice changes
//! nothing the second time. The whole file is written in one transaction, and only when every
//! row is valid: one bad row (reported with its line) writes nothing. `dry_run` reports what
//! would happen and writes nothing.

mod csv;
mod formats;
mod restore;
mod vcard;

pub use restore::{ARCHIVE_VERSION, RestoreCounts};

use super::contacts::ContactFields;
use super::{ApiError, ApiResult, AppState};
use domain::inputs::{ContactPatch, NewContact};
use domain::validate::{EmailAddress, Notes, PersonName, Phone, ShortText, WebUrl, optional};
use domain::{Contact, User, ValidationError};
use std::collections::HashMap;

/// Largest file accepted, in bytes (the GraphQL `content` limit; the CLI uses the same).
pub const MAX_CONTENT: usize = 10 * 1024 * 1024;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// vCard 3.0 / 4.0.
    Vcard,
    /// Google Contacts CSV export.
    GoogleCsv,
    /// LinkedIn Connections.csv.
    LinkedinCsv,
    /// Any CSV with a header line.
    Csv,
    /// RelationHub's JSON archive.
    RelationhubJson,
}

impl Format {
    /// Parses a format name as given on the command line (`vcard`, `google-csv`, …).
    pub fn from_name(s: &str) -> Option<Format> {
        Some(match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "vcard" | "vcf" => Format::Vcard,
            "google-csv" | "google" => Format::GoogleCsv,
            "linkedin-csv" | "linkedin" => Format::LinkedinCsv,
            "csv" => Format::Csv,
            "relationhub-json" | "json" => Format::RelationhubJson,
            _ => return None,
        })
    }

    /// Guesses the format from the first bytes of the content.
    pub fn guess(content: &str) -> Format {
        let head: String = content.trim_start_matches('\u{feff}').trim_start().chars().take(4096).collect();
        let first_line = head.lines().next().unwrap_or_default();
        if head.to_ascii_uppercase().starts_with("BEGIN:VCARD") {
            Format::Vcard
        } else if head.starts_with('{') {
            Format::RelationhubJson
        } else if first_line.starts_with("Notes:")
            || (first_line.contains("First Name") && first_line.contains("Connected On"))
        {
            Format::LinkedinCsv
        } else if first_line.contains("E-mail 1 - Value") || first_line.contains("Given Name") {
            Format::GoogleCsv
        } else {
            Format::Csv
        }
    }
}

/// One row read from a file: the line it starts on and its fields as typed.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    line: usize,
    fields: ContactFields,
}

/// Adds lines to a row's notes (extra emails, phones, LinkedIn's "Connected On").
fn append_notes(f: &mut ContactFields, extra: &[String]) {
    if extra.is_empty() {
        return;
    }
    let mut notes = f.notes.take().filter(|n| !n.trim().is_empty()).unwrap_or_default();
    for e in extra {
        if !notes.is_empty() {
            notes.push('\n');
        }
        notes.push_str(e);
    }
    f.notes = Some(notes);
}

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The format, or None to guess it.
    pub format: Option<Format>,
    /// The file's text (UTF-8).
    pub content: String,
    /// Report only, write nothing.
    pub dry_run: bool,
    /// Replace existing fields instead of only filling empty ones.
    pub overwrite: bool,
    /// `csv` only: field → column header.
    pub map: Vec<(String, String)>,
}

/// A bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line the row starts on (`relationhub-json`: position in `contacts`).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// What an import did (or, for a dry run or a file with errors, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// New contacts.
    pub created: usize,
    /// Existing contacts that got fields.
    pub updated: usize,
    /// Rows matching a contact (stored, or earlier in the file) that added nothing to it.
    pub unchanged: usize,
    /// Empty rows (no name and no email).
    pub skipped: usize,
    /// Bad rows; when there is any, nothing was written.
    pub errors: Vec<RowError>,
    /// Whether the changes were written (false for a dry run or a file with errors).
    pub committed: bool,
    /// Set when a full RelationHub archive was restored into an empty account: every section's rows.
    pub restored: Option<RestoreCounts>,
}

fn read_rows(req: &ImportRequest, format: Format) -> ApiResult<(Vec<Row>, Vec<RowError>)> {
    let rows = match format {
        Format::Vcard => return Ok(vcard::rows(&req.content)),
        Format::GoogleCsv => formats::google(&req.content),
        Format::LinkedinCsv => formats::linkedin(&req.content),
        Format::Csv => formats::generic(&req.content, &req.map),
        Format::RelationhubJson => formats::json(&req.content),
    }?;
    Ok((rows, Vec::new()))
}

fn validate(f: &ContactFields) -> Result<NewContact, ValidationError> {
    let name = if f.name.trim().is_empty() { f.email.clone().unwrap_or_default() } else { f.name.clone() };
    Ok(NewContact {
        name: PersonName::parse("name", &name)?,
        email: optional(f.email.as_deref(), |s| EmailAddress::parse("email", s))?,
        phone: optional(f.phone.as_deref(), |s| Phone::parse("phone", s))?,
        company: optional(f.company.as_deref(), |s| ShortText::parse("company", s))?,
        role: optional(f.role.as_deref(), |s| ShortText::parse("role", s))?,
        industry: optional(f.industry.as_deref(), |s| ShortText::parse("industry", s))?,
        linked_in_url: optional(f.linked_in_url.as_deref(), |s| WebUrl::parse("linkedInUrl", s))?,
        priority: f.priority.unwrap_or(domain::Priority::Medium),
        birthday: f.birthday,
        notes: optional(f.notes.as_deref(), |s| Notes::parse("notes", s))?,
    })
}

/// The stored (or about to be stored) state of a contact, as comparable plain values.
#[derive(Debug, Clone, Default, PartialEq)]
struct Current {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    role: Option<String>,
    industry: Option<String>,
    linked_in_url: Option<String>,
    priority: Option<domain::Priority>,
    birthday: Option<chrono::NaiveDate>,
    notes: Option<String>,
}

impl From<&Contact> for Current {
    fn from(c: &Contact) -> Self {
        Current {
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
        }
    }
}

impl From<&NewContact> for Current {
    fn from(n: &NewContact) -> Self {
        let s = |v: Option<&str>| v.map(str::to_owned);
        Current {
            name: n.name.as_str().to_owned(),
            email: s(n.email.as_ref().map(|v| v.as_str())),
            phone: s(n.phone.as_ref().map(|v| v.as_str())),
            company: s(n.company.as_ref().map(|v| v.as_str())),
            role: s(n.role.as_ref().map(|v| v.as_str())),
            industry: s(n.industry.as_ref().map(|v| v.as_str())),
            linked_in_url: s(n.linked_in_url.as_ref().map(|v| v.as_str())),
            priority: Some(n.priority),
            birthday: n.birthday,
            notes: s(n.notes.as_ref().map(|v| v.as_str())),
        }
    }
}

/// Where a matched contact lives: already stored, or created earlier in this file.
#[derive(Debug, Clone, Copy)]
enum Target {
    Stored(usize),
    New(usize),
}

fn email_key(e: &str) -> String {
    e.trim().to_lowercase()
}

fn name_key(name: &str, company: Option<&str>) -> (String, String) {
    (name.trim().to_lowercase(), company.unwrap_or_default().trim().to_lowercase())
}

/// Merges `row` into `cur`: fills empty fields (or replaces differing ones with `overwrite`);
/// true when anything changed. The priority only changes with `overwrite` (a file's default
/// MEDIUM must not demote a HIGH contact).
fn merge(cur: &mut Current, row: &NewContact, row_has_priority: bool, overwrite: bool) -> bool {
    let new = Current::from(row);
    let mut changed = false;
    macro_rules! field {
        ($f:ident) => {
            if new.$f.is_some() && new.$f != cur.$f && (overwrite || cur.$f.is_none()) {
                cur.$f = new.$f.clone();
                changed = true;
            }
        };
    }
    field!(email);
    field!(phone);
    field!(company);
    field!(role);
    field!(industry);
    field!(linked_in_url);
    field!(birthday);
    field!(notes);
    if overwrite && row_has_priority && new.priority != cur.priority {
        cur.priority = new.priority;
        changed = true;
    }
    if overwrite && new.name != cur.name {
        cur.name = new.name;
        changed = true;
    }
    changed
}

/// The patch turning `before` into `after` (only the fields that differ).
fn patch(before: &Current, after: &Current) -> Result<ContactPatch, ValidationError> {
    let opt = |b: &Option<String>, a: &Option<String>| (b != a).then(|| a.clone());
    Ok(ContactPatch {
        name: (before.name != after.name).then(|| PersonName::parse("name", &after.name)).transpose()?,
        email: opt(&before.email, &after.email)
            .map(|v| optional(v.as_deref(), |s| EmailAddress::parse("email", s)))
            .transpose()?,
        phone: opt(&before.phone, &after.phone)
            .map(|v| optional(v.as_deref(), |s| Phone::parse("phone", s)))
            .transpose()?,
        company: opt(&before.company, &after.company)
            .map(|v| optional(v.as_deref(), |s| ShortText::parse("company", s)))
            .transpose()?,
        role: opt(&before.role, &after.role)
            .map(|v| optional(v.as_deref(), |s| ShortText::parse("role", s)))
            .transpose()?,
        industry: opt(&before.industry, &after.industry)
            .map(|v| optional(v.as_deref(), |s| ShortText::parse("industry", s)))
            .transpose()?,
        linked_in_url: opt(&before.linked_in_url, &after.linked_in_url)
            .map(|v| optional(v.as_deref(), |s| WebUrl::parse("linkedInUrl", s)))
            .transpose()?,
        priority: (before.priority != after.priority).then_some(after.priority).flatten(),
        birthday: (before.birthday != after.birthday).then_some(after.birthday),
        notes: opt(&before.notes, &after.notes)
            .map(|v| optional(v.as_deref(), |s| Notes::parse("notes", s)))
            .transpose()?,
        last_contacted_at: None,
        // An import never changes a cadence; new contacts get their priority's default.
        stay_in_touch_days: None,
        stay_in_touch_default: None,
    })
}

fn new_contact(c: &Current) -> Result<NewContact, ValidationError> {
    validate(&ContactFields {
        stay_in_touch_days: Default::default(),
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        company: c.company.clone(),
        role: c.role.clone(),
        industry: c.industry.clone(),
        linked_in_url: c.linked_in_url.clone(),
        priority: c.priority,
        birthday: c.birthday,
        notes: c.notes.clone(),
    })
}

/// A row as a preview shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewRow {
    /// Line the row starts on (`relationhub-json`: position in `contacts`).
    pub line: usize,
    /// Name as read.
    pub name: String,
    /// Email as read ("" when none).
    pub email: String,
    /// Company as read ("" when none).
    pub company: String,
}

/// The first `n` rows of a file as they were read (the web app shows them before importing).
pub fn first_rows(req: &ImportRequest, n: usize) -> ApiResult<Vec<PreviewRow>> {
    if req.content.len() > MAX_CONTENT {
        return Err(ApiError::bad_input("content", "must be at most 10 MB"));
    }
    let format = req.format.unwrap_or_else(|| Format::guess(&req.content));
    let (rows, _) = read_rows(req, format)?;
    Ok(rows
        .into_iter()
        .take(n)
        .map(|r| PreviewRow {
            line: r.line,
            name: r.fields.name,
            email: r.fields.email.unwrap_or_default(),
            company: r.fields.company.unwrap_or_default(),
        })
        .collect())
}

/// Imports a file into the user's contacts (see the module documentation for the rules).
/// BAD_USER_INPUT when the file is too large or cannot be read at all; row-level problems are
/// reported in [`ImportReport::errors`] and write nothing.
#[tracing::instrument(skip_all, fields(op = "import_contacts", user = %user.id, dry_run = req.dry_run))]
pub async fn import_contacts(st: &AppState, user: &User, req: &ImportRequest) -> ApiResult<ImportReport> {
    import_with(&st.store, user, req).await
}

/// [`import_contacts`] over a bare store (the command line has no running server state).
pub async fn import_with(store: &store::Store, user: &User, req: &ImportRequest) -> ApiResult<ImportReport> {
    if req.content.len() > MAX_CONTENT {
        return Err(ApiError::bad_input("content", "must be at most 10 MB"));
    }
    import_unbounded(store, user, req).await
}

/// [`import_with`] without the size limit: the command line reads the operator's own files, and
/// a full account archive may be larger than 10 MB.
pub async fn import_unbounded(
    store: &store::Store,
    user: &User,
    req: &ImportRequest,
) -> ApiResult<ImportReport> {
    let format = req.format.unwrap_or_else(|| Format::guess(&req.content));
    // A full archive into an empty account is a restore (every table, row for row); into an
    // account that already has data, only its contacts are merged like any other file.
    if format == Format::RelationhubJson
        && let Some(data) = restore::full_archive(&req.content)?
        && store.account_is_empty(&user.id).await?
    {
        return restore::restore(store, user, data, req.dry_run).await;
    }
    let (rows, read_errors) = read_rows(req, format)?;
    let existing = store.all_contacts(&user.id).await?;
    let mut stored: Vec<(Current, Current)> =
        existing.iter().map(|c| (Current::from(c), Current::from(c))).collect();
    let mut created: Vec<Current> = Vec::new();
    let (mut by_email, mut by_name): (HashMap<String, Target>, HashMap<(String, String), Target>) =
        (HashMap::new(), HashMap::new());
    for (i, c) in existing.iter().enumerate() {
        if let Some(e) = &c.email {
            by_email.entry(email_key(e)).or_insert(Target::Stored(i));
        }
        by_name.entry(name_key(&c.name, c.company.as_deref())).or_insert(Target::Stored(i));
    }
    let mut report = ImportReport { errors: read_errors, ..ImportReport::default() };
    for row in rows {
        let f = &row.fields;
        if f.name.trim().is_empty() && f.email.as_deref().is_none_or(|e| e.trim().is_empty()) {
            report.skipped += 1;
            continue;
        }
        let valid = match validate(f) {
            Ok(v) => v,
            Err(e) => {
                report.errors.push(RowError { line: row.line, message: e.to_string() });
                continue;
            }
        };
        let key_email = valid.email.as_ref().map(|e| email_key(e.as_str()));
        let key_name = name_key(valid.name.as_str(), valid.company.as_ref().map(|c| c.as_str()));
        let target =
            key_email.as_ref().and_then(|k| by_email.get(k)).or_else(|| by_name.get(&key_name)).copied();
        let cur = match target {
            Some(Target::Stored(i)) => stored.get_mut(i).map(|(_, after)| after),
            Some(Target::New(i)) => created.get_mut(i),
            None => None,
        };
        match cur {
            Some(cur) => {
                if !merge(cur, &valid, f.priority.is_some(), req.overwrite) {
                    report.unchanged += 1;
                }
                // An updated contact may now be found by its new email too.
                if let (Some(e), Some(t)) = (&cur.email, target) {
                    by_email.entry(email_key(e)).or_insert(t);
                }
            }
            None => {
                let t = Target::New(created.len());
                if let Some(k) = key_email {
                    by_email.insert(k, t);
                }
                by_name.entry(key_name).or_insert(t);
                created.push(Current::from(&valid));
            }
        }
    }
    let mut updates = Vec::new();
    for ((before, after), c) in stored.iter().zip(&existing) {
        if before != after {
            let p = patch(before, after).map_err(ApiError::from)?;
            updates.push((c.id.clone(), p));
        }
    }
    report.errors.sort_by_key(|e| e.line);
    report.created = created.len();
    report.updated = updates.len();
    let creates = created.iter().map(new_contact).collect::<Result<Vec<_>, _>>().map_err(ApiError::from)?;
    if req.dry_run || !report.errors.is_empty() {
        return Ok(report);
    }
    store.apply_import(&user.id, &creates, &updates).await?;
    report.committed = true;
    Ok(report)
}
