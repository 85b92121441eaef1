//! Turns a model's text into a validated [`EmailDraft`]. Models wrap JSON in code fences, add prose
//! around it or put raw line breaks inside strings; this finds the first balanced JSON object with string
//! `subject` and `body` fields, tolerating all three, then trims and checks the length limits.

use serde_json::Value;

use crate::{EmailDraft, ProviderError};

/// Longest accepted subject, in characters.
pub const SUBJECT_MAX_CHARS: usize = 500;
/// Longest accepted body, in characters.
pub const BODY_MAX_CHARS: usize = 50_000;

/// Longest model output searched (the search is quadratic in the worst case).
const TEXT_MAX_BYTES: usize = 256 * 1024;

/// Extracts and validates the draft; a permanent "unparsable output: …" error otherwise.
pub fn parse_draft(text: &str) -> Result<EmailDraft, ProviderError> {
    if text.len() > TEXT_MAX_BYTES {
        return Err(unparsable("output longer than 256 KiB"));
    }
    let (subject, body) =
        find_fields(text).ok_or_else(|| unparsable("no JSON object with string \"subject\" and \"body\""))?;
    // A subject is one header line: fold any line breaks.
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let body = body.trim().to_owned();
    if subject.is_empty() {
        return Err(unparsable("empty subject"));
    }
    if body.is_empty() {
        return Err(unparsable("empty body"));
    }
    if subject.chars().count() > SUBJECT_MAX_CHARS {
        return Err(unparsable("subject longer than 500 characters"));
    }
    if body.chars().count() > BODY_MAX_CHARS {
        return Err(unparsable("body longer than 50000 characters"));
    }
    Ok(EmailDraft { subject, body })
}

fn unparsable(why: &str) -> ProviderError {
    ProviderError::permanent(format!("unparsable output: {why}"))
}

/// Tries every `{` in order, outermost first, so an object nested in a wrapper is found too.
fn find_fields(text: &str) -> Option<(String, String)> {
    text.char_indices()
        .filter(|(_, c)| *c == '{')
        .filter_map(|(start, _)| balanced_object(&text[start..]))
        .find_map(|candidate| {
            let value = serde_json::from_str::<Value>(candidate)
                .or_else(|_| serde_json::from_str::<Value>(&escape_raw_controls(candidate)))
                .ok()?;
            let subject = value.get("subject")?.as_str()?;
            let body = value.get("body")?.as_str()?;
            Some((subject.to_owned(), body.to_owned()))
        })
}

/// The prefix of `text` (which starts with `{`) up to its matching `}`, skipping braces inside strings.
fn balanced_object(text: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&text[..=i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// JSON forbids raw control characters in strings; small models emit raw line breaks anyway.
fn escape_raw_controls(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string && !escaped {
            match c {
                '\n' => {
                    out.push_str("\\n");
                    continue;
                }
                '\r' => {
                    out.push_str("\\r");
                    continue;
                }
                '\t' => {
                    out.push_str("\\t");
                    continue;
                }
                _ => {}
            }
        }
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            _ => {}
        }
        out.push(c);
    }
    out
}
