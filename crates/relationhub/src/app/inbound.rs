//! Inbound mail (issue 13), use-case layer: connect a mailbox (the login is tested first and
//! the password encrypted with `RELATIONHUB_SECRET_KEY`), list and disconnect mailboxes, and one
//! sync pass over a mailbox that files each new message by the matching rules.
//!
//! Submodules: [`pass`] (one sync pass), [`worker`] (the background sync inside `serve`),
//! [`manage`] (update, sync now), [`review`] (the review queue's actions), [`aliases`] (the
//! user's other sending addresses) and [`settings`] (the typed configuration).

pub mod aliases;
pub mod manage;
pub mod pass;
pub mod review;
pub mod settings;
pub mod worker;

pub use pass::{PassCounts, sync_pass};

use super::{ApiError, ApiResult, AppState};
use domain::inputs::NewHistoryEntry;
use domain::validate::{HistoryContent, Metadata};
use domain::{Direction, User};
use inbound::imap::{self, Endpoint, Security};
use inbound::{ParsedMessage, SecretKey};
use store::mailboxes::{MailboxRow, NewMailbox, ReviewRow};

/// Largest message imported; bigger ones are skipped with a reason.
pub const MAX_MESSAGE_BYTES: u32 = 10 * 1024 * 1024;
/// Messages read per folder per pass (the next pass continues from the checkpoint).
pub const BATCH: usize = 500;

/// What `connectMailbox` takes. No `Debug`: it holds the password.
#[derive(Clone)]
pub struct Connect {
    /// IMAP host.
    pub host: String,
    /// IMAP port.
    pub port: u16,
    /// `TLS`, `STARTTLS` or `NONE` (loopback only).
    pub security: Security,
    /// Login name.
    pub username: String,
    /// Password (encrypted before it is stored, never returned).
    pub password: String,
    /// Folders to read (default INBOX).
    pub folders: Vec<String>,
    /// `CAPTURE` or `PERSONAL`.
    pub role: String,
}

pub(crate) fn secret_key(st: &AppState) -> ApiResult<SecretKey> {
    let raw = st.config.settings.get("RELATIONHUB_SECRET_KEY").ok_or_else(|| {
        ApiError::bad_input(
            "password",
            "mailboxes need RELATIONHUB_SECRET_KEY (32 random bytes in base64: openssl rand -base64 32)",
        )
    })?;
    SecretKey::from_base64(&raw).map_err(|e| ApiError::bad_input("password", e.to_string()))
}

pub(crate) fn security_name(s: Security) -> &'static str {
    match s {
        Security::Tls => "TLS",
        Security::StartTls => "STARTTLS",
        Security::None => "NONE",
    }
}

pub(crate) fn security_of(s: &str) -> Security {
    match s {
        "STARTTLS" => Security::StartTls,
        "NONE" => Security::None,
        _ => Security::Tls,
    }
}

/// Tests the login, then stores the mailbox. BAD_USER_INPUT with the server's reason when the
/// login fails, or when the secret key is missing (nothing is contacted then).
#[tracing::instrument(skip_all, fields(op = "connect_mailbox", user = %user.id))]
pub async fn connect(st: &AppState, user: &User, input: Connect) -> ApiResult<MailboxRow> {
    let key = secret_key(st)?;
    if input.host.trim().is_empty() || input.host.len() > 253 {
        return Err(ApiError::bad_input("host", "must be a host name"));
    }
    if input.role != "CAPTURE" && input.role != "PERSONAL" {
        return Err(ApiError::bad_input("role", "must be CAPTURE or PERSONAL"));
    }
    let folders: Vec<String> = if input.folders.is_empty() { vec!["INBOX".into()] } else { input.folders };
    if folders.iter().any(|f| f.trim().is_empty() || f.contains('\n') || f.len() > 200) {
        return Err(ApiError::bad_input("folders", "each folder must be a name of 1–200 characters"));
    }
    let ep = Endpoint {
        host: input.host.trim().to_owned(),
        port: input.port,
        security: input.security,
        username: input.username.clone(),
        password: input.password.clone(),
    };
    if ep.security == Security::None && !imap::is_loopback(&ep.host) {
        return Err(ApiError::bad_input("security", "NONE is only allowed for loopback hosts"));
    }
    imap::test_login(&ep).await.map_err(|e| ApiError::bad_input("password", e.to_string()))?;
    let new = NewMailbox {
        host: ep.host,
        port: i32::from(input.port),
        security: security_name(input.security).into(),
        username: input.username,
        password_enc: key.encrypt(&input.password),
        folders: folders.join("\n"),
        role: input.role,
    };
    let row = st.store.create_mailbox(&user.id, &new).await?;
    // The worker starts on it at once instead of at its next look for new mailboxes.
    st.inbound_wake.notify_waiters();
    Ok(row)
}

/// The user's mailboxes.
pub async fn list(st: &AppState, user: &User) -> ApiResult<Vec<MailboxRow>> {
    Ok(st.store.mailboxes(&user.id).await?)
}

/// Removes a mailbox (captured history stays).
#[tracing::instrument(skip_all, fields(op = "disconnect_mailbox", user = %user.id))]
pub async fn disconnect(st: &AppState, user: &User, id: &str) -> ApiResult<()> {
    st.store.delete_mailbox(&user.id, id).await.map_err(|e| ApiError::from_store(e, "mailbox"))
}

/// Where follow-up sequences hook in when a reply to one of our SENT emails arrives
/// (stop-on-reply, issue 12). `repliedAt` and the RECEIVED entry are already stored.
pub async fn on_reply_received(_st: &AppState, _user_id: &str, _email_id: &str) -> ApiResult<()> {
    Ok(())
}

/// How one message was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Filed into history.
    Imported,
    /// Queued for review.
    Queued,
    /// Not kept (duplicate, ignored sender, nothing to file).
    Skipped,
}

impl Outcome {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Outcome::Imported => "imported",
            Outcome::Queued => "queued",
            Outcome::Skipped => "skipped",
        }
    }
}

pub(crate) fn metadata(p: &ParsedMessage, mailbox_id: &str) -> serde_json::Value {
    serde_json::json!({
        "messageId": p.message_id,
        "subject": p.subject,
        "from": p.from,
        "to": p.to,
        "mailboxId": mailbox_id,
        "attachments": p.attachments,
    })
}

pub(crate) async fn add_entry(
    st: &AppState,
    user_id: &str,
    contact_id: &str,
    dir: Direction,
    p: &ParsedMessage,
    mailbox_id: &str,
) -> ApiResult<()> {
    let text = if p.text.is_empty() { format!("(no text) {}", p.subject) } else { p.text.clone() };
    let text: String = text.chars().take(100_000).collect();
    let new = NewHistoryEntry {
        contact_id: contact_id.to_owned(),
        content: HistoryContent::parse("content", &text)?,
        direction: dir,
        timestamp: Some(p.date),
        metadata: Some(Metadata::parse("metadata", metadata(p, mailbox_id))?),
    };
    st.store.append_history(user_id, &new).await?;
    Ok(())
}

/// Files one parsed message by the matching rules: a reply to one of our SENT emails, a
/// message from a contact, one from the user to contacts, or else the review queue. Each
/// Message-ID is handled once per user.
pub async fn file_message(
    st: &AppState,
    user: &User,
    mailbox_id: &str,
    p: &ParsedMessage,
) -> ApiResult<Outcome> {
    if !st.store.claim_inbound_message(&user.id, &p.message_id, mailbox_id, "filed").await? {
        return Ok(Outcome::Skipped);
    }
    let result = file_claimed(st, user, mailbox_id, p).await;
    if result.is_err() {
        let _ = st.store.unclaim_inbound_message(&user.id, &p.message_id).await;
    }
    result
}

async fn file_claimed(st: &AppState, user: &User, mailbox_id: &str, p: &ParsedMessage) -> ApiResult<Outcome> {
    let from = p.from.clone().unwrap_or_default();
    if let Some((email_id, contact_id)) = st.store.sent_email_by_message_ids(&user.id, &p.replies_to).await? {
        add_entry(st, &user.id, &contact_id, Direction::Received, p, mailbox_id).await?;
        st.store.mark_email_replied(&user.id, &email_id, p.date).await?;
        on_reply_received(st, &user.id, &email_id).await?;
        return Ok(Outcome::Imported);
    }
    if from == user.email.to_lowercase() || aliases::is_alias(st, &user.id, &from).await? {
        let mut filed = false;
        for to in &p.to {
            if let Some(c) = st.store.contact_id_by_email(&user.id, to).await? {
                add_entry(st, &user.id, &c, Direction::Sent, p, mailbox_id).await?;
                filed = true;
            }
        }
        return Ok(if filed { Outcome::Imported } else { Outcome::Skipped });
    }
    if let Some(c) = st.store.contact_id_by_email(&user.id, &from).await? {
        add_entry(st, &user.id, &c, Direction::Received, p, mailbox_id).await?;
        return Ok(Outcome::Imported);
    }
    if from.is_empty() || st.store.is_ignored_sender(&user.id, &from).await? {
        return Ok(Outcome::Skipped);
    }
    let row = ReviewRow {
        id: domain::new_id(),
        mailbox_id: Some(mailbox_id.to_owned()),
        message_id: p.message_id.clone(),
        from_address: from,
        from_name: p.from_name.clone(),
        subject: p.subject.clone(),
        content: p.text.chars().take(100_000).collect(),
        metadata: metadata(p, mailbox_id).to_string(),
        received_at: store::Ts::new(p.date),
    };
    st.store.add_review_item(&user.id, &row).await?;
    Ok(Outcome::Queued)
}
