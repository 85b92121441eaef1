//! The cost guard in front of async-graphql: every request, signed in or not, is measured before
//! async-graphql parses or validates it, and refused at once (BAD_USER_INPUT, a clear message)
//! when it is over a budget.
//!
//! In order: the request's JSON nesting ([`check_body`]); then the query text's size, tokens,
//! bracket nesting, fragment definitions and spreads ([`scan`]); then, on the parsed document,
//! fragment cycles, the expanded field count and the depth, each fragment measured once
//! ([`analysis`]); then whether introspection is allowed. The response is serialised into a
//! bounded buffer ([`response`]). async-graphql's own complexity limit still applies afterwards:
//! its expansion of fragments is then bounded by the budgets here.

pub mod analysis;
mod cache;
pub mod response;
pub mod scan;

use crate::app::error::Code;
use async_graphql::parser::types::{ExecutableDocument, OperationDefinition, OperationType, Selection};
use async_graphql::{ErrorExtensionValues, ServerError};

/// The budgets a document must fit.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes of query text (large values belong in variables).
    pub max_query_bytes: usize,
    /// Significant tokens in the query text.
    pub max_tokens: usize,
    /// Bracket nesting in the query text, and array/object nesting in the request's JSON.
    pub max_nesting: usize,
    /// Fragment definitions.
    pub max_fragments: usize,
    /// Fragment spreads (`...Name`) written in the document.
    pub max_spreads: usize,
    /// Selections (fields, fragment spreads, inline fragments) once every fragment is
    /// expanded, in each operation and each fragment definition.
    pub max_expanded_fields: u64,
    /// Field nesting of an operation, outside introspection.
    pub max_depth: usize,
    /// Field nesting under `__schema` / `__type` (the standard introspection query of
    /// graphql-js and graphql-core needs 15: nine levels of `ofType` below `fields.args.type`).
    pub max_introspection_depth: usize,
}

/// The budgets every request is held to.
pub const LIMITS: Limits = Limits {
    max_query_bytes: 512 * 1024,
    max_tokens: 10_000,
    max_nesting: 64,
    max_fragments: 100,
    max_spreads: 300,
    max_expanded_fields: 5_000,
    max_depth: super::MAX_DEPTH,
    max_introspection_depth: 20,
};

impl Default for Limits {
    fn default() -> Self {
        LIMITS
    }
}

/// Why a request was refused before execution. Every variant is the client's doing.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    /// The query text is too long.
    #[error("the query is {bytes} bytes long; at most {max} are accepted (pass large values as variables)")]
    QueryTooLarge {
        /// Its length.
        bytes: usize,
        /// The budget.
        max: usize,
    },
    /// Too many tokens.
    #[error("the query has more than {max} tokens")]
    TooManyTokens {
        /// The budget.
        max: usize,
    },
    /// Brackets (query) or arrays and objects (variables) nested too deeply.
    #[error("the {what} is nested too deeply: more than {max} levels of brackets")]
    NestedTooDeeply {
        /// "query" or "request body".
        what: &'static str,
        /// The budget.
        max: usize,
    },
    /// Too many fragment definitions.
    #[error("the query defines more than {max} fragments")]
    TooManyFragments {
        /// The budget.
        max: usize,
    },
    /// Too many fragment spreads.
    #[error("the query has more than {max} fragment spreads")]
    TooManySpreads {
        /// The budget.
        max: usize,
    },
    /// A fragment spreads itself, directly or through others.
    #[error(
        "fragment `{name}` spreads itself (directly or through other fragments); fragment cycles are not allowed"
    )]
    FragmentCycle {
        /// A fragment on the cycle.
        name: String,
    },
    /// The expanded document selects too many fields.
    #[error(
        "the query selects more than {max} fields (counting fragment spreads) once its fragments are expanded"
    )]
    TooManyFields {
        /// The budget.
        max: u64,
    },
    /// Fields nested too deep.
    #[error("the query is nested too deep: {depth} levels of fields, at most {max} are allowed")]
    TooDeep {
        /// The operation's depth.
        depth: usize,
        /// The budget.
        max: usize,
    },
    /// An introspection subtree nested too deep.
    #[error(
        "the introspection query is nested too deep: {depth} levels of fields, at most {max} are allowed"
    )]
    IntrospectionTooDeep {
        /// The operation's introspection depth.
        depth: usize,
        /// The budget.
        max: usize,
    },
    /// `__schema` / `__type` while `RELATIONHUB_INTROSPECTION=off`.
    #[error("introspection (`__schema`, `__type`) is disabled on this server")]
    IntrospectionDisabled,
    /// Not a GraphQL document (async-graphql's parser message, with positions).
    #[error("{0}")]
    Syntax(async_graphql::parser::Error),
}

impl GuardError {
    /// The error as GraphQL sends it: the message, positions for syntax errors, the code.
    pub fn into_server_error(self) -> ServerError {
        let mut err = match self {
            GuardError::Syntax(e) => ServerError::from(e),
            other => ServerError::new(other.to_string(), None),
        };
        let mut ext = ErrorExtensionValues::default();
        ext.set("code", Code::BadUserInput.as_str());
        err.extensions = Some(ext);
        err
    }

    /// A whole response carrying only this error.
    pub fn into_response(self) -> async_graphql::Response {
        async_graphql::Response::from_errors(vec![self.into_server_error()])
    }
}

/// What the guard learned about the operation a request selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// The first field written at the operation's root (`emails` in `{ emails { … } }`).
    pub root_field: Option<String>,
    /// A mutation (its changes are made even when the response is then refused as too large).
    pub is_mutation: bool,
    /// The operation selects exactly one root field, written directly (no fragment).
    pub single_root: bool,
}

/// Refuses a request body whose JSON nests deeper than the budget, before it is parsed.
pub fn check_body(body: &[u8]) -> Result<(), GuardError> {
    match scan::json_nesting_within(body, LIMITS.max_nesting) {
        true => Ok(()),
        false => Err(GuardError::NestedTooDeeply { what: "request body", max: LIMITS.max_nesting }),
    }
}

/// Measures `request`'s document against [`LIMITS`] and, when it fits, hands the parsed document
/// to the request (so async-graphql does not parse it again). `introspection` is false when
/// `RELATIONHUB_INTROSPECTION=off`.
pub fn check(request: &mut async_graphql::Request, introspection: bool) -> Result<Checked, GuardError> {
    let limits = &LIMITS;
    let (doc, facts) = match cache::get(&request.query) {
        Some(hit) => hit,
        None => {
            scan::scan_query(&request.query, limits)?;
            let doc = async_graphql::parser::parse_query(&request.query).map_err(GuardError::Syntax)?;
            let facts = analysis::analyse(&doc, limits)?;
            cache::put(&request.query, &doc, facts);
            (doc, facts)
        }
    };
    if facts.uses_introspection && !introspection {
        return Err(GuardError::IntrospectionDisabled);
    }
    let checked = summarise(&doc, request.operation_name.as_deref());
    request.set_parsed_query(doc);
    Ok(checked)
}

/// The operation `name` selects (or the only one), summarised.
fn summarise(doc: &ExecutableDocument, name: Option<&str>) -> Checked {
    let Some(op) = selected_operation(doc, name) else { return Checked::default() };
    let root_field = op.selection_set.node.items.first().and_then(|item| match &item.node {
        Selection::Field(field) => Some(field.node.name.node.to_string()),
        _ => None,
    });
    let single_root = root_field.is_some() && op.selection_set.node.items.len() == 1;
    Checked { root_field, is_mutation: op.ty == OperationType::Mutation, single_root }
}

fn selected_operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    let mut ops = doc.operations.iter();
    match name {
        Some(wanted) => ops.find(|(n, _)| n.is_some_and(|n| n.as_str() == wanted)).map(|(_, op)| &op.node),
        None => {
            let first = ops.next();
            // Several operations without a name to choose one: validation refuses that.
            if ops.next().is_some() { None } else { first.map(|(_, op)| &op.node) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(q: &str, name: Option<&str>) -> Result<Checked, GuardError> {
        let mut req = async_graphql::Request::new(q);
        req.operation_name = name.map(str::to_owned);
        check(&mut req, true)
    }

    #[test]
    fn the_selected_operation_is_summarised() {
        let c = checked("{ emails { nodes { id } } me { id } }", None).unwrap();
        assert_eq!(c, Checked { root_field: Some("emails".into()), is_mutation: false, single_root: false });
        assert!(checked("mutation { signOut { ok } }", None).unwrap().single_root);
        let q = "query A { me { id } } mutation B { signOut { ok } }";
        assert_eq!(checked(q, Some("B")).unwrap().root_field.as_deref(), Some("signOut"));
        assert!(checked(q, Some("B")).unwrap().is_mutation);
        assert_eq!(checked(q, None).unwrap(), Checked::default());
        assert_eq!(checked("{ ...F } fragment F on QueryRoot { me { id } }", None).unwrap().root_field, None);
    }

    #[test]
    fn introspection_can_be_refused() {
        let mut req = async_graphql::Request::new("{ __schema { queryType { name } } }");
        assert!(matches!(check(&mut req, false), Err(GuardError::IntrospectionDisabled)));
        let mut req = async_graphql::Request::new("{ __typename }");
        assert!(check(&mut req, false).is_ok());
    }

    #[test]
    fn refusals_carry_the_bad_user_input_code() {
        let resp = GuardError::FragmentCycle { name: "A".into() }.into_response();
        let v = serde_json::to_value(&resp).unwrap();
        assert_eq!(v["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert!(v["errors"][0]["message"].as_str().unwrap().contains("cycle"));
        let syntax = checked("{ a", None).unwrap_err().into_server_error();
        assert!(!syntax.locations.is_empty());
    }
}
