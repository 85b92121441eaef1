//! One server (port 0, fresh database, temporary data directory for the outbox) and one headless
//! Chromium behind its own chromedriver per test.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use relationhub::config::{Config, Overrides, Settings};
use relationhub::http::Application;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use testkit::{Kind, TestDb};
use tokio::sync::Semaphore;

/// At most this many browsers at once (each is a few processes; the CI machine is small).
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// How long to wait for an element before failing.
pub const WAIT: Duration = Duration::from_secs(30);

pub struct Session {
    pub addr: SocketAddr,
    pub client: Client,
    pub data_dir: tempfile::TempDir,
    _db: TestDb,
    _driver: tokio::process::Child,
    _shutdown: tokio::sync::oneshot::Sender<()>,
    _permit: tokio::sync::SemaphorePermit<'static>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Session {
    /// A server on `kind` and a browser; `javascript: false` starts the browser with scripts off.
    pub async fn start(kind: Kind, javascript: bool) -> Session {
        let permit = BROWSERS.acquire().await.unwrap();
        let db = TestDb::migrated(kind).await;
        let data_dir = tempfile::tempdir().unwrap();
        let data = data_dir.path().to_str().unwrap().to_owned();
        let pairs = vec![("RELATIONHUB_BIND", "127.0.0.1:0"), ("RELATIONHUB_DATA_DIR", data.as_str())];
        let overrides = Overrides { database_url: Some(db.url.clone()), ..Default::default() };
        let config = Arc::new(Config::from_settings(Settings::from_pairs(pairs), &overrides).unwrap());
        let app = Application::build(config, db.connect().await).await.unwrap();
        let addr = app.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));

        let driver_path = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port();
        let driver = tokio::process::Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_path} ({e}): install chromium and chromium-driver (scripts/test does)"));
        let mut caps = serde_json::Map::new();
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false");
        }
        let mut chrome = serde_json::json!({ "args": args });
        if let Ok(bin) = std::env::var("CHROMIUM").or_else(|_| Ok::<_, ()>("/usr/bin/chromium".into())) {
            chrome["binary"] = serde_json::Value::String(bin);
        }
        if !javascript {
            chrome["prefs"] = serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        caps.insert("goog:chromeOptions".into(), chrome);
        let url = format!("http://127.0.0.1:{port}");
        let mut client = None;
        for _ in 0..100 {
            match ClientBuilder::rustls().unwrap().capabilities(caps.clone()).connect(&url).await {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let client = client.expect("chromedriver did not start a browser within 10 s");
        Session { addr, client, data_dir, _db: db, _driver: driver, _shutdown: tx, _permit: permit }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn goto(&self, path: &str) {
        self.client.goto(&self.url(path)).await.unwrap();
    }

    /// The current path and query.
    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    pub async fn wait_xpath(&self, xpath: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("{xpath}: {e}"))
    }

    /// The control labelled `label` (the label's own text, without the required marker).
    pub async fn field(&self, label: &str) -> Element {
        let l = self.wait_xpath(&format!("//label[normalize-space(text())='{label}']")).await;
        let id = l.attr("for").await.unwrap().unwrap_or_else(|| panic!("label {label} has no for"));
        self.client.find(Locator::Id(&id)).await.unwrap()
    }

    pub async fn fill(&self, label: &str, text: &str) {
        let f = self.field(label).await;
        f.clear().await.unwrap();
        f.send_keys(text).await.unwrap();
    }

    /// Clicks the button with this text (the first, or the `n`th with `button_n`).
    pub async fn button(&self, text: &str) {
        self.wait_xpath(&format!("//button[normalize-space()='{text}']")).await.click().await.unwrap();
    }

    pub async fn link(&self, text: &str) {
        self.wait_xpath(&format!("//a[normalize-space()='{text}']")).await.click().await.unwrap();
    }

    /// Waits until the page shows `text` somewhere.
    pub async fn sees(&self, text: &str) {
        let lit = if text.contains('\'') { format!("\"{text}\"") } else { format!("'{text}'") };
        self.wait_xpath(&format!("//*[contains(normalize-space(.), {lit})]")).await;
    }

    pub async fn source(&self) -> String {
        self.client.source().await.unwrap()
    }

    /// Saves a screenshot when `RELATIONHUB_SCREENSHOTS` names a directory.
    pub async fn screenshot(&self, name: &str) {
        if let Ok(dir) = std::env::var("RELATIONHUB_SCREENSHOTS") {
            let png = self.client.screenshot().await.unwrap();
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
        }
    }

    pub async fn close(self) {
        let Session { client, .. } = self;
        let _ = client.close().await;
    }
}
