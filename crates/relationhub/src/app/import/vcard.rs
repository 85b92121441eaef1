//! vCard 3.0 / 4.0 reading: several cards per file, folded lines, grouped and parameterised
//! properties, several emails and phones (the first is the contact's, the others go to notes).
//!
//! Hand-written rather than `calcard`: only the handful of properties RelationHub stores are
//! read, and each card must keep the line it starts on for error reports.

use super::Row;
use crate::app::contacts::ContactFields;
use chrono::NaiveDate;

/// Unfolds continuation lines (a line starting with a space or tab continues the previous
/// one), keeping each logical line's first physical line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.strip_prefix('\u{feff}').unwrap_or(text).split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some(last) = out.last_mut()
        {
            last.1.push_str(rest);
            continue;
        }
        if !raw.trim().is_empty() {
            out.push((i + 1, raw.to_owned()));
        }
    }
    out
}

/// Undoes vCard text escaping (`\n`, `\,`, `\;`, `\\`).
fn unescape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits a structured value on unescaped `;`.
fn components(v: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in v.chars() {
        if escaped {
            cur.push('\\');
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == ';' {
            parts.push(unescape(&cur));
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    parts.push(unescape(&cur));
    parts
}

fn birthday(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%Y%m%d"))
        .or_else(|_| NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d"))
        .ok()
}

#[derive(Default)]
struct Card {
    fields: ContactFields,
    n: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
    urls: Vec<String>,
}

impl Card {
    fn finish(mut self, line: usize) -> Row {
        let mut extra = Vec::new();
        if self.emails.len() > 1 {
            extra.push(format!("Other emails: {}", self.emails[1..].join(", ")));
        }
        if self.phones.len() > 1 {
            extra.push(format!("Other phones: {}", self.phones[1..].join(", ")));
        }
        self.fields.email = self.emails.first().cloned();
        self.fields.phone = self.phones.first().cloned();
        self.fields.linked_in_url = self.urls.iter().find(|u| u.contains("linkedin.")).cloned();
        if self.fields.name.trim().is_empty() {
            self.fields.name = self.n.unwrap_or_default();
        }
        super::append_notes(&mut self.fields, &extra);
        Row { line, fields: self.fields }
    }
}

/// Reads every card of a vCard file into rows (line = the card's BEGIN line).
pub fn rows(text: &str) -> Vec<Row> {
    let mut out = Vec::new();
    let mut card: Option<(usize, Card)> = None;
    for (line, l) in logical_lines(text) {
        let Some((head, value)) = l.split_once(':') else { continue };
        let mut params = head.split(';');
        let name = params.next().unwrap_or_default();
        let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
        match name.as_str() {
            "BEGIN" if value.trim().eq_ignore_ascii_case("VCARD") => card = Some((line, Card::default())),
            "END" if value.trim().eq_ignore_ascii_case("VCARD") => {
                if let Some((start, c)) = card.take() {
                    out.push(c.finish(start));
                }
            }
            _ => {
                let Some((_, c)) = card.as_mut() else { continue };
                let text = unescape(value).trim().to_owned();
                match name.as_str() {
                    "FN" => c.fields.name = text,
                    "N" => {
                        let parts = components(value);
                        let given = parts.get(1).map(|s| s.trim()).unwrap_or_default();
                        let family = parts.first().map(|s| s.trim()).unwrap_or_default();
                        let full = format!("{given} {family}").trim().to_owned();
                        if !full.is_empty() {
                            c.n = Some(full);
                        }
                    }
                    "EMAIL" if !text.is_empty() => c.emails.push(text),
                    "TEL" if !text.is_empty() => c.phones.push(text.trim_start_matches("tel:").to_owned()),
                    "ORG" => {
                        c.fields.company = components(value).first().map(|s| s.trim().to_owned());
                    }
                    "TITLE" => c.fields.role = Some(text),
                    "ROLE" if c.fields.role.is_none() => c.fields.role = Some(text),
                    "URL" => c.urls.push(text),
                    "BDAY" => c.fields.birthday = birthday(&text),
                    "NOTE" => c.fields.notes = Some(text),
                    _ => {}
                }
            }
        }
    }
    out
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
        let rows = rows(text);
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
