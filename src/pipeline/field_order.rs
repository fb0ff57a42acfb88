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

/// The response keys of a selection, each with the selection sets below it.
type Keys<'a> = Vec<(Name, Vec<&'a SelectionSet>)>;

fn reorder_value(value: &mut Value, sets: &[&SelectionSet], document: &ExecutableDocument) {
    if matches!(value, Value::List(_) | Value::Object(_)) {
        // Once for a whole list: its items share the selection.
        let mut keys = Keys::new();
        for set in sets {
            collect(set, document, &mut keys, 0);
        }
        reorder_with(value, &keys, document);
    }
}

fn reorder_with(value: &mut Value, keys: &Keys<'_>, document: &ExecutableDocument) {
    match value {
        Value::List(items) => {
            for item in items {
                reorder_with(item, keys, document);
            }
        }
        Value::Object(map) => {
            if !in_order(map.keys(), keys) {
                let mut ordered = async_graphql::indexmap::IndexMap::with_capacity(map.len());
                for (key, _) in keys {
                    if let Some(child) = map.swap_remove(key) {
                        ordered.insert(key.clone(), child);
                    }
                }
                ordered.extend(map.drain(..));
                *map = ordered;
            }
            // In order now: walk both together, without a lookup per key.
            let mut expected = keys.iter();
            for (name, child) in map.iter_mut() {
                if let Some((_, child_sets)) = expected.find(|(key, _)| key == name) {
                    reorder_value(child, child_sets, document);
                }
            }
        }
        _ => {}
    }
}

/// Whether `names` already follow the order of `keys` (most objects do).
fn in_order<'n>(mut names: impl Iterator<Item = &'n Name>, keys: &Keys<'_>) -> bool {
    let mut expected = keys.iter();
    names.all(|name| expected.any(|(key, _)| key == name))
}

/// The response keys of a selection set, in order, each with the selection
/// sets below it (several when a key is selected more than once).
fn collect<'a>(
    set: &'a SelectionSet,
    document: &'a ExecutableDocument,
    keys: &mut Keys<'a>,
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

    #[test]
    fn every_item_of_a_list_is_put_in_order() {
        let document = async_graphql::parser::parse_query("{ a { z y } }").unwrap();
        let mut data = async_graphql::value!({ "a": [{ "z": 1, "y": 2 }, { "y": 3, "z": 4 }] });
        reorder(&mut data, &document, None);
        assert_eq!(data.to_string(), r#"{a: [{z: 1, y: 2}, {z: 4, y: 3}]}"#);
    }
}
