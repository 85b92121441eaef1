//! The `relationhub` binary: parse the command line, start telemetry, dispatch.

use clap::Parser as _;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = relationhub::cli::Cli::parse();
    relationhub::telemetry::init();
    relationhub::cli::run(cli).await
}
