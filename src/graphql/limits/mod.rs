//! Limits that refuse hostile queries before they touch the database.
//!
//! Depth and complexity are enforced by async-graphql while validating;
//! length, aliases, repeated fields, directives per field and circular
//! introspection are checked here on the parsed document, before
//! validation, so each refusal is one error. A connection's cost is its page size times the cost of what
//! is selected in it, so `first: 100` costs a hundred times `first: 1`.

mod document;

use async_graphql::parser::types::ExecutableDocument;
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
    /// Most selections of one response key in one selection set (graphql-cop's
    /// field duplication sends 500).
    pub max_field_repeats: usize,
    /// Longest query text, in bytes.
    pub max_query_bytes: usize,
    /// Largest request body, in bytes (413 beyond it).
    pub max_body_bytes: usize,
    /// Longest a request may run; it is then stopped.
    pub request_timeout: Duration,
    /// Most requests in one batch; 0 turns batching off.
    pub max_batch_size: usize,
    /// Most mutations one request may run.
    pub max_mutations: usize,
    /// Mutations one token may run per minute in one process (bursts up
    /// to that many); 0 turns the limit off.
    pub writes_per_minute: u32,
    /// Most requests running at once in one process, over every transport
    /// (`OVERLOADED`, HTTP 503 with `Retry-After`, beyond); 0: no bound.
    pub max_in_flight: usize,
}

/// What one mutation adds to a request's cost: a write (a transaction, the
/// search index, history) costs as much as reading a hundred fields.
pub const MUTATION_COST: usize = 100;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 15,
            max_complexity: 20_000,
            max_aliases: 15,
            max_directives: 5,
            max_field_repeats: 10,
            max_query_bytes: 16 * 1024,
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            max_batch_size: 0,
            max_mutations: 10,
            writes_per_minute: 120,
            max_in_flight: 256,
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

/// Checks the limits async-graphql does not enforce itself, on the parsed
/// document, before anything runs. The message says which limit was passed.
pub fn check(document: &ExecutableDocument, limits: &Limits) -> Result<(), String> {
    let aliases = count_aliases(document);
    if aliases > limits.max_aliases {
        return Err(format!(
            "the query uses {aliases} aliases; at most {} are allowed",
            limits.max_aliases
        ));
    }
    let repeats = document::most_repeated_key(document);
    if repeats > limits.max_field_repeats {
        return Err(format!(
            "a field is selected {repeats} times in one selection set; at most {} are allowed",
            limits.max_field_repeats
        ));
    }
    let directives = document::fields(document)
        .map(|field| field.directives.len())
        .max()
        .unwrap_or(0);
    if directives > limits.max_directives {
        return Err(format!(
            "a field carries {directives} directives; at most {} are allowed",
            limits.max_directives
        ));
    }
    let mutations = document::mutation_fields(document);
    if mutations > limits.max_mutations {
        return Err(format!(
            "the request runs {mutations} mutations; at most {} are allowed",
            limits.max_mutations
        ));
    }
    if document::introspection_too_deep(document) {
        return Err(
            "Maximum introspection depth exceeded: `fields`, `interfaces`, \
                    `possibleTypes` and `inputFields` may nest at most 2 deep"
                .to_owned(),
        );
    }
    Ok(())
}

/// How many mutations a request runs.
pub fn count_mutations(document: &ExecutableDocument) -> usize {
    document::mutation_fields(document)
}

/// Counts the aliases a request uses, each fragment once.
pub fn count_aliases(document: &ExecutableDocument) -> usize {
    document::fields(document)
        .filter(|field| field.alias.is_some())
        .count()
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
