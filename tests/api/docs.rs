//! Every GraphQL example in the README and `docs/` runs as written: queries
//! with no error, mutations (with an editor's token, each on a fresh
//! database) with no error and an empty `errors` payload. An example with
//! variables or a subscription must parse.

use crate::helpers::TestApp;
use medexchange::domain::vocabulary::Role;
use serde_json::{Value, json};

/// Every ```graphql block of every document, with where it is.
fn examples() -> Vec<(String, String)> {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = vec![format!("{root}/README.md")];
    let mut docs: Vec<String> = std::fs::read_dir(format!("{root}/docs"))
        .unwrap()
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .map(|path| path.display().to_string())
        .collect();
    docs.sort();
    files.extend(docs);
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (index, block) in text.split("```graphql\n").skip(1).enumerate() {
            let block = block.split("```").next().unwrap_or("").to_owned();
            found.push((format!("{file} example {}", index + 1), block));
        }
    }
    found
}

/// Every `errors` list anywhere in a mutation's payloads is empty.
fn payload_errors(value: &Value) -> Vec<Value> {
    match value {
        Value::Object(fields) => fields
            .iter()
            .flat_map(|(name, field)| match (name.as_str(), field) {
                ("errors", Value::Array(errors)) => errors.clone(),
                _ => payload_errors(field),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(payload_errors).collect(),
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn every_example_in_the_docs_runs_as_written() {
    let examples = examples();
    assert!(examples.len() >= 10, "{}", examples.len());
    for app in TestApp::each().await {
        for (place, example) in &examples {
            let document = async_graphql::parser::parse_query(example);
            assert!(document.is_ok(), "{place}: {document:?}");
            let written = example.trim_start().starts_with("mutation");
            if example.contains('$') || example.trim_start().starts_with("subscription") || written
            {
                continue;
            }
            let reply = app.post(example, json!({}), &[]).await;
            assert!(
                reply.body.get("errors").is_none() && reply.status == 200,
                "{:?} {place}: {}",
                app.engine,
                reply.excerpt()
            );
        }
    }
    for (place, example) in examples
        .iter()
        .filter(|(_, e)| e.trim_start().starts_with("mutation"))
    {
        for app in TestApp::each().await {
            let editor = app.bearer("editor.docs", Role::Editor).await;
            let reply = app
                .post(example, json!({}), &[("authorization", &editor)])
                .await;
            assert!(
                reply.body.get("errors").is_none(),
                "{:?} {place}: {}",
                app.engine,
                reply.excerpt()
            );
            let problems = payload_errors(&reply.body["data"]);
            assert!(
                problems.is_empty(),
                "{:?} {place}: {problems:?}",
                app.engine
            );
        }
    }
}
