//! `partnerships` and `Institution.partners`: who worked with whom.

use crate::helpers::TestApp;
use serde_json::{Value, json};

const PARTNERSHIPS: &str = r#"query($filter: ExchangeFilter, $first: Int, $after: String) {
  partnerships(filter: $filter, first: $first, after: $after, lang: EN) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    nodes { institutions { slug } exchanges firstDate lastDate specialties { slug } }
  } }"#;

fn pairs(connection: &Value) -> Vec<String> {
    connection["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| {
            let slugs: Vec<&str> = node["institutions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["slug"].as_str().unwrap())
                .collect();
            format!("{}={}", slugs.join("+"), node["exchanges"])
        })
        .collect()
}

#[tokio::test]
async fn pairs_come_most_exchanges_first_with_their_dates_and_specialties() {
    for app in TestApp::each().await {
        let data = app.data_with(PARTNERSHIPS, json!({"first": 100})).await;
        let all = &data["partnerships"];
        assert_eq!(all["totalCount"], 8, "{:?}", app.engine);
        let top = &all["nodes"][0];
        assert_eq!(
            pairs(all)[0],
            "guangxi-medical-university-first-affiliated-hospital+juntendo-university-hospital=2"
        );
        assert_eq!(
            [&top["firstDate"], &top["lastDate"]],
            ["2020-08", "2020-10"]
        );
        assert_eq!(
            top["specialties"],
            json!([{"slug": "gastrointestinal-surgery"}, {"slug": "cardiology"}])
        );
        let counts: Vec<i64> = all["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["exchanges"].as_i64().unwrap())
            .collect();
        assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");

        let filtered = app
            .data_with(PARTNERSHIPS, json!({"filter": {"specialty": "cardiology"}}))
            .await;
        assert_eq!(
            pairs(&filtered["partnerships"]),
            ["guangxi-medical-university-first-affiliated-hospital+juntendo-university-hospital=1"],
            "the filter decides which exchanges count"
        );
    }
}

#[tokio::test]
async fn pages_of_partnerships_follow_one_another() {
    for app in TestApp::each().await {
        let all = app.data_with(PARTNERSHIPS, json!({"first": 100})).await;
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let data = app
                .data_with(PARTNERSHIPS, json!({"first": 3, "after": after}))
                .await;
            let page = &data["partnerships"];
            assert_eq!(page["pageInfo"]["hasPreviousPage"], !seen.is_empty());
            seen.extend(pairs(page));
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, pairs(&all["partnerships"]), "{:?}", app.engine);
        let reply = app
            .post(PARTNERSHIPS, json!({"after": "bm90IGEgY3Vyc29y"}), &[])
            .await;
        assert_eq!(
            reply.body["errors"][0]["extensions"]["code"],
            "BAD_USER_INPUT"
        );
    }
}

#[tokio::test]
async fn an_institution_lists_its_partners_first_itself() {
    for app in TestApp::each().await {
        let data = app
            .data(
                r#"{ institution(slug: "national-cancer-center-hospital-east") {
                  partners { totalCount nodes { partner { slug } institutions { slug } exchanges } } } }"#,
            )
            .await;
        let partners = &data["institution"]["partners"];
        assert_eq!(partners["totalCount"], 2);
        let mut names: Vec<&str> = partners["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                assert_eq!(
                    n["institutions"][0]["slug"],
                    "national-cancer-center-hospital-east"
                );
                n["partner"]["slug"].as_str().unwrap()
            })
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "anhui-medical-association-oncology-branch",
                "guangxi-medical-university-cancer-hospital"
            ]
        );
    }
}
