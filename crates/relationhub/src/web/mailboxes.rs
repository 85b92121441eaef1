//! `/settings/mailboxes`: connect an IMAP mailbox, see each one's status, counts and last
//! error, "Sync now" and "Disconnect", and the user's mail aliases.

use super::page::{Chrome, Field, WebResult, Zone, attach, render, render_status, see_other};
use super::session::{Auth, Posted};
use crate::app::ApiError;
use crate::app::inbound::{self as app, Connect, aliases, manage};
use crate::http::Shared;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use inbound::Security;
use serde::Deserialize;

/// A mailbox as listed.
pub struct MailboxRow {
    id: String,
    account: String,
    folders: String,
    role: &'static str,
    status: String,
    last_sync: String,
    imported: i32,
    queued: i32,
    last_error: String,
}

#[derive(Template)]
#[template(path = "mailboxes.html")]
struct MailboxesPage {
    chrome: Chrome,
    mailboxes: Vec<MailboxRow>,
    fields: Vec<Field>,
    error: String,
    alias_fields: Vec<Field>,
    alias_error: String,
    key_missing: bool,
}

/// The "Connect a mailbox" form.
#[derive(Deserialize, Default, Clone)]
pub struct ConnectForm {
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: String,
    #[serde(default)]
    security: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    folders: String,
    #[serde(default)]
    role: String,
}

/// The aliases form.
#[derive(Deserialize, Default, Clone)]
pub struct AliasForm {
    #[serde(default)]
    addresses: String,
}

/// `?done=`.
#[derive(Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

enum Problem {
    None,
    Connect(ApiError),
    Aliases(ApiError),
}

async fn show(
    shared: &Shared,
    auth: &Auth,
    form: ConnectForm,
    aliases_text: Option<String>,
    problem: Problem,
    done: Option<&str>,
) -> WebResult {
    let st = &shared.state;
    let zone = Zone(auth.zone);
    let mailboxes = app::list(st, &auth.user)
        .await?
        .into_iter()
        .map(|m| MailboxRow {
            account: format!("{} on {}:{}", m.username, m.host, m.port),
            folders: m.folders.lines().collect::<Vec<_>>().join(", "),
            role: if m.role == "PERSONAL" { "Personal mailbox" } else { "Capture box" },
            status: match m.status.as_str() {
                "SYNCING" => "Syncing".to_owned(),
                "ERROR" => "Error".to_owned(),
                _ => "Up to date".to_owned(),
            },
            last_sync: m.last_sync_at.map(|t| zone.show(t.into())).unwrap_or_else(|| "never".into()),
            imported: m.imported_count,
            queued: m.queued_count,
            last_error: m.last_error.unwrap_or_default(),
            id: m.id,
        })
        .collect();
    let security = if form.security.is_empty() { "TLS" } else { form.security.as_str() };
    let role = if form.role.is_empty() { "CAPTURE" } else { form.role.as_str() };
    let port = if form.port.is_empty() { "993" } else { form.port.as_str() };
    let folders = if form.folders.is_empty() { "INBOX" } else { form.folders.as_str() };
    let mut fields = vec![
        Field::new("IMAP server", "host", "text", &form.host).required().hint("e.g. imap.example.com"),
        Field::new("Port", "port", "number", port).required(),
        Field::select(
            "Security",
            "security",
            security,
            &[("TLS", "TLS"), ("STARTTLS", "STARTTLS"), ("NONE", "None (this machine only)")],
        ),
        Field::new("Username", "username", "text", &form.username).required().autocomplete("off"),
        Field::new("Password", "password", "password", "")
            .required()
            .autocomplete("new-password")
            .hint("Stored encrypted; never shown again."),
        Field::new("Folders", "folders", "text", folders).hint("Comma-separated, e.g. INBOX, Sent"),
        Field::select(
            "Use",
            "role",
            role,
            &[
                ("CAPTURE", "Capture box (you BCC or forward to it)"),
                ("PERSONAL", "My own mailbox (only these folders)"),
            ],
        ),
    ];
    let aliases_text = match aliases_text {
        Some(t) => t,
        None => aliases::list(st, &auth.user).await?.join(", "),
    };
    let mut alias_fields = vec![
        Field::new("Other addresses you send from", "addresses", "text", aliases_text)
            .hint("Comma-separated. Mail from these counts as sent by you."),
    ];
    let (mut error, mut alias_error) = (String::new(), String::new());
    let failed = !matches!(problem, Problem::None);
    match &problem {
        Problem::None => {}
        Problem::Connect(e) => error = attach(&mut fields, e).unwrap_or_default(),
        Problem::Aliases(e) => alias_error = attach(&mut alias_fields, e).unwrap_or_default(),
    }
    let view = MailboxesPage {
        chrome: Chrome::new(auth, "settings", "Mailboxes").with_notice(done),
        mailboxes,
        fields,
        error,
        alias_fields,
        alias_error,
        key_missing: st.config.settings.get("RELATIONHUB_SECRET_KEY").is_none(),
    };
    Ok(if failed { render_status(StatusCode::UNPROCESSABLE_ENTITY, &view) } else { render(&view) })
}

/// `GET /settings/mailboxes`.
pub async fn page(State(shared): State<Shared>, auth: Auth, Query(d): Query<Done>) -> WebResult {
    show(&shared, &auth, ConnectForm::default(), None, Problem::None, d.done.as_deref()).await
}

/// `POST /settings/mailboxes`: "Connect" (the login is tested first).
pub async fn connect(State(shared): State<Shared>, posted: Posted<ConnectForm>) -> WebResult {
    let Posted { auth, form } = posted;
    let port = form.port.trim().parse::<u16>().ok().filter(|p| *p > 0);
    let result = match port {
        None => Err(ApiError::bad_input("port", "must be between 1 and 65535")),
        Some(port) => {
            let input = Connect {
                host: form.host.clone(),
                port,
                security: match form.security.as_str() {
                    "STARTTLS" => Security::StartTls,
                    "NONE" => Security::None,
                    _ => Security::Tls,
                },
                username: form.username.clone(),
                password: form.password.clone(),
                folders: form
                    .folders
                    .split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
                role: if form.role == "PERSONAL" { "PERSONAL".into() } else { "CAPTURE".into() },
            };
            app::connect(&shared.state, &auth.user, input).await.map(drop)
        }
    };
    match result {
        Ok(()) => Ok(see_other("/settings/mailboxes?done=connected")),
        Err(e @ ApiError::BadInput { .. }) => {
            show(&shared, &auth, form, None, Problem::Connect(e), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/mailboxes/{id}/sync`: "Sync now".
pub async fn sync(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    manage::sync_now(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other("/settings/mailboxes?done=synced"))
}

/// `POST /settings/mailboxes/{id}/disconnect`: "Disconnect".
pub async fn disconnect(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<super::auth::Empty>,
) -> WebResult {
    app::disconnect(&shared.state, &posted.auth.user, &id).await?;
    Ok(see_other("/settings/mailboxes?done=disconnected"))
}

/// `POST /settings/aliases`: saves the aliases.
pub async fn save_aliases(State(shared): State<Shared>, posted: Posted<AliasForm>) -> WebResult {
    let Posted { auth, form } = posted;
    let list: Vec<String> = form
        .addresses
        .split([',', '\n', ' '])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    match aliases::set(&shared.state, &auth.user, &list).await {
        Ok(_) => Ok(see_other("/settings/mailboxes?done=aliases")),
        Err(e @ ApiError::BadInput { .. }) => {
            show(&shared, &auth, ConnectForm::default(), Some(form.addresses), Problem::Aliases(e), None)
                .await
        }
        Err(e) => Err(e.into()),
    }
}
