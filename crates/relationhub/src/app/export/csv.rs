//! Contacts as CSV (RFC 4180): a header line, CRLF line ends, a field quoted when it holds a
//! comma, a quote, a line break or surrounding spaces (quotes doubled). The header names are
//! the ones the `csv` import guesses, so an exported file imports back unchanged.

use super::pages;
use crate::app::ApiResult;
use domain::User;
use store::Store;
use store::archive::ArchiveContact;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// The header line.
pub const HEADER: &[&str] = &[
    "name",
    "email",
    "phone",
    "company",
    "role",
    "industry",
    "linkedInUrl",
    "priority",
    "birthday",
    "notes",
    "stayInTouchDays",
    "lastContactedAt",
    "createdAt",
];

/// Appends one field, quoted when needed.
fn field(out: &mut Vec<u8>, v: &str) {
    let quote = v.contains([',', '"', '\n', '\r']) || v.trim() != v;
    if quote {
        out.push(b'"');
        out.extend_from_slice(v.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(v.as_bytes());
    }
}

fn record(out: &mut Vec<u8>, values: &[String]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        field(out, v);
    }
    out.extend_from_slice(b"\r\n");
}

fn values(c: &ArchiveContact) -> Vec<String> {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let t = |v: Option<store::Ts>| {
        v.map(|t| t.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default()
    };
    vec![
        c.name.clone(),
        s(&c.email),
        s(&c.phone),
        s(&c.company),
        s(&c.role),
        s(&c.industry),
        s(&c.linked_in_url),
        c.priority.as_str().to_owned(),
        c.birthday.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
        s(&c.notes),
        c.stay_in_touch_days.map(|d| d.to_string()).unwrap_or_default(),
        t(c.last_contacted_at),
        t(Some(c.created_at)),
    ]
}

/// Writes the header and one line per contact; returns the number of contacts.
pub(super) async fn write<W: AsyncWrite + Unpin + Send>(
    store: &Store,
    user: &User,
    out: &mut W,
) -> ApiResult<u64> {
    let mut head = Vec::new();
    record(&mut head, &HEADER.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    out.write_all(&head).await.map_err(super::io)?;
    pages::<ArchiveContact, W>(store, &user.id, out, |c, _, buf| {
        record(buf, &values(c));
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_and_line_breaks_are_quoted() {
        let mut out = Vec::new();
        record(
            &mut out,
            &["plain".into(), "a, b".into(), "say \"hi\"".into(), "two\nlines".into(), " pad".into()],
        );
        assert_eq!(
            String::from_utf8_lossy(&out),
            "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",\" pad\"\r\n"
        );
    }
}
