//! `relationhub db seed --scale large|medium|small`: the deterministic benchmark data set,
//! loaded by `store::bulk` behind a progress bar (hidden when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal as _;
use std::time::Duration;
use store::Store;
use store::bulk::{BulkOptions, LoadReport, Progress, Scale};

/// The bench accounts' password (published: bench data only).
pub const BENCH_PASSWORD: &str = "bench-password";

/// `--scale` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScaleArg {
    /// 3 users, 12 contacts, 60 emails, 36 history entries, 15 templates.
    Small,
    /// 100 users, 10,000 contacts, 100,000 emails, 20,000 history entries, 500 templates.
    Medium,
    /// 100 users, 10,000 contacts, 1,000,000 emails, 200,000 history entries, 500 templates.
    Large,
}

impl From<ScaleArg> for Scale {
    fn from(s: ScaleArg) -> Self {
        match s {
            ScaleArg::Small => Scale::Small,
            ScaleArg::Medium => Scale::Medium,
            ScaleArg::Large => Scale::Large,
        }
    }
}

/// Loads the data set and prints what was loaded and how long each table took.
pub async fn run(store: &Store, scale: Scale, seed: Option<u64>, replace: bool) -> anyhow::Result<()> {
    let plan = scale.plan();
    let seed = seed.unwrap_or(store::bulk::DEFAULT_SEED);
    // One argon2 hash, shared by every bench account (hashing 100 times would take seconds).
    let password_hash = crate::auth::password::hash(BENCH_PASSWORD.to_owned()).await?;
    let opts = BulkOptions { plan, seed, password_hash, replace };
    let bar = progress_bar(plan.total_rows());
    let report = store
        .bulk_load(&opts, &|p| match p {
            Progress::Table(name) => bar.set_message(name),
            Progress::Rows(n) => bar.inc(n),
            Progress::Analyzing => bar.set_message("analyze"),
        })
        .await;
    bar.finish_and_clear();
    let report = match report {
        Ok(r) => r,
        Err(store::StoreError::Conflict(msg)) => {
            anyhow::bail!("{msg}; pass --replace to delete them and load again")
        }
        Err(e) => return Err(e.into()),
    };
    print_report(&report, scale, seed, plan.users);
    Ok(())
}

fn progress_bar(total: u64) -> ProgressBar {
    let target = if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    let style = ProgressStyle::with_template(
        "{msg:>20} [{bar:40}] {human_pos}/{human_len} rows ({per_sec}, {elapsed} elapsed, eta {eta})",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn print_report(report: &LoadReport, scale: Scale, seed: u64, users: u32) {
    println!("Loaded the {scale:?} bench data set (seed {seed}):");
    if report.replaced > 0 {
        println!(
            "  {:<22} {:>10} accounts  {:>8.1} s",
            "deleted first",
            report.replaced,
            report.delete.as_secs_f64()
        );
    }
    for (table, rows, took) in &report.tables {
        let secs = took.as_secs_f64();
        let rate = if secs > 0.0 { *rows as f64 / secs } else { 0.0 };
        println!("  {table:<22} {rows:>10} rows  {secs:>8.1} s  ({rate:>9.0} rows/s)");
    }
    println!("  {:<22} {:>10}       {:>8.1} s", "commit + analyze", "", report.analyze.as_secs_f64());
    println!("  {:<22} {:>10}       {:>8.1} s", "total", "", report.total.as_secs_f64());
    println!(
        "Bench accounts: {} … {} / password: {BENCH_PASSWORD}",
        store::bulk::bench_email(1),
        store::bulk::bench_email(users)
    );
}
