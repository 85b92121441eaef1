//! `relationhub db seed|stats|backup|restore`.

mod bench;

use super::{CliResult, connect};
use crate::config::Config;
use crate::seed::{self, DEMO_EMAIL, DEMO_PASSWORD, Outcome};
use clap::Subcommand;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Database commands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the guide's seed data (10 emails, 5 templates, 20 conversation entries) for a demo
    /// account, or with --scale the deterministic benchmark data set (bench-NNN@example.com).
    /// Refused when RELATIONHUB_ENV=production (both create accounts with a published password).
    Seed {
        /// Load the deterministic benchmark data set of this size instead of the demo seed
        /// (accounts bench-001@example.com … with password bench-password; docs/BENCHMARKS.md).
        #[arg(long, value_enum)]
        scale: Option<bench::ScaleArg>,
        /// Generator seed for --scale (default 42): the same seed loads the same data.
        #[arg(long, requires = "scale")]
        seed: Option<u64>,
        /// With --scale: delete the bench accounts an earlier `db seed --scale` created (and all
        /// they own) and load again, instead of refusing. Accounts it did not create are never
        /// deleted.
        #[arg(long, requires = "scale")]
        replace: bool,
    },
    /// Print the guide's row counts and table/index sizes.
    Stats,
    /// Back up the database (pg_dump on PostgreSQL, online backup on SQLite).
    Backup {
        /// Where to write (default backups/relationhub_<db>_<YYYYMMDD_HHMMSS>.sql|.db).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Restore a backup made by `db backup`. Replacing a non-empty database asks for confirmation
    /// on a terminal (`--force` otherwise) and is refused in production; on SQLite it is refused
    /// while a server uses the database.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Replace the contents of a non-empty database without asking.
        #[arg(long)]
        force: bool,
    },
}

/// Runs a database command.
pub async fn run(config: &Config, cmd: DbCommand) -> CliResult {
    match cmd {
        DbCommand::Seed { scale, seed: rng_seed, replace } => {
            super::migrate::refuse_in_production(
                config,
                "db seed",
                "it creates accounts with a published password",
            )?;
            let store = connect(config, false).await?;
            match scale {
                None => print_seed(seed::seed(&store).await?),
                Some(scale) => bench::run(&store, scale.into(), rng_seed, replace).await?,
            }
        }
        DbCommand::Stats => {
            let store = connect(config, false).await?;
            let counts = store.row_counts().await?;
            println!(" {:<22} | {:>10}", "table_name", "count");
            println!("{}", "-".repeat(37));
            for (table, n) in &counts {
                println!(" {table:<22} | {n:>10}");
            }
            println!();
            let sizes = store.table_stats().await?;
            println!(
                " {:<22} | {:>10} | {:>10} | {:>12}",
                "table_name", "total_size", "table_size", "indexes_size"
            );
            println!("{}", "-".repeat(66));
            for s in &sizes {
                println!(
                    " {:<22} | {:>10} | {:>10} | {:>12}",
                    s.table,
                    pretty_size(s.total_bytes),
                    pretty_size(s.table_bytes),
                    pretty_size(s.index_bytes)
                );
            }
        }
        DbCommand::Backup { output } => {
            let store = connect(config, false).await?;
            let out = output.unwrap_or_else(|| crate::backup::default_path(&config.database_url));
            crate::backup::backup(&store, &out).await?;
            let size = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            println!("Backup written to {} ({})", out.display(), pretty_size(size as i64));
        }
        DbCommand::Restore { file, force } => {
            if !file.is_file() {
                anyhow::bail!("backup file {} does not exist", file.display());
            }
            // Taken first and held to the end: no server may start on the file while it is
            // replaced, and none may be running (SQLite only; PostgreSQL restores are one
            // transaction).
            let _lock = super::dblock::DbLock::exclusive(&config.database_url)?;
            let store = connect(config, true).await?;
            if !store.is_empty().await? {
                super::migrate::refuse_in_production(
                    config,
                    "db restore --force",
                    "it replaces every row of a non-empty database",
                )?;
                if !force && !std::io::stdin().is_terminal() {
                    anyhow::bail!(
                        "the database {} is not empty; pass --force to replace its contents",
                        config.database_url
                    );
                }
                super::migrate::confirm(
                    &format!("replace the contents of {} with {}", config.database_url, file.display()),
                    "Every row in it now will be lost.",
                    force,
                )?;
            }
            crate::backup::restore(store, &file, true).await?;
            println!("Restored {} into {}", file.display(), config.database_url);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints what seeding did and how to sign in.
pub fn print_seed(outcome: Outcome) {
    match outcome {
        Outcome::Created => {
            println!("Seeded the database:");
            println!("  - 10 sample emails (5 DRAFT, 3 SENT, 2 FAILED)");
            println!("  - 5 email templates (2 FORMAL, 2 CASUAL, 1 CUSTOM; 1 marked as default)");
            println!("  - 20 conversation history entries (10 SENT, 10 RECEIVED) across 5 contacts");
        }
        Outcome::AlreadySeeded => println!("Seed data already present; nothing changed."),
    }
    println!("Demo account: {DEMO_EMAIL} / password: {DEMO_PASSWORD}");
}

/// Bytes as PostgreSQL's `pg_size_pretty` prints them.
pub fn pretty_size(bytes: i64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes.abs() < 10 * 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    for unit in UNITS {
        if value.abs() < 10.0 * 1024.0 {
            return format!("{} {unit}", value.round() as i64);
        }
        value /= 1024.0;
    }
    format!("{} EB", value.round() as i64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_print_like_pg_size_pretty() {
        assert_eq!(super::pretty_size(8192), "8192 bytes");
        assert_eq!(super::pretty_size(16384), "16 kB");
        assert_eq!(super::pretty_size(48 * 1024 * 1024), "48 MB");
    }
}
