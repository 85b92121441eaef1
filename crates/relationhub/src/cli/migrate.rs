//! `relationhub migrate status|deploy|dev|reset|resolve|rollback` — Prisma Migrate's commands,
//! with its output and exit codes.

use super::{CliResult, connect};
use crate::config::Config;
use anyhow::bail;
use clap::Subcommand;
use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;
use store::{MigrationState, Resolution, Store};

/// Migration commands.
#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// List applied and pending migrations; exit 1 unless the schema is up to date.
    Status,
    /// Apply pending migrations (never prompts; safe for production).
    Deploy,
    /// Apply pending migrations, then seed the guide's demo data if not seeded yet (refused in
    /// production: the demo account has a published password).
    Dev,
    /// Drop everything, re-apply all migrations and seed (refused in production).
    Reset {
        /// Skip the confirmation prompt (required when not on a terminal).
        #[arg(long)]
        force: bool,
    },
    /// Repair the migration history after a failed or manual migration.
    Resolve {
        /// Record NAME as applied (its changes are already in place).
        #[arg(
            long,
            value_name = "NAME",
            conflicts_with = "rolled_back",
            required_unless_present = "rolled_back"
        )]
        applied: Option<String>,
        /// Record the failed run of NAME as rolled back, so the next deploy retries it.
        #[arg(long, value_name = "NAME")]
        rolled_back: Option<String>,
    },
    /// Run down scripts newest first: the latest migration, or all after --to NAME (refused in
    /// production; asks for confirmation on a terminal).
    Rollback {
        /// Keep NAME and everything before it applied.
        #[arg(long, value_name = "NAME")]
        to: Option<String>,
        /// Skip the confirmation prompt (required when not on a terminal).
        #[arg(long)]
        force: bool,
    },
}

/// Runs a migration command.
pub async fn run(config: &Config, cmd: MigrateCommand) -> CliResult {
    match cmd {
        MigrateCommand::Status => status(config).await,
        MigrateCommand::Deploy => {
            let store = connect(config, true).await?;
            deploy(&store).await?;
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Dev => {
            refuse_in_production(config, "migrate dev", "it seeds a demo account with a published password")?;
            let store = connect(config, true).await?;
            deploy(&store).await?;
            if crate::seed::is_seeded(&store).await? {
                println!("\nSeed data already present; not seeding again.");
            } else {
                super::db::print_seed(crate::seed::seed(&store).await?);
            }
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Reset { force } => {
            refuse_in_production(config, "migrate reset", "it destroys data")?;
            let store = connect(config, true).await?;
            confirm(&format!("reset the database {}", config.database_url), "All data will be lost.", force)?;
            store.drop_everything().await?;
            println!("Database reset: all tables dropped.\n");
            deploy(&store).await?;
            super::db::print_seed(crate::seed::seed(&store).await?);
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Resolve { applied, rolled_back } => {
            let store = connect(config, false).await?;
            let (name, how) = match (applied, rolled_back) {
                (Some(n), None) => (n, Resolution::Applied),
                (None, Some(n)) => (n, Resolution::RolledBack),
                _ => bail!("give exactly one of --applied NAME or --rolled-back NAME"),
            };
            store.resolve(&name, how).await?;
            match how {
                Resolution::Applied => println!("Migration {name} marked as applied."),
                Resolution::RolledBack => println!("Migration {name} marked as rolled back."),
            }
            Ok(ExitCode::SUCCESS)
        }
        MigrateCommand::Rollback { to, force } => {
            refuse_in_production(config, "migrate rollback", "down scripts drop tables and their data")?;
            let store = connect(config, false).await?;
            let what = match &to {
                Some(name) => format!("roll back every migration after {name} on {}", config.database_url),
                None => format!("roll back the latest migration on {}", config.database_url),
            };
            confirm(&what, "Tables the rolled-back migrations created are dropped with their data.", force)?;
            let done = store.rollback(to.as_deref(), |n| println!("Rolling back migration `{n}`")).await?;
            if done.is_empty() {
                println!("No applied migrations to roll back.");
            } else {
                println!("\nRolled back {} migration(s).", done.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn status(config: &Config) -> CliResult {
    let store = connect(config, false).await?;
    let status = store.migration_status().await?;
    let dir = format!("crates/store/migrations/{}", store.backend().as_str());
    println!("{} migrations found in {dir}\n", store.migrations().len());
    let applied = status.names(|s| *s == MigrationState::Applied);
    if !applied.is_empty() {
        println!("Applied migrations:");
        for n in &applied {
            println!("  {n}");
        }
        println!();
    }
    if status.is_up_to_date() {
        println!("Database schema is up to date!");
        return Ok(ExitCode::SUCCESS);
    }
    for (name, state) in &status.migrations {
        match state {
            MigrationState::Failed(logs) => println!("Migration `{name}` failed: {logs}"),
            MigrationState::Modified => println!("Migration `{name}` was modified after it was applied."),
            MigrationState::Unknown => {
                println!("Migration `{name}` is applied but not known to this binary.")
            }
            _ => {}
        }
    }
    let pending = status.names(|s| *s == MigrationState::Pending);
    if !pending.is_empty() {
        println!("Database schema is not in sync with migration history");
        println!("Following migrations have not been applied:");
        for n in &pending {
            println!("  {n}");
        }
        println!("\nTo apply them, run `relationhub migrate deploy`.");
    }
    Ok(ExitCode::FAILURE)
}

/// Applies pending migrations, printing Prisma's lines.
pub async fn deploy(store: &Store) -> anyhow::Result<Vec<String>> {
    println!(
        "{} migrations found in crates/store/migrations/{}\n",
        store.migrations().len(),
        store.backend().as_str()
    );
    let applied = store
        .deploy(|name| {
            println!("Applying migration `{name}`");
            let _ = std::io::stdout().flush();
        })
        .await?;
    if applied.is_empty() {
        println!("No pending migrations to apply.");
    } else {
        println!("\nThe following migration(s) have been applied:\n\nmigrations/");
        for n in &applied {
            println!("  └─ {n}/\n      └─ migration.sql");
        }
        println!("\nAll migrations have been successfully applied.");
    }
    Ok(applied)
}

/// Refuses destructive or demo-only commands when `RELATIONHUB_ENV=production`; `why` says
/// what the command would do there.
pub fn refuse_in_production(config: &Config, what: &str, why: &str) -> anyhow::Result<()> {
    if config.is_production() {
        bail!("`{what}` is refused when RELATIONHUB_ENV=production ({why}); nothing was changed");
    }
    Ok(())
}

/// Asks on a terminal; elsewhere requires `--force`. `consequence` is the sentence shown after
/// the action, e.g. "All data will be lost."
pub fn confirm(action: &str, consequence: &str, force: bool) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("refusing to {action} without confirmation: not a terminal, pass --force");
    }
    eprint!("This will {action}. {consequence} Continue? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        bail!("aborted; nothing was changed")
    }
}
