//! Polishing without a model: swap the greeting and sign-off for the style's, trim a concise version
//! to its first paragraph and its ask, add a closing line to an elaborate one, calm a formal one.

use super::{greeting, non_empty, paragraphs, shorten, sign_off};
use crate::{ContactProfile, EmailDraft, Style};

const GREETING_WORDS: &[&str] =
    &["dear", "hi", "hello", "hey", "greetings", "good morning", "good afternoon", "good evening"];

const SIGN_OFFS: &[&str] = &[
    "best",
    "best regards",
    "kind regards",
    "regards",
    "warm regards",
    "warmly",
    "cheers",
    "thanks",
    "thank you",
    "many thanks",
    "thanks again",
    "sincerely",
    "yours sincerely",
    "yours truly",
    "all the best",
    "best wishes",
    "talk soon",
    "take care",
];

pub(super) fn restyle(
    subject: &str,
    body: &str,
    style: Style,
    contact: Option<&ContactProfile>,
) -> EmailDraft {
    let mut parts = paragraphs(body);
    let mut name = contact.and_then(|c| non_empty(c.first_name())).map(str::to_owned);
    // The greeting is the first line; the text may continue on the next line without a blank one.
    let mut had_greeting = false;
    if let Some(first) = parts.first_mut()
        && let Some((line, rest)) = first.split_once('\n').or(Some((first.as_str(), "")))
        && let Some(found) = greeting_name(line)
    {
        had_greeting = true;
        name = found.or(name);
        *first = rest.trim().to_owned();
    }
    // The sign-off is the first sign-off line of the last paragraph; the lines after it are the signature.
    let mut closing = None;
    if let Some(last) = parts.last_mut() {
        let lines: Vec<&str> = last.lines().collect();
        if let Some(at) = lines.iter().position(|line| is_sign_off(line)) {
            let signature = lines[at + 1..].iter().copied();
            closing =
                Some(std::iter::once(sign_off(Some(style))).chain(signature).collect::<Vec<_>>().join("\n"));
            *last = lines[..at].join("\n").trim().to_owned();
        }
    }
    parts.retain(|p| !p.is_empty());
    match style {
        Style::Concise => parts = concise(parts),
        Style::Elaborate => {
            parts.push("Thank you for your time; I am happy to go into more detail or share anything that would help, and I look forward to hearing from you.".to_owned());
        }
        Style::Formal => {
            for part in &mut parts {
                *part = part.replace("!", ".");
            }
        }
        Style::Casual => {}
    }
    let mut out = Vec::with_capacity(parts.len() + 2);
    if had_greeting || name.is_some() {
        out.push(greeting(Some(style), name.as_deref()));
    }
    out.extend(parts);
    out.extend(closing);
    let subject = subject.trim();
    EmailDraft {
        subject: match style {
            Style::Concise => shorten(subject, 60),
            _ => subject.to_owned(),
        },
        body: out.join("\n\n"),
    }
}

fn is_sign_off(line: &str) -> bool {
    SIGN_OFFS.contains(&line.trim().trim_end_matches([',', '.', '!']).to_ascii_lowercase().as_str())
}

/// `Some(name)` when the line is a greeting ("Hi Ada," gives `Some(Some("Ada"))`).
fn greeting_name(line: &str) -> Option<Option<String>> {
    let line = line.trim();
    if line.chars().count() > 80 {
        return None;
    }
    let lower = line.to_ascii_lowercase();
    let word = GREETING_WORDS.iter().find(|w| {
        lower.starts_with(*w) && !lower[w.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
    })?;
    let name = line[word.len()..].trim().trim_end_matches([',', '!', ':', '.']).trim();
    Some((!name.is_empty() && !name.eq_ignore_ascii_case("there")).then(|| name.to_owned()))
}

/// The first paragraph, trimmed to two sentences, plus the first later paragraph that asks something.
fn concise(parts: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = parts.first().map(|p| first_sentences(p, 2)).into_iter().collect();
    if let Some(ask) = parts.iter().skip(1).find(|p| p.contains('?')) {
        kept.push(first_sentences(ask, 2));
    }
    kept
}

fn first_sentences(text: &str, count: usize) -> String {
    let mut ends = text.match_indices(['.', '!', '?']).map(|(i, _)| i + 1);
    match ends.nth(count - 1) {
        Some(end) => text[..end].trim().to_owned(),
        None => text.trim().to_owned(),
    }
}
