//! Every fact of the FY2020 report is answerable through the contract.

use crate::helpers::TestApp;
use serde_json::json;

#[tokio::test]
async fn the_nine_online_exchanges_are_there_with_months_and_institutions() {
    for app in TestApp::each().await {
        let data = app
            .data(
                r#"{ exchanges(lang: ZH, first: 20) { totalCount nodes {
                    date year month fiscalYear format
                    participants { country institution { slug name } }
                    specialties { slug } } } }"#,
            )
            .await;
        let exchanges = &data["exchanges"];
        assert_eq!(exchanges["totalCount"], 9, "{:?}", app.engine);
        let nodes = exchanges["nodes"].as_array().unwrap();
        let months: Vec<i64> = nodes.iter().map(|n| n["month"].as_i64().unwrap()).collect();
        assert_eq!(months, [6, 7, 8, 8, 9, 10, 10, 11, 11]);
        assert!(
            nodes
                .iter()
                .all(|n| n["format"] == "ONLINE" && n["fiscalYear"] == 2020 && n["year"] == 2020)
        );
        assert_eq!(nodes[0]["date"], "2020-06");
        let first = &nodes[0]["participants"];
        assert_eq!(
            first[0],
            json!({"country": "CN", "institution": {"slug": "beihai-peoples-hospital", "name": "北海市人民医院"}})
        );
        assert_eq!(
            first[1],
            json!({"country": "JP", "institution": {"slug": "kameda-medical-center", "name": "龟田综合医院"}})
        );
        let specialties: Vec<&str> = nodes
            .iter()
            .flat_map(|n| n["specialties"].as_array().unwrap())
            .map(|s| s["slug"].as_str().unwrap())
            .collect();
        for slug in [
            "health-checkups",
            "rehabilitation",
            "pharmacy",
            "gastrointestinal-surgery",
            "endocrinology",
            "nephrology",
            "colorectal-surgery",
            "cardiology",
            "oncology",
        ] {
            assert!(specialties.contains(&slug), "{slug} missing");
        }
    }
}

#[tokio::test]
async fn talks_and_speakers_are_recorded_with_positions() {
    for app in TestApp::each().await {
        let data = app
            .data(
                r#"{ exchanges(lang: JA, filter: { from: "2020-10", to: "2020-10" }) { nodes {
                    slug talks { kind speaker { name position institution { name } } }
                    speakers { name(lang: EN) } } } }"#,
            )
            .await;
        let nodes = data["exchanges"]["nodes"].as_array().unwrap();
        let colorectal = nodes
            .iter()
            .find(|n| n["slug"] == "2020-10-gxmu-cancer-ncc-east-colorectal-surgery")
            .unwrap();
        assert_eq!(
            colorectal["talks"],
            json!([
                {"kind": "GREETING", "speaker": {"name": "大津敦", "position": "院長", "institution": {"name": "国立がん研究センター東病院"}}},
                {"kind": "LECTURE", "speaker": {"name": "伊藤雅昭", "position": "大腸外科長", "institution": {"name": "国立がん研究センター東病院"}}}
            ])
        );
        assert_eq!(
            colorectal["speakers"],
            json!([{"name": "Atsushi Ohtsu"}, {"name": "Masaaki Ito"}])
        );
    }
}

#[tokio::test]
async fn every_photo_has_captions_in_both_languages() {
    for app in TestApp::each().await {
        let data = app
            .data(r#"{ photos(first: 100) { totalCount nodes { zh: caption(lang: ZH) ja: caption(lang: JA) exchange { slug } aidShipment { slug } venue { slug } people { slug } } } }"#)
            .await;
        assert_eq!(data["photos"]["totalCount"], 21, "{:?}", app.engine);
        let nodes = data["photos"]["nodes"].as_array().unwrap();
        assert!(
            nodes
                .iter()
                .all(|p| p["zh"].is_string() && p["ja"].is_string() && p["zh"] != p["ja"])
        );
        assert_eq!(
            nodes.iter().filter(|p| p["exchange"].is_object()).count(),
            18
        );
        assert_eq!(
            nodes
                .iter()
                .filter(|p| p["aidShipment"].is_object())
                .count(),
            2
        );
        let lecture = nodes
            .iter()
            .find(|p| p["ja"] == "亀田総合病院の村永信吾先生（右）が講演")
            .unwrap();
        assert_eq!(lecture["people"], json!([{"slug": "muranaga-shingo"}]));
        let venue = nodes
            .iter()
            .find(|p| p["zh"] == "北海市人民医院会场")
            .unwrap();
        assert_eq!(venue["venue"], json!({"slug": "beihai-peoples-hospital"}));
    }
}

#[tokio::test]
async fn the_two_aid_shipments_go_both_ways() {
    for app in TestApp::each().await {
        let data = app
            .data(r#"{ aidShipments { totalCount nodes { date fiscalYear direction quantity items(lang: ZH) recipient(lang: JA) photos { caption(lang: JA) } } } }"#)
            .await;
        assert_eq!(
            data["aidShipments"],
            json!({"totalCount": 2, "nodes": [
                {"date": "2020-02", "fiscalYear": 2019, "direction": "JP_TO_CN", "quantity": null, "items": "医用N95口罩",
                 "recipient": "中国大使館", "photos": [{"caption": "2月、医療用マスクN95を中国大使館へお届けする"}]},
                {"date": "2020-05", "fiscalYear": 2020, "direction": "CN_TO_JP", "quantity": null, "items": "口罩",
                 "recipient": "日本の医療現場・介護現場（センター経由）",
                 "photos": [{"caption": "5月、中国から多くのマスクが届き、センターの責任の下、日本の医療現場、介護現場へお届けさせていただきました"}]}
            ]})
        );
    }
}

#[tokio::test]
async fn typos_and_short_names_from_the_source_are_kept_as_aliases() {
    for app in TestApp::each().await {
        let data = app
            .data(r#"{ kameda: institution(slug: "kameda-medical-center") { name(lang: JA) aliases city(lang: ZH) region(lang: EN) }
                       jiangbin: institution(slug: "guangxi-jiangbin-hospital") { name(lang: JA) aliases }
                       ncc: institution(slug: "national-cancer-center-hospital-east") { name(lang: ZH) aliases country } }"#)
            .await;
        assert_eq!(
            data["kameda"],
            json!({"name": "亀田総合病院", "aliases": ["日本龟田综合医院", "田综合医院"], "city": "鸭川市", "region": "Chiba"})
        );
        assert_eq!(data["jiangbin"]["name"], "広西チワン族自治区江濱病院");
        assert_eq!(
            data["jiangbin"]["aliases"],
            json!(["広西チワン族自治区江病院"])
        );
        assert_eq!(
            data["ncc"]["aliases"],
            json!(["日本国立癌研究中心东医院", "国癌东医院"])
        );
        assert_eq!(data["ncc"]["country"], "JP");
    }
}

#[tokio::test]
async fn news_of_the_centre_is_kept_too() {
    for app in TestApp::each().await {
        let data = app.data(r#"{ news { totalCount nodes { slug date fiscalYear title(lang: JA) photos { slug } } } }"#).await;
        assert_eq!(data["news"]["totalCount"], 4);
        let office = &data["news"]["nodes"][2];
        assert_eq!(office["slug"], "2020-10-office-move");
        assert_eq!(office["title"], "事務所移転");
        assert_eq!(
            data["news"]["nodes"][3]["photos"],
            json!([{"slug": "2021-01-new-year-visit-kagurazaka"}])
        );
        assert_eq!(data["news"]["nodes"][3]["fiscalYear"], 2020);
    }
}

#[tokio::test]
async fn institutions_list_their_exchanges_and_speakers() {
    for app in TestApp::each().await {
        let data = app
            .data(
                r#"{ institution(slug: "juntendo-university-hospital") {
                exchanges(first: 1) { totalCount pageInfo { hasNextPage endCursor } nodes { slug } }
                speakers { slug talks { exchange { slug } } } } }"#,
            )
            .await;
        let institution = &data["institution"];
        assert_eq!(institution["exchanges"]["totalCount"], 2);
        assert_eq!(
            institution["exchanges"]["nodes"],
            json!([{"slug": "2020-08-gxmu-first-juntendo-gastrointestinal-surgery"}])
        );
        assert_eq!(institution["exchanges"]["pageInfo"]["hasNextPage"], true);
        let cursor = institution["exchanges"]["pageInfo"]["endCursor"]
            .as_str()
            .unwrap()
            .to_owned();
        let next = app
            .data_with(
                r#"query($after: String) { institution(slug: "juntendo-university-hospital") { exchanges(first: 5, after: $after) { pageInfo { hasNextPage hasPreviousPage } nodes { slug } } } }"#,
                json!({ "after": cursor }),
            )
            .await;
        assert_eq!(
            next["institution"]["exchanges"]["nodes"],
            json!([{"slug": "2020-10-gxmu-first-juntendo-cardiology"}])
        );
        assert_eq!(
            next["institution"]["exchanges"]["pageInfo"],
            json!({"hasNextPage": false, "hasPreviousPage": true})
        );
        assert_eq!(
            institution["speakers"],
            json!([{"slug": "fukunaga-tetsu", "talks": [{"exchange": {"slug": "2020-08-gxmu-first-juntendo-gastrointestinal-surgery"}}]}])
        );
    }
}
