//! The IMAP client: connect (TLS, STARTTLS, or plain on loopback only), log in, and fetch the
//! messages of a folder newer than a checkpoint (`UIDVALIDITY` + last UID).

use crate::error::{InboundError, Result, short};
use futures::TryStreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// TLS from the first byte (usually port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (usually port 143).
    StartTls,
    /// No encryption: only accepted for loopback hosts.
    None,
}

/// Where and how to log in.
#[derive(Clone)]
pub struct Endpoint {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Transport security.
    pub security: Security,
    /// Login name.
    pub username: String,
    /// Password (never logged: `Debug` hides it).
    pub password: String,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// True for names and addresses that stay on this machine.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

/// Any stream the client can talk over.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

/// A logged-in IMAP session.
pub type Session = async_imap::Session<Box<dyn Io>>;

/// How long one network step may take.
const STEP: Duration = Duration::from_secs(30);

async fn timed<T>(f: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(STEP, f).await.map_err(|_| InboundError::Timeout)?
}

fn tls_connector() -> Result<tokio_rustls::TlsConnector> {
    use rustls_platform_verifier::ConfigVerifierExt;
    let cfg = tokio_rustls::rustls::ClientConfig::with_platform_verifier()
        .map_err(|e| InboundError::Tls(short(&e.to_string())))?;
    Ok(tokio_rustls::TlsConnector::from(Arc::new(cfg)))
}

async fn wrap_tls<S: Io + 'static>(host: &str, tcp: S) -> Result<Box<dyn Io>> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|_| InboundError::Tls(format!("{host} is not a valid server name")))?;
    let tls =
        tls_connector()?.connect(name, tcp).await.map_err(|e| InboundError::Tls(short(&e.to_string())))?;
    Ok(Box::new(tls))
}

async fn read_greeting(client: &mut async_imap::Client<Box<dyn Io>>) -> Result<()> {
    match client.read_response().await {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(InboundError::Protocol("the server closed the connection".into())),
        Err(e) => Err(InboundError::Protocol(short(&e.to_string()))),
    }
}

/// Connects and logs in. A refused login is [`InboundError::Auth`] with the server's reason.
#[tracing::instrument(skip_all, fields(host = %ep.host, port = ep.port))]
pub async fn login(ep: &Endpoint) -> Result<Session> {
    if ep.security == Security::None && !is_loopback(&ep.host) {
        return Err(InboundError::Tls("unencrypted IMAP is only allowed to loopback hosts".into()));
    }
    timed(async {
        let tcp = TcpStream::connect((ep.host.as_str(), ep.port))
            .await
            .map_err(|e| InboundError::Connect(short(&e.to_string())))?;
        let mut client = match ep.security {
            Security::Tls => async_imap::Client::new(wrap_tls(&ep.host, tcp).await?),
            Security::None => async_imap::Client::new(Box::new(tcp) as Box<dyn Io>),
            Security::StartTls => {
                let mut plain = async_imap::Client::new(Box::new(tcp) as Box<dyn Io>);
                read_greeting(&mut plain).await?;
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| InboundError::Tls(format!("STARTTLS refused: {}", short(&e.to_string()))))?;
                // The server says nothing more until the handshake, so no bytes are lost in
                // async-imap's buffer when the stream is handed to TLS.
                let tls = wrap_tls(&ep.host, plain.into_inner()).await?;
                async_imap::Client::new(tls)
            }
        };
        if ep.security != Security::StartTls {
            read_greeting(&mut client).await?;
        }
        client.login(&ep.username, &ep.password).await.map_err(|(e, _)| match e {
            async_imap::error::Error::No(reason) | async_imap::error::Error::Bad(reason) => {
                InboundError::Auth(short(&reason))
            }
            other => InboundError::from(other),
        })
    })
    .await
}

/// Logs in and out: proves the settings work.
pub async fn test_login(ep: &Endpoint) -> Result<()> {
    let mut s = login(ep).await?;
    let _ = timed(async { s.logout().await.map_err(InboundError::from) }).await;
    Ok(())
}

/// One message fetched from a folder.
#[derive(Debug, Clone)]
pub struct FetchedMessage {
    /// Its UID in the folder.
    pub uid: u32,
    /// Its size in bytes (RFC822.SIZE).
    pub size: u32,
    /// The raw message, `None` when it was larger than the limit (not downloaded).
    pub raw: Option<Vec<u8>>,
}

/// What one pass over a folder found.
#[derive(Debug, Clone)]
pub struct FolderBatch {
    /// The folder's current UIDVALIDITY.
    pub uid_validity: u32,
    /// New messages, oldest UID first.
    pub messages: Vec<FetchedMessage>,
}

/// Where a folder's import stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// UIDVALIDITY the last UID belongs to.
    pub uid_validity: u32,
    /// Highest UID imported.
    pub last_uid: u32,
}

/// Fetches the messages of `folder` after `checkpoint` (all messages of the last `since_days`
/// days when there is none, or when the server's UIDVALIDITY differs: a re-scan whose
/// duplicates the caller drops by Message-ID). At most `limit` messages per call, and bodies
/// only of messages up to `max_size` bytes.
#[tracing::instrument(skip_all, fields(folder = %folder))]
pub async fn fetch_new(
    session: &mut Session,
    folder: &str,
    checkpoint: Option<Checkpoint>,
    since_days: u32,
    limit: usize,
    max_size: u32,
) -> Result<FolderBatch> {
    let state = select(session, folder).await?;
    let uid_validity = state.uid_validity;
    let after = match checkpoint {
        Some(c) if c.uid_validity == uid_validity => Some(c.last_uid),
        _ => None,
    };
    // Oldest first so the checkpoint can advance message by message; the cap keeps one pass
    // bounded (the next pass continues from the checkpoint).
    let uids = match after {
        Some(last) => uids_after(session, last, limit).await?,
        None => {
            let mut u = uids_before(session, u32::MAX, since_days, usize::MAX).await?;
            u.reverse();
            u.truncate(limit);
            u
        }
    };
    let messages = fetch_uids(session, &uids, max_size).await?;
    Ok(FolderBatch { uid_validity, messages })
}

/// A selected folder's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderState {
    /// UIDVALIDITY (0 when the server names none).
    pub uid_validity: u32,
    /// The UID the next message will get (1 when the server names none).
    pub uid_next: u32,
}

/// Selects `folder`; a folder the server does not know is [`InboundError::FolderMissing`].
pub async fn select(session: &mut Session, folder: &str) -> Result<FolderState> {
    let mailbox = timed(async {
        session.select(folder).await.map_err(|e| match e {
            async_imap::error::Error::No(_) => InboundError::FolderMissing(folder.to_owned()),
            other => InboundError::from(other),
        })
    })
    .await?;
    Ok(FolderState {
        uid_validity: mailbox.uid_validity.unwrap_or(0),
        uid_next: mailbox.uid_next.unwrap_or(1),
    })
}

/// UIDs of the selected folder above `after`, oldest first, at most `limit`.
pub async fn uids_after(session: &mut Session, after: u32, limit: usize) -> Result<Vec<u32>> {
    let query = format!("UID {}:*", after.saturating_add(1));
    let mut uids: Vec<u32> = timed(async { Ok(session.uid_search(&query).await?) })
        .await?
        .into_iter()
        // `UID n:*` always names the last message even when it is older than n.
        .filter(|u| *u > after)
        .collect();
    uids.sort_unstable();
    uids.truncate(limit);
    Ok(uids)
}

/// UIDs of the selected folder below `below` received in the last `since_days` days, newest
/// first, at most `limit` (the first import of a folder walks back through these).
pub async fn uids_before(
    session: &mut Session,
    below: u32,
    since_days: u32,
    limit: usize,
) -> Result<Vec<u32>> {
    if below <= 1 {
        return Ok(Vec::new());
    }
    let since = chrono::Utc::now() - chrono::Duration::days(i64::from(since_days));
    let query = format!("UID 1:{} SINCE {}", below - 1, since.format("%d-%b-%Y"));
    let mut uids: Vec<u32> = timed(async { Ok(session.uid_search(&query).await?) })
        .await?
        .into_iter()
        .filter(|u| *u < below)
        .collect();
    uids.sort_unstable_by(|a, b| b.cmp(a));
    uids.truncate(limit);
    Ok(uids)
}

/// Downloads the given UIDs of the selected folder (bodies only of messages up to `max_size`
/// bytes), in the order given.
pub async fn fetch_uids(session: &mut Session, uids: &[u32], max_size: u32) -> Result<Vec<FetchedMessage>> {
    let mut by_uid = std::collections::HashMap::with_capacity(uids.len());
    for chunk in uids.chunks(200) {
        let set = chunk.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
        let sizes: Vec<(u32, u32)> = timed(async {
            let fetches: Vec<_> = session.uid_fetch(&set, "(UID RFC822.SIZE)").await?.try_collect().await?;
            Ok(fetches.iter().filter_map(|f| Some((f.uid?, f.size.unwrap_or(0)))).collect())
        })
        .await?;
        let small: Vec<String> =
            sizes.iter().filter(|(_, s)| *s <= max_size).map(|(u, _)| u.to_string()).collect();
        let mut bodies = std::collections::HashMap::new();
        if !small.is_empty() {
            let set = small.join(",");
            timed(async {
                let fetches: Vec<_> =
                    session.uid_fetch(&set, "(UID BODY.PEEK[])").await?.try_collect().await?;
                for f in &fetches {
                    if let (Some(uid), Some(body)) = (f.uid, f.body()) {
                        bodies.insert(uid, body.to_vec());
                    }
                }
                Ok(())
            })
            .await?;
        }
        for (uid, size) in sizes {
            by_uid.insert(uid, FetchedMessage { uid, size, raw: bodies.remove(&uid) });
        }
    }
    // A message expunged meanwhile is simply absent.
    Ok(uids.iter().filter_map(|u| by_uid.remove(u)).collect())
}

/// True when the server offers IDLE (RFC 2177).
pub async fn supports_idle(session: &mut Session) -> Result<bool> {
    timed(async { Ok(session.capabilities().await?.has_str("IDLE")) }).await
}

/// Why [`idle_wait`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woke {
    /// The server reported a change in the folder (a new message, most often).
    Changed,
    /// `max` passed without news.
    TimedOut,
    /// `stop` completed first.
    Stopped,
}

/// Waits in IDLE on `folder` until the server reports a change, `max` passes, or `stop`
/// completes. `seen` is the checkpoint the caller has handled: when the folder already holds
/// mail after it (it arrived between the last pass and now, which IDLE would never report)
/// this answers [`Woke::Changed`] at once. Consumes the session: the caller logs in afresh
/// for the pass that follows.
pub async fn idle_wait(
    mut session: Session,
    folder: &str,
    seen: Option<Checkpoint>,
    max: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> Result<Woke> {
    let now = select(&mut session, folder).await?;
    let behind = match seen {
        Some(c) => c.uid_validity != now.uid_validity || now.uid_next > c.last_uid.saturating_add(1),
        None => true,
    };
    if behind {
        let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
        return Ok(Woke::Changed);
    }
    let mut handle = session.idle();
    timed(async { Ok(handle.init().await?) }).await?;
    let woke = {
        let (wait, _interrupt) = handle.wait_with_timeout(max);
        tokio::select! {
            r = wait => match r? {
                async_imap::extensions::idle::IdleResponse::NewData(_) => Woke::Changed,
                async_imap::extensions::idle::IdleResponse::Timeout => Woke::TimedOut,
                async_imap::extensions::idle::IdleResponse::ManualInterrupt => Woke::TimedOut,
            },
            () = stop => Woke::Stopped,
        }
    };
    // Leave IDLE politely; a server that has gone away needs nothing more.
    if let Ok(Ok(mut s)) = tokio::time::timeout(Duration::from_secs(5), handle.done()).await {
        let _ = tokio::time::timeout(Duration::from_secs(5), s.logout()).await;
    }
    Ok(woke)
}

/// Appends a raw message to a folder (tests and tools).
pub async fn append(session: &mut Session, folder: &str, raw: &[u8]) -> Result<()> {
    timed(async { Ok(session.append(folder, None, None, raw).await?) }).await
}
