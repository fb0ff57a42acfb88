//! Limits that refuse hostile queries before they touch the database.
//!
//! Depth, complexity and directives per field are enforced by async-graphql
//! while validating; length and aliases are checked here on the parsed
//! document. A connection's cost is its page size times the cost of what
//! is selected in it, so `first: 100` costs a hundred times `first: 1`.

use async_graphql::Positioned;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use std::collections::HashSet;
use std::time::Duration;

/// The limits of one server (each a setting; see `config`).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Deepest nesting of selections.
    pub max_depth: usize,
    /// Highest total cost (fields, connections weighted by page size).
    pub max_complexity: usize,
    /// Most aliases in one request.
    pub max_aliases: usize,
    /// Most directives on one field.
    pub max_directives: usize,
    /// Longest query text, in bytes.
    pub max_query_bytes: usize,
    /// Largest request body, in bytes (413 beyond it).
    pub max_body_bytes: usize,
    /// Longest a request may run; it is then stopped.
    pub request_timeout: Duration,
    /// Most requests in one batch; 0 turns batching off.
    pub max_batch_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 15,
            max_complexity: 20_000,
            max_aliases: 15,
            max_directives: 5,
            max_query_bytes: 16 * 1024,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            max_batch_size: 0,
        }
    }
}

/// The messages async-graphql gives when a validation limit is exceeded,
/// so those errors can carry `QUERY_TOO_COMPLEX`.
pub fn is_limit_message(message: &str) -> bool {
    message.starts_with("Query is too complex")
        || message.starts_with("Query is nested too deep")
        || message.starts_with("The recursion depth of the query cannot be greater than")
        || message.starts_with("The number of directives on the field")
}

/// Counts the aliases a request uses, fragments included once each.
pub fn count_aliases(document: &ExecutableDocument) -> usize {
    let mut count = 0;
    let mut seen_fragments = HashSet::new();
    for (_, operation) in document.operations.iter() {
        count += aliases_in(&operation.node.selection_set, document, &mut seen_fragments);
    }
    count
}

fn aliases_in(
    set: &Positioned<SelectionSet>,
    document: &ExecutableDocument,
    seen: &mut HashSet<String>,
) -> usize {
    set.node
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some())
                    + aliases_in(&field.node.selection_set, document, seen)
            }
            Selection::InlineFragment(fragment) => {
                aliases_in(&fragment.node.selection_set, document, seen)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                match document.fragments.get(&spread.node.fragment_name.node) {
                    Some(fragment) if seen.insert(name) => {
                        aliases_in(&fragment.node.selection_set, document, seen)
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_counted_through_fragments() {
        let document = async_graphql::parser::parse_query(
            "query { a: specialties { slug } b: specialties { s: slug } ...F ...F } fragment F on Query { c: specialties { slug } }",
        )
        .unwrap();
        assert_eq!(count_aliases(&document), 4);
    }
}
