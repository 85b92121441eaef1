//! The test harness: `TestApp::spawn(kind)` starts the server in-process on 127.0.0.1:0.

use domain::inputs::NewEmail;
use domain::validate::{Body, Subject};
use domain::{EmailStatus, TemplateType};
use relationhub::config::{Config, Overrides, Settings};
use relationhub::graphql::AppState;
use relationhub::graphql::error::Code;
use relationhub::http::Application;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use testkit::{Kind, TestDb};

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: TestDb,
    pub store: store::Store,
    /// The server's state (to run background work such as the follow-up worker on demand).
    pub state: AppState,
    client: reqwest::Client,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn(kind: Kind) -> TestApp {
        Self::spawn_with(kind, &[]).await
    }

    pub async fn spawn_with(kind: Kind, settings: &[(&str, &str)]) -> TestApp {
        Self::spawn_inner(kind, settings, None).await
    }

    /// A server whose "now" is `clock` (tests move it instead of sleeping).
    pub async fn spawn_with_clock(kind: Kind, clock: domain::ManualClock) -> TestApp {
        Self::spawn_clocked(TestDb::migrated(kind).await, &[], None, Some(Arc::new(clock))).await
    }

    /// A server with `settings` whose "now" is `clock`.
    pub async fn spawn_with_clock_and(
        kind: Kind,
        settings: &[(&str, &str)],
        clock: domain::ManualClock,
    ) -> TestApp {
        Self::spawn_clocked(TestDb::migrated(kind).await, settings, None, Some(Arc::new(clock))).await
    }

    /// A second server on this server's database, with its own settings and clock.
    pub async fn spawn_beside_with_clock(
        &self,
        settings: &[(&str, &str)],
        clock: domain::ManualClock,
    ) -> TestApp {
        Self::spawn_clocked(self.db.alias(), settings, None, Some(Arc::new(clock))).await
    }

    /// A server whose AI generator uses exactly these providers (fakes speaking the trait).
    pub async fn spawn_with_providers(kind: Kind, providers: Vec<Arc<dyn llm::Provider>>) -> TestApp {
        Self::spawn_inner(kind, &[], Some(providers)).await
    }

    /// A second server on this server's database (as a second process on one database would be).
    pub async fn spawn_beside(&self, settings: &[(&str, &str)]) -> TestApp {
        Self::spawn_on(self.db.alias(), settings, None).await
    }

    async fn spawn_inner(
        kind: Kind,
        settings: &[(&str, &str)],
        providers: Option<Vec<Arc<dyn llm::Provider>>>,
    ) -> TestApp {
        Self::spawn_on(TestDb::migrated(kind).await, settings, providers).await
    }

    async fn spawn_on(
        db: TestDb,
        settings: &[(&str, &str)],
        providers: Option<Vec<Arc<dyn llm::Provider>>>,
    ) -> TestApp {
        Self::spawn_clocked(db, settings, providers, None).await
    }

    async fn spawn_clocked(
        db: TestDb,
        settings: &[(&str, &str)],
        providers: Option<Vec<Arc<dyn llm::Provider>>>,
        clock: Option<domain::SharedClock>,
    ) -> TestApp {
        let mut pairs: Vec<(&str, &str)> = settings.to_vec();
        pairs.push(("RELATIONHUB_BIND", "127.0.0.1:0"));
        let overrides = Overrides { database_url: Some(db.url.clone()), ..Default::default() };
        let config = Config::from_settings(Settings::from_pairs(pairs), &overrides).unwrap();
        // Token lookups are cached only when a test asks for it: other tests change tokens with
        // SQL behind the server's back (e.g. to expire one).
        let store = if settings.iter().any(|(k, _)| *k == "RELATIONHUB_TOKEN_CACHE_SECS") {
            db.connect_caching_tokens(config.token_cache_ttl).await
        } else {
            db.connect().await
        };
        let config = Arc::new(config);
        let app = match (providers, clock) {
            (None, None) => Application::build(config, store.clone()).await.unwrap(),
            (providers, clock) => {
                let generator = match providers {
                    Some(providers) => llm::Generator::with_providers(&config.ai, providers),
                    None => llm::Generator::new(&config.ai).unwrap(),
                };
                let mut state = AppState::with_generator(store.clone(), config.clone(), generator).unwrap();
                if let Some(clock) = clock {
                    state.clock = clock;
                }
                Application::build_with_state(config, state).await.unwrap()
            }
        };
        let addr = app.local_addr().unwrap();
        let state = app.shared().state.clone();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        TestApp { addr, db, store, state, client: reqwest::Client::new(), _shutdown: tx }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// POSTs a GraphQL request and returns the JSON body.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let mut req =
            self.client.post(self.url("/graphql")).json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.unwrap();
        assert!(resp.status().is_success(), "HTTP {}", resp.status());
        let v: Value = resp.json().await.unwrap();
        assert_errors_are_clean(&v);
        v
    }

    /// A request by `token` that must succeed; returns its `data`.
    pub async fn gql_ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let v = self.gql(Some(token), query, variables).await;
        data(&v).clone()
    }

    /// The HTTP client the app is called with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A plain GET.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Runs one SQL statement directly on the test database (to set up states the API cannot).
    pub async fn sql(&self, statement: &str) {
        let sql = sqlx::AssertSqlSafe(statement.to_owned());
        match self.store.db() {
            store::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(drop),
            store::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(drop),
        }
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }

    /// Sets one column of one row to a timestamp given as `YYYY-MM-DD HH:MM:SS.mmm`.
    pub async fn set_time(&self, table: &str, column: &str, id: &str, at: &str) {
        self.sql(&format!(r#"UPDATE "{table}" SET "{column}" = '{at}' WHERE "id" = '{id}'"#)).await;
    }

    /// Creates an email in any status directly through the store (the API only makes DRAFTs).
    pub async fn email_with_status(
        &self,
        user_id: &str,
        contact_id: &str,
        subject: &str,
        status: EmailStatus,
        sent_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> String {
        let mut new = NewEmail::draft(
            contact_id.to_owned(),
            Subject::parse("subject", subject).unwrap(),
            Body::parse("body", "Sent earlier.").unwrap(),
            None,
        );
        new.status = status;
        new.sent_at = sent_at;
        new.template_type = Some(TemplateType::Formal);
        self.store.create_email(user_id, &new).await.unwrap().id
    }

    /// Creates a template and returns its id.
    pub async fn template(&self, token: &str, name: &str, is_default: bool) -> String {
        let v = self
            .gql(
                Some(token),
                "mutation($input: CreateEmailTemplateInput!) { createEmailTemplate(input: $input) { emailTemplate { id } } }",
                json!({ "input": { "name": name, "subject": "Hi {{firstName}}", "body": "Hello {{firstName}}", "templateType": "FORMAL", "isDefault": is_default } }),
            )
            .await;
        data(&v)["createEmailTemplate"]["emailTemplate"]["id"].as_str().unwrap().to_owned()
    }

    /// Logs a conversation entry and returns its id.
    pub async fn log(
        &self,
        token: &str,
        contact_id: &str,
        content: &str,
        direction: &str,
        at: Option<&str>,
    ) -> String {
        let v = self
            .gql(
                Some(token),
                "mutation($input: LogConversationInput!) { logConversation(input: $input) { conversationEntry { id } } }",
                json!({ "input": { "contactId": contact_id, "content": content, "direction": direction, "timestamp": at } }),
            )
            .await;
        data(&v)["logConversation"]["conversationEntry"]["id"].as_str().unwrap().to_owned()
    }

    /// Signs up a new account and returns its token and id.
    pub async fn sign_up(&self, email: &str) -> (String, String) {
        let v = self
            .gql(
                None,
                "mutation($input: SignUpInput!) { signUp(input: $input) { token user { id email } } }",
                json!({ "input": { "email": email, "password": "correct horse battery", "name": "Test User" } }),
            )
            .await;
        let p = &v["data"]["signUp"];
        assert!(p.is_object(), "signUp failed: {v}");
        (p["token"].as_str().unwrap().to_owned(), p["user"]["id"].as_str().unwrap().to_owned())
    }

    /// Creates a contact and returns its id.
    pub async fn contact(&self, token: &str, name: &str) -> String {
        let v = self
            .gql(
                Some(token),
                "mutation($input: CreateContactInput!) { createContact(input: $input) { contact { id } } }",
                json!({ "input": { "name": name, "email": format!("{}@example.com", name.to_lowercase().replace(' ', ".")) } }),
            )
            .await;
        data(&v)["createContact"]["contact"]["id"].as_str().unwrap().to_owned()
    }

    /// Creates a DRAFT email and returns its id.
    pub async fn draft(&self, token: &str, contact_id: &str, subject: &str) -> String {
        let v = self
            .gql(
                Some(token),
                "mutation($input: CreateEmailInput!) { createEmail(input: $input) { email { id status } } }",
                json!({ "input": { "contactId": contact_id, "subject": subject, "body": "Hello!" } }),
            )
            .await;
        data(&v)["createEmail"]["email"]["id"].as_str().unwrap().to_owned()
    }
}

/// The `data` of a response that must have no errors.
pub fn data(v: &Value) -> &Value {
    assert!(
        v.get("errors").is_none_or(|e| e.as_array().is_none_or(|a| a.is_empty())),
        "unexpected errors: {v}"
    );
    &v["data"]
}

/// The `extensions.code` of the first error.
pub fn code(v: &Value) -> &str {
    v["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {v}"))
}

/// The `extensions.field` of the first error.
pub fn field(v: &Value) -> &str {
    v["errors"][0]["extensions"]["field"].as_str().unwrap_or_else(|| panic!("no error field in {v}"))
}

/// Whether a response has no (or a null) `data`.
pub fn no_data(v: &Value) -> bool {
    v.get("data").is_none_or(Value::is_null)
}

/// The ids of a connection's `nodes`.
pub fn ids(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes in {connection}"))
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Text that must never reach a client: SQL, driver names, source paths.
pub const INTERNAL_TEXT: &[&str] = &[
    "sqlx",
    "syntax error at or near",
    "SELECT ",
    "INSERT ",
    "UPDATE \"",
    "DELETE FROM",
    "FROM \"",
    "no such table",
    "no such column",
    "relation \"",
    "error returned from database",
    "SQLITE_",
    "pool timed out",
    ".rs:",
    "/src/",
    "panicked",
];

/// Every error carries a code from the closed set and no internal text.
pub fn assert_errors_are_clean(v: &Value) {
    let Some(errors) = v.get("errors").and_then(Value::as_array) else { return };
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    for e in errors {
        let code = e["extensions"]["code"].as_str().unwrap_or_else(|| panic!("error without a code: {v}"));
        assert!(codes.contains(&code), "code {code} is not in the closed set: {v}");
        let message = e["message"].as_str().unwrap_or_else(|| panic!("error without a message: {v}"));
        for bad in INTERNAL_TEXT {
            assert!(!message.contains(bad), "internal text {bad:?} reached the client: {v}");
        }
    }
}
