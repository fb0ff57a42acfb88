//! Input rules, checked before the database and alike on both engines:
//! controls and invisible texts, one text per language, bounded lists,
//! safe urls, years in range, and long words that PostgreSQL's index
//! would refuse. None of them is ever `INTERNAL` or a 5xx.

use crate::helpers::TestApp;
use medexchange::domain::vocabulary::Role;
use serde_json::{Value, json};

const KAMEDA: &str = r#"{ institution(slug: "kameda-medical-center") { id version } }"#;
const UPDATE: &str = r#"mutation($id: ID!, $v: Int!, $input: InstitutionInput!) {
    updateInstitution(id: $id, expectedVersion: $v, input: $input) { errors { field code } institution { version } } }"#;

/// Updates Kameda Medical Center with `input` as an editor; the payload.
async fn update(app: &TestApp, bearer: &str, input: Value) -> Value {
    let kameda = app.data(KAMEDA).await;
    let variables = json!({"id": kameda["institution"]["id"], "v": kameda["institution"]["version"], "input": input});
    let reply = app
        .post(UPDATE, variables, &[("authorization", bearer)])
        .await;
    assert_eq!(reply.status, 200, "{:?}: {}", app.engine, reply.excerpt());
    assert!(
        reply.body.get("errors").is_none(),
        "{:?}: {}",
        app.engine,
        reply.excerpt()
    );
    reply.body["data"]["updateInstitution"].clone()
}

#[tokio::test]
async fn texts_must_show_and_hold_no_controls_and_one_per_language() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.rules", Role::Editor).await;
        let cases = [
            (
                json!({"name": [{"lang": "JA", "text": "亀田\u{1}病院"}]}),
                "input.name.0.text",
                "INVALID",
            ),
            (
                json!({"name": [{"lang": "JA", "text": "亀田\u{7}"}]}),
                "input.name.0.text",
                "INVALID",
            ),
            (
                json!({"name": [{"lang": "JA", "text": "\u{200B}\u{200D}\u{FEFF}"}]}),
                "input.name.0.text",
                "INVALID",
            ),
            (
                json!({"name": [{"lang": "JA", "text": "\n\t"}]}),
                "input.name.0.text",
                "INVALID",
            ),
            (
                json!({"name": [{"lang": "JA", "text": "甲"}, {"lang": "JA", "text": "乙"}]}),
                "input.name.1.lang",
                "DUPLICATE",
            ),
            (
                json!({"aliases": (0..300).map(|i| format!("別名{i}")).collect::<Vec<_>>()}),
                "input.aliases",
                "INVALID",
            ),
        ];
        for (input, field, code) in cases {
            let payload = update(&app, &bearer, input.clone()).await;
            let errors = payload["errors"].as_array().unwrap();
            let path = |e: &Value| {
                let parts = e["field"].as_array().unwrap().iter();
                parts
                    .map(|p| p.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(".")
            };
            assert!(
                errors.iter().any(|e| path(e) == field && e["code"] == code),
                "{:?}: {input} gave {errors:?}",
                app.engine
            );
            assert_eq!(payload["institution"], Value::Null, "nothing written");
        }
        // A word longer than PostgreSQL's index takes is stored and found.
        let long = "x".repeat(3_000);
        let payload = update(&app, &bearer, json!({"aliases": [long.clone()]})).await;
        assert_eq!(payload["errors"], json!([]), "{:?}", app.engine);
        let found = app
            .data_with(
                "query($q: String!) { search(query: $q) { ... on Institution { slug } } }",
                json!({"q": "x".repeat(200)}),
            )
            .await;
        assert_eq!(
            found["search"][0]["slug"], "kameda-medical-center",
            "{:?}",
            app.engine
        );
    }
}

#[tokio::test]
async fn photo_urls_are_http_https_or_local() {
    for app in TestApp::each().await {
        let bearer = app.bearer("editor.urls", Role::Editor).await;
        let photo = app
            .data("{ photos(first: 1) { nodes { id version } } }")
            .await;
        let photo = &photo["photos"]["nodes"][0];
        let mutation = r#"mutation($id: ID!, $v: Int!, $url: String) {
            updatePhoto(id: $id, expectedVersion: $v, input: {url: $url}) { errors { field code } photo { version } } }"#;
        for (url, ok) in [
            ("javascript:alert(1)", false),
            ("JAVASCRIPT:alert(1)", false),
            ("data:text/html,x", false),
            ("//evil.example/x.jpg", false),
            ("http://", false),
            ("https://example.org/a b.jpg", false),
            ("https://example.org/photo.jpg", true),
            ("/media/photo.jpg", true),
        ] {
            let variables = json!({"id": photo["id"], "v": photo["version"], "url": url});
            let reply = app
                .post(mutation, variables, &[("authorization", &bearer)])
                .await;
            let errors = &reply.body["data"]["updatePhoto"]["errors"];
            match ok {
                true => assert_eq!(errors, &json!([]), "{url}: {}", reply.text),
                false => assert_eq!(
                    errors,
                    &json!([{"field": ["input", "url"], "code": "INVALID"}]),
                    "{url}: {}",
                    reply.text
                ),
            }
            if ok {
                break; // the version moved; one accepted url is enough
            }
        }
    }
}

#[tokio::test]
async fn years_out_of_range_are_bad_input_at_the_edges_too() {
    for app in TestApp::each().await {
        for filter in [
            "{ year: 2147483647 }",
            "{ fiscalYear: 99999 }",
            "{ year: -1 }",
            "{ fiscalYear: 9999 }",
            "{ year: 1899 }",
        ] {
            let query = format!(
                "{{ exchangeStats(groupBy: [YEAR], fillGaps: true, filter: {filter}) {{ groups {{ keys {{ value }} }} }} }}"
            );
            assert_eq!(app.error_code(&query).await, "BAD_USER_INPUT", "{filter}");
        }
        let edge = app
            .data("{ exchangeStats(groupBy: [FISCAL_YEAR], fillGaps: true, filter: { fiscalYear: 9998 }) { groups { keys { value } exchanges } } }")
            .await;
        assert_eq!(
            edge["exchangeStats"]["groups"],
            json!([{"keys": [{"value": "9998"}], "exchanges": 0}])
        );
    }
}

#[tokio::test]
async fn a_nul_anywhere_is_bad_input_on_both_engines() {
    for app in TestApp::each().await {
        for (query, variables) in [
            (r#"{ search(query: "a\u0000b") { __typename } }"#, json!({})),
            (
                r#"{ institution(slug: "kameda\u0000") { slug } }"#,
                json!({}),
            ),
            (
                "query($q: String!) { search(query: $q) { __typename } }",
                json!({"q": "順天\u{0}"}),
            ),
            (
                "query($f: ExchangeFilter) { exchanges(filter: $f) { totalCount } }",
                json!({"f": {"specialty": "x\u{0}"}}),
            ),
        ] {
            let reply = app.post(query, variables, &[]).await;
            assert_eq!(
                reply.body["errors"][0]["extensions"]["code"],
                "BAD_USER_INPUT",
                "{:?}: {query}: {}",
                app.engine,
                reply.excerpt()
            );
        }
    }
}
