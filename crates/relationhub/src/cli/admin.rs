//! `relationhub user create|set-password` and `relationhub token create`: accounts and API
//! tokens for administrators and scripts.

use super::{CliResult, connect};
use crate::config::Config;
use anyhow::{Context as _, bail};
use clap::Subcommand;
use domain::TokenKind;
use domain::inputs::NewUser;
use domain::validate::{EmailAddress, Password, PersonName};
use std::io::Read as _;
use std::process::ExitCode;

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account (works even when sign-up is closed).
    Create {
        /// Sign-in email address.
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Read the password from standard input (recommended; a --password shows in `ps`).
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
        /// The password (8–256 characters).
        #[arg(long, env = "RELATIONHUB_NEW_USER_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Set an account's password (revokes all of its sessions; API tokens keep working).
    SetPassword {
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// Read the new password from standard input (the only way: a flag would show in `ps`).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn read_password_stdin() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin().take(64 * 1024).read_to_string(&mut s).context("reading the password from stdin")?;
    Ok(s.trim_end_matches(['\r', '\n']).to_owned())
}

/// Token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue a personal API token for an account; the token is printed once and only its hash is stored.
    Create {
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// A label (e.g. "backup script").
        #[arg(long)]
        name: Option<String>,
        /// Expire after this many days (default: never).
        #[arg(long, value_name = "DAYS")]
        expires_days: Option<u32>,
    },
}

/// Runs `user …`.
pub async fn run_user(config: &Config, cmd: UserCommand) -> CliResult {
    let (email, name, password_stdin, password) = match cmd {
        UserCommand::Create { email, name, password_stdin, password } => {
            (email, name, password_stdin, password)
        }
        UserCommand::SetPassword { email, password_stdin: _ } => {
            let password = read_password_stdin()?;
            let store = connect(config, false).await?;
            let user =
                crate::app::accounts::set_password(&store, &email, &password).await.map_err(|e| match e {
                    crate::app::ApiError::NotFound(_) => anyhow::anyhow!("no account with email {email}"),
                    other => anyhow::anyhow!("{other}"),
                })?;
            println!(
                "Password changed for {} <{}>; every session of the account was signed out",
                user.name, user.email
            );
            return Ok(ExitCode::SUCCESS);
        }
    };
    let password = match (password_stdin, password) {
        (true, _) => read_password_stdin()?,
        (false, Some(p)) => p,
        (false, None) => bail!("give the password with --password-stdin (or --password)"),
    };
    let email = EmailAddress::parse("email", &email)?;
    let name = PersonName::parse("name", &name)?;
    let password = Password::parse("password", &password)?;
    let store = connect(config, false).await?;
    let hash = crate::auth::password::hash(password.into_inner()).await?;
    let user = store.create_user(&NewUser { email, name, password_hash: hash }).await?;
    println!("Created user {} <{}> (id {})", user.name, user.email, user.id);
    Ok(ExitCode::SUCCESS)
}

/// Runs `token …`.
pub async fn run_token(config: &Config, cmd: TokenCommand) -> CliResult {
    let TokenCommand::Create { email, name, expires_days } = cmd;
    let store = connect(config, false).await?;
    let Some(user) = store.user_by_email(&email).await? else {
        bail!("no account with email {email}");
    };
    let (token, hash) = crate::auth::token::generate();
    let expires = expires_days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
    store.create_token(&user.id, &hash, TokenKind::Api, name.as_deref(), expires).await?;
    eprintln!(
        "API token for {} created{}. It is shown only once; send it as `Authorization: Bearer <token>`.",
        user.email,
        expires.map(|e| format!(" (expires {})", e.format("%Y-%m-%d"))).unwrap_or_default()
    );
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}
