//! Walks over a parsed document for the limits async-graphql does not
//! enforce itself. Every walk visits each node of the text once (fragment
//! definitions included), or expands fragments with a memo, so a hostile
//! document cannot make a walk slow.

use async_graphql::Positioned;
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use std::collections::{HashMap, HashSet};

/// Every selection set written in the document, each once: operations',
/// fragment definitions', and those nested in fields and inline fragments.
pub fn selection_sets(document: &ExecutableDocument) -> Vec<&SelectionSet> {
    let mut pending: Vec<&Positioned<SelectionSet>> = document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set)
        .chain(document.fragments.values().map(|f| &f.node.selection_set))
        .collect();
    let mut sets = Vec::new();
    while let Some(set) = pending.pop() {
        for item in &set.node.items {
            match &item.node {
                Selection::Field(field) => pending.push(&field.node.selection_set),
                Selection::InlineFragment(inline) => pending.push(&inline.node.selection_set),
                Selection::FragmentSpread(_) => {}
            }
        }
        sets.push(&set.node);
    }
    sets
}

/// Every field written in the document, each once.
pub fn fields(document: &ExecutableDocument) -> impl Iterator<Item = &Field> {
    selection_sets(document).into_iter().flat_map(|set| {
        set.items.iter().filter_map(|item| match &item.node {
            Selection::Field(field) => Some(&field.node),
            _ => None,
        })
    })
}

/// How many root fields the document's mutations select (what one
/// request writes), fragments expanded (each fragment once per operation).
pub fn mutation_fields(document: &ExecutableDocument) -> usize {
    document
        .operations
        .iter()
        .filter(|(_, operation)| operation.node.ty == OperationType::Mutation)
        .map(|(_, operation)| {
            let mut seen = HashSet::new();
            root_fields(&operation.node.selection_set.node, document, &mut seen)
        })
        .sum()
}

fn root_fields<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    seen: &mut HashSet<&'a str>,
) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(inline) => {
                root_fields(&inline.node.selection_set.node, document, seen)
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                match (seen.insert(name), document.fragments.get(name)) {
                    (true, Some(fragment)) => {
                        root_fields(&fragment.node.selection_set.node, document, seen)
                    }
                    _ => 0,
                }
            }
        })
        .sum()
}

/// How many times the most repeated response key is selected in one
/// selection set, counting the fields its fragments bring in (each fragment
/// once per set, as GraphQL merges them).
pub fn most_repeated_key(document: &ExecutableDocument) -> usize {
    selection_sets(document)
        .into_iter()
        .map(|set| {
            let mut counts = HashMap::new();
            count_keys(set, document, &mut HashSet::new(), &mut counts);
            counts.into_values().max().unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

fn count_keys<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    spread: &mut HashSet<&'a str>,
    counts: &mut HashMap<&'a str, usize>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                *counts
                    .entry(field.node.response_key().node.as_str())
                    .or_default() += 1;
            }
            Selection::InlineFragment(inline) => {
                count_keys(&inline.node.selection_set.node, document, spread, counts);
            }
            Selection::FragmentSpread(fragment) => {
                let name = fragment.node.fragment_name.node.as_str();
                if let Some(definition) = document.fragments.get(&fragment.node.fragment_name.node)
                    && spread.insert(name)
                {
                    count_keys(
                        &definition.node.selection_set.node,
                        document,
                        spread,
                        counts,
                    );
                }
            }
        }
    }
}

/// The list fields of introspection that make a query circular.
const INTROSPECTION_LISTS: &[&str] = &["fields", "interfaces", "possibleTypes", "inputFields"];

/// How deep those lists may nest under `__schema` or `__type` (graphql-js's
/// `MaxIntrospectionDepthRule`: 3 is refused). GraphiQL's own
/// introspection query nests them 2 deep at most.
const MAX_INTROSPECTION_LISTS: usize = 3;

/// Whether some `__schema` or `__type` field nests `fields`, `interfaces`,
/// `possibleTypes` or `inputFields` 3 deep, fragments followed.
pub fn introspection_too_deep(document: &ExecutableDocument) -> bool {
    let mut walk = IntrospectionWalk {
        document,
        in_progress: HashSet::new(),
        known: HashMap::new(),
    };
    fields(document)
        .filter(|field| matches!(field.name.node.as_str(), "__schema" | "__type"))
        .any(|field| walk.set_too_deep(&field.selection_set.node, 0))
}

/// Follows fragments with a memo per (fragment, depth), so repeated
/// spreads cost nothing and cycles end.
struct IntrospectionWalk<'a> {
    document: &'a ExecutableDocument,
    in_progress: HashSet<(&'a str, usize)>,
    known: HashMap<(&'a str, usize), bool>,
}

impl<'a> IntrospectionWalk<'a> {
    fn set_too_deep(&mut self, set: &'a SelectionSet, depth: usize) -> bool {
        set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                let lists =
                    depth + usize::from(INTROSPECTION_LISTS.contains(&field.name.node.as_str()));
                lists >= MAX_INTROSPECTION_LISTS
                    || self.set_too_deep(&field.selection_set.node, lists)
            }
            Selection::InlineFragment(inline) => {
                self.set_too_deep(&inline.node.selection_set.node, depth)
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                let key = (name.as_str(), depth);
                if let Some(known) = self.known.get(&key) {
                    return *known;
                }
                let Some(definition) = self.document.fragments.get(name) else {
                    return false;
                };
                if !self.in_progress.insert(key) {
                    return false;
                }
                let too_deep = self.set_too_deep(&definition.node.selection_set.node, depth);
                self.in_progress.remove(&key);
                self.known.insert(key, too_deep);
                too_deep
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    #[test]
    fn circular_introspection_is_too_deep_and_graphiqls_query_is_not() {
        let circular = "query { __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }";
        assert!(introspection_too_deep(&parse_query(circular).unwrap()));
        let through_fragments = "{ __type(name: \"Query\") { ...A } } fragment A on __Type { fields { type { ...B } } } fragment B on __Type { interfaces { ...C } } fragment C on __Type { possibleTypes { name } }";
        assert!(introspection_too_deep(
            &parse_query(through_fragments).unwrap()
        ));
        let graphiql = "query { __schema { types { ...T } } } fragment T on __Type { kind name fields(includeDeprecated: true) { name args { name type { ...R } } type { ...R } } inputFields { name type { ...R } } interfaces { ...R } possibleTypes { ...R } } fragment R on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";
        assert!(!introspection_too_deep(&parse_query(graphiql).unwrap()));
        let cycle = "{ __schema { ...A } } fragment A on __Schema { __typename ...B } fragment B on __Schema { ...A }";
        assert!(!introspection_too_deep(&parse_query(cycle).unwrap()));
    }

    #[test]
    fn mutations_are_counted_through_fragments_once_each() {
        let document = async_graphql::parser::parse_query(
            "mutation M { a: deleteExchange(id: 1, expectedVersion: 1) { errors { code } } ...W ...W ... on Mutation { c: restoreExchange(id: 1) { errors { code } } } }
             fragment W on Mutation { b: restoreExchange(id: 2) { errors { code } } d: restoreExchange(id: 3) { errors { code } } }
             query Q { exchanges { totalCount } }",
        )
        .unwrap();
        assert_eq!(mutation_fields(&document), 4);
    }

    #[test]
    fn repeated_keys_are_counted_per_selection_set_through_fragments() {
        let document = parse_query(
            "{ a: specialties { slug slug ...F ...F } b: specialties { slug } } fragment F on Specialty { slug ... on Specialty { slug } }",
        )
        .unwrap();
        assert_eq!(most_repeated_key(&document), 4);
    }
}
