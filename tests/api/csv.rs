//! CSV answers: `Accept: text/csv`, or `format=csv` in a link a browser
//! opens.

use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

const LIST: &str = r#"{ exchanges(first: 3, lang: JA) { totalCount
  nodes { slug title participants { institution { name } } } } }"#;

#[tokio::test]
async fn one_list_comes_as_a_table_with_a_bom_and_a_file_name() {
    for app in TestApp::each().await {
        let reply = app.post(LIST, json!({}), &[("accept", "text/csv")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.excerpt());
        let content_type = reply.headers[header::CONTENT_TYPE].to_str().unwrap();
        assert!(
            content_type.starts_with("text/csv; charset=utf-8"),
            "{content_type}"
        );
        let disposition = reply.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert_eq!(disposition, "attachment; filename=\"exchanges.csv\"");
        assert_eq!(reply.headers[header::CONTENT_LANGUAGE], "ja");
        let lines: Vec<&str> = reply.text.split("\r\n").collect();
        assert_eq!(lines[0], "\u{feff}slug,title,participants.institution.name");
        assert_eq!(
            lines.len(),
            5,
            "header, 3 rows, and the last CRLF: {lines:?}"
        );
        assert!(
            lines[1].starts_with("2020-06-beihai-kameda-health-checkups,"),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].ends_with(",北海市人民病院; 亀田総合病院"),
            "participants joined in one cell: {}",
            lines[1]
        );
    }
}

#[tokio::test]
async fn a_browser_link_with_format_csv_downloads_the_stats() {
    for app in TestApp::each().await {
        let query =
            "{ exchangeStats(groupBy: [MONTH], lang: ZH) { groups { keys { label } exchanges } } }";
        let uri = format!(
            "/graphql?format=csv&query={}",
            form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
        );
        let reply = app.browse(&uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.excerpt());
        let lines: Vec<&str> = reply.text.split("\r\n").collect();
        assert_eq!(lines[0], "\u{feff}keys.1.label,exchanges");
        assert_eq!(lines[1], "2020年6月,1");
        let etag = reply.headers[header::ETAG].to_str().unwrap().to_owned();
        let json = app.get(&uri.replace("format=csv&", ""), &[]).await;
        assert_ne!(
            json.headers[header::ETAG],
            etag.as_str(),
            "CSV and JSON are tagged apart"
        );
        let again = Request::get(&uri)
            .header(header::IF_NONE_MATCH, &etag)
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(again).await.status, StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn anything_but_one_list_is_406_saying_what_csv_can_hold() {
    for app in TestApp::each().await {
        for query in [
            "{ exchanges(first: 2) { nodes { slug } edges { cursor } } }",
            r#"{ institution(slug: "kameda-medical-center") { name } }"#,
        ] {
            let reply = app.post(query, json!({}), &[("accept", "text/csv")]).await;
            assert_eq!(reply.status, StatusCode::NOT_ACCEPTABLE, "{query}");
            let error = &reply.body["errors"][0];
            assert_eq!(error["extensions"]["code"], "NOT_ACCEPTABLE");
            assert!(
                error["message"]
                    .as_str()
                    .unwrap()
                    .contains("CSV holds one list")
            );
        }
        let json_first = app
            .post(
                LIST,
                json!({}),
                &[("accept", "application/json, text/csv;q=0.5")],
            )
            .await;
        assert!(
            json_first.body["data"]["exchanges"].is_object(),
            "JSON preferred: JSON"
        );
    }
}

#[tokio::test]
async fn a_two_key_grouping_has_one_column_per_key_and_per_keys_node_id() {
    for app in TestApp::each().await {
        let query = "{ exchangeStats(groupBy: [COUNTRY, INSTITUTION], lang: JA) { groups { keys { dimension label node { id } } exchanges } } }";
        let reply = app.post(query, json!({}), &[("accept", "text/csv")]).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.excerpt());
        let lines: Vec<&str> = reply.text.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "\u{feff}keys.COUNTRY.label,keys.COUNTRY.node,keys.INSTITUTION.label,keys.INSTITUTION.node.id,exchanges"
        );
        let cells: Vec<&str> = lines[1].split(',').collect();
        assert_eq!(cells.len(), 5, "{}", lines[1]);
        assert!(cells[3].len() > 4 && cells[1].is_empty(), "{}", lines[1]);
    }
}
