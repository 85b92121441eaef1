//! The `relationhub` binary: parse the command line, start telemetry, dispatch.

use clap::Parser as _;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a GraphQL request allocates and frees many small
/// values (rows, strings, response maps), and glibc's malloc/free were the largest single cost
/// in the server's profile (docs/BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = relationhub::cli::Cli::parse();
    relationhub::telemetry::init();
    relationhub::cli::run(cli).await
}
