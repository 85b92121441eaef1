//! Import over GraphQL: `importContacts`.

use super::context::{state, user};
use crate::app::import::{self, Format, ImportRequest};
use async_graphql::{Context, Enum, InputObject, Object, SimpleObject};

/// File formats `importContacts` reads.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ImportFormat {
    /// vCard 3.0 / 4.0.
    Vcard,
    /// Google Contacts CSV export.
    GoogleCsv,
    /// LinkedIn Connections.csv.
    LinkedinCsv,
    /// Any CSV with a header line (columns guessed).
    Csv,
    /// A RelationHub JSON archive.
    RelationhubJson,
}

impl From<ImportFormat> for Format {
    fn from(f: ImportFormat) -> Self {
        match f {
            ImportFormat::Vcard => Format::Vcard,
            ImportFormat::GoogleCsv => Format::GoogleCsv,
            ImportFormat::LinkedinCsv => Format::LinkedinCsv,
            ImportFormat::Csv => Format::Csv,
            ImportFormat::RelationhubJson => Format::RelationhubJson,
        }
    }
}

/// `importContacts` input.
#[derive(InputObject)]
pub struct ImportContactsInput {
    /// The format; guessed from the content when absent.
    pub format: Option<ImportFormat>,
    /// The file's text (at most 10 MB).
    pub content: String,
    /// Report only, write nothing.
    #[graphql(default)]
    pub dry_run: bool,
    /// Replace existing contacts' fields instead of only filling empty ones.
    #[graphql(default)]
    pub overwrite: bool,
}

/// A bad row of an imported file.
#[derive(SimpleObject)]
pub struct ImportError {
    /// 1-based line the row starts on (RELATIONHUB_JSON: position in `contacts`).
    pub line: i32,
    /// What is wrong.
    pub message: String,
}

/// What an import did, or would do.
#[derive(SimpleObject)]
pub struct ImportReport {
    /// New contacts.
    pub created: i32,
    /// Existing contacts that got fields.
    pub updated: i32,
    /// Rows that added nothing to an existing contact.
    pub unchanged: i32,
    /// Empty rows (no name and no email).
    pub skipped: i32,
    /// Bad rows; when there is any, nothing was written.
    pub errors: Vec<ImportError>,
    /// Whether anything was written (false for a dry run or a file with errors).
    pub committed: bool,
}

/// `importContacts` result.
#[derive(SimpleObject)]
pub struct ImportContactsPayload {
    /// The report.
    pub report: ImportReport,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Import mutations.
#[derive(Default)]
pub struct ImportMutation;

#[Object]
impl ImportMutation {
    /// Imports contacts from a vCard, CSV or RelationHub JSON file: duplicates (same email, or
    /// same name and company) get their empty fields filled; the file is written all or
    /// nothing; bad rows are reported with their line and write nothing.
    async fn import_contacts(
        &self,
        ctx: &Context<'_>,
        input: ImportContactsInput,
    ) -> async_graphql::Result<ImportContactsPayload> {
        let me = user(ctx)?;
        let req = ImportRequest {
            format: input.format.map(Into::into),
            content: input.content,
            dry_run: input.dry_run,
            overwrite: input.overwrite,
            map: Vec::new(),
        };
        let r = import::import_contacts(state(ctx), me, &req).await?;
        Ok(ImportContactsPayload {
            report: ImportReport {
                created: count(r.created),
                updated: count(r.updated),
                unchanged: count(r.unchanged),
                skipped: count(r.skipped),
                errors: r
                    .errors
                    .into_iter()
                    .map(|e| ImportError { line: count(e.line), message: e.message })
                    .collect(),
                committed: r.committed,
            },
        })
    }
}
