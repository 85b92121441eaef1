//! Inbound mail (issue 13), use-case layer: connect a mailbox (the login is tested first and
//! the password encrypted with `RELATIONHUB_SECRET_KEY`), list and disconnect mailboxes, and one
//! sync pass over a mailbox that files each new message by the matching rules.
//!
//! Partial: the GraphQL fields, the background worker inside `serve` and the web pages are not
//! wired yet; [`sync_pass`] is the unit they will call.

use super::{ApiError, ApiResult, AppState};
use chrono::{Duration, Utc};
use domain::inputs::NewHistoryEntry;
use domain::validate::{HistoryContent, Metadata};
use domain::{Direction, User};
use inbound::imap::{self, Checkpoint, Endpoint, Security};
use inbound::{ParsedMessage, SecretKey};
use store::mailboxes::{MailboxRow, NewMailbox, ReviewRow};

/// Largest message imported; bigger ones are skipped with a reason.
pub const MAX_MESSAGE_BYTES: u32 = 10 * 1024 * 1024;
/// Messages read per folder per pass (the next pass continues from the checkpoint).
pub const BATCH: usize = 500;
/// Days of mail the first pass imports.
pub const DEFAULT_SINCE_DAYS: u32 = 90;

/// What `connectMailbox` takes.
#[derive(Debug, Clone)]
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

fn secret_key(st: &AppState) -> ApiResult<SecretKey> {
    let raw = st.config.settings.get("RELATIONHUB_SECRET_KEY").ok_or_else(|| {
        ApiError::bad_input(
            "password",
            "mailboxes need RELATIONHUB_SECRET_KEY (32 random bytes in base64: openssl rand -base64 32)",
        )
    })?;
    SecretKey::from_base64(&raw).map_err(|e| ApiError::bad_input("password", e.to_string()))
}

fn security_name(s: Security) -> &'static str {
    match s {
        Security::Tls => "TLS",
        Security::StartTls => "STARTTLS",
        Security::None => "NONE",
    }
}

fn security_of(s: &str) -> Security {
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
    Ok(st.store.create_mailbox(&user.id, &new).await?)
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

/// Counts of one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PassCounts {
    /// Messages filed into history.
    pub imported: i32,
    /// Messages queued for review.
    pub queued: i32,
    /// Messages skipped (duplicate, ignored sender, oversized, unparseable).
    pub skipped: i32,
}

/// One sync pass over a mailbox, under a lease owned by `owner`: fetches every folder from its
/// checkpoint, files each message, advances the checkpoint, and records status and counts. A
/// failure is stored as the mailbox's `lastError` (ERROR) and returned.
#[tracing::instrument(skip_all, fields(op = "sync_mailbox", mailbox = %mailbox_id))]
pub async fn sync_pass(st: &AppState, mailbox_id: &str, owner: &str) -> ApiResult<Option<PassCounts>> {
    let Some(mb) = st.store.claim_mailbox(mailbox_id, owner, Utc::now() + Duration::minutes(10)).await?
    else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let result = run_pass(st, &mb).await;
    let (err, counts) = match &result {
        Ok(c) => (None, *c),
        Err((msg, c)) => (Some(msg.clone()), *c),
    };
    metrics::histogram!("relationhub_inbound_sync_seconds").record(started.elapsed().as_secs_f64());
    st.store.finish_mailbox_pass(&mb.id, owner, err.as_deref(), counts.imported, counts.queued).await?;
    Ok(Some(counts))
}

async fn run_pass(st: &AppState, mb: &MailboxRow) -> Result<PassCounts, (String, PassCounts)> {
    let mut counts = PassCounts::default();
    let key =
        secret_key(st).map_err(|_| ("RELATIONHUB_SECRET_KEY is missing or invalid".to_owned(), counts))?;
    let password = key.decrypt(&mb.password_enc).map_err(|e| (e.to_string(), counts))?;
    let ep = Endpoint {
        host: mb.host.clone(),
        port: u16::try_from(mb.port).unwrap_or(993),
        security: security_of(&mb.security),
        username: mb.username.clone(),
        password,
    };
    let fail = |e: inbound::InboundError, c: PassCounts| {
        metrics::counter!("relationhub_inbound_errors_total", "class" => e.class()).increment(1);
        (e.to_string(), c)
    };
    let mut session = imap::login(&ep).await.map_err(|e| fail(e, counts))?;
    let Ok(Some(user)) = st.store.user_by_id(&mb.user_id).await else {
        return Err(("the mailbox's owner is gone".to_owned(), counts));
    };
    for folder in mb.folders.lines().filter(|f| !f.is_empty()) {
        let cp = st
            .store
            .folder_checkpoint(&mb.id, folder)
            .await
            .map_err(|_| ("could not read the checkpoint".to_owned(), counts))?
            .and_then(|(v, u)| {
                Some(Checkpoint { uid_validity: u32::try_from(v).ok()?, last_uid: u32::try_from(u).ok()? })
            });
        let batch = imap::fetch_new(&mut session, folder, cp, DEFAULT_SINCE_DAYS, BATCH, MAX_MESSAGE_BYTES)
            .await
            .map_err(|e| fail(e, counts))?;
        for m in &batch.messages {
            metrics::counter!("relationhub_inbound_fetched_total").increment(1);
            let outcome = match m.raw.as_deref().and_then(inbound::parse_message) {
                Some(p) => file_message(st, &user, &mb.id, &p)
                    .await
                    .map_err(|_| ("could not store a message".to_owned(), counts))?,
                None => Outcome::Skipped,
            };
            match outcome {
                Outcome::Imported => counts.imported += 1,
                Outcome::Queued => counts.queued += 1,
                Outcome::Skipped => counts.skipped += 1,
            }
            metrics::counter!("relationhub_inbound_messages_total", "outcome" => outcome.name()).increment(1);
            st.store
                .set_folder_checkpoint(&mb.id, folder, i64::from(batch.uid_validity), i64::from(m.uid))
                .await
                .map_err(|_| ("could not save the checkpoint".to_owned(), counts))?;
        }
        if batch.messages.is_empty() && cp.is_none_or(|c| c.uid_validity != batch.uid_validity) {
            let last = cp.filter(|c| c.uid_validity == batch.uid_validity).map_or(0, |c| c.last_uid);
            let _ = st
                .store
                .set_folder_checkpoint(&mb.id, folder, i64::from(batch.uid_validity), i64::from(last))
                .await;
        }
    }
    let _ = session.logout().await;
    Ok(counts)
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
    fn name(self) -> &'static str {
        match self {
            Outcome::Imported => "imported",
            Outcome::Queued => "queued",
            Outcome::Skipped => "skipped",
        }
    }
}

fn metadata(p: &ParsedMessage, mailbox_id: &str) -> serde_json::Value {
    serde_json::json!({
        "messageId": p.message_id,
        "subject": p.subject,
        "from": p.from,
        "to": p.to,
        "mailboxId": mailbox_id,
        "attachments": p.attachments,
    })
}

async fn add_entry(
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
    if from == user.email.to_lowercase() {
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
