//! History: every import leaves a change per record it changed, with who,
//! when, which fields (before and after) and where it came from; versions
//! move with changes only.

use crate::helpers::TestApp;
use medexchange::dataset;
use medexchange::domain::record::LangKey;
use serde_json::{Value, json};

const KAMEDA: &str = r#"{ institution(slug: "kameda-medical-center") { version
  history { totalCount nodes { actor action version fields source changes { field before after } record { ... on Institution { slug } } } } } }"#;

fn bundled() -> dataset::Dataset {
    dataset::parse(dataset::BUNDLED_FY2020, "bundled").unwrap()
}

#[tokio::test]
async fn the_first_import_leaves_one_change_per_record() {
    for app in TestApp::each().await {
        let feed = app
            .data("{ changes(first: 3) { totalCount nodes { actor action version record { __typename } } } }")
            .await;
        assert_eq!(feed["changes"]["totalCount"], 65, "{:?}", app.engine);
        let newest = &feed["changes"]["nodes"][0];
        assert_eq!(newest["actor"], "import bundled data/fy2020.yaml");
        assert_eq!(newest["action"], "IMPORT");
        let kameda = &app.data(KAMEDA).await["institution"];
        assert_eq!(kameda["version"], 1);
        let change = &kameda["history"]["nodes"][0];
        assert_eq!(
            change["source"],
            "bundled data/fy2020.yaml: institutions[1] (kameda-medical-center)"
        );
        let fields = change["fields"].as_array().unwrap();
        assert!(
            fields.contains(&json!("name.ja")) && fields.contains(&json!("aliases")),
            "{fields:?}"
        );
        assert_eq!(change["record"]["slug"], "kameda-medical-center");
    }
}

#[tokio::test]
async fn a_changed_record_gets_a_new_version_and_its_changes_with_values() {
    for app in TestApp::each().await {
        let mut changed = bundled();
        let kameda = changed
            .institutions
            .iter_mut()
            .find(|i| i.slug == "kameda-medical-center")
            .unwrap();
        kameda
            .name
            .insert(LangKey::Ja, "医療法人鉄蕉会 亀田総合病院".into());
        kameda.aliases.push("亀田病院".into());
        changed.exchanges[0].participants.reverse();
        dataset::import::import(&app.db, &changed, "fix.yaml")
            .await
            .unwrap();
        // The same file again changes nothing, so records nothing.
        dataset::import::import(&app.db, &changed, "fix.yaml")
            .await
            .unwrap();

        let kameda = &app.data(KAMEDA).await["institution"];
        assert_eq!(kameda["version"], 2, "{:?}", app.engine);
        assert_eq!(kameda["history"]["totalCount"], 2);
        let newest = &kameda["history"]["nodes"][0];
        assert_eq!(
            [&newest["actor"], &newest["version"]],
            [&json!("import fix.yaml"), &json!(2)]
        );
        assert_eq!(newest["fields"], json!(["aliases", "name.ja"]));
        let name = newest["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "name.ja")
            .unwrap();
        assert_eq!(name["before"], "亀田総合病院");
        assert_eq!(name["after"], "医療法人鉄蕉会 亀田総合病院");

        let slug = changed.exchanges[0].slug.clone();
        let query =
            "{ exchanges(first: 1) { nodes { slug version history { nodes { fields } } } } }";
        let exchange = &app.data(query).await["exchanges"]["nodes"][0];
        assert_eq!(exchange["slug"], slug.as_str());
        assert_eq!(exchange["version"], 2);
        assert_eq!(
            exchange["history"]["nodes"][0]["fields"],
            json!(["participants"])
        );
        let total = app.data("{ changes { totalCount } }").await;
        assert_eq!(
            total["changes"]["totalCount"], 67,
            "two records changed, once"
        );
    }
}

#[tokio::test]
async fn the_change_feed_pages_newest_first() {
    for app in TestApp::each().await {
        let mut seen: Vec<Value> = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app
                .data_with(
                    "query($after: String) { changes(first: 20, after: $after) { pageInfo { hasNextPage hasPreviousPage endCursor } nodes { version record { id } } } }",
                    json!({"after": after}),
                )
                .await;
            let page = &page["changes"];
            assert_eq!(page["pageInfo"]["hasPreviousPage"], !seen.is_empty());
            seen.extend(page["nodes"].as_array().unwrap().iter().cloned());
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen.len(), 65, "{:?}", app.engine);
        assert_eq!(
            seen.last().unwrap()["record"]["id"],
            app.data("{ specialties { id } }").await["specialties"][0]["id"],
            "the first change is the oldest record's"
        );
    }
}
