//! One query code path for two backends.
//!
//! Every statement is written once in SQL both engines accept (`$1` placeholders, quoted
//! camelCase columns, `RETURNING`, row values). `on_db!` runs the same expression against
//! whichever pool is live; `Sql` assembles dynamic statements (filters, keyset cursors) with
//! numbered placeholders and typed arguments that `bind_all!` binds on either backend.

use crate::ts::Ts;
use domain::{EmailStatus, Priority, TemplateType};

/// Runs `$body` with `$pool` bound to the live pool (PostgreSQL or SQLite).
///
/// The body is compiled once per backend, so it must only use types that encode on both.
macro_rules! on_db {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Postgres($pool) => $body,
            $crate::db::Db::Sqlite($pool) => $body,
        }
    };
}

/// Binds every `Arg` of a slice onto a sqlx query, in order.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                $crate::sql::Arg::Text(v) => q.bind(v),
                $crate::sql::Arg::OptText(v) => q.bind(v),
                $crate::sql::Arg::Ts(v) => q.bind(*v),
                $crate::sql::Arg::OptTs(v) => q.bind(*v),
                $crate::sql::Arg::Int(v) => q.bind(*v),
                $crate::sql::Arg::OptInt(v) => q.bind(*v),
                $crate::sql::Arg::Bool(v) => q.bind(*v),
                $crate::sql::Arg::Date(v) => q.bind(*v),
                $crate::sql::Arg::Status(v) => q.bind(*v),
                $crate::sql::Arg::TemplateType(v) => q.bind(*v),
                $crate::sql::Arg::OptTemplateType(v) => q.bind(*v),
                $crate::sql::Arg::Priority(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// A typed argument of a dynamically built statement.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Ts(Ts),
    OptTs(Option<Ts>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    Date(Option<chrono::NaiveDate>),
    Status(EmailStatus),
    TemplateType(TemplateType),
    OptTemplateType(Option<TemplateType>),
    Priority(Priority),
}

/// A statement under construction: text plus the arguments its `$n` placeholders refer to.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Self { text: text.to_owned(), args: Vec::new() }
    }

    /// Appends literal SQL (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `arg`.
    pub fn bind(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }

    /// Appends `, "column" = $n` style assignments, used by patches.
    pub fn set(&mut self, column: &str, arg: Arg) -> &mut Self {
        if !self.text.ends_with("SET ") {
            self.text.push_str(", ");
        }
        self.text.push_str(column);
        self.text.push_str(" = ");
        self.bind(arg)
    }

    /// The statement text, marked as safe: it only ever contains our own literals and
    /// numbered placeholders.
    pub fn sql(&self) -> sqlx::AssertSqlSafe<String> {
        sqlx::AssertSqlSafe(self.text.clone())
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside a LIKE pattern
/// (used with `ESCAPE '\'`), and wraps it for a substring match.
pub(crate) fn like_contains(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut s = Sql::new("UPDATE t SET ");
        s.set("\"a\"", Arg::Int(1))
            .set("\"b\"", Arg::Bool(true))
            .push(" WHERE id = ")
            .bind(Arg::Text("x".into()));
        assert_eq!(s.text, "UPDATE t SET \"a\" = $1, \"b\" = $2 WHERE id = $3");
        assert_eq!(s.args.len(), 3);
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
