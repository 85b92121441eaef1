//! The CSV dialects (Google Contacts, LinkedIn Connections, any CSV with a header) and
//! RelationHub's own JSON archive, read into rows of contact fields.

use super::csv::{self, Record};
use super::{Row, append_notes};
use crate::app::ApiError;
use crate::app::contacts::ContactFields;
use chrono::NaiveDate;
use std::collections::HashMap;

/// A column header reduced to lowercase letters and digits, so "E-mail Address" = "emailaddress".
fn norm(h: &str) -> String {
    h.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// Splits Google's " ::: " multi-values.
fn multi(v: &str) -> impl Iterator<Item = String> + '_ {
    v.split(":::").map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn date(v: &str) -> Option<NaiveDate> {
    let v = v.trim();
    ["%Y-%m-%d", "%d %b %Y", "%m/%d/%Y", "%Y%m%d"].iter().find_map(|f| NaiveDate::parse_from_str(v, f).ok())
}

/// Header plus body records, with a lookup by normalised header.
struct Table {
    index: HashMap<String, usize>,
    headers: Vec<String>,
    body: Vec<Record>,
}

impl Table {
    fn new(mut records: Vec<Record>) -> Result<Table, ApiError> {
        if records.is_empty() {
            return Err(ApiError::bad_input("content", "the file has no header line"));
        }
        let header = records.remove(0);
        let mut index = HashMap::new();
        for (i, h) in header.fields.iter().enumerate() {
            index.entry(norm(h)).or_insert(i);
        }
        Ok(Table { index, headers: header.fields, body: records })
    }

    fn get<'a>(&self, r: &'a Record, keys: &[&str]) -> Option<&'a str> {
        keys.iter()
            .filter_map(|k| self.index.get(&norm(k)))
            .filter_map(|&i| r.fields.get(i))
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
    }
}

fn join_name(first: Option<&str>, last: Option<&str>) -> String {
    format!("{} {}", first.unwrap_or_default(), last.unwrap_or_default()).trim().to_owned()
}

/// Google Contacts export: repeated "E-mail N - Value" / "Phone N - Value" groups (N varies by
/// file), " ::: " multi-values, old ("Given Name") and new ("First Name") headers.
pub fn google(text: &str) -> Result<Vec<Row>, ApiError> {
    let t = Table::new(csv::records(text))?;
    let group = |prefix: &str| -> Vec<usize> {
        let mut cols: Vec<(u32, usize)> = t
            .headers
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let rest = h.trim().strip_prefix(prefix)?;
                let (n, tail) = rest.trim().split_once(" - ")?;
                (tail.trim() == "Value").then_some((n.trim().parse().ok()?, i))
            })
            .collect();
        cols.sort_unstable();
        cols.into_iter().map(|(_, i)| i).collect()
    };
    let (email_cols, phone_cols) = (group("E-mail"), group("Phone"));
    let mut out = Vec::new();
    for r in &t.body {
        let values = |cols: &[usize]| -> Vec<String> {
            cols.iter().filter_map(|&i| r.fields.get(i)).flat_map(|v| multi(v)).collect()
        };
        let (emails, phones) = (values(&email_cols), values(&phone_cols));
        let name = t.get(r, &["Name"]).map(str::to_owned).unwrap_or_else(|| {
            let first = t.get(r, &["Given Name", "First Name"]);
            join_name(first, t.get(r, &["Family Name", "Last Name"]))
        });
        let mut fields = ContactFields {
            name,
            email: emails.first().cloned(),
            phone: phones.first().cloned(),
            company: t.get(r, &["Organization 1 - Name", "Organization Name"]).map(str::to_owned),
            role: t.get(r, &["Organization 1 - Title", "Organization Title"]).map(str::to_owned),
            birthday: t.get(r, &["Birthday"]).and_then(date),
            notes: t.get(r, &["Notes"]).map(str::to_owned),
            linked_in_url: t
                .headers
                .iter()
                .enumerate()
                .filter(|(_, h)| h.contains("Website") && h.contains("Value"))
                .filter_map(|(i, _)| r.fields.get(i))
                .flat_map(|v| multi(v))
                .find(|u| u.contains("linkedin.")),
            ..ContactFields::default()
        };
        let mut extra = Vec::new();
        if emails.len() > 1 {
            extra.push(format!("Other emails: {}", emails[1..].join(", ")));
        }
        if phones.len() > 1 {
            extra.push(format!("Other phones: {}", phones[1..].join(", ")));
        }
        append_notes(&mut fields, &extra);
        out.push(Row { line: r.line, fields });
    }
    Ok(out)
}

/// LinkedIn's Connections.csv: "Notes:" preamble lines until the real header, which starts with
/// "First Name".
pub fn linkedin(text: &str) -> Result<Vec<Row>, ApiError> {
    let records = csv::records(text);
    let start = records
        .iter()
        .position(|r| r.fields.first().is_some_and(|f| norm(f) == "firstname"))
        .ok_or_else(|| ApiError::bad_input("content", "no \"First Name\" header line found"))?;
    let t = Table::new(records.into_iter().skip(start).collect())?;
    Ok(t.body
        .iter()
        .map(|r| {
            let mut fields = ContactFields {
                name: join_name(t.get(r, &["First Name"]), t.get(r, &["Last Name"])),
                email: t.get(r, &["Email Address"]).map(str::to_owned),
                company: t.get(r, &["Company"]).map(str::to_owned),
                role: t.get(r, &["Position"]).map(str::to_owned),
                linked_in_url: t.get(r, &["URL"]).map(str::to_owned),
                ..ContactFields::default()
            };
            if let Some(on) = t.get(r, &["Connected On"]) {
                append_notes(&mut fields, &[format!("Connected on LinkedIn: {on}")]);
            }
            Row { line: r.line, fields }
        })
        .collect())
}

/// Field names accepted by `--map field=Column`, with the headers guessed when not mapped.
const GUESSES: &[(&str, &[&str])] = &[
    ("name", &["name", "fullname", "displayname", "contact", "contactname"]),
    ("firstName", &["firstname", "givenname", "first"]),
    ("lastName", &["lastname", "familyname", "surname", "last"]),
    ("email", &["email", "emailaddress", "mail", "email1", "primaryemail"]),
    ("phone", &["phone", "phonenumber", "telephone", "mobile", "mobilephone", "tel"]),
    ("company", &["company", "organization", "organisation", "employer", "companyname"]),
    ("role", &["role", "title", "jobtitle", "position"]),
    ("industry", &["industry", "sector"]),
    ("linkedInUrl", &["linkedinurl", "linkedin", "linkedinprofile", "profileurl", "url"]),
    ("birthday", &["birthday", "birthdate", "dateofbirth", "dob"]),
    ("notes", &["notes", "note", "comments", "comment"]),
    ("priority", &["priority", "importance"]),
];

/// Any CSV with a header: columns mapped by `map` (field → header), else guessed.
pub fn generic(text: &str, map: &[(String, String)]) -> Result<Vec<Row>, ApiError> {
    let t = Table::new(csv::records(text))?;
    let mut cols: HashMap<&str, usize> = HashMap::new();
    for (field, _) in GUESSES {
        let mapped = map.iter().find(|(f, _)| f.eq_ignore_ascii_case(field));
        let col = match mapped {
            Some((_, header)) => Some(*t.index.get(&norm(header)).ok_or_else(|| {
                ApiError::bad_input("map", format!("no column named \"{header}\" in the header line"))
            })?),
            None => GUESSES
                .iter()
                .find(|(f, _)| f == field)
                .and_then(|(_, names)| names.iter().find_map(|n| t.index.get(*n).copied())),
        };
        if let Some(c) = col {
            cols.insert(field, c);
        }
    }
    if let Some((f, _)) = map.iter().find(|(f, _)| !GUESSES.iter().any(|(g, _)| g.eq_ignore_ascii_case(f))) {
        return Err(ApiError::bad_input("map", format!("unknown field \"{f}\"")));
    }
    if !cols.contains_key("name") && !cols.contains_key("firstName") && !cols.contains_key("email") {
        return Err(ApiError::bad_input("map", "no name or email column found; map one with name=Column"));
    }
    let cell = |r: &Record, f: &str| -> Option<String> {
        cols.get(f).and_then(|&i| r.fields.get(i)).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
    };
    Ok(t.body
        .iter()
        .map(|r| {
            let name = cell(r, "name").unwrap_or_else(|| {
                join_name(cell(r, "firstName").as_deref(), cell(r, "lastName").as_deref())
            });
            let fields = ContactFields {
                stay_in_touch_days: Default::default(),
                name,
                email: cell(r, "email"),
                phone: cell(r, "phone"),
                company: cell(r, "company"),
                role: cell(r, "role"),
                industry: cell(r, "industry"),
                linked_in_url: cell(r, "linkedInUrl"),
                priority: cell(r, "priority").and_then(|p| p.to_ascii_uppercase().parse().ok()),
                birthday: cell(r, "birthday").as_deref().and_then(date),
                notes: cell(r, "notes"),
            };
            Row { line: r.line, fields }
        })
        .collect())
}

/// The `contacts` of a RelationHub JSON archive (see docs/EXPORT_FORMAT.md); a row's "line" is
/// its 1-based position in the `contacts` array.
pub fn json(text: &str) -> Result<Vec<Row>, ApiError> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Archive {
        format: String,
        contacts: Vec<JsonContact>,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct JsonContact {
        name: String,
        email: Option<String>,
        phone: Option<String>,
        company: Option<String>,
        role: Option<String>,
        industry: Option<String>,
        linked_in_url: Option<String>,
        priority: Option<domain::Priority>,
        birthday: Option<NaiveDate>,
        notes: Option<String>,
    }
    let archive: Archive =
        serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(|e| {
            ApiError::bad_input(
                "content",
                format!("not a RelationHub archive (line {}): invalid JSON", e.line()),
            )
        })?;
    if archive.format != "relationhub" {
        return Err(ApiError::bad_input(
            "content",
            "not a RelationHub archive (format is not \"relationhub\")",
        ));
    }
    Ok(archive
        .contacts
        .into_iter()
        .enumerate()
        .map(|(i, c)| Row {
            line: i + 1,
            fields: ContactFields {
                stay_in_touch_days: Default::default(),
                name: c.name,
                email: c.email,
                phone: c.phone,
                company: c.company,
                role: c.role,
                industry: c.industry,
                linked_in_url: c.linked_in_url,
                priority: c.priority,
                birthday: c.birthday,
                notes: c.notes,
            },
        })
        .collect())
}
