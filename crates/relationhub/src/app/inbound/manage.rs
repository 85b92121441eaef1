//! Changing a mailbox and syncing it on request.

use super::{secret_key, security_of, sync_pass};
use crate::app::{ApiError, ApiResult, AppState};
use domain::User;
use inbound::imap::{self, Endpoint};
use store::mailboxes::MailboxRow;

/// How long "sync now" waits for its pass before answering (the pass goes on regardless).
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(20);

/// What `updateMailbox` may change; `None` keeps the current value.
#[derive(Debug, Clone, Default)]
pub struct Update {
    /// New folder list.
    pub folders: Option<Vec<String>>,
    /// New password (the login is tested with it first).
    pub password: Option<String>,
}

fn parse_folders(folders: &[String]) -> ApiResult<String> {
    if folders.is_empty() {
        return Err(ApiError::bad_input("folders", "name at least one folder"));
    }
    if folders.iter().any(|f| f.trim().is_empty() || f.contains('\n') || f.len() > 200) {
        return Err(ApiError::bad_input("folders", "each folder must be a name of 1–200 characters"));
    }
    Ok(folders.iter().map(|f| f.trim()).collect::<Vec<_>>().join("\n"))
}

/// One of the user's mailboxes (NOT_FOUND for anyone else's).
pub async fn get(st: &AppState, user: &User, id: &str) -> ApiResult<MailboxRow> {
    st.store.mailbox(&user.id, id).await.map_err(|e| ApiError::from_store(e, "mailbox"))
}

/// Changes a mailbox's folders and/or password. A new password is tested against the server
/// first and refused with its reason (nothing changes then).
#[tracing::instrument(skip_all, fields(op = "update_mailbox", user = %user.id))]
pub async fn update(st: &AppState, user: &User, id: &str, changes: Update) -> ApiResult<MailboxRow> {
    let current = get(st, user, id).await?;
    let folders = changes.folders.as_deref().map(parse_folders).transpose()?;
    let password_enc = match changes.password {
        None => None,
        Some(password) => {
            let key = secret_key(st)?;
            let ep = Endpoint {
                host: current.host.clone(),
                port: u16::try_from(current.port).unwrap_or(993),
                security: security_of(&current.security),
                username: current.username.clone(),
                password: password.clone(),
            };
            imap::test_login(&ep).await.map_err(|e| ApiError::bad_input("password", e.to_string()))?;
            Some(key.encrypt(&password))
        }
    };
    let row = st
        .store
        .update_mailbox(&user.id, id, folders.as_deref(), password_enc.as_deref())
        .await
        .map_err(|e| ApiError::from_store(e, "mailbox"))?;
    // A worker waiting out a backoff (say, after a wrong password) tries again now.
    st.inbound_wake.notify_waiters();
    Ok(row)
}

/// Runs a pass now and answers the mailbox as it stands afterwards. When a pass is already
/// running (here or in another process) this one is not started: the answer then shows
/// `SYNCING`.
#[tracing::instrument(skip_all, fields(op = "sync_mailbox_now", user = %user.id))]
pub async fn sync_now(st: &AppState, user: &User, id: &str) -> ApiResult<MailboxRow> {
    get(st, user, id).await?;
    // Its own lease owner: a request never shares a lease with the background worker. The pass
    // runs in its own task, so a request that times out or is abandoned never cuts it short
    // (which would leave the lease held); the answer waits for it a bounded time.
    let owner = format!("request-{}", domain::new_id());
    let (state, mailbox) = (st.clone(), id.to_owned());
    let pass = tokio::spawn(async move { sync_pass(&state, &mailbox, &owner).await });
    if let Ok(joined) = tokio::time::timeout(ANSWER_WITHIN, pass).await {
        joined.map_err(|e| ApiError::Internal(anyhow::anyhow!("sync task failed: {e}")))??;
    }
    get(st, user, id).await
}
