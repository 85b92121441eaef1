//! `Ts`: a UTC timestamp with millisecond precision that encodes identically on both backends.
//!
//! PostgreSQL stores the guide's `TIMESTAMP(3)` (no time zone; we treat it as UTC). SQLite stores
//! fixed-width text `YYYY-MM-DD HH:MM:SS.mmm`, so comparisons and ORDER BY on the text agree with
//! time order, and a value read back compares equal to the value written (keyset cursors rely
//! on that). sqlx's own SQLite encoding of chrono types varies the number of fraction digits,
//! which breaks that equality; hence this type.

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueFormat, PgValueRef};
use sqlx::sqlite::{SqliteArgumentsBuffer, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

/// The SQLite text layout of a timestamp.
pub const SQLITE_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.3f";

/// A UTC instant truncated to milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts(pub DateTime<Utc>);

impl Ts {
    /// Wraps `t`, dropping sub-millisecond precision.
    pub fn new(t: DateTime<Utc>) -> Self {
        Self(domain::id::truncate_ms(t))
    }

    /// Now, at millisecond precision.
    pub fn now() -> Self {
        Self(domain::id::now_ms())
    }

    /// The SQLite text form (also used in cursors).
    pub fn to_sqlite_text(self) -> String {
        let mut out = String::with_capacity(23);
        // Writing to a String cannot fail.
        let _ = self.write_text(&mut out);
        out
    }

    /// Writes the SQLite text form ([`SQLITE_FORMAT`]) with fixed-width integer formatting:
    /// cursors and bulk loads format one timestamp per row, and chrono's format-string machinery
    /// costs several times more for the same text.
    pub fn write_text(self, out: &mut impl std::fmt::Write) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let t = self.0;
        write!(
            out,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.timestamp_subsec_millis() % 1000
        )
    }
}

impl From<DateTime<Utc>> for Ts {
    fn from(t: DateTime<Utc>) -> Self {
        Self::new(t)
    }
}

impl From<Ts> for DateTime<Utc> {
    fn from(t: Ts) -> Self {
        t.0
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        <NaiveDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode(self.0.naive_utc(), buf)
    }
}

/// PostgreSQL's epoch (2000-01-01T00:00:00Z) in microseconds after the Unix epoch.
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        // A binary TIMESTAMP is microseconds since PostgreSQL's epoch as a big-endian i64.
        // Converting it directly skips chrono's calendar arithmetic on a NaiveDateTime, which
        // showed up in the profile of list pages (several timestamps per row).
        if value.format() == PgValueFormat::Binary {
            let bytes: [u8; 8] =
                value.as_bytes()?.try_into().map_err(|_| "a binary TIMESTAMP must be 8 bytes")?;
            return i64::from_be_bytes(bytes)
                .checked_add(PG_EPOCH_MICROS)
                .and_then(DateTime::from_timestamp_micros)
                .map(Ts)
                .ok_or_else(|| "TIMESTAMP out of range".into());
        }
        let naive = <NaiveDateTime as Decode<Postgres>>::decode(value)?;
        Ok(Ts(naive.and_utc()))
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> SqliteTypeInfo {
        <NaiveDateTime as Type<Sqlite>>::type_info()
    }

    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <NaiveDateTime as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut SqliteArgumentsBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.to_sqlite_text(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Ts {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let naive = <NaiveDateTime as Decode<Sqlite>>::decode(value)?;
        Ok(Ts::new(naive.and_utc()))
    }
}

/// Converts an optional stored timestamp to the domain's type.
pub fn opt(t: Option<Ts>) -> Option<DateTime<Utc>> {
    t.map(|t| t.0)
}

/// Archives carry timestamps as RFC 3339 UTC text with milliseconds (`2026-01-31T09:30:00.250Z`).
impl serde::Serialize for Ts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
    }
}

impl<'de> serde::Deserialize<'de> for Ts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let t = DateTime::<chrono::FixedOffset>::deserialize(d)?;
        Ok(Ts::new(t.with_timezone(&Utc)))
    }
}
