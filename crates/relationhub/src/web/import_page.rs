//! `/import`: upload a file (multipart, with the CSRF token), see a dry-run PREVIEW (what would
//! be created, updated, unchanged or skipped, bad rows with their lines, the first rows as read),
//! then import it with one more button. Works without JavaScript: the preview form carries the
//! file back to the server (base64, so its bytes and line ends arrive exactly as uploaded), and
//! nothing is kept on the server between the two steps.

use super::page::{Chrome, WebError, WebResult, render, render_status};
use super::session::Auth;
use crate::app::import::{self, Format, ImportReport, ImportRequest, PreviewRow};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use base64::Engine as _;

/// Rows shown in a preview.
const PREVIEW_ROWS: usize = 10;

/// The format choices of the form: (value, label).
const FORMATS: &[(&str, &str)] = &[
    ("", "Guess from the file"),
    ("vcard", "vCard (.vcf)"),
    ("google-csv", "Google Contacts CSV"),
    ("linkedin-csv", "LinkedIn Connections.csv"),
    ("csv", "Other CSV (columns guessed)"),
    ("relationhub-json", "RelationHub JSON archive"),
];

/// A report as shown.
pub struct ReportView {
    created: usize,
    updated: usize,
    unchanged: usize,
    skipped: usize,
    errors: Vec<(usize, String)>,
    restored: String,
    committed: bool,
}

impl From<&ImportReport> for ReportView {
    fn from(r: &ImportReport) -> Self {
        ReportView {
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            skipped: r.skipped,
            errors: r.errors.iter().map(|e| (e.line, e.message.clone())).collect(),
            restored: r
                .restored
                .map(|c| {
                    format!(
                        "Full account restore: {} contacts, {} templates, {} conversation entries, {} emails.",
                        c.contacts, c.templates, c.history, c.emails
                    )
                })
                .unwrap_or_default(),
            committed: r.committed,
        }
    }
}

/// What the page shows after an upload or an import.
pub struct Outcome {
    report: ReportView,
    rows: Vec<PreviewRow>,
    /// The file, base64, for the "Import" button (empty once imported).
    content_b64: String,
    file_name: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    formats: Vec<(String, String)>,
    format: String,
    overwrite: bool,
    error: String,
    outcome: Option<Outcome>,
}

impl ImportPage {
    fn new(auth: &Auth) -> ImportPage {
        ImportPage {
            chrome: Chrome::new(auth, "settings", "Import contacts"),
            formats: FORMATS.iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect(),
            format: String::new(),
            overwrite: false,
            error: String::new(),
            outcome: None,
        }
    }
}

/// `GET /import`.
pub async fn page(auth: Auth) -> WebResult {
    Ok(render(&ImportPage::new(&auth)))
}

/// The fields of either form.
#[derive(Default)]
struct Upload {
    csrf: String,
    format: String,
    overwrite: bool,
    file_name: String,
    content: Option<Vec<u8>>,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, WebError> {
    let bad = |_| WebError::BadRequest("The upload was incomplete; please try again.");
    let mut up = Upload::default();
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "csrf" => up.csrf = field.text().await.map_err(bad)?,
            "format" => up.format = field.text().await.map_err(bad)?,
            "overwrite" => up.overwrite = !field.text().await.map_err(bad)?.is_empty(),
            "file" => {
                up.file_name = field.file_name().unwrap_or_default().to_owned();
                up.content = Some(field.bytes().await.map_err(bad)?.to_vec());
            }
            "contentBase64" => {
                let text = field.text().await.map_err(bad)?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.trim())
                    .map_err(|_| WebError::BadRequest("The upload was incomplete; please try again."))?;
                up.content = Some(bytes);
            }
            "fileName" => up.file_name = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    Ok(up)
}

/// Checks the CSRF token and turns the upload into a request; `Err(message)` for the page.
fn request(auth: &Auth, up: &Upload, dry_run: bool) -> Result<Result<ImportRequest, String>, WebError> {
    if !super::session::same_token(&up.csrf, &auth.csrf) {
        return Err(WebError::Csrf);
    }
    let format = match up.format.as_str() {
        "" => None,
        f => match Format::from_name(f) {
            Some(f) => Some(f),
            None => return Ok(Err("Unknown format.".into())),
        },
    };
    let Some(bytes) = up.content.as_ref().filter(|b| !b.is_empty()) else {
        return Ok(Err("Choose a file to import.".into()));
    };
    if bytes.len() > import::MAX_CONTENT {
        return Ok(Err("The file is larger than 10 MB; split it, or use `relationhub import`.".into()));
    }
    let Ok(content) = String::from_utf8(bytes.clone()) else {
        return Ok(Err("The file is not UTF-8 text.".into()));
    };
    Ok(Ok(ImportRequest { format, content, dry_run, overwrite: up.overwrite, map: Vec::new() }))
}

async fn run(shared: &Shared, auth: Auth, mp: Multipart, dry_run: bool) -> WebResult {
    let up = read_upload(mp).await?;
    let mut view = ImportPage::new(&auth);
    view.format = up.format.clone();
    view.overwrite = up.overwrite;
    let req = match request(&auth, &up, dry_run)? {
        Ok(req) => req,
        Err(message) => {
            view.error = message;
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &view));
        }
    };
    let outcome = async {
        let report = import::import_contacts(&shared.state, &auth.user, &req).await?;
        let rows = if dry_run { import::first_rows(&req, PREVIEW_ROWS)? } else { Vec::new() };
        Ok::<_, crate::app::ApiError>((report, rows))
    }
    .await;
    match outcome {
        Ok((report, rows)) => {
            let content_b64 = if dry_run && report.errors.is_empty() {
                base64::engine::general_purpose::STANDARD.encode(req.content.as_bytes())
            } else {
                String::new()
            };
            view.outcome = Some(Outcome {
                report: ReportView::from(&report),
                rows,
                content_b64,
                file_name: up.file_name,
            });
            Ok(render(&view))
        }
        Err(e @ crate::app::ApiError::BadInput { .. }) => {
            view.error = super::page::capitalise(&e.to_string());
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &view))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /import/preview`: a dry run of the uploaded file.
pub async fn preview(State(shared): State<Shared>, auth: Auth, mp: Multipart) -> WebResult {
    run(&shared, auth, mp, true).await
}

/// `POST /import`: imports the file the preview carried back.
pub async fn commit(State(shared): State<Shared>, auth: Auth, mp: Multipart) -> WebResult {
    run(&shared, auth, mp, false).await
}
