//! `relationhub email generate`: draft a follow-up from the terminal.

use super::{CliResult, connect};
use crate::ai::{DraftRequest, draft_emails};
use crate::config::Config;
use anyhow::anyhow;
use clap::{Subcommand, ValueEnum};
use std::process::ExitCode;

/// Email commands.
#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Generate a draft for a contact and print it (it is also saved as a DRAFT email).
    Generate {
        /// The contact's id.
        #[arg(long, value_name = "ID")]
        contact: String,
        /// Tone (repeat for several variants).
        #[arg(long, value_enum, default_value = "formal")]
        style: Vec<CliStyle>,
        /// Follow this template id.
        #[arg(long, value_name = "ID")]
        template: Option<String>,
        /// What to say.
        #[arg(long)]
        instructions: Option<String>,
        /// Use only this provider (openai, anthropic, gemini, builtin).
        #[arg(long)]
        provider: Option<String>,
    },
}

/// Tones for the terminal.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CliStyle {
    /// Professional.
    Formal,
    /// Friendly.
    Casual,
}

/// Runs an email command.
pub async fn run(config: &Config, cmd: EmailCommand) -> CliResult {
    let EmailCommand::Generate { contact, style, template, instructions, provider } = cmd;
    let store = connect(config, false).await?;
    let owner =
        store.contact_owner(&contact).await?.ok_or_else(|| anyhow!("no contact with id {contact}"))?;
    let user = store.user_by_id(&owner).await?.ok_or_else(|| anyhow!("no contact with id {contact}"))?;
    let generator = llm::Generator::new(&config.ai)?;
    let styles = style
        .into_iter()
        .map(|s| match s {
            CliStyle::Formal => llm::Style::Formal,
            CliStyle::Casual => llm::Style::Casual,
        })
        .collect();
    let req = DraftRequest { contact_id: contact, styles, template_id: template, instructions, provider };
    let drafted = draft_emails(&store, &generator, &user, &req).await?;
    for (i, e) in drafted.emails.iter().enumerate() {
        if i > 0 {
            println!("\n{}\n", "-".repeat(60));
        }
        println!(
            "# {} draft {} (provider {}, {} tokens)",
            e.template_type.map(|t| t.as_str()).unwrap_or("AI"),
            e.id,
            e.provider_id.as_deref().unwrap_or("?"),
            e.tokens_used.unwrap_or(0)
        );
        println!("Subject: {}\n\n{}", e.subject, e.body);
    }
    Ok(ExitCode::SUCCESS)
}
