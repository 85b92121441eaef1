//! Keyset pagination: opaque cursors over (sort key, id) with `id` as the unique tie-breaker,
//! so paging over equal sort keys never skips or repeats a row.

use crate::error::{Result, StoreError};
use crate::sql::{Arg, Sql};
use crate::ts::Ts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size when the client does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// One page's request: how many rows, after which cursor.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Rows wanted (1..=100).
    pub first: u32,
    /// Opaque cursor of the last row already seen.
    pub after: Option<String>,
}

impl PageRequest {
    /// Validates the size: `None` means the default, 0 or more than 100 is refused.
    pub fn new(first: Option<i64>, after: Option<String>) -> Result<Self, domain::ValidationError> {
        let first = match first {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (1..=i64::from(MAX_PAGE_SIZE)).contains(&n) => n as u32,
            Some(n) => {
                return Err(domain::ValidationError::new(
                    "first",
                    format!("must be between 1 and {MAX_PAGE_SIZE} (got {n})"),
                ));
            }
        };
        Ok(Self { first, after })
    }
}

/// A page of rows, each with its cursor.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows and their cursors, in order.
    pub items: Vec<(T, Cursor)>,
    /// More rows follow.
    pub has_next_page: bool,
    /// Rows precede this page (true whenever a cursor was given).
    pub has_previous_page: bool,
}

impl<T> Page<T> {
    /// Cursor of the first row.
    pub fn start_cursor(&self) -> Option<String> {
        self.items.first().map(|(_, c)| c.encode())
    }

    /// Cursor of the last row.
    pub fn end_cursor(&self) -> Option<String> {
        self.items.last().map(|(_, c)| c.encode())
    }
}

/// Where a row sits in its list. The opaque text is built only when asked for
/// ([`Cursor::encode`]): most pages are read without their cursors, and encoding one per row
/// (JSON, then base64) was a measurable share of a list request.
#[derive(Debug, Clone)]
pub struct Cursor(CursorRepr);

#[derive(Debug, Clone)]
enum CursorRepr {
    /// A keyset position, encoded on demand.
    Keyset { spec: SortSpec, key: SortKey, id: String },
    /// Text built by a list with its own cursor scheme.
    Text(String),
}

impl Cursor {
    /// A cursor whose text a list with its own scheme has already built.
    pub fn from_text(text: String) -> Self {
        Cursor(CursorRepr::Text(text))
    }

    /// The opaque cursor text, to pass back as `after`.
    pub fn encode(&self) -> String {
        match &self.0 {
            CursorRepr::Keyset { spec, key, id } => encode_cursor(spec, key, id),
            CursorRepr::Text(text) => text.clone(),
        }
    }
}

/// The kind of value a sort column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Ts,
    Text,
}

/// A sort order: a column expression, its direction and a tag that cursors carry so a cursor
/// from one order cannot be replayed against another.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SortSpec {
    pub tag: &'static str,
    pub expr: &'static str,
    pub desc: bool,
    pub kind: KeyKind,
}

/// A decoded cursor value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SortKey {
    Ts(Ts),
    Text(String),
}

impl SortKey {
    fn to_arg(&self) -> Arg {
        match self {
            SortKey::Ts(t) => Arg::Ts(*t),
            SortKey::Text(s) => Arg::Text(s.clone()),
        }
    }
}

/// Builds the opaque cursor of a row: base64url of the JSON array `[tag, key, id]`.
pub(crate) fn encode_cursor(spec: &SortSpec, key: &SortKey, id: &str) -> String {
    // Serialising a tuple of strings cannot fail; an empty cursor would only be refused later.
    let json = match key {
        SortKey::Ts(t) => serde_json::to_string(&(spec.tag, t.to_sqlite_text(), id)),
        SortKey::Text(s) => serde_json::to_string(&(spec.tag, s, id)),
    }
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes a cursor, refusing one made for another order or tampered with.
pub(crate) fn decode_cursor(spec: &SortSpec, cursor: &str) -> Result<(SortKey, String)> {
    let bad = || StoreError::Invalid("after: not a valid cursor for this list and order".into());
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad())?;
    let (tag, key, id): (String, String, String) = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if tag != spec.tag {
        return Err(bad());
    }
    let key = match spec.kind {
        KeyKind::Ts => {
            let t =
                chrono::NaiveDateTime::parse_from_str(&key, crate::ts::SQLITE_FORMAT).map_err(|_| bad())?;
            SortKey::Ts(Ts::new(t.and_utc()))
        }
        KeyKind::Text => SortKey::Text(key),
    };
    Ok((key, id))
}

/// Appends ` AND (key, id) is after the cursor` for `spec`; the tie-breaker `id` always
/// ascends, matching indexes such as `("userId", "createdAt" DESC, "id")`.
pub(crate) fn push_after(sql: &mut Sql, spec: &SortSpec, after: Option<&str>) -> Result<()> {
    if let Some(cursor) = after {
        let (key, id) = decode_cursor(spec, cursor)?;
        let op = if spec.desc { "<" } else { ">" };
        sql.push(" AND (").push(spec.expr).push(" ").push(op).push(" ").bind(key.to_arg());
        sql.push(" OR (").push(spec.expr).push(" = ").bind(key.to_arg());
        sql.push(" AND \"id\" > ").bind(Arg::Text(id)).push("))");
    }
    Ok(())
}

/// Appends ORDER BY and LIMIT (one extra row to learn whether another page follows).
///
/// The limit is written into the text rather than bound. PostgreSQL plans a prepared statement
/// afresh on every execution for as long as its generic plan looks costlier than the custom
/// ones, and with an unknown LIMIT the generic plan always does: a bound limit cost a whole
/// planning pass per page, longer than running the query (docs/BENCHMARKS.md). A number from a
/// `u32` cannot inject anything, and page sizes are capped, so this adds at most a few cached
/// statements.
pub(crate) fn push_order_limit(sql: &mut Sql, spec: &SortSpec, first: u32) {
    sql.push(" ORDER BY ").push(spec.expr).push(if spec.desc { " DESC" } else { " ASC" });
    sql.push(", \"id\" ASC LIMIT ").push(&(u64::from(first) + 1).to_string());
}

/// Trims the extra row and attaches cursors.
pub(crate) fn into_page<T>(
    mut rows: Vec<T>,
    req: &PageRequest,
    spec: &SortSpec,
    key_of: impl Fn(&T) -> (SortKey, &str),
) -> Page<T> {
    let has_next_page = rows.len() > req.first as usize;
    rows.truncate(req.first as usize);
    let items = rows
        .into_iter()
        .map(|row| {
            let cursor = {
                let (key, id) = key_of(&row);
                Cursor(CursorRepr::Keyset { spec: *spec, key, id: id.to_owned() })
            };
            (row, cursor)
        })
        .collect();
    Page { items, has_next_page, has_previous_page: req.after.is_some() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: SortSpec = SortSpec { tag: "t", expr: "\"createdAt\"", desc: true, kind: KeyKind::Ts };

    #[test]
    fn cursors_round_trip_and_reject_other_orders() {
        let key = SortKey::Ts(Ts::now());
        let c = encode_cursor(&SPEC, &key, "abc");
        assert_eq!(decode_cursor(&SPEC, &c).unwrap(), (key, "abc".to_string()));
        let other = SortSpec { tag: "u", ..SPEC };
        assert!(decode_cursor(&other, &c).is_err());
        assert!(decode_cursor(&SPEC, "not-a-cursor").is_err());
    }

    #[test]
    fn cursor_timestamps_are_the_sqlite_text_form() {
        for ms in [0_i64, 1_767_225_599_999, 1_700_000_000_001, 253_402_300_799_999] {
            let t = Ts::new(chrono::DateTime::from_timestamp_millis(ms).unwrap());
            assert_eq!(t.to_sqlite_text(), t.0.naive_utc().format(crate::ts::SQLITE_FORMAT).to_string());
        }
        let key = SortKey::Text("O'Brien \"Bob\" \\ é".into());
        let c = encode_cursor(&SortSpec { kind: KeyKind::Text, ..SPEC }, &key, "id-1");
        let json = URL_SAFE_NO_PAD.decode(c).unwrap();
        assert_eq!(String::from_utf8(json).unwrap(), r#"["t","O'Brien \"Bob\" \\ é","id-1"]"#);
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(PageRequest::new(None, None).unwrap().first, 20);
        assert!(PageRequest::new(Some(101), None).is_err());
        assert!(PageRequest::new(Some(0), None).is_err());
        assert_eq!(PageRequest::new(Some(100), None).unwrap().first, 100);
    }

    /// A bound LIMIT kept PostgreSQL re-planning every page (see `push_order_limit`).
    #[test]
    fn the_limit_is_part_of_the_statement_text() {
        let mut sql = Sql::new("SELECT 1");
        push_order_limit(&mut sql, &SPEC, 20);
        assert!(sql.text.ends_with(" ASC LIMIT 21"), "{}", sql.text);
        assert!(sql.args.is_empty());
    }
}
