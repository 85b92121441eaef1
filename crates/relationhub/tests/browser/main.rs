//! The web app in a real browser: Debian's Chromium driven over WebDriver (chromedriver) with
//! `fantoccini`, against a server on port 0 per test, on both backends.
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (`scripts/test` installs them). Set
//! `RELATIONHUB_SCREENSHOTS=docs/screenshots` to save PNGs of the main pages from the journey.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod harness;
mod journey;
mod safety;
