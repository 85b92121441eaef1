//! Measures the web app's pages: server time per page at p50 for Today, a contacts page of 50
//! rows and a contact with 100 timeline entries, the share of it spent in the database, and the
//! HTML size of each page. Runs on both backends (fresh databases from the test kit).
//!
//! `cargo run --release -p relationhub --example web_pages`
//!
//! "Total" is one GET over loopback HTTP, measured at the client (request parsing, session
//! lookup, queries, rendering, response); "database" is the same queries the handler runs, timed
//! by calling the use-case functions directly; the difference is the server's own time
//! (routing, session check, rendering, HTTP).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{Duration as Days, Utc};
use domain::inputs::{NewContact, NewHistoryEntry, NewUser};
use domain::validate::{EmailAddress, HistoryContent, PersonName, ShortText};
use domain::{Direction, Priority};
use relationhub::app::{AppState, contacts, emails, history, preferences, today};
use relationhub::config::{Config, Overrides, Settings};
use relationhub::http::Application;
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::{ContactFilter, ContactOrder, EmailColumns, EmailFilter, EmailOrder, PageRequest};
use testkit::{Kind, TestDb};

const RUNS: usize = 200;

fn p50(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn measure(kind: Kind) {
    let db = TestDb::migrated(kind).await;
    let data = tempfile::tempdir().unwrap();
    let pairs =
        vec![("RELATIONHUB_BIND", "127.0.0.1:0"), ("RELATIONHUB_DATA_DIR", data.path().to_str().unwrap())];
    let overrides = Overrides { database_url: Some(db.url.clone()), ..Default::default() };
    let config = Arc::new(Config::from_settings(Settings::from_pairs(pairs), &overrides).unwrap());
    let store = db.connect().await;
    let state = AppState::new(store.clone(), config.clone()).unwrap();
    let user = store
        .create_user(&NewUser {
            email: EmailAddress::parse("email", "bench@example.com").unwrap(),
            name: PersonName::parse("name", "Bench User").unwrap(),
            password_hash: "x".into(),
        })
        .await
        .unwrap();
    preferences::set_time_zone(&state, &user, chrono_tz::Europe::Berlin).await.unwrap();
    let session = relationhub::app::accounts::issue_session(&state, user.clone()).await.unwrap();
    let mut busy = String::new();
    for i in 0..120 {
        let mut c = NewContact::named(PersonName::parse("name", &format!("Contact {i:03} Example")).unwrap());
        c.email = Some(EmailAddress::parse("email", &format!("c{i}@example.com")).unwrap());
        c.company = Some(ShortText::parse("company", "Example & Co").unwrap());
        c.priority = [Priority::High, Priority::Medium, Priority::Low][i % 3];
        let c = store.create_contact(&user.id, &c).await.unwrap();
        if i == 0 {
            busy = c.id.clone();
        }
        if i < 10 {
            let f = relationhub::app::emails::EmailFields {
                contact_id: c.id.clone(),
                subject: format!("Draft {i}"),
                body: "Hello,\n\nJust checking in.\n\nBest".into(),
                body_html: None,
                template_type: None,
            };
            emails::create(&state, &user, f).await.unwrap();
        }
    }
    for n in 0..100 {
        let e = NewHistoryEntry {
            contact_id: busy.clone(),
            content: HistoryContent::parse("content", &format!("Message {n}: {}", "words ".repeat(40)))
                .unwrap(),
            direction: if n % 2 == 0 { Direction::Sent } else { Direction::Received },
            timestamp: Some(Utc::now() - Days::hours(n)),
            metadata: None,
        };
        store.append_history(&user.id, &e).await.unwrap();
    }

    let app = Application::build_with_state(config, state.clone()).await.unwrap();
    let addr = app.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookie = format!("rh_session={}", session.token);
    let token_hash = relationhub::auth::token::hash(&session.token);
    let contact_path = format!("/contacts/{busy}");

    println!("\n{kind:?}");
    println!("{:<28} {:>10} {:>10} {:>10} {:>9}", "page", "total p50", "db p50", "server", "HTML");
    for (label, path) in [
        ("Today (/)", "/"),
        ("Contacts (50 rows)", "/contacts"),
        ("Contact, 100 entries", contact_path.as_str()),
    ] {
        let mut size = 0;
        let mut totals = Vec::with_capacity(RUNS);
        for i in 0..RUNS + 20 {
            let started = Instant::now();
            let resp =
                client.get(format!("http://{addr}{path}")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(resp.status(), 200, "{path}");
            let body = resp.text().await.unwrap();
            if i >= 20 {
                totals.push(started.elapsed());
            }
            size = body.len();
        }
        // The same queries the handler runs, called directly.
        let mut dbs = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let started = Instant::now();
            store.authenticate_token(&token_hash).await.unwrap();
            preferences::time_zone(&state, &user).await.unwrap();
            match path {
                "/" => {
                    today::today(&state, &user).await.unwrap();
                }
                "/contacts" => {
                    let f = ContactFilter::default();
                    contacts::list(
                        &state,
                        &user,
                        &f,
                        ContactOrder::NameAsc,
                        &PageRequest { first: 50, after: None },
                    )
                    .await
                    .unwrap();
                    contacts::count(&state, &user, &f).await.unwrap();
                }
                _ => {
                    contacts::get(&state, &user, &busy).await.unwrap();
                    history::list(&state, &user, &busy, &PageRequest { first: 20, after: None })
                        .await
                        .unwrap();
                    store.count_history(&user.id, &busy).await.unwrap();
                    let f = EmailFilter { contact_id: Some(busy.clone()), ..Default::default() };
                    let req = PageRequest { first: 20, after: None };
                    emails::list(
                        &state,
                        &user,
                        &f,
                        EmailOrder::CreatedAtDesc,
                        &req,
                        EmailColumns::WithoutBodies,
                    )
                    .await
                    .unwrap();
                }
            }
            dbs.push(started.elapsed());
        }
        let (t, d) = (p50(totals), p50(dbs));
        println!("{label:<28} {:>10} {:>10} {:>10} {:>7} B", ms(t), ms(d), ms(t.saturating_sub(d)), size);
    }
    let _ = tx.send(());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    measure(Kind::Sqlite).await;
    measure(Kind::Postgres).await;
}
