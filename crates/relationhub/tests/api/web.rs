//! The web app's pages over plain HTTP (no browser): status codes, redirects, headers,
//! escaping, CSRF and isolation, on both backends.

use crate::common::TestApp;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, REFERRER_POLICY, SET_COOKIE};
use std::collections::BTreeMap;
use testkit::{Kind, on_both};

/// A browser without JavaScript: keeps cookies, never follows redirects on its own.
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

/// A response, read.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { app, client, cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn read(&mut self, resp: reqwest::Response) -> Page {
        for c in resp.headers().get_all(SET_COOKIE) {
            let text = c.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = resp.status();
        let location = resp.headers().get(LOCATION).map(|l| l.to_str().unwrap().to_owned());
        let headers = resp.headers().clone();
        Page { status, location, headers, body: resp.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let resp =
            self.client.get(self.app.url(path)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.read(resp).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let resp = self
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).unwrap())
            .send()
            .await
            .unwrap();
        self.read(resp).await
    }

    /// Posts `multipart/form-data` as a browser's file upload form does: (name, file name, value).
    pub async fn post_multipart(&mut self, path: &str, parts: &[(&str, Option<&str>, &str)]) -> Page {
        let boundary = "----relationhub-test-boundary-7d3f";
        let mut body = String::new();
        for (name, file, value) in parts {
            body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\""));
            if let Some(file) = file {
                body.push_str(&format!("; filename=\"{file}\"\r\nContent-Type: application/octet-stream"));
            }
            body.push_str(&format!("\r\n\r\n{value}\r\n"));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let resp = self
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .unwrap();
        self.read(resp).await
    }

    /// Posts with the CSRF token of `page` (a page containing a form).
    pub async fn submit(&mut self, page: &Page, path: &str, form: &[(&str, &str)]) -> Page {
        let token = csrf(&page.body);
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(form);
        self.post(path, &all).await
    }

    /// Signs up a new account through the form; returns the Today page.
    pub async fn sign_up(&mut self, email: &str) -> Page {
        let form = self.get("/signup").await;
        assert_eq!(form.status, StatusCode::OK);
        let done = self
            .submit(
                &form,
                "/signup",
                &[
                    ("name", "Web User"),
                    ("email", email),
                    ("password", "correct horse battery"),
                    ("tz", "Europe/Berlin"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/"));
        self.get("/").await
    }

    /// Adds a contact through the form; returns its id.
    pub async fn add_contact(&mut self, name: &str) -> String {
        let form = self.get("/contacts/new").await;
        let done = self
            .submit(&form, "/contacts", &[("name", name), ("email", "ada@example.com"), ("priority", "HIGH")])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let loc = done.location.unwrap();
        loc.trim_start_matches("/contacts/").split('?').next().unwrap().to_owned()
    }
}

/// The first CSRF token in a page.
pub fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no csrf field in {html}"));
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn signed_out_app_pages_redirect_to_login_with_a_local_next(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    let p = b.get("/").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/login"));
    let p = b.get("/contacts?search=x").await;
    assert_eq!(p.location.as_deref(), Some("/login?next=/contacts%3Fsearch%3Dx"));
    for path in ["/emails", "/templates", "/settings", "/contacts/whatever", "/emails/whatever"] {
        let p = b.get(path).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}");
        assert!(p.location.as_deref().unwrap().starts_with("/login"), "{path}");
    }
    let login = b.get("/login?next=//evil.example/x").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("name=\"next\" value=\"/\""), "{}", login.body);
    assert!(login.body.contains(">Sign in<"));
}

async fn pages_carry_the_security_headers(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    for path in ["/login", "/signup", "/no-such-page"] {
        let p = b.get(path).await;
        let csp = p.headers.get(CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(p.headers.get(REFERRER_POLICY).unwrap(), "same-origin", "{path}");
        assert!(
            !p.body.contains("<script>") && !p.body.contains("style=\""),
            "{path}: inline script or style"
        );
    }
    let missing = b.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
    // The API keeps its own referrer policy.
    assert_eq!(app.get("/health").await.headers().get(REFERRER_POLICY).unwrap(), "no-referrer");
}

async fn signing_up_sets_a_strict_session_cookie_and_signing_out_ends_the_session(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    let form = b.get("/signup").await;
    for label in [">Name", ">Email", ">Password", ">Sign up<"] {
        assert!(form.body.contains(label), "{label}");
    }
    let done = b
        .submit(
            &form,
            "/signup",
            &[
                ("name", "Web User"),
                ("email", "web@example.com"),
                ("password", "correct horse battery"),
                ("tz", ""),
            ],
        )
        .await;
    let cookie = done
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("rh_session="))
        .unwrap();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http without a public https URL: {cookie}");
    let today = b.get("/").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.body.contains("Today") && today.body.contains("Sign out"));
    let session = b.cookies["rh_session"].clone();
    // The same session works as a bearer token: one token table.
    let me = app.gql(Some(&session), "{ me { email } }", serde_json::json!({})).await;
    assert_eq!(me["data"]["me"]["email"], "web@example.com");
    let out = b.submit(&today, "/logout", &[]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    b.cookies.insert("rh_session".into(), session.clone());
    assert_eq!(b.get("/").await.status, StatusCode::SEE_OTHER, "a signed-out session is refused");
    let me = app.gql(Some(&session), "{ me { email } }", serde_json::json!({})).await;
    assert_eq!(crate::common::code(&me), "UNAUTHENTICATED");
}

async fn the_session_cookie_is_secure_behind_an_https_public_url(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_PUBLIC_URL", "https://crm.example.com")]).await;
    let mut b = Browser::new(&app);
    let form = b.get("/signup").await;
    assert!(form.headers.get(SET_COOKIE).unwrap().to_str().unwrap().contains("Secure"));
    let done = b
        .submit(
            &form,
            "/signup",
            &[("name", "Web User"), ("email", "web@example.com"), ("password", "correct horse battery")],
        )
        .await;
    let cookie = done
        .headers
        .get_all(SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("rh_session="))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("csrf@example.com").await;
    let before = b.get("/contacts").await;
    for token in [None, Some("wrong")] {
        let mut form = vec![("name", "Mallory")];
        if let Some(t) = token {
            form.push(("csrf", t));
        }
        let p = b.post("/contacts", &form).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{token:?}");
        assert!(p.body.contains("Nothing was changed"));
    }
    let after = b.get("/contacts").await;
    assert!(!after.body.contains("Mallory"));
    assert!(after.body.contains("0 contacts"), "{}", after.body);
    let _ = before;
    // Signed-out forms use a double-submit cookie.
    let mut stranger = Browser::new(&app);
    let p = stranger
        .post(
            "/login",
            &[("email", "csrf@example.com"), ("password", "correct horse battery"), ("csrf", "x")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // Sign-out without the token keeps the session.
    let p = b.post("/logout", &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/").await.status, StatusCode::OK);
}

async fn sign_in_follows_only_a_local_next_and_keeps_the_typed_email_on_failure(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    app.sign_up("known@example.com").await;
    let mut b = Browser::new(&app);
    let form = b.get("/login?next=/contacts").await;
    let bad = b
        .submit(
            &form,
            "/login",
            &[("email", "known@example.com"), ("password", "wrong password!"), ("next", "/contacts")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Wrong email or password."));
    assert!(bad.body.contains("value=\"known@example.com\""));
    let ok = b
        .submit(
            &bad,
            "/login",
            &[("email", "known@example.com"), ("password", "correct horse battery"), ("next", "/contacts")],
        )
        .await;
    assert_eq!(ok.location.as_deref(), Some("/contacts"));
    let mut c = Browser::new(&app);
    let form = c.get("/login").await;
    let ok = c
        .submit(
            &form,
            "/login",
            &[
                ("email", "known@example.com"),
                ("password", "correct horse battery"),
                ("next", "https://evil.example"),
            ],
        )
        .await;
    assert_eq!(ok.location.as_deref(), Some("/"));
}

async fn contact_form_errors_show_beside_their_field_with_the_typed_values(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("forms@example.com").await;
    let form = b.get("/contacts/new").await;
    for label in
        ["Name", "Email", "Phone", "Company", "Role", "Industry", "LinkedIn", "Priority", "Notes", ">Save<"]
    {
        assert!(form.body.contains(label), "{label}");
    }
    let p = b
        .submit(
            &form,
            "/contacts",
            &[("name", "Grace Hopper"), ("email", "not-an-address"), ("company", "Navy")],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("id=\"e-email\""), "{}", p.body);
    assert!(p.body.contains("value=\"Grace Hopper\"") && p.body.contains("value=\"Navy\""));
    assert!(b.get("/contacts").await.body.contains("0 contacts"));
}

async fn a_contact_named_like_a_script_renders_as_text(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("xss@example.com").await;
    let id = b.add_contact("<script>alert(1)</script>").await;
    for path in
        ["/contacts".to_owned(), format!("/contacts/{id}"), format!("/contacts/{id}/edit"), "/".to_owned()]
    {
        let p = b.get(&path).await;
        assert!(!p.body.contains("<script>alert(1)</script>"), "{path}");
    }
    let p = b.get(&format!("/contacts/{id}")).await;
    assert!(
        p.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || p.body.contains("&#60;script&#62;"),
        "{}",
        p.body
    );
}

async fn another_users_contact_and_email_get_the_404_page(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut a = Browser::new(&app);
    a.sign_up("a@example.com").await;
    let id = a.add_contact("Ada Lovelace").await;
    let mut b = Browser::new(&app);
    let today = b.sign_up("b@example.com").await;
    for path in [
        format!("/contacts/{id}"),
        format!("/contacts/{id}/edit"),
        format!("/contacts/{id}/write"),
        "/contacts/nope".into(),
        "/emails/nope".into(),
    ] {
        let p = b.get(&path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert!(p.body.contains("Page not found"));
        assert!(!p.body.contains("Ada"));
    }
    let p = b.submit(&today, &format!("/contacts/{id}/delete"), &[]).await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(a.get(&format!("/contacts/{id}")).await.status, StatusCode::OK);
}

async fn the_contact_page_logs_conversations_newest_first(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("log@example.com").await;
    let id = b.add_contact("Ada Lovelace").await;
    let page = b.get(&format!("/contacts/{id}")).await;
    for label in [
        "What was said",
        "Direction",
        "Sent",
        "Received",
        "Log conversation",
        "Write follow-up",
        "Delete contact",
    ] {
        assert!(page.body.contains(label), "{label}");
    }
    let p = b
        .submit(
            &page,
            &format!("/contacts/{id}/log"),
            &[("content", "First note"), ("direction", "SENT"), ("timestamp", "2026-01-02T10:00")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = b
        .submit(
            &page,
            &format!("/contacts/{id}/log"),
            &[("content", "Thanks for the call!"), ("direction", "RECEIVED"), ("timestamp", "")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = b.get(&format!("/contacts/{id}")).await;
    let newer = p.body.find("Thanks for the call!").unwrap();
    let older = p.body.find("First note").unwrap();
    assert!(newer < older, "newest first");
    assert!(p.body.contains("2026-01-02 10:00"), "times in the user's zone");
    let bad =
        b.submit(&p, &format!("/contacts/{id}/log"), &[("content", ""), ("direction", "RECEIVED")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-content\""));
}

async fn pages_of_fifty_contacts_stay_small_and_page_forward_and_back(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("many@example.com").await;
    let session = b.cookies["rh_session"].clone();
    for i in 0..55 {
        app.contact(&session, &format!("Person {i:03}")).await;
    }
    let p = b.get("/contacts").await;
    assert!(p.body.contains("55 contacts"));
    assert!(p.body.contains("Person 049") && !p.body.contains("Person 050"));
    assert!(p.body.len() < 100 * 1024, "{} bytes", p.body.len());
    let next = p.body.split("href=\"/contacts?").find(|s| s.contains(">Next<")).unwrap();
    let next =
        format!("/contacts?{}", &next[..next.find('"').unwrap()]).replace("&amp;", "&").replace("&#38;", "&");
    let p2 = b.get(&next).await;
    assert!(p2.body.contains("Person 050") && !p2.body.contains("Person 049"));
    let prev = p2.body.split("href=\"/contacts").find(|s| s.contains(">Previous<")).unwrap();
    let prev =
        format!("/contacts{}", &prev[..prev.find('"').unwrap()]).replace("&amp;", "&").replace("&#38;", "&");
    assert!(b.get(&prev).await.body.contains("Person 000"));
}

async fn templates_can_be_created_edited_made_default_and_deleted(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("tpl@example.com").await;
    let form = b.get("/templates/new").await;
    for label in [">Name", ">Subject", ">Body", ">Type", "{{firstName}}"] {
        assert!(form.body.contains(label), "{label}");
    }
    let bad = b
        .submit(
            &form,
            "/templates",
            &[
                ("name", "Check-in"),
                ("subject", ""),
                ("body", "Hi {{firstName}}"),
                ("templateType", "CASUAL"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-subject\"") && bad.body.contains("value=\"Check-in\""));
    let ok = b
        .submit(
            &form,
            "/templates",
            &[
                ("name", "Check-in"),
                ("subject", "Hello {{firstName}}"),
                ("body", "Hi {{firstName}}"),
                ("templateType", "CASUAL"),
            ],
        )
        .await;
    assert_eq!(ok.location.as_deref(), Some("/templates?done=saved"));
    let list = b.get("/templates").await;
    assert!(list.body.contains("Check-in") && list.body.contains("Make default"));
    let id = list
        .body
        .split("href=\"/templates/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .find(|s| *s != "new")
        .unwrap()
        .to_owned();
    let p = b.submit(&list, &format!("/templates/{id}/default"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(b.get("/templates").await.body.contains(">Default<"));
    let edit = b.get(&format!("/templates/{id}")).await;
    let p = b
        .submit(
            &edit,
            &format!("/templates/{id}"),
            &[("name", "Renamed"), ("subject", "Hi"), ("body", "Body"), ("templateType", "FORMAL")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(b.get("/templates").await.body.contains("Renamed"));
    let p = b.submit(&edit, &format!("/templates/{id}/delete"), &[]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert!(!b.get("/templates").await.body.contains("Renamed"));
}

async fn settings_change_the_name_and_time_zone_and_show_providers_and_mail(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("set@example.com").await;
    let page = b.get("/settings").await;
    assert!(page.body.contains("Europe/Berlin\" selected"), "the zone chosen at sign-up");
    assert!(page.body.contains("builtin") && page.body.contains("Outbox"));
    let bad = b.submit(&page, "/settings", &[("name", "New Name"), ("timeZone", "Mars/Olympus")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-timeZone\""));
    let ok = b.submit(&page, "/settings", &[("name", "New Name"), ("timeZone", "America/New_York")]).await;
    assert_eq!(ok.location.as_deref(), Some("/settings?done=saved"));
    let page = b.get("/settings").await;
    assert!(page.body.contains("value=\"New Name\"") && page.body.contains("America/New_York\" selected"));
}

async fn changing_the_password_keeps_this_browser_and_tokens_are_shown_once_and_revoked(kind: Kind) {
    let app = TestApp::spawn(kind).await;
    let mut b = Browser::new(&app);
    b.sign_up("pw@example.com").await;
    let mut other = Browser::new(&app);
    let form = other.get("/login").await;
    other
        .submit(
            &form,
            "/login",
            &[("email", "pw@example.com"), ("password", "correct horse battery"), ("next", "/")],
        )
        .await;
    assert_eq!(other.get("/").await.status, StatusCode::OK);
    let page = b.get("/settings").await;
    for label in
        ["Change password", "Current password", "New password", "API tokens", "Revoke", "this browser"]
    {
        assert!(page.body.contains(label), "{label}");
    }
    let bad = b
        .submit(
            &page,
            "/settings/password",
            &[("currentPassword", "wrong one!"), ("newPassword", "another long password")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-currentPassword\""));
    let ok = b
        .submit(
            &page,
            "/settings/password",
            &[("currentPassword", "correct horse battery"), ("newPassword", "another long password")],
        )
        .await;
    assert_eq!(ok.location.as_deref(), Some("/settings?done=password"));
    assert_eq!(b.get("/").await.status, StatusCode::OK, "this browser got a fresh session");
    assert_eq!(other.get("/").await.status, StatusCode::SEE_OTHER, "other sessions ended");

    let page = b.get("/settings").await;
    let created =
        b.submit(&page, "/settings/tokens", &[("name", "backup script"), ("expiresInDays", "")]).await;
    assert_eq!(created.status, StatusCode::OK);
    let secret =
        created.body.split("class=\"secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(secret.starts_with("rh_"));
    let me = app.gql(Some(&secret), "{ me { email } }", serde_json::json!({})).await;
    assert_eq!(me["data"]["me"]["email"], "pw@example.com");
    let again = b.get("/settings").await;
    assert!(!again.body.contains(&secret), "shown once");
    assert!(again.body.contains("API token: backup script"));
    let row = again.body.split("API token: backup script").nth(1).unwrap();
    let id = row.split("/settings/tokens/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let p = b.submit(&again, &format!("/settings/tokens/{id}/revoke"), &[]).await;
    assert_eq!(p.location.as_deref(), Some("/settings?done=revoked"));
    let me = app.gql(Some(&secret), "{ me { email } }", serde_json::json!({})).await;
    assert_eq!(crate::common::code(&me), "UNAUTHENTICATED");
}

async fn with_registration_closed_the_sign_up_page_is_gone(kind: Kind) {
    let app = TestApp::spawn_with(kind, &[("RELATIONHUB_REGISTRATION", "closed")]).await;
    let mut b = Browser::new(&app);
    let login = b.get("/login").await;
    assert!(!login.body.contains("/signup"), "no link to sign up");
    assert_eq!(b.get("/signup").await.status, StatusCode::NOT_FOUND);
    let p = b
        .submit(
            &login,
            "/signup",
            &[("name", "X"), ("email", "x@example.com"), ("password", "correct horse battery")],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

on_both!(
    with_registration_closed_the_sign_up_page_is_gone,
    changing_the_password_keeps_this_browser_and_tokens_are_shown_once_and_revoked,
    templates_can_be_created_edited_made_default_and_deleted,
    settings_change_the_name_and_time_zone_and_show_providers_and_mail,
    signed_out_app_pages_redirect_to_login_with_a_local_next,
    pages_carry_the_security_headers,
    signing_up_sets_a_strict_session_cookie_and_signing_out_ends_the_session,
    the_session_cookie_is_secure_behind_an_https_public_url,
    a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing,
    sign_in_follows_only_a_local_next_and_keeps_the_typed_email_on_failure,
    contact_form_errors_show_beside_their_field_with_the_typed_values,
    a_contact_named_like_a_script_renders_as_text,
    another_users_contact_and_email_get_the_404_page,
    the_contact_page_logs_conversations_newest_first,
    pages_of_fifty_contacts_stay_small_and_page_forward_and_back,
);
