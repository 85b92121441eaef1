//! `relationhub import` and `relationhub export`: bring contacts into an account, and take an
//! account (or its contacts) out, from the terminal.

use super::{CliResult, connect};
use crate::app::export::{ExportFormat, export_account};
use crate::app::import::{Format, ImportRequest, import_unbounded};
use crate::config::Config;
use anyhow::{anyhow, bail};
use std::path::PathBuf;
use std::process::ExitCode;

/// Largest file `relationhub import` reads (the operator's own file; the web app and the API
/// take at most 10 MB).
const MAX_FILE: u64 = 1024 * 1024 * 1024;

/// `relationhub import` options.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The account to import into.
    #[arg(long, value_name = "USER")]
    pub email: String,
    /// The file (vCard, CSV or RelationHub JSON).
    pub file: PathBuf,
    /// vcard, google-csv, linkedin-csv, csv or relationhub-json (guessed when absent).
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
    /// Report what would happen, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace existing contacts' fields instead of only filling empty ones.
    #[arg(long)]
    pub overwrite: bool,
    /// `csv`: take a field from a column, e.g. `--map email=E-Mail --map name="Full Name"`.
    #[arg(long, value_name = "FIELD=COLUMN")]
    pub map: Vec<String>,
}

/// Runs `relationhub import`: prints the report; exit code 1 when a row was bad (nothing
/// written).
pub async fn run_import(config: &Config, args: ImportArgs) -> CliResult {
    let format = match &args.format {
        Some(f) => Some(Format::from_name(f).ok_or_else(|| {
            anyhow!("unknown format {f:?} (vcard, google-csv, linkedin-csv, csv, relationhub-json)")
        })?),
        None => None,
    };
    let mut map = Vec::new();
    for m in &args.map {
        let (field, column) =
            m.split_once('=').ok_or_else(|| anyhow!("--map {m:?}: expected FIELD=COLUMN"))?;
        map.push((field.trim().to_owned(), column.trim().to_owned()));
    }
    let size =
        std::fs::metadata(&args.file).map_err(|e| anyhow!("cannot read {}: {e}", args.file.display()))?.len();
    if size > MAX_FILE {
        bail!("{} is larger than 1 GB; split it", args.file.display());
    }
    let bytes = std::fs::read(&args.file).map_err(|e| anyhow!("cannot read {}: {e}", args.file.display()))?;
    let content =
        String::from_utf8(bytes).map_err(|_| anyhow!("{} is not UTF-8 text", args.file.display()))?;
    let store = connect(config, false).await?;
    let user = store.user_by_email(&args.email).await?.ok_or_else(|| anyhow!("no account {}", args.email))?;
    let req = ImportRequest { format, content, dry_run: args.dry_run, overwrite: args.overwrite, map };
    let report = import_unbounded(&store, &user, &req).await.map_err(|e| anyhow!("{e}"))?;
    for e in &report.errors {
        eprintln!("line {}: {}", e.line, e.message);
    }
    let verb = if report.committed { "imported" } else { "nothing written" };
    println!(
        "{verb}: {} created, {} updated, {} unchanged, {} skipped, {} errors{}",
        report.created,
        report.updated,
        report.unchanged,
        report.skipped,
        report.errors.len(),
        if args.dry_run { " (dry run)" } else { "" }
    );
    if let Some(r) = report.restored {
        println!(
            "full archive restore: {} contacts, {} templates, {} conversation entries, {} emails",
            r.contacts, r.templates, r.history, r.emails
        );
    }
    Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `relationhub export` options.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The account to export.
    #[arg(long, value_name = "USER")]
    pub email: String,
    /// json (the whole account, lossless), vcard (contacts, vCard 4.0) or csv (contacts).
    #[arg(long, value_name = "F", default_value = "json")]
    pub format: String,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `relationhub export`: streams the export to the file or standard output; the summary
/// goes to standard error.
pub async fn run_export(config: &Config, args: ExportArgs) -> CliResult {
    let format = ExportFormat::from_name(&args.format)
        .ok_or_else(|| anyhow!("unknown format {:?} (json, vcard, csv)", args.format))?;
    let store = connect(config, false).await?;
    let user = store.user_by_email(&args.email).await?.ok_or_else(|| anyhow!("no account {}", args.email))?;
    let now = chrono::Utc::now();
    let rows = match &args.output {
        Some(path) => {
            // Written next to the target and renamed at the end, so a failed export never leaves
            // a truncated file under the requested name.
            let tmp = path.with_extension("partial");
            let file = tokio::fs::File::create(&tmp)
                .await
                .map_err(|e| anyhow!("cannot create {}: {e}", tmp.display()))?;
            let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
            let rows = export_account(&store, &user, format, now, &mut out).await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    bail!("export failed: {e}");
                }
            };
            tokio::fs::rename(&tmp, path)
                .await
                .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
            rows
        }
        None => {
            let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, tokio::io::stdout());
            export_account(&store, &user, format, now, &mut out)
                .await
                .map_err(|e| anyhow!("export failed: {e}"))?
        }
    };
    eprintln!("exported {rows} rows ({})", args.format);
    Ok(ExitCode::SUCCESS)
}
