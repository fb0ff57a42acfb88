//! Puts response fields in the order the query asked for them.
//!
//! async-graphql 7.2 resolves sibling fields concurrently and writes them
//! in the order they finish; the GraphQL spec (7.2.2, serialized map
//! ordering) asks for the selection order, and analysts reading GraphiQL
//! expect it. This walks the answer beside the query's selection sets
//! (fragments included) and reorders each object.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Name, Value};

/// Reorders `data` to follow the selections of `operation` in `document`.
pub fn reorder(data: &mut Value, document: &ExecutableDocument, operation: Option<&str>) {
    let selection = match operation {
        Some(name) => document
            .operations
            .iter()
            .find(|(n, _)| n.map(|n| n.as_str()) == Some(name)),
        None => document.operations.iter().next(),
    };
    if let Some((_, operation)) = selection {
        reorder_value(data, &[&operation.node.selection_set.node], document);
    }
}

fn reorder_value(value: &mut Value, sets: &[&SelectionSet], document: &ExecutableDocument) {
    match value {
        Value::List(items) => {
            for item in items {
                reorder_value(item, sets, document);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<(Name, Vec<&SelectionSet>)> = Vec::new();
            for set in sets {
                collect(set, document, &mut keys, 0);
            }
            let mut ordered = async_graphql::indexmap::IndexMap::with_capacity(map.len());
            for (key, child_sets) in &keys {
                if let Some(mut child) = map.shift_remove(key) {
                    reorder_value(&mut child, child_sets, document);
                    ordered.insert(key.clone(), child);
                }
            }
            ordered.extend(map.drain(..));
            *map = ordered;
        }
        _ => {}
    }
}

/// The response keys of a selection set, in order, each with the selection
/// sets below it (several when a key is selected more than once).
fn collect<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    keys: &mut Vec<(Name, Vec<&'a SelectionSet>)>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                let key = field.alias.as_ref().unwrap_or(&field.name).node.clone();
                let child = &field.selection_set.node;
                match keys.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, sets)) => sets.push(child),
                    None => keys.push((key, vec![child])),
                }
            }
            Selection::InlineFragment(fragment) => {
                collect(&fragment.node.selection_set.node, document, keys, depth + 1)
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect(&fragment.node.selection_set.node, document, keys, depth + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_follow_the_selection_order() {
        let document =
            async_graphql::parser::parse_query("{ b a: x { z y } ...F } fragment F on Query { c }")
                .unwrap();
        let mut data = async_graphql::value!({ "c": 3, "a": [{ "y": 1, "z": 2 }], "b": 0 });
        reorder(&mut data, &document, None);
        assert_eq!(data.to_string(), r#"{b: 0, a: [{z: 2, y: 1}], c: 3}"#);
    }
}
