//! The test harness: `TestApp::spawn(kind)` starts the server in-process on 127.0.0.1:0.

use relationhub::config::{Config, Overrides, Settings};
use relationhub::http::Application;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use testkit::{Kind, TestDb};

pub struct TestApp {
    pub addr: SocketAddr,
    pub db: TestDb,
    pub store: store::Store,
    client: reqwest::Client,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn(kind: Kind) -> TestApp {
        Self::spawn_with(kind, &[]).await
    }

    pub async fn spawn_with(kind: Kind, settings: &[(&str, &str)]) -> TestApp {
        let db = TestDb::migrated(kind).await;
        let mut pairs: Vec<(&str, &str)> = settings.to_vec();
        pairs.push(("RELATIONHUB_BIND", "127.0.0.1:0"));
        let overrides = Overrides { database_url: Some(db.url.clone()), ..Default::default() };
        let config = Config::from_settings(Settings::from_pairs(pairs), &overrides).unwrap();
        let store = db.connect().await;
        let app = Application::build(Arc::new(config), store.clone()).await.unwrap();
        let addr = app.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move {
            let _ = rx.await;
        }));
        TestApp { addr, db, store, client: reqwest::Client::new(), _shutdown: tx }
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
        resp.json().await.unwrap()
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
