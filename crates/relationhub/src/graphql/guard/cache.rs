//! Parsed and checked documents by query text.
//!
//! Clients send a small, fixed set of operations, and parsing is the largest single CPU cost of a
//! small request (about a tenth of the server's time under load, measured); cloning a parsed
//! document is much cheaper. Only documents that passed every budget are kept, with what the
//! analysis found, so a hit skips the scan and the analysis too. The cache holds only query
//! text's syntax trees (no variables, no user data): sharing it across users leaks nothing.

use super::analysis::Facts;
use async_graphql::parser::types::ExecutableDocument;
use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// Queries longer than this are parsed every time (and never kept).
const MAX_CACHED_QUERY_BYTES: usize = 8 * 1024;
/// Most parsed documents kept; when full the cache starts over.
const MAX_CACHED_QUERIES: usize = 256;

type Map = HashMap<Box<str>, (ExecutableDocument, Facts)>;

fn map() -> &'static RwLock<Map> {
    static CACHE: OnceLock<RwLock<Map>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The checked document for `query`, if it was seen before.
pub fn get(query: &str) -> Option<(ExecutableDocument, Facts)> {
    if query.len() > MAX_CACHED_QUERY_BYTES {
        return None;
    }
    map().read().unwrap_or_else(|p| p.into_inner()).get(query).cloned()
}

/// Keeps a document that passed every budget.
pub fn put(query: &str, doc: &ExecutableDocument, facts: Facts) {
    if query.len() > MAX_CACHED_QUERY_BYTES {
        return;
    }
    let mut map = map().write().unwrap_or_else(|p| p.into_inner());
    if map.len() >= MAX_CACHED_QUERIES {
        map.clear();
    }
    map.insert(query.into(), (doc.clone(), facts));
}
