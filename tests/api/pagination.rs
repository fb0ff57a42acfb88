//! Relay connections: cursors, both directions, bounds.

use crate::helpers::TestApp;
use serde_json::{Value, json};

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

const PAGE: &str = r#"query($first: Int, $after: String, $last: Int, $before: String, $order: SortDirection) {
    exchanges(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
        totalCount edges { cursor node { slug } } nodes { slug }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"#;

#[tokio::test]
async fn paging_forward_visits_every_exchange_once_in_date_order() {
    for app in TestApp::each().await {
        let all = app.data_with(PAGE, json!({"first": 100})).await["exchanges"].clone();
        let expected = slugs(&all);
        assert_eq!(expected.len(), 9);
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app
                .data_with(PAGE, json!({"first": 4, "after": after}))
                .await["exchanges"]
                .clone();
            assert_eq!(page["totalCount"], 9);
            assert_eq!(
                page["nodes"].as_array().unwrap().len(),
                page["edges"].as_array().unwrap().len()
            );
            seen.extend(slugs(&page));
            assert_eq!(page["pageInfo"]["hasPreviousPage"], !after.is_null());
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, expected);
    }
}

#[tokio::test]
async fn paging_backward_with_last_and_before_mirrors_forward() {
    for app in TestApp::each().await {
        let all = slugs(&app.data_with(PAGE, json!({"first": 100})).await["exchanges"]);
        let tail = app.data_with(PAGE, json!({"last": 3})).await["exchanges"].clone();
        assert_eq!(slugs(&tail), all[6..].to_vec());
        assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(tail["pageInfo"]["hasNextPage"], false);
        let before = tail["pageInfo"]["startCursor"].clone();
        let previous = app
            .data_with(PAGE, json!({"last": 3, "before": before}))
            .await["exchanges"]
            .clone();
        assert_eq!(slugs(&previous), all[3..6].to_vec());
        assert_eq!(previous["pageInfo"]["hasNextPage"], true);
    }
}

#[tokio::test]
async fn descending_order_reverses_the_list() {
    for app in TestApp::each().await {
        let mut ascending = slugs(&app.data_with(PAGE, json!({"first": 100})).await["exchanges"]);
        let descending = slugs(
            &app.data_with(PAGE, json!({"first": 100, "order": "DESC"}))
                .await["exchanges"],
        );
        ascending.reverse();
        assert_eq!(descending, ascending);
        let first = app
            .data_with(PAGE, json!({"first": 2, "order": "DESC"}))
            .await["exchanges"]
            .clone();
        let next = app
            .data_with(
                PAGE,
                json!({"first": 2, "order": "DESC", "after": first["pageInfo"]["endCursor"]}),
            )
            .await["exchanges"]
            .clone();
        assert_eq!(slugs(&next), descending[2..4].to_vec());
    }
}

#[tokio::test]
async fn page_sizes_over_100_or_negative_are_bad_user_input() {
    for app in TestApp::each().await {
        for query in [
            "{ exchanges(first: 101) { totalCount } }",
            "{ exchanges(first: -1) { totalCount } }",
            "{ exchanges(last: 1000) { totalCount } }",
            "{ institutions(first: 101) { totalCount } }",
            "{ photos(first: 1, last: 1) { totalCount } }",
            r#"{ exchanges(after: "bm90LWEtY3Vyc29y") { totalCount } }"#,
            r#"{ speakers(after: "%%%") { totalCount } }"#,
            r#"{ institution(slug: "kameda-medical-center") { exchanges(first: 500) { totalCount } } }"#,
        ] {
            assert_eq!(app.error_code(query).await, "BAD_USER_INPUT", "{query}");
        }
        let data = app.data("{ exchanges(first: 100) { totalCount } speakers(first: 0) { nodes { slug } pageInfo { hasNextPage } } }").await;
        assert_eq!(
            data["speakers"],
            json!({"nodes": [], "pageInfo": {"hasNextPage": true}})
        );
    }
}

#[tokio::test]
async fn every_list_pages_the_same_way() {
    for app in TestApp::each().await {
        for (list, total) in [
            ("institutions", 14),
            ("speakers", 5),
            ("photos", 21),
            ("aidShipments", 2),
            ("news", 4),
        ] {
            let query = format!(
                "query($after: String) {{ {list}(first: 2, after: $after) {{ totalCount nodes {{ slug }} pageInfo {{ hasNextPage endCursor }} }} }}"
            );
            let mut after = Value::Null;
            let mut count = 0;
            loop {
                let page = app.data_with(&query, json!({"after": after})).await[list].clone();
                assert_eq!(page["totalCount"], total, "{list}");
                count += page["nodes"].as_array().unwrap().len();
                if page["pageInfo"]["hasNextPage"] == false {
                    break;
                }
                after = page["pageInfo"]["endCursor"].clone();
            }
            assert_eq!(count, total, "{list}");
        }
    }
}

/// A cursor as the server writes them, made by hand.
fn cursor(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn a_hand_made_cursor_past_either_end_says_nothing_lies_beyond_it() {
    for app in TestApp::each().await {
        let page_info = |vars: Value| {
            let app = &app;
            async move { app.data_with(PAGE, vars).await["exchanges"]["pageInfo"].clone() }
        };
        let early = cursor("Exchange/d:2000-01-01:1");
        let late = cursor("Exchange/d:2099-01-01:1");
        let from_start = page_info(json!({"first": 2, "after": early})).await;
        assert_eq!(from_start["hasPreviousPage"], false, "{from_start}");
        let newest_first = page_info(json!({"first": 2, "after": late, "order": "DESC"})).await;
        assert_eq!(newest_first["hasPreviousPage"], false, "{newest_first}");
        let from_end = page_info(json!({"last": 2, "before": late})).await;
        assert_eq!(from_end["hasNextPage"], false, "{from_end}");
        let real = page_info(json!({"first": 1})).await["endCursor"].clone();
        let second = page_info(json!({"first": 1, "after": real})).await;
        assert_eq!(second["hasPreviousPage"], true, "{second}");
        let past_the_end = page_info(json!({"first": 1, "after": late})).await;
        assert_eq!(past_the_end["hasPreviousPage"], true, "{past_the_end}");
    }
}

#[tokio::test]
async fn an_institutions_exchanges_tell_a_hand_made_cursor_from_a_real_one() {
    let query = r#"query($after: String) { institutions(first: 1) { nodes {
        exchanges(first: 1, after: $after) { pageInfo { hasPreviousPage endCursor } } } } }"#;
    for app in TestApp::each().await {
        let info = |after: Value| {
            let app = &app;
            async move {
                app.data_with(query, json!({ "after": after })).await["institutions"]["nodes"][0]
                    ["exchanges"]["pageInfo"]
                    .clone()
            }
        };
        let first = info(Value::Null).await;
        assert_eq!(first["hasPreviousPage"], false);
        let next = info(first["endCursor"].clone()).await;
        assert_eq!(next["hasPreviousPage"], true, "{next}");
        let early = info(json!(cursor("Exchange/d:2000-01-01:1"))).await;
        assert_eq!(early["hasPreviousPage"], false, "{early}");
    }
}

#[tokio::test]
async fn a_cursor_of_one_list_is_refused_by_a_list_of_another_type() {
    for app in TestApp::each().await {
        let institutions = app
            .data("{ institutions(first: 1) { pageInfo { endCursor } } }")
            .await;
        let foreign = institutions["institutions"]["pageInfo"]["endCursor"].clone();
        for list in ["speakers", "photos", "news"] {
            let query = format!(r#"{{ {list}(first: 1, after: {foreign}) {{ totalCount }} }}"#);
            assert_eq!(app.error_code(&query).await, "BAD_USER_INPUT", "{list}");
        }
        let own = format!(r#"{{ institutions(first: 1, after: {foreign}) {{ totalCount }} }}"#);
        app.data(&own).await;
    }
}
