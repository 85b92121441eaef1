//! New drafts: a saved template with its placeholders filled in, or an email assembled from the latest
//! conversation entry (its topic, who wrote last and how long ago) in the requested style.

use chrono::{DateTime, Utc};

use super::{greeting, non_empty, paragraphs, shorten, sign_off};
use crate::{ContactProfile, Direction, EmailDraft, HistoryItem, Style, TemplateHint};

/// Instructions longer than this are not quoted into the email (the builtin writer cannot follow them).
const INSTRUCTION_MAX_CHARS: usize = 280;

pub(super) struct Input<'a> {
    pub contact: &'a ContactProfile,
    pub history: &'a [HistoryItem],
    pub template: Option<&'a TemplateHint>,
    pub instructions: Option<&'a str>,
    pub style: Option<Style>,
    pub sender: Option<&'a str>,
    pub now: DateTime<Utc>,
}

pub(super) fn compose(input: &Input<'_>) -> EmailDraft {
    let generated = generate(input);
    let Some(template) = input.template else {
        return generated;
    };
    let subject = fill_placeholders(&template.subject, input).trim().to_owned();
    let mut paragraphs = paragraphs(&fill_placeholders(&template.body, input));
    if let Some(line) = instruction_line(input.instructions) {
        // After the greeting when there is one, else at the end.
        let at = if paragraphs.len() >= 2 { 1 } else { paragraphs.len() };
        paragraphs.insert(at, line);
    }
    let body = paragraphs.join("\n\n");
    EmailDraft {
        subject: if subject.is_empty() { generated.subject } else { subject },
        body: if template.body.trim().is_empty() { generated.body } else { body },
    }
}

/// Replaces `{{name}}`, `{{firstName}}`, `{{lastName}}`, `{{company}}`, `{{role}}` and `{{senderName}}`
/// (case-insensitive, spaces inside the braces allowed); unknown placeholders are left as they are.
pub(super) fn fill_placeholders(text: &str, input: &Input<'_>) -> String {
    let contact = input.contact;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = after[..close].trim().to_ascii_lowercase();
        let value = match key.as_str() {
            "name" => Some(contact.name.trim().to_owned()),
            "firstname" => Some(non_empty(contact.first_name()).unwrap_or("there").to_owned()),
            "lastname" => Some(contact.name.split_whitespace().skip(1).last().unwrap_or("").to_owned()),
            "company" => Some(contact.company.clone().unwrap_or_else(|| "your company".into())),
            "role" => Some(contact.role.clone().unwrap_or_else(|| "your role".into())),
            "sendername" => Some(input.sender.unwrap_or("").to_owned()),
            _ => None,
        };
        match value {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

fn generate(input: &Input<'_>) -> EmailDraft {
    let style = input.style;
    let first = non_empty(input.contact.first_name());
    let company = input.contact.company.as_deref().and_then(|c| non_empty(c.trim()));
    let latest = input.history.iter().fold(None::<&HistoryItem>, |best, item| match best {
        Some(b) if b.timestamp >= item.timestamp => Some(b),
        _ => Some(item),
    });
    let topic = latest.and_then(topic);
    let context = context_sentence(input, latest, topic.as_deref());

    let subject = match (style, &topic) {
        (Some(Style::Casual), Some(t)) => format!("Catching up on {}", shorten(t, 60)),
        (Some(Style::Concise), Some(t)) => format!("Quick follow-up: {}", shorten(t, 60)),
        (_, Some(t)) => format!("Following up: {}", shorten(t, 60)),
        (Some(Style::Casual), None) => "Catching up".to_owned(),
        (Some(Style::Concise), None) => "Quick follow-up".to_owned(),
        (_, None) => company.map_or("Following up".to_owned(), |c| format!("Following up — {c}")),
    };

    let mut parts = vec![greeting(style, first)];
    let instruction = instruction_line(input.instructions);
    match style {
        Some(Style::Concise) => {
            let ask = "Would you have 15 minutes for a quick call this week?";
            let line = [Some(context), instruction, Some(ask.to_owned())];
            parts.push(line.into_iter().flatten().collect::<Vec<_>>().join(" "));
        }
        Some(Style::Casual) => {
            parts.push(format!("Hope you're doing well! {context}"));
            parts.extend(instruction);
            parts.push(match company {
                Some(c) => format!(
                    "Would love to hear how things are going at {c}. Free for a quick chat this week or next?"
                ),
                None => "Would love to catch up. Free for a quick chat this week or next?".to_owned(),
            });
        }
        Some(Style::Elaborate) => {
            parts.push(format!("I hope you are doing well. {context}"));
            let role = input.contact.role.as_deref().and_then(|r| non_empty(r.trim()));
            parts.push(match (role, company) {
                (Some(r), Some(c)) => format!("Given your work as {r} at {c}, I thought it would be worthwhile to pick up where we left off and share where things stand on my side."),
                (None, Some(c)) => format!("With everything going on at {c}, I thought it would be worthwhile to pick up where we left off and share where things stand on my side."),
                _ => "I thought it would be worthwhile to pick up where we left off and share where things stand on my side.".to_owned(),
            });
            parts.extend(instruction);
            parts.push("As a next step, would you be open to a short call in the coming week? I am happy to work around your schedule and can send over any material beforehand if that would help.".to_owned());
        }
        Some(Style::Formal) | None => {
            parts.push(format!("I hope this message finds you well. {context}"));
            parts.extend(instruction);
            parts.push(match company {
                Some(c) => format!("I would welcome the opportunity to continue our conversation and to hear how things are progressing at {c}. Would you have time for a short call in the coming days?"),
                None => "I would welcome the opportunity to continue our conversation. Would you have time for a short call in the coming days?".to_owned(),
            });
        }
    }
    let mut closing = sign_off(style).to_owned();
    if let Some(sender) = input.sender {
        closing = format!("{closing}\n{sender}");
    }
    parts.push(closing);
    EmailDraft { subject, body: parts.join("\n\n") }
}

/// What the latest entry was about: its subject without "Re:"/"Fwd:", else its first sentence.
fn topic(item: &HistoryItem) -> Option<String> {
    if let Some(subject) = item.subject.as_deref() {
        let mut subject = subject.trim();
        while let Some(rest) = ["re:", "fwd:", "fw:"]
            .iter()
            .find(|p| subject.to_ascii_lowercase().starts_with(*p))
            .map(|p| subject[p.len()..].trim_start())
        {
            subject = rest;
        }
        if !subject.is_empty() {
            return Some(subject.to_owned());
        }
    }
    let content = item.content.trim();
    let end = content.find(['.', '!', '?', '\n']).unwrap_or(content.len());
    non_empty(content[..end].trim()).map(|s| shorten(s, 80))
}

/// One sentence on who wrote last, about what, and when.
fn context_sentence(input: &Input<'_>, latest: Option<&HistoryItem>, topic: Option<&str>) -> String {
    let casual = matches!(input.style, Some(Style::Casual | Style::Concise));
    let Some(item) = latest else {
        return match (input.contact.last_contacted_at, casual) {
            (Some(at), true) => format!("I wanted to pick up where we left off {}.", ago(at, input.now)),
            (Some(at), false) => format!("We last spoke {}, and I wanted to reconnect.", ago(at, input.now)),
            (None, true) => "I wanted to reach out and connect.".to_owned(),
            (None, false) => "I am reaching out to connect and introduce myself.".to_owned(),
        };
    };
    let when = ago(item.timestamp, input.now);
    let about = topic.map_or(String::new(), |t| format!(" about \"{t}\""));
    let late = (input.now - item.timestamp).num_days() >= 14;
    match (item.direction, casual) {
        (Direction::Received, true) => {
            let sorry = if late { " Sorry it took me a while to get back to you." } else { "" };
            format!("Thanks for your note{about} {when}!{sorry}")
        }
        (Direction::Received, false) => {
            let sorry = if late { " Please excuse my delayed reply." } else { "" };
            format!("Thank you for your message{about} {when}.{sorry}")
        }
        (Direction::Sent, true) => format!("Just following up on my note{about} from {when}."),
        (Direction::Sent, false) => format!("I am following up on my message{about} from {when}."),
    }
}

/// "yesterday", "last week", "a few months ago".
fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> &'static str {
    match (now - at).num_days() {
        d if d < 0 => "recently",
        0 => "earlier today",
        1 => "yesterday",
        2..=6 => "a few days ago",
        7..=13 => "last week",
        14..=29 => "a few weeks ago",
        30..=59 => "last month",
        60..=364 => "a few months ago",
        _ => "over a year ago",
    }
}

/// Short single-line instructions become their own sentence in the email; long ones are left out.
fn instruction_line(instructions: Option<&str>) -> Option<String> {
    let text = instructions?.trim();
    if text.is_empty() || text.contains('\n') || text.chars().count() > INSTRUCTION_MAX_CHARS {
        return None;
    }
    let mut chars = text.chars();
    let mut line: String = chars.next().map(|c| c.to_uppercase().collect::<String>())?;
    line.push_str(chars.as_str());
    if !line.ends_with(['.', '!', '?']) {
        line.push('.');
    }
    Some(line)
}
