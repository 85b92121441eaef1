//! Test support: the loopback SMTP server, data builders and polling helpers.

use delivery::{DeliveryConfig, Sender, SmtpSettings};
use domain::html::SafeHtml;
use domain::inputs::{NewContact, NewEmail, NewUser};
use domain::validate::{Body, EmailAddress, PersonName, Subject};
use domain::{Contact, Email, EmailStatus, User};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use store::{EmailFilter, Store};
use tokio::io::{AsyncBufReadExt as _, BufReader};

/// The longest any test waits for something that should happen much sooner.
pub const GUARD: Duration = Duration::from_secs(60);

/// Fails the test (never skips it) when python3 or aiosmtpd is missing.
fn require_aiosmtpd() {
    static CHECK: OnceLock<Result<(), String>> = OnceLock::new();
    let result = CHECK.get_or_init(|| {
        match std::process::Command::new("python3").args(["-c", "import aiosmtpd"]).output() {
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => Err(format!(
                "the delivery tests need the Python package aiosmtpd: run `pip install aiosmtpd` ({})",
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Err(format!(
                "the delivery tests need python3 on PATH with aiosmtpd (`pip install aiosmtpd`): {e}"
            )),
        }
    });
    if let Err(msg) = result {
        panic!("{msg}");
    }
}

/// scripts/smtp_server.py on a free loopback port, killed when dropped.
pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    _child: tokio::process::Child,
}

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub data: String,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(self.data.as_bytes()).expect("a parseable message")
    }
}

impl SmtpServer {
    /// Starts the server with extra flags (`--fail-first 1`, `--reject-code 550`, …).
    pub async fn start(flags: &[&str]) -> SmtpServer {
        require_aiosmtpd();
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp_server.py");
        let mut child = tokio::process::Command::new("python3")
            .arg(&script)
            .args(["--port", "0", "--exit-on-eof", "--maildir"])
            .arg(dir.path())
            .args(flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("python3 on PATH");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(GUARD, lines.next_line())
            .await
            .expect("smtp_server.py did not print READY in time")
            .unwrap()
            .unwrap_or_else(|| panic!("smtp_server.py exited before READY (see its stderr above)"));
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("smtp_server.py printed {line:?} instead of READY <port>"));
        SmtpServer { port, dir, _child: child }
    }

    /// The URL to reach it: plain text (`tls=none`, allowed because the host is loopback), as
    /// this server offers no STARTTLS.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// Every accepted message, in acceptance order.
    pub fn messages(&self) -> Vec<Received> {
        let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .filter_map(|e| {
                let path = e.ok()?.path();
                let n = path.file_name()?.to_str()?.strip_suffix(".json")?.parse().ok()?;
                Some((n, path))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| {
                let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
                Received {
                    mail_from: v["mail_from"].as_str().unwrap().to_owned(),
                    rcpt_tos: v["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap().to_owned())
                        .collect(),
                    data: v["data"].as_str().unwrap().to_owned(),
                }
            })
            .collect()
    }

    /// A configuration sending here from [`FROM`], with test-sized timings.
    pub fn config(&self) -> DeliveryConfig {
        smtp_config(&self.url())
    }
}

/// The operator's sender address (`SMTP_FROM`) the tests configure.
pub const FROM: &str = "RelationHub <noreply@relay.example>";

/// A configuration sending to `url` from [`FROM`], with test-sized timings.
pub fn smtp_config(url: &str) -> DeliveryConfig {
    let mut cfg = fast(DeliveryConfig::smtp(SmtpSettings::from_url(url).unwrap()));
    cfg.from = Some(FROM.parse().unwrap());
    cfg
}

/// Sub-second backoff and polling.
pub fn fast(mut cfg: DeliveryConfig) -> DeliveryConfig {
    cfg.retry_base = Duration::from_millis(20);
    cfg.retry_cap = Duration::from_millis(200);
    cfg.poll_interval = Duration::from_millis(200);
    cfg
}

pub fn sender(store: &Store, cfg: DeliveryConfig) -> Arc<Sender> {
    Arc::new(Sender::from_config(store.clone(), cfg).unwrap())
}

pub async fn user(store: &Store, name: &str, email: &str) -> User {
    store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", email).unwrap(),
            name: PersonName::parse("name", name).unwrap(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        })
        .await
        .unwrap()
}

pub async fn contact(store: &Store, user: &User, name: &str, email: Option<&str>) -> Contact {
    let new = NewContact {
        email: email.map(|e| EmailAddress::parse("email", e).unwrap()),
        ..NewContact::named(PersonName::parse("name", name).unwrap())
    };
    store.create_contact(&user.id, &new).await.unwrap()
}

pub async fn draft(
    store: &Store,
    user: &User,
    contact: &Contact,
    subject: &str,
    body: &str,
    html: Option<&str>,
) -> Email {
    let new = NewEmail::draft(
        contact.id.clone(),
        Subject::parse("subject", subject).unwrap(),
        Body::parse("body", body).unwrap(),
        html.map(|h| SafeHtml::parse("bodyHtml", h).unwrap()),
    );
    store.create_email(&user.id, &new).await.unwrap()
}

/// Polls `check` until it returns `Some`, failing the test after [`GUARD`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + GUARD;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn count(store: &Store, user: &User, status: EmailStatus) -> i64 {
    store.count_emails(&user.id, &EmailFilter { status: Some(status), ..Default::default() }).await.unwrap()
}

/// Waits until `email` has reached `status`, and returns it.
pub async fn until_status(store: &Store, user: &User, email: &Email, status: EmailStatus) -> Email {
    eventually(&format!("email {} to become {status}", email.id), || async {
        let e = store.email(&user.id, &email.id).await.unwrap();
        (e.status == status).then_some(e)
    })
    .await
}

/// `text` with CRLF line ends turned into LF.
pub fn lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}
