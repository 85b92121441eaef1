//! `relationhub agenda --email USER`: the contacts due for a touch, most overdue first.

use super::{CliResult, connect};
use crate::config::Config;
use anyhow::bail;
use std::process::ExitCode;

/// `agenda` options.
#[derive(Debug, clap::Args)]
pub struct AgendaArgs {
    /// The account whose agenda to print.
    #[arg(long)]
    pub email: String,
    /// Also list snoozed contacts.
    #[arg(long)]
    pub include_snoozed: bool,
}

/// Prints up to 100 due contacts: status, due date, priority, name and address.
pub async fn run(config: &Config, args: AgendaArgs) -> CliResult {
    let store = connect(config, false).await?;
    let Some(user) = store.user_by_email(&args.email).await? else {
        bail!("no account with email {}", args.email);
    };
    let now = chrono::Utc::now();
    let req = store::PageRequest { first: store::page::MAX_PAGE_SIZE, after: None };
    let page = store.due_contacts(&user.id, store::Ts::new(now), args.include_snoozed, &req).await?;
    if page.items.is_empty() {
        println!("Nobody is due. All caught up.");
    }
    for (c, _) in &page.items {
        let due = c.next_touch_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default();
        println!(
            "{:<8} due {due}  {:<6} {}  <{}>",
            c.touch_status(now).as_str(),
            c.priority.as_str(),
            c.name,
            c.email.as_deref().unwrap_or("")
        );
    }
    if page.has_next_page {
        println!("… and more (the first {} are shown).", page.items.len());
    }
    Ok(ExitCode::SUCCESS)
}
