//! What a parsed document would cost once its fragments are expanded, computed without
//! expanding them: each fragment's expanded field count and depth is computed once, bottom-up
//! in dependency order, and every spread of it reuses that number.
//!
//! async-graphql's validation walks every spread again (its depth and complexity visitors and
//! its recursion check inline fragments), so 23 fragments that each spread the next twice make
//! it visit 2^23 fields. Here the same document costs 23 small sums, its expanded size is seen to
//! be over budget, and async-graphql never sees it.

use super::{GuardError, Limits};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use std::collections::HashMap;

/// Introspection's root fields: their subtrees have their own depth limit.
const INTROSPECTION_ROOTS: [&str; 2] = ["__schema", "__type"];

/// What a document is found to be, for checks that depend on configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// The document selects `__schema` or `__type` somewhere.
    pub uses_introspection: bool,
}

/// The cost of a selection set with its fragments expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    /// Selections (fields, spreads, inline fragments), counting every use of a fragment
    /// (saturating). Spreads count too: async-graphql walks them even when they select nothing
    /// (a spread of an unknown fragment), so a bomb of empty spreads is as costly as one of fields.
    selections: u64,
    /// Deepest field nesting outside introspection subtrees.
    depth: usize,
    /// Deepest field nesting within `__schema` / `__type` subtrees at this level.
    introspection_depth: usize,
}

impl Cost {
    /// Depth of the set wherever it is used below the root (no exemption applies there).
    fn total_depth(&self) -> usize {
        self.depth.max(self.introspection_depth)
    }

    /// Adds a set selected at the same level (a spread or inline fragment).
    fn merge(&mut self, other: &Cost) {
        self.selections = self.selections.saturating_add(other.selections);
        self.depth = self.depth.max(other.depth);
        self.introspection_depth = self.introspection_depth.max(other.introspection_depth);
    }
}

/// Checks every operation of `doc` against `limits` and reports what the document uses.
/// Nesting is bounded by the lexical scan, so the recursion over selection sets is too.
pub fn analyse(doc: &ExecutableDocument, limits: &Limits) -> Result<Facts, GuardError> {
    if doc.fragments.len() > limits.max_fragments {
        return Err(GuardError::TooManyFragments { max: limits.max_fragments });
    }
    let mut facts = Facts::default();
    let mut spreads = 0usize;
    // Which fragments each fragment spreads (anywhere inside it), in document order.
    let mut graph: HashMap<&str, Vec<&str>> = HashMap::with_capacity(doc.fragments.len());
    for (name, fragment) in &doc.fragments {
        let mut uses = Vec::new();
        walk(&fragment.node.selection_set.node, &mut uses, &mut facts);
        spreads += uses.len();
        graph.insert(name.as_str(), uses);
    }
    for (_, op) in doc.operations.iter() {
        let mut uses = Vec::new();
        walk(&op.node.selection_set.node, &mut uses, &mut facts);
        spreads += uses.len();
    }
    if spreads > limits.max_spreads {
        return Err(GuardError::TooManySpreads { max: limits.max_spreads });
    }

    let mut memo: HashMap<&str, Cost> = HashMap::with_capacity(graph.len());
    for name in dependency_order(&graph)? {
        if let Some(fragment) = doc.fragments.get(name) {
            let cost = cost(&fragment.node.selection_set.node, &memo);
            // Validation walks unused fragments too: each one is held to the budget.
            if cost.selections > limits.max_expanded_fields {
                return Err(GuardError::TooManyFields { max: limits.max_expanded_fields });
            }
            memo.insert(name, cost);
        }
    }
    for (_, op) in doc.operations.iter() {
        let cost = cost(&op.node.selection_set.node, &memo);
        if cost.selections > limits.max_expanded_fields {
            return Err(GuardError::TooManyFields { max: limits.max_expanded_fields });
        }
        if cost.depth > limits.max_depth {
            return Err(GuardError::TooDeep { depth: cost.depth, max: limits.max_depth });
        }
        if cost.introspection_depth > limits.max_introspection_depth {
            return Err(GuardError::IntrospectionTooDeep {
                depth: cost.introspection_depth,
                max: limits.max_introspection_depth,
            });
        }
    }
    Ok(facts)
}

/// Collects the fragment names spread anywhere in `set` and notes introspection fields.
fn walk<'a>(set: &'a SelectionSet, uses: &mut Vec<&'a str>, facts: &mut Facts) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                if INTROSPECTION_ROOTS.contains(&field.node.name.node.as_str()) {
                    facts.uses_introspection = true;
                }
                walk(&field.node.selection_set.node, uses, facts);
            }
            Selection::FragmentSpread(spread) => uses.push(spread.node.fragment_name.node.as_str()),
            Selection::InlineFragment(inline) => walk(&inline.node.selection_set.node, uses, facts),
        }
    }
}

/// The fragments in an order where each comes after every fragment it spreads, or the name of
/// a fragment on a cycle. Iterative depth-first search, so a long chain cannot exhaust the stack.
fn dependency_order<'a>(graph: &HashMap<&'a str, Vec<&'a str>>) -> Result<Vec<&'a str>, GuardError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::with_capacity(graph.len());
    let mut order = Vec::with_capacity(graph.len());
    let mut roots: Vec<&str> = graph.keys().copied().collect();
    roots.sort_unstable(); // deterministic error messages
    for root in roots {
        if marks.contains_key(root) {
            continue;
        }
        // (fragment, index of the next spread to follow)
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        marks.insert(root, Mark::Open);
        while let Some((name, next)) = stack.last_mut() {
            let deps = graph.get(*name).map(Vec::as_slice).unwrap_or_default();
            if let Some(&dep) = deps.get(*next) {
                *next += 1;
                match marks.get(dep) {
                    Some(Mark::Open) => {
                        // Names are the client's: keep the message (and the log line) short.
                        let name = dep.chars().take(64).collect();
                        return Err(GuardError::FragmentCycle { name });
                    }
                    Some(Mark::Done) => {}
                    // Unknown fragments are left to validation ("Unknown fragment").
                    None if !graph.contains_key(dep) => {}
                    None => {
                        marks.insert(dep, Mark::Open);
                        stack.push((dep, 0));
                    }
                }
            } else {
                let finished = *name;
                marks.insert(finished, Mark::Done);
                order.push(finished);
                stack.pop();
            }
        }
    }
    Ok(order)
}

/// The expanded cost of `set`, with every fragment it spreads already in `memo`.
fn cost(set: &SelectionSet, memo: &HashMap<&str, Cost>) -> Cost {
    let mut total = Cost::default();
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let inner = cost(&field.node.selection_set.node, memo);
                total.selections = total.selections.saturating_add(1).saturating_add(inner.selections);
                let depth = 1 + inner.total_depth();
                if INTROSPECTION_ROOTS.contains(&field.node.name.node.as_str()) {
                    total.introspection_depth = total.introspection_depth.max(depth);
                } else {
                    total.depth = total.depth.max(depth);
                }
            }
            Selection::FragmentSpread(spread) => {
                total.selections = total.selections.saturating_add(1);
                if let Some(fragment) = memo.get(spread.node.fragment_name.node.as_str()) {
                    total.merge(fragment);
                }
            }
            Selection::InlineFragment(inline) => {
                total.selections = total.selections.saturating_add(1);
                total.merge(&cost(&inline.node.selection_set.node, memo));
            }
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn run(q: &str) -> Result<Facts, GuardError> {
        analyse(&parse_query(q).unwrap(), &Limits::default())
    }

    /// `n` fragments, each spreading the next one twice; the last selects `__typename`.
    pub fn fragment_bomb(n: usize) -> String {
        let mut q = String::from("query { __typename ...F0 }");
        for i in 0..n {
            q.push_str(&format!(" fragment F{i} on QueryRoot {{ ...F{} ...F{} }}", i + 1, i + 1));
        }
        q.push_str(&format!(" fragment F{n} on QueryRoot {{ __typename }}"));
        q
    }

    #[test]
    fn a_fragment_bomb_is_over_the_field_budget() {
        assert!(matches!(run(&fragment_bomb(23)), Err(GuardError::TooManyFields { .. })));
        assert!(run(&fragment_bomb(5)).is_ok(), "32 fields are fine");
        // Spreads that select nothing (an unknown fragment at the bottom) are walked all the same.
        let empty = fragment_bomb(23).replace("{ __typename }", "{ ...Nothing }");
        assert!(matches!(run(&empty), Err(GuardError::TooManyFields { .. })));
        // An unused fragment is held to the budget too.
        let unused = fragment_bomb(23).replace("query { __typename ...F0 }", "query { __typename }");
        assert!(matches!(run(&unused), Err(GuardError::TooManyFields { .. })));
    }

    #[test]
    fn cycles_are_refused_by_name() {
        let q = "{ ...A } fragment A on Q { x ...B } fragment B on Q { y { ...C } } fragment C on Q { ...A }";
        assert!(matches!(run(q), Err(GuardError::FragmentCycle { .. })));
        assert!(matches!(run("{ ...A } fragment A on Q { ...A }"), Err(GuardError::FragmentCycle { .. })));
        // A diamond is not a cycle.
        let q = "{ ...A } fragment A on Q { ...B ...C } fragment B on Q { ...D } fragment C on Q { ...D } fragment D on Q { x }";
        assert!(run(q).is_ok());
    }

    #[test]
    fn depth_counts_through_fragments_and_exempts_only_introspection_roots() {
        let limits = Limits::default();
        let chain = |n: usize, root: &str| {
            format!("{{ {root} {{ {}x{} }} }}", "a { ".repeat(n - 2), " }".repeat(n - 2))
        };
        assert!(run(&chain(limits.max_depth, "r")).is_ok());
        assert!(matches!(run(&chain(limits.max_depth + 1, "r")), Err(GuardError::TooDeep { .. })));
        assert!(run(&chain(limits.max_depth + 1, "__schema")).is_ok());
        assert!(matches!(
            run(&chain(limits.max_introspection_depth + 1, "__schema")),
            Err(GuardError::IntrospectionTooDeep { .. })
        ));
        // Through a fragment the depth is the same.
        let q = "{ r { ...F } } fragment F on T { a { a { a { a { a { a { a { a { a { a { a { x } } } } } } } } } } } }";
        assert!(matches!(run(q), Err(GuardError::TooDeep { depth: 13, .. })));
        // Below the root, `__schema` is not exempt (validation refuses it there anyway).
        let q = "{ r { __schema { a { a { a { a { a { a { a { a { a { a { x } } } } } } } } } } } } }";
        assert!(matches!(run(q), Err(GuardError::TooDeep { .. })));
    }

    #[test]
    fn introspection_use_is_noticed_anywhere() {
        assert!(run("{ __schema { types { name } } }").unwrap().uses_introspection);
        assert!(run("{ ...F } fragment F on Q { __type(name: \"X\") { name } }").unwrap().uses_introspection);
        assert!(!run("{ __typename me { id } }").unwrap().uses_introspection);
    }
}
