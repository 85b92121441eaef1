//! Generated rows and their two encodings: PostgreSQL COPY text and SQLite bind values.

use super::generate::GenContact;
use crate::ts::Ts;
use chrono::DateTime;
use sqlx::Sqlite;
use sqlx::sqlite::SqliteArguments;
use std::fmt::Write as _;

pub(super) struct UserRow {
    pub(super) id: String,
    pub(super) email: String,
    pub(super) name: String,
    pub(super) hash: String,
    pub(super) created: i64,
}

pub(super) struct ContactRow {
    pub(super) user_id: String,
    pub(super) c: GenContact,
}

pub(super) struct TemplateRow {
    pub(super) id: String,
    pub(super) user_id: String,
    pub(super) name: &'static str,
    pub(super) subject: &'static str,
    pub(super) body: String,
    pub(super) kind: &'static str,
    pub(super) is_default: bool,
    pub(super) created: i64,
}

pub(super) struct EntryRow {
    pub(super) id: String,
    pub(super) user_id: String,
    pub(super) contact_id: String,
    pub(super) content: String,
    pub(super) direction: &'static str,
    pub(super) at: i64,
    pub(super) metadata: String,
}

pub(super) struct EmailRow {
    pub(super) id: String,
    pub(super) user_id: String,
    pub(super) contact_id: String,
    pub(super) subject: String,
    pub(super) body: String,
    pub(super) status: &'static str,
    pub(super) template_type: Option<&'static str>,
    pub(super) provider: Option<&'static str>,
    pub(super) tokens: Option<i32>,
    pub(super) generated_at: Option<i64>,
    pub(super) sent_at: Option<i64>,
    pub(super) opened_at: Option<i64>,
    pub(super) replied_at: Option<i64>,
    pub(super) created: i64,
    pub(super) updated: i64,
    pub(super) attempts: i32,
    pub(super) last_error: Option<&'static str>,
}

pub(super) enum Row {
    User(UserRow),
    Contact(Box<ContactRow>),
    Template(TemplateRow),
    Entry(EntryRow),
    Email(Box<EmailRow>),
}

fn ts(ms: i64) -> Ts {
    Ts(DateTime::from_timestamp_millis(ms).unwrap_or_default())
}

/// Rows in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash escapes.
#[derive(Default)]
pub(super) struct CopyText(pub(super) Vec<u8>);

impl CopyText {
    fn text(&mut self, s: &str) -> &mut Self {
        let out = &mut self.0;
        for &b in s.as_bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => out.push(b),
            }
        }
        out.push(b'\t');
        self
    }

    fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    fn null(&mut self) -> &mut Self {
        self.0.extend_from_slice(b"\\N\t");
        self
    }

    fn int(&mut self, v: i64) -> &mut Self {
        let _ = write!(Fmt(&mut self.0), "{v}\t");
        self
    }

    fn ts(&mut self, ms: i64) -> &mut Self {
        let _ = ts(ms).write_text(&mut Fmt(&mut self.0));
        self.0.push(b'\t');
        self
    }

    fn opt_ts(&mut self, ms: Option<i64>) -> &mut Self {
        match ms {
            Some(ms) => self.ts(ms),
            None => self.null(),
        }
    }

    /// Replaces the trailing tab with the row terminator.
    fn end_row(&mut self) {
        if let Some(last) = self.0.last_mut() {
            *last = b'\n';
        }
    }
}

/// `fmt::Write` over a byte buffer (only ASCII is written through it).
struct Fmt<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Fmt<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments>;

impl Row {
    pub(super) fn copy(&self, out: &mut CopyText) {
        match self {
            Row::User(r) => {
                out.text(&r.id).text(&r.email).text(&r.name).text(&r.hash).ts(r.created).ts(r.created);
            }
            Row::Contact(r) => {
                let c = &r.c;
                out.text(&c.id)
                    .text(&r.user_id)
                    .text(&c.name)
                    .text(&c.email)
                    .text(&c.phone)
                    .text(c.company)
                    .text(c.role)
                    .text(c.industry)
                    .text(&c.linked_in_url)
                    .text(c.priority)
                    .opt_text(c.birthday.map(|d| d.to_string()).as_deref())
                    .opt_text(c.notes.as_deref())
                    .opt_ts(c.last_contacted)
                    .ts(c.created)
                    .ts(c.last_contacted.unwrap_or(c.created).max(c.created));
            }
            Row::Template(r) => {
                out.text(&r.id)
                    .text(&r.user_id)
                    .text(r.name)
                    .text(r.subject)
                    .text(&r.body)
                    .text(r.kind)
                    .text(if r.is_default { "t" } else { "f" })
                    .ts(r.created)
                    .ts(r.created);
            }
            Row::Entry(r) => {
                out.text(&r.id)
                    .text(&r.user_id)
                    .text(&r.contact_id)
                    .text(&r.content)
                    .text(r.direction)
                    .ts(r.at)
                    .text(&r.metadata);
            }
            Row::Email(r) => {
                out.text(&r.id)
                    .text(&r.user_id)
                    .text(&r.contact_id)
                    .text(&r.subject)
                    .text(&r.body)
                    .text(r.status)
                    .opt_text(r.template_type)
                    .opt_text(r.provider);
                match r.tokens {
                    Some(t) => out.int(i64::from(t)),
                    None => out.null(),
                };
                out.opt_ts(r.generated_at)
                    .opt_ts(r.sent_at)
                    .opt_ts(r.opened_at)
                    .opt_ts(r.replied_at)
                    .ts(r.created)
                    .ts(r.updated)
                    .int(i64::from(r.attempts))
                    .opt_text(r.last_error);
            }
        }
        out.end_row();
    }

    pub(super) fn bind<'q>(&self, q: SqliteQuery<'q>) -> SqliteQuery<'q> {
        let ots = |v: Option<i64>| v.map(ts);
        match self {
            Row::User(r) => q
                .bind(r.id.clone())
                .bind(r.email.clone())
                .bind(r.name.clone())
                .bind(r.hash.clone())
                .bind(ts(r.created))
                .bind(ts(r.created)),
            Row::Contact(r) => {
                let c = &r.c;
                q.bind(c.id.clone())
                    .bind(r.user_id.clone())
                    .bind(c.name.clone())
                    .bind(c.email.clone())
                    .bind(c.phone.clone())
                    .bind(c.company)
                    .bind(c.role)
                    .bind(c.industry)
                    .bind(c.linked_in_url.clone())
                    .bind(c.priority)
                    .bind(c.birthday)
                    .bind(c.notes.clone())
                    .bind(ots(c.last_contacted))
                    .bind(ts(c.created))
                    .bind(ts(c.last_contacted.unwrap_or(c.created).max(c.created)))
            }
            Row::Template(r) => q
                .bind(r.id.clone())
                .bind(r.user_id.clone())
                .bind(r.name)
                .bind(r.subject)
                .bind(r.body.clone())
                .bind(r.kind)
                .bind(r.is_default)
                .bind(ts(r.created))
                .bind(ts(r.created)),
            Row::Entry(r) => q
                .bind(r.id.clone())
                .bind(r.user_id.clone())
                .bind(r.contact_id.clone())
                .bind(r.content.clone())
                .bind(r.direction)
                .bind(ts(r.at))
                .bind(r.metadata.clone()),
            Row::Email(r) => q
                .bind(r.id.clone())
                .bind(r.user_id.clone())
                .bind(r.contact_id.clone())
                .bind(r.subject.clone())
                .bind(r.body.clone())
                .bind(r.status)
                .bind(r.template_type)
                .bind(r.provider)
                .bind(r.tokens)
                .bind(ots(r.generated_at))
                .bind(ots(r.sent_at))
                .bind(ots(r.opened_at))
                .bind(ots(r.replied_at))
                .bind(ts(r.created))
                .bind(ts(r.updated))
                .bind(r.attempts)
                .bind(r.last_error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_separators_and_formats_milliseconds() {
        let mut out = CopyText::default();
        out.text("a\tb\nc\\d").null().ts(1_767_225_599_999).end_row();
        assert_eq!(String::from_utf8(out.0).unwrap(), "a\\tb\\nc\\\\d\t\\N\t2025-12-31 23:59:59.999\n");
    }
}
