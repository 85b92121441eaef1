//! Parsing a raw message into what the history keeps: addresses, ids, subject, date and the
//! readable text (plain part or text from the HTML, with quoted replies and signatures trimmed).

use chrono::{DateTime, Utc};
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};

/// The parts of a message RelationHub uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedMessage {
    /// `Message-ID` without angle brackets (a synthetic one when the message has none).
    pub message_id: String,
    /// Ids named by `In-Reply-To` and `References`, without angle brackets.
    pub replies_to: Vec<String>,
    /// Sender address, lower-cased.
    pub from: Option<String>,
    /// Sender display name.
    pub from_name: Option<String>,
    /// `To` and `Cc` addresses, lower-cased.
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// `Date` header (now when missing).
    pub date: DateTime<Utc>,
    /// Readable text, trimmed.
    pub text: String,
    /// Attachment file names (the attachments themselves are not kept).
    pub attachments: Vec<String>,
}

fn addresses(a: Option<&Address<'_>>) -> Vec<(String, Option<String>)> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter_map(|x| {
            Some((x.address.as_ref()?.trim().to_lowercase(), x.name.as_ref().map(|n| n.trim().to_owned())))
        })
        .collect()
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.trim().trim_matches(['<', '>']).to_owned()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.trim().trim_matches(['<', '>']).to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// Parses `raw`; `None` when it is not a message at all.
pub fn parse_message(raw: &[u8]) -> Option<ParsedMessage> {
    let m = MessageParser::default().parse(raw)?;
    let message_id = match m.message_id() {
        Some(id) if !id.trim().is_empty() => id.trim().trim_matches(['<', '>']).to_owned(),
        // No Message-ID: derive a stable one from the content so a re-import still matches.
        _ => {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            raw.hash(&mut h);
            format!("no-id-{:016x}@relationhub", h.finish())
        }
    };
    let mut replies_to = ids(m.in_reply_to());
    for r in ids(m.references()) {
        if !replies_to.contains(&r) {
            replies_to.push(r);
        }
    }
    replies_to.retain(|s| !s.is_empty());
    let from = addresses(m.from()).into_iter().next();
    let mut to: Vec<String> = addresses(m.to()).into_iter().map(|(a, _)| a).collect();
    to.extend(addresses(m.cc()).into_iter().map(|(a, _)| a));
    to.extend(addresses(m.bcc()).into_iter().map(|(a, _)| a));
    to.dedup();
    let date = m.date().and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)).unwrap_or_else(Utc::now);
    let body = m.body_text(0).map(|t| t.into_owned()).unwrap_or_default();
    let attachments = m.attachments().map(|a| a.attachment_name().unwrap_or("unnamed").to_owned()).collect();
    Some(ParsedMessage {
        message_id,
        replies_to,
        from: from.as_ref().map(|(a, _)| a.clone()),
        from_name: from.and_then(|(_, n)| n).filter(|n| !n.is_empty()),
        to,
        subject: m.subject().unwrap_or("").trim().to_owned(),
        date,
        text: readable(&body),
        attachments,
    })
}

/// Drops quoted earlier replies ("> …", "On … wrote:") and a signature ("-- ") from plain text.
pub fn readable(body: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let lines: Vec<&str> = body.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_end();
        if t == "--" || t == "-- " || line.starts_with("-- ") && line.trim() == "--" {
            break;
        }
        if t.starts_with('>') {
            continue;
        }
        let starts_quote = (t.starts_with("On ") && t.ends_with("wrote:"))
            || t.starts_with("-----Original Message-----")
            || (t.starts_with("On ") && lines.get(i + 1).is_some_and(|n| n.trim_end().ends_with("wrote:")));
        if starts_quote {
            break;
        }
        out.push(t);
    }
    out.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_new_text_and_drops_quotes_and_signature() {
        let raw = b"From: Ann <Ann@Example.com>\r\nTo: me@x.org\r\nSubject: Re: hi\r\nMessage-ID: <a1@x>\r\nIn-Reply-To: <s1@rh>\r\nReferences: <s0@rh> <s1@rh>\r\n\r\nSounds good!\r\n\r\nOn Mon, 1 Dec 2026, Me wrote:\r\n> hi\r\n-- \r\nAnn\r\n";
        let p = parse_message(raw).unwrap();
        assert_eq!(p.message_id, "a1@x");
        assert_eq!(p.replies_to, vec!["s1@rh".to_owned(), "s0@rh".to_owned()]);
        assert_eq!(p.from.as_deref(), Some("ann@example.com"));
        assert_eq!(p.from_name.as_deref(), Some("Ann"));
        assert_eq!(p.text, "Sounds good!");
    }

    #[test]
    fn html_only_messages_give_text() {
        let raw = b"From: a@b.c\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n<p>Hello <b>there</b></p>";
        let p = parse_message(raw).unwrap();
        assert!(p.text.contains("Hello there"), "{}", p.text);
        assert!(p.message_id.starts_with("no-id-"));
    }
}
