//! Rows decoded by column position.
//!
//! sqlx's derived `FromRow` looks every column up by name (a hash lookup) and checks its type
//! against the Rust type (several type-info comparisons, custom enum types by name) for every
//! column of every row. On the hot lists (21 emails of 20 columns per page) that was the largest
//! single cost of a request in the profile after the kernel's. The statements reading these rows
//! all select the columns in one fixed order (the `*_cols!()` macros), so [`indexed_row!`]
//! decodes them by position without the per-value type check; each row type's `COLUMNS` is
//! tested against its column macro, so the two cannot drift apart. A statement selecting other
//! columns must not decode into these types: it would fail with a decoding error or, for
//! same-typed columns, read the wrong values, which the behavioural tests would show.

/// Declares a row struct whose `FromRow` decodes column `i` into field `i`, and records the
/// column names in `COLUMNS` (for the test that ties them to the statements' column lists).
macro_rules! indexed_row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident { $($field:ident : $ty:ty = $col:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        $vis struct $name { $($field: $ty),+ }

        impl $name {
            /// The columns, in the order every statement decoded into this type selects them.
            #[allow(dead_code)]
            pub(crate) const COLUMNS: &'static [&'static str] = &[$($col),+];
        }

        impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for $name
        where
            usize: sqlx::ColumnIndex<R>,
            $($ty: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,)+
        {
            fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
                let mut index = 0usize;
                $(
                    let $field = row.try_get_unchecked::<$ty, usize>(index)?;
                    index += 1;
                )+
                let _ = index;
                Ok(Self { $($field),+ })
            }
        }
    };
}
pub(crate) use indexed_row;

/// The column names of a `*_cols!()` list: `"a", b AS "c", '' AS "d"` gives `a, c, d`.
#[cfg(test)]
pub(crate) fn names_of(cols: &str) -> Vec<String> {
    cols.split(',')
        .map(|c| {
            let name = c.rsplit(" AS ").next().unwrap_or(c).trim();
            name.trim_matches('"').to_owned()
        })
        .collect()
}
