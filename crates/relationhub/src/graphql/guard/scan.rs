//! Lexical pre-scans: one linear pass over the query text (and one over the request's JSON)
//! that refuses oversized or deeply nested input before any recursive parser runs.
//!
//! async-graphql's parser (pest) recurses once per bracket level, so `[[[[…` a hundred thousand
//! levels deep overflows the stack before its own recursion limit is consulted; serde_json stops
//! at 128 levels but then the request fails with parser text. These scans only count: they keep
//! no tokens and stop at the first budget exceeded, so their cost is bounded by the budgets.

use super::{GuardError, Limits};

/// What the scan counted in a query that is within every budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanCounts {
    /// Significant tokens (punctuators, names, numbers, strings).
    pub tokens: usize,
    /// Deepest bracket nesting (`{`, `(`, `[` together).
    pub nesting: usize,
    /// `...` tokens (fragment spreads and inline fragments).
    pub spreads: usize,
    /// `fragment` keywords outside any brackets (fragment definitions).
    pub fragments: usize,
}

/// Scans a GraphQL document's text against `limits`.
pub fn scan_query(text: &str, limits: &Limits) -> Result<ScanCounts, GuardError> {
    if text.len() > limits.max_query_bytes {
        return Err(GuardError::QueryTooLarge { bytes: text.len(), max: limits.max_query_bytes });
    }
    let bytes = text.as_bytes();
    let mut counts = ScanCounts::default();
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            // Insignificant: white space, line terminators, commas, the byte order mark's bytes
            // are not ASCII and are treated as a token below (the parser refuses them anyway).
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => i = skip_block_string(bytes, i + 3),
            b'"' => i = skip_string(bytes, i + 1),
            b'.' if bytes[i..].starts_with(b"...") => {
                counts.spreads += 1;
                if counts.spreads > limits.max_spreads {
                    return Err(GuardError::TooManySpreads { max: limits.max_spreads });
                }
                i += 3;
            }
            b'{' | b'(' | b'[' => {
                depth += 1;
                counts.nesting = counts.nesting.max(depth);
                if depth > limits.max_nesting {
                    return Err(GuardError::NestedTooDeeply { what: "query", max: limits.max_nesting });
                }
                i += 1;
            }
            b'}' | b')' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                let start = i;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                if depth == 0 && &bytes[start..i] == b"fragment" {
                    counts.fragments += 1;
                    if counts.fragments > limits.max_fragments {
                        return Err(GuardError::TooManyFragments { max: limits.max_fragments });
                    }
                }
            }
            b'-' | b'0'..=b'9' => {
                i += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'.' | b'+' | b'-'))
                {
                    i += 1;
                }
            }
            // Every other byte is one token: punctuators, and anything the parser will refuse.
            _ => i += 1,
        }
        counts.tokens += 1;
        if counts.tokens > limits.max_tokens {
            return Err(GuardError::TooManyTokens { max: limits.max_tokens });
        }
    }
    Ok(counts)
}

/// The index just past a `"…"` string whose body starts at `i` (or the end of the line or
/// text when it is unterminated: the parser reports that).
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' | b'\r' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The index just past a `"""…"""` block string whose body starts at `i`; `\"""` is escaped.
fn skip_block_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            i += 4;
        } else if bytes[i..].starts_with(b"\"\"\"") {
            return i + 3;
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// Whether a JSON text nests arrays and objects at most `max` levels deep. Strings are skipped
/// (brackets inside them do not count); the text need not be valid JSON, serde judges that.
pub fn json_nesting_within(bytes: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return false;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn a_plain_query_is_counted() {
        let c =
            scan_query("query Q($a: Int = 1) { contacts(first: $a) { nodes { id } } }", &limits()).unwrap();
        assert_eq!(c.nesting, 3);
        assert_eq!(c.spreads, 0);
        assert_eq!(c.fragments, 0);
        assert!(c.tokens > 10);
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let q = "{ a(s: \"[[[[{{{{\\\"]]\", b: \"\"\"[[[[ \\\"\"\" {{{{\"\"\") # [[[[[[\n }";
        let c = scan_query(q, &limits()).unwrap();
        assert_eq!(c.nesting, 2, "{c:?}");
    }

    #[test]
    fn deep_nesting_is_refused_at_once() {
        let deep = format!("{{ a(v: {}1{}) }}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(scan_query(&deep, &limits()), Err(GuardError::NestedTooDeeply { .. })));
        let deep = format!("{{ a(v: {}) }}", "{a:".repeat(100_000));
        assert!(matches!(scan_query(&deep, &limits()), Err(GuardError::NestedTooDeeply { .. })));
    }

    #[test]
    fn spreads_fragments_tokens_and_bytes_have_budgets() {
        let l = limits();
        let spreads = format!("{{ {} }}", "...F ".repeat(l.max_spreads + 1));
        assert!(matches!(scan_query(&spreads, &l), Err(GuardError::TooManySpreads { .. })));
        let frags = "fragment F on Q { a } ".repeat(l.max_fragments + 1);
        assert!(matches!(scan_query(&frags, &l), Err(GuardError::TooManyFragments { .. })));
        let tokens = format!("{{ {} }}", "a ".repeat(l.max_tokens));
        assert!(matches!(scan_query(&tokens, &l), Err(GuardError::TooManyTokens { .. })));
        let big = format!("{{ a(s: \"{}\") }}", "x".repeat(l.max_query_bytes));
        assert!(matches!(scan_query(&big, &l), Err(GuardError::QueryTooLarge { .. })));
    }

    #[test]
    fn json_nesting_is_measured_outside_strings() {
        assert!(json_nesting_within(br#"{"query": "[[[[[[", "variables": {"a": [1, [2]]}}"#, 4));
        assert!(!json_nesting_within(br#"{"variables": {"a": [1, [2]]}}"#, 3));
        assert!(json_nesting_within(br#"{"q": "\"[[[[\\"}"#, 1));
        let deep = format!("{{\"v\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(!json_nesting_within(deep.as_bytes(), 64));
    }
}
