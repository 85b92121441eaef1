//! `relationhub serve`: connect, make sure the schema is current, serve until SIGINT/SIGTERM.

use super::Application;
use crate::cli::{CliResult, ServeArgs, connect};
use crate::config::Config;
use std::process::ExitCode;
use std::sync::Arc;
use store::Backend;

/// Runs the server.
pub async fn run(config: Config, args: ServeArgs) -> CliResult {
    let started = std::time::Instant::now();
    // Before touching the database: a server that cannot send mail safely must not start at all
    // (with SMTP, SMTP_FROM is required; see `DeliveryConfig::validate`).
    config.delivery.validate()?;
    let digest_options = crate::app::digest::DigestOptions::from_settings(&config.settings)?;
    // Held until the process ends: `db restore` refuses while it is held (SQLite only).
    let _db_lock = crate::cli::dblock::DbLock::shared(&config.database_url)?;
    let sqlite = config.database_url.backend() == Backend::Sqlite;
    let store = connect(&config, sqlite).await?;
    let status = store.migration_status().await?;
    if !status.is_up_to_date() {
        if sqlite || args.migrate {
            let applied = store.deploy(|name| tracing::info!(migration = name, "applying migration")).await?;
            if !applied.is_empty() {
                tracing::info!(count = applied.len(), "migrations applied");
            }
        } else {
            anyhow::bail!(
                "the database at {} has pending or failed migrations; run `relationhub migrate deploy` first (or start with `serve --migrate`)",
                config.database_url
            );
        }
    }
    if config.embedded_default {
        tracing::info!(path = %config.database_url, "using the embedded SQLite database");
    }
    let config = Arc::new(config);
    let app = Application::build(config.clone(), store.clone()).await?;
    let addr = app.local_addr()?;
    delivery::metrics::describe();
    crate::app::inbound::worker::describe_metrics();
    match config.delivery.outbox_dir() {
        Some(dir) => tracing::info!(
            outbox = %dir.display(),
            "no SMTP_URL configured: sent emails are written as .eml files to the outbox directory"
        ),
        None => {
            tracing::info!(transport = %app.shared().state.sender.transport().describe(), "sending email over SMTP")
        }
    }
    let cancel = tokio_util::sync::CancellationToken::new();
    let scheduler = delivery::Scheduler::new(app.shared().state.sender.clone());
    let scheduler = tokio::spawn(scheduler.run(cancel.clone()));
    let follow_ups = tokio::spawn(crate::app::follow_ups::run(app.shared().state.clone(), cancel.clone()));
    // The daily digest and auto-drafts, on the injected clock; safe beside other processes.
    let digests = crate::app::digest::DigestWorker::new(app.shared().state.clone(), digest_options);
    let digests = tokio::spawn(digests.run(cancel.clone()));
    let mailboxes =
        tokio::spawn(crate::app::inbound::worker::run(app.shared().state.clone(), cancel.clone()));
    let webhooks = crate::webhooks::Worker::new(app.shared().state.clone())?;
    let webhooks = tokio::spawn(webhooks.run(cancel.clone()));
    // The first line of output; tests and scripts read the base URL from it.
    println!("RelationHub listening on http://{addr}");
    tracing::info!("open http://{addr}/ for the web app; the GraphQL API is at http://{addr}/graphql");
    tracing::info!(%addr, ready_ms = started.elapsed().as_millis() as u64, "server ready");
    app.run_until(shutdown_signal()).await?;
    tracing::info!("shutting down: in-flight requests finished, stopping the background workers");
    cancel.cancel();
    // A send in progress finishes (it is bounded by the SMTP timeout), a digest pass cut short
    // keeps its claim until its lease runs out (another process finishes it), a mailbox pass
    // releases its lease: wait for all of them at once, but not forever.
    let wait = |secs| std::time::Duration::from_secs(secs);
    let _ = tokio::join!(
        tokio::time::timeout(wait(15), mailboxes),
        tokio::time::timeout(wait(30), scheduler),
        tokio::time::timeout(wait(30), follow_ups),
        tokio::time::timeout(wait(30), digests),
        // Posts in flight are bounded by the 10 s webhook timeout; unfinished ones are
        // retried after their lease expires (at-least-once).
        tokio::time::timeout(wait(15), webhooks),
    );
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
