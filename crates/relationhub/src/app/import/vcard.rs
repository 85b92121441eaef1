//! vCard 3.0 / 4.0 reading with `calcard`: several cards per file, folded lines, grouped and
//! parameterised properties, several emails and phones (the first is the contact's, the others
//! go to notes).
//!
//! The file is cut into cards here (each keeps the line its `BEGIN:VCARD` is on, for error
//! reports) and each card is parsed by `calcard`, which handles unfolding, escaping, parameters
//! and the differences between versions.

use super::{Row, RowError};
use crate::app::contacts::ContactFields;
use calcard::vcard::{VCard, VCardEntry, VCardProperty, VCardValue};
use chrono::NaiveDate;

/// The cards of a file: (line of `BEGIN:VCARD`, the card's text).
fn cards(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, raw) in text.strip_prefix('\u{feff}').unwrap_or(text).split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let upper = line.trim().to_ascii_uppercase();
        if upper == "BEGIN:VCARD" {
            current = Some((i + 1, String::new()));
        }
        if let Some((_, card)) = current.as_mut() {
            card.push_str(line);
            card.push_str("\r\n");
        }
        if upper == "END:VCARD"
            && let Some(card) = current.take()
        {
            out.push(card);
        }
    }
    out
}

/// One value as text (structured values joined by spaces).
fn text(v: &VCardValue) -> Option<String> {
    match v {
        VCardValue::Text(s) => Some(s.clone()),
        VCardValue::Component(parts) => Some(parts.join(" ")),
        VCardValue::Integer(n) => Some(n.to_string()),
        _ => None,
    }
    .map(|s| s.trim().to_owned())
}

/// The first value of an entry as text ("" when there is none).
fn first(e: &VCardEntry) -> String {
    e.values.first().and_then(text).unwrap_or_default()
}

fn date(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y%m%d"))
        .or_else(|_| NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d"))
        .or_else(|_| NaiveDate::parse_from_str(v.get(..8).unwrap_or(v), "%Y%m%d"))
        .ok()
}

/// The birthday as `calcard` read it, else the raw `BDAY` value of the card: vCard 4.0 asks for
/// `19900405`, but many exporters write `1990-04-05`, which `calcard` keeps only in part.
fn birthday(e: &VCardEntry, card_text: &str) -> Option<NaiveDate> {
    let parsed = match e.values.first() {
        Some(VCardValue::PartialDateTime(d)) => match (d.year, d.month, d.day) {
            (Some(y), Some(m), Some(day)) => {
                NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(day))
            }
            _ => None,
        },
        Some(other) => text(other).as_deref().and_then(date),
        None => None,
    };
    parsed.or_else(|| {
        card_text.lines().find_map(|l| {
            let (head, value) = l.split_once(':')?;
            let name = head.split(';').next()?.rsplit('.').next()?;
            name.eq_ignore_ascii_case("BDAY").then(|| date(value)).flatten()
        })
    })
}

/// Turns one parsed card into a row.
fn row(line: usize, card: &VCard, card_text: &str) -> Row {
    let mut fields = ContactFields::default();
    let (mut n, mut emails, mut phones, mut urls) = (None, Vec::new(), Vec::new(), Vec::new());
    for e in &card.entries {
        match &e.name {
            VCardProperty::Fn => fields.name = first(e),
            VCardProperty::N => {
                let part = |i: usize| e.values.get(i).and_then(text).unwrap_or_default();
                let full = format!("{} {}", part(1), part(0)).trim().to_owned();
                if !full.is_empty() {
                    n = Some(full);
                }
            }
            VCardProperty::Email => emails.push(first(e)),
            VCardProperty::Tel => phones.push(first(e).trim_start_matches("tel:").to_owned()),
            VCardProperty::Org => fields.company = Some(first(e)).filter(|s| !s.is_empty()),
            VCardProperty::Title => fields.role = Some(first(e)).filter(|s| !s.is_empty()),
            VCardProperty::Role if fields.role.is_none() => {
                fields.role = Some(first(e)).filter(|s| !s.is_empty());
            }
            VCardProperty::Url => urls.push(first(e)),
            VCardProperty::Bday => fields.birthday = birthday(e, card_text),
            VCardProperty::Note => fields.notes = Some(first(e)).filter(|s| !s.is_empty()),
            VCardProperty::Other(name) if name.eq_ignore_ascii_case("X-RELATIONHUB-PRIORITY") => {
                fields.priority = first(e).to_ascii_uppercase().parse().ok();
            }
            VCardProperty::Other(name) if name.eq_ignore_ascii_case("X-RELATIONHUB-INDUSTRY") => {
                fields.industry = Some(first(e)).filter(|s| !s.is_empty());
            }
            _ => {}
        }
    }
    emails.retain(|s| !s.is_empty());
    phones.retain(|s| !s.is_empty());
    let mut extra = Vec::new();
    if emails.len() > 1 {
        extra.push(format!("Other emails: {}", emails[1..].join(", ")));
    }
    if phones.len() > 1 {
        extra.push(format!("Other phones: {}", phones[1..].join(", ")));
    }
    fields.email = emails.first().cloned();
    fields.phone = phones.first().cloned();
    fields.linked_in_url = urls.iter().find(|u| u.contains("linkedin.")).cloned();
    if fields.name.trim().is_empty() {
        fields.name = n.unwrap_or_default();
    }
    super::append_notes(&mut fields, &extra);
    Row { line, fields }
}

/// Reads every card of a vCard file into rows (line = the card's BEGIN line); a card `calcard`
/// cannot read is reported at its line.
pub fn rows(text: &str) -> (Vec<Row>, Vec<RowError>) {
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    for (line, card) in cards(text) {
        match VCard::parse(&card) {
            Ok(parsed) => rows.push(row(line, &parsed, &card)),
            Err(_) => errors.push(RowError { line, message: "not a readable vCard".into() }),
        }
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_groups_and_several_emails() {
        let text = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;;;\r\nFN:Ada\r\n  Lovelace\r\n\
                    item1.EMAIL;TYPE=INTERNET:ada@example.com\r\nEMAIL:ada@work.example\r\n\
                    ORG:Analytical\\, Ltd;R&D\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:4.0\r\n\
                    N:Zoë;Émile\r\nEND:VCARD\r\n";
        let (rows, errors) = rows(text);
        assert!(errors.is_empty());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 1);
        assert_eq!(rows[0].fields.name, "Ada Lovelace");
        assert_eq!(rows[0].fields.email.as_deref(), Some("ada@example.com"));
        assert_eq!(rows[0].fields.company.as_deref(), Some("Analytical, Ltd"));
        assert!(rows[0].fields.notes.as_deref().unwrap_or_default().contains("ada@work.example"));
        assert_eq!(rows[1].line, 10);
        assert_eq!(rows[1].fields.name, "Émile Zoë");
    }
}
