//! graphql-cop's checks (dolevf/graphql-cop), each sent as it sends it and
//! judged as it judges. None may find anything but what docs/security.md allows
//! on purpose: introspection, field suggestions, GraphiQL and GET queries.

use crate::helpers::{Reply, TestApp};
use serde_json::{Value, json};

/// A POST as graphql-cop sends it: `{"query": ...}`, no `Accept` preference.
async fn cop_post(app: &TestApp, query: &str) -> Reply {
    app.post_raw("application/json", json!({ "query": query }).to_string())
        .await
}

fn answered(reply: &Reply, key: &str) -> bool {
    !matches!(reply.body["data"][key], Value::Null)
}

#[tokio::test]
async fn alias_overloading_is_refused() {
    for app in TestApp::each().await {
        let aliases: String = (0..101)
            .map(|i| format!("alias{i}:__typename \n"))
            .collect();
        let reply = cop_post(&app, &format!("query {{ {aliases} }}")).await;
        assert!(!answered(&reply, "alias100"), "{}", reply.text);
    }
}

#[tokio::test]
async fn field_duplication_is_refused() {
    for app in TestApp::each().await {
        let reply = cop_post(
            &app,
            &format!("query {{ {} }} ", "__typename \n".repeat(500)),
        )
        .await;
        assert!(!answered(&reply, "__typename"), "{}", reply.text);
        assert_eq!(
            reply.body["errors"][0]["extensions"]["code"],
            "QUERY_TOO_COMPLEX"
        );
    }
}

#[tokio::test]
async fn directive_overloading_gets_one_error() {
    for app in TestApp::each().await {
        let reply = cop_post(&app, "query { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }").await;
        let errors = reply.body["errors"].as_array().map(Vec::len);
        assert_eq!(errors, Some(1), "{}", reply.text);
    }
}

#[tokio::test]
async fn circular_introspection_is_refused() {
    for app in TestApp::each().await {
        let query = "query { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }";
        let reply = cop_post(&app, query).await;
        assert!(!answered(&reply, "__schema"), "{}", reply.text);
        assert_eq!(
            reply.body["errors"][0]["extensions"]["code"],
            "QUERY_TOO_COMPLEX"
        );
        let graphiql_style = "{ __schema { types { name fields { name type { name ofType { name } } } interfaces { name } } } }";
        app.data(graphiql_style).await;
    }
}

#[tokio::test]
async fn circular_fragments_are_refused() {
    for app in TestApp::each().await {
        let query = "query { __schema { ...A } } fragment A on __Schema { __typename ...B } fragment B on __Schema { ...A }";
        let reply = cop_post(&app, query).await;
        assert!(reply.body.get("errors").is_some(), "{}", reply.text);
    }
}

#[tokio::test]
async fn batches_url_encoded_posts_and_get_mutations_are_refused() {
    for app in TestApp::each().await {
        let batch: Vec<Value> = (0..11)
            .map(|_| json!({"query": "query { __typename }"}))
            .collect();
        let reply = app
            .post_raw("application/json", Value::from(batch).to_string())
            .await;
        assert!(
            !reply.body.is_array() && reply.body.get("data").is_none(),
            "{}",
            reply.text
        );
        let form = app
            .post_raw(
                "application/x-www-form-urlencoded",
                "query=query+%7B__typename%7D",
            )
            .await;
        assert!(!answered(&form, "__typename"), "{}", form.text);
        let get = app
            .get("/graphql?query=mutation+%7B__typename%7D", &[])
            .await;
        assert!(!answered(&get, "__typename"), "{}", get.text);
    }
}

#[tokio::test]
async fn no_tracing_stack_traces_or_exceptions_are_shown() {
    for app in TestApp::each().await {
        let typename = cop_post(&app, "query { __typename }").await;
        let unhandled = cop_post(&app, "qwerty cop { abc }").await;
        for reply in [typename, unhandled] {
            let text = reply.text.to_lowercase();
            assert!(
                !text.contains("stacktrace") && !text.contains("\"exception\""),
                "{text}"
            );
            assert!(reply.body["extensions"]["tracing"].is_null(), "{text}");
        }
    }
}

/// graphql-js's `getIntrospectionQuery()` with every option GraphiQL sets.
const GRAPHIQL_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}"#;

#[tokio::test]
async fn graphiqls_own_introspection_query_is_answered() {
    for app in TestApp::each().await {
        let data = app.data(GRAPHIQL_INTROSPECTION).await;
        let types = data["__schema"]["types"].as_array().map(Vec::len);
        assert!(types.is_some_and(|n| n > 25), "{data}");
    }
}
