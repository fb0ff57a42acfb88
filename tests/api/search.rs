//! Search in either language (the baseline matching; see README).

use crate::helpers::TestApp;
use serde_json::json;

const SEARCH: &str = r#"query($q: String!, $lang: Language) { search(query: $q, lang: $lang, first: 10) {
    __typename
    ... on Institution { slug name }
    ... on Exchange { slug title }
    ... on Speaker { slug name }
    ... on Photo { slug caption }
    ... on AidShipment { slug items } } }"#;

#[tokio::test]
async fn exact_names_come_before_prefixes_before_substrings() {
    for app in TestApp::each().await {
        let data = app.data_with(SEARCH, json!({"q": "顺天堂医院"})).await;
        let results = data["search"].as_array().unwrap();
        assert!(results.len() >= 2);
        assert_eq!(
            results[0],
            json!({"__typename": "Institution", "slug": "juntendo-university-hospital", "name": "顺天堂大学医学部附属顺天堂医院"})
        );
        let data = app
            .data_with(SEARCH, json!({"q": "亀田総合病院", "lang": "JA"}))
            .await;
        assert_eq!(data["search"][0]["slug"], "kameda-medical-center");
        assert_eq!(data["search"][0]["name"], "亀田総合病院");
    }
}

#[tokio::test]
async fn search_finds_every_kind_in_either_language() {
    for app in TestApp::each().await {
        for (query, kind, slug) in [
            (
                "国癌东医院",
                "Institution",
                "national-cancer-center-hospital-east",
            ),
            ("Kameda", "Institution", "kameda-medical-center"),
            ("伊藤雅昭", "Speaker", "ito-masaaki"),
            ("n95", "AidShipment", "2020-02-n95-masks-to-chinese-embassy"),
            (
                "第25届学术年会",
                "Exchange",
                "2020-11-anhui-oncology-annual-meeting-ncc-east",
            ),
            ("会場の様子", "Photo", "2020-06-beihai-kameda-venue-beihai"),
        ] {
            let data = app.data_with(SEARCH, json!({"q": query})).await;
            let found = data["search"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["__typename"] == kind && r["slug"] == slug);
            assert!(found, "{query} did not find {kind} {slug}: {data}");
        }
    }
}

#[tokio::test]
async fn hostile_or_empty_queries_are_handled() {
    for app in TestApp::each().await {
        assert_eq!(
            app.error_code(r#"{ search(query: "   ") { __typename } }"#)
                .await,
            "BAD_USER_INPUT"
        );
        let long = "医".repeat(201);
        assert_eq!(
            app.error_code(&format!(
                r#"{{ search(query: "{long}") {{ __typename }} }}"#
            ))
            .await,
            "BAD_USER_INPUT"
        );
        for query in [
            "%",
            "_",
            "' OR 1=1 --",
            "\\",
            "\"quoted\"",
            "a AND b OR NOT c*",
        ] {
            let data = app.data_with(SEARCH, json!({"q": query})).await;
            assert!(data["search"].is_array(), "{query}");
        }
        let data = app.data_with(SEARCH, json!({"q": "%"})).await;
        assert_eq!(data["search"], json!([]), "% is a literal, not a wildcard");
    }
}
