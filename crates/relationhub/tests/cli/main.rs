//! The command line, run as a user would: the real binary in a scratch directory, against fresh
//! PostgreSQL and SQLite databases.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod backup;
mod bad_input;
mod bench_seed;
mod common;
mod digest;
mod export;
mod guide_sql;
mod migrate;
mod seed;
mod serve;
