//! `node(id)` for every Node type; unknown or malformed ids give null.

use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn every_node_type_is_fetchable_by_its_id() {
    for app in TestApp::each().await {
        let data = app
            .data(r#"{ institutions(first: 1) { nodes { id } } exchanges(first: 1) { nodes { id } } speakers(first: 1) { nodes { id } }
                       photos(first: 1) { nodes { id } } aidShipments(first: 1) { nodes { id } } news(first: 1) { nodes { id } }
                       specialties { id } }"#)
            .await;
        let mut ids = vec![data["specialties"][0]["id"].clone()];
        for list in [
            "institutions",
            "exchanges",
            "speakers",
            "photos",
            "aidShipments",
            "news",
        ] {
            ids.push(data[list]["nodes"][0]["id"].clone());
        }
        for id in ids {
            let node = app
                .data_with(
                    r#"query($id: ID!) { node(id: $id) { __typename id } }"#,
                    json!({"id": id}),
                )
                .await;
            assert_eq!(node["node"]["id"], id, "{:?}", app.engine);
        }
        let exchange_id = data["exchanges"]["nodes"][0]["id"].clone();
        let exchange = app
            .data_with(
                r#"query($id: ID!) { exchange(id: $id, lang: JA) { title } }"#,
                json!({"id": exchange_id}),
            )
            .await;
        assert_eq!(
            exchange["exchange"]["title"],
            "北海市人民病院・亀田総合病院 健康診断オンライン交流"
        );
    }
}

#[tokio::test]
async fn unknown_or_malformed_ids_give_null_not_an_error() {
    for app in TestApp::each().await {
        for id in [
            "",
            "garbage",
            "RXhjaGFuZ2U6OTk5OTk",
            "Rm9vOjE",
            "RXhjaGFuZ2U6LTE",
            "RXhjaGFuZ2U6OTk5OTk5OTk5OTk5",
        ] {
            let data = app
                .data_with(r#"query($id: ID!) { node(id: $id) { id } exchange(id: $id) { id } institution(id: $id) { id } }"#, json!({"id": id}))
                .await;
            assert_eq!(
                data,
                json!({"node": null, "exchange": null, "institution": null}),
                "{id:?}"
            );
        }
        assert_eq!(
            app.error_code("{ institution { id } }").await,
            "BAD_USER_INPUT"
        );
        assert_eq!(
            app.data(r#"{ institution(slug: "nowhere") { id } }"#).await,
            json!({"institution": null})
        );
    }
}
