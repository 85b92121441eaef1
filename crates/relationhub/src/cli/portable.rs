//! `relationhub import`: bring a file of contacts into an account from the terminal.

use super::{CliResult, connect};
use crate::app::import::{Format, ImportRequest, MAX_CONTENT, import_with};
use crate::config::Config;
use anyhow::{anyhow, bail};
use std::path::PathBuf;
use std::process::ExitCode;

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
    if size > MAX_CONTENT as u64 {
        bail!("{} is larger than 10 MB; split it", args.file.display());
    }
    let bytes = std::fs::read(&args.file).map_err(|e| anyhow!("cannot read {}: {e}", args.file.display()))?;
    let content =
        String::from_utf8(bytes).map_err(|_| anyhow!("{} is not UTF-8 text", args.file.display()))?;
    let store = connect(config, false).await?;
    let user = store.user_by_email(&args.email).await?.ok_or_else(|| anyhow!("no account {}", args.email))?;
    let req = ImportRequest { format, content, dry_run: args.dry_run, overwrite: args.overwrite, map };
    let report = import_with(&store, &user, &req).await.map_err(|e| anyhow!("{e}"))?;
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
    Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
