//! The command line: `serve`, `migrate …`, `db …`, `user create`, `token create`,
//! `schema print`, `import`, `export`. Each command prints one clear line on stderr and exits non-zero on failure.

pub mod admin;
pub mod agenda;
pub mod db;
pub mod dblock;
pub mod email;
pub mod migrate;
pub mod portable;

use crate::config::{Config, Overrides, Settings};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// RelationHub: keep professional relationships alive, with AI-drafted follow-ups.
#[derive(Debug, Parser)]
#[command(name = "relationhub", version, about, propagate_version = true)]
pub struct Cli {
    /// Database URL: postgres://USER[:PASS]@HOST:PORT/DB or sqlite://PATH. Default: the embedded
    /// SQLite database ./data/relationhub.db.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Data directory for the embedded database and the outbox (default ./data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Config file (default ./relationhub.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the GraphQL API server (the default).
    Serve(ServeArgs),
    /// Inspect and change the database schema.
    #[command(subcommand)]
    Migrate(migrate::MigrateCommand),
    /// Seed, inspect, back up and restore the database.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Issue personal API tokens for scripts.
    #[command(subcommand)]
    Token(admin::TokenCommand),
    /// Draft emails with AI from the terminal.
    #[command(subcommand)]
    Email(email::EmailCommand),
    /// The GraphQL schema.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Print the contacts due for a touch (stay-in-touch agenda).
    Agenda(agenda::AgendaArgs),
    /// Import contacts from a vCard, CSV or RelationHub JSON file into an account.
    Import(portable::ImportArgs),
    /// Export an account as a JSON archive, or its contacts as vCard or CSV.
    Export(portable::ExportArgs),
}

/// `relationhub serve` options.
#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Listen address (default 127.0.0.1:4000; env RELATIONHUB_BIND).
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Apply pending migrations before serving (always done on the embedded SQLite default).
    #[arg(long)]
    pub migrate: bool,
}

/// `relationhub schema …`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print the GraphQL SDL (what `schema.graphql` holds).
    Print,
}

/// A failure to report: one line on stderr, exit code 1.
pub type CliResult = Result<ExitCode, anyhow::Error>;

/// Parses settings and runs the command.
pub async fn run(cli: Cli) -> ExitCode {
    let outcome = async {
        let settings = Settings::load(cli.config.as_deref())?;
        let bind = match &cli.command {
            Some(Command::Serve(args)) => args.bind.clone(),
            _ => None,
        };
        let overrides =
            Overrides { database_url: cli.database_url.clone(), data_dir: cli.data_dir.clone(), bind };
        let config = Config::from_settings(settings, &overrides)?;
        match cli.command {
            None => crate::http::serve::run(config, ServeArgs::default()).await,
            Some(Command::Serve(args)) => crate::http::serve::run(config, args).await,
            Some(Command::Migrate(cmd)) => migrate::run(&config, cmd).await,
            Some(Command::Db(cmd)) => db::run(&config, cmd).await,
            Some(Command::User(cmd)) => admin::run_user(&config, cmd).await,
            Some(Command::Token(cmd)) => admin::run_token(&config, cmd).await,
            Some(Command::Email(cmd)) => email::run(&config, cmd).await,
            Some(Command::Agenda(args)) => agenda::run(&config, args).await,
            Some(Command::Import(args)) => portable::run_import(&config, args).await,
            Some(Command::Export(args)) => portable::run_export(&config, args).await,
            Some(Command::Schema(SchemaCommand::Print)) => {
                println!("{}", crate::graphql::sdl());
                Ok(ExitCode::SUCCESS)
            }
        }
    }
    .await;
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line (multi-line messages keep their own lines).
fn one_line(err: &anyhow::Error) -> String {
    let mut out = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !out.contains(&c) {
            out.push_str(": ");
            out.push_str(&c);
        }
    }
    out
}

/// Opens the configured database; `create` allows creating it (deploy, dev, reset, restore).
pub async fn connect(config: &Config, create: bool) -> anyhow::Result<store::Store> {
    let opts = store::ConnectOptions {
        max_connections: config.max_connections,
        create_if_missing: create,
        token_cache_ttl: config.token_cache_ttl,
        read_lane: true,
        ..Default::default()
    };
    Ok(store::Store::connect(&config.database_url, &opts).await?)
}
