//! Exchange and institution filters.

use crate::helpers::TestApp;
use serde_json::{Value, json};

async fn slugs(app: &TestApp, filter: Value) -> Vec<String> {
    let data = app
        .data_with(r#"query($f: ExchangeFilter) { exchanges(filter: $f, first: 100) { totalCount nodes { slug } } }"#, json!({"f": filter}))
        .await;
    let nodes = data["exchanges"]["nodes"].as_array().unwrap();
    assert_eq!(data["exchanges"]["totalCount"], nodes.len());
    nodes
        .iter()
        .map(|n| n["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn id_of(app: &TestApp, what: &str, slug: &str) -> String {
    let query = match what {
        "institution" => format!(r#"{{ institution(slug: "{slug}") {{ id }} }}"#),
        _ => r#"{ speakers(first: 100) { nodes { id slug } } }"#.to_owned(),
    };
    let data = app.data(&query).await;
    match what {
        "institution" => data["institution"]["id"].as_str().unwrap().to_owned(),
        _ => data["speakers"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["slug"] == slug)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    }
}

#[tokio::test]
async fn dates_years_and_formats_filter_exchanges() {
    for app in TestApp::each().await {
        assert_eq!(slugs(&app, json!({"year": 2020})).await.len(), 9);
        assert_eq!(slugs(&app, json!({"year": 2021})).await.len(), 0);
        assert_eq!(slugs(&app, json!({"fiscalYear": 2020})).await.len(), 9);
        assert_eq!(slugs(&app, json!({"fiscalYear": 2019})).await.len(), 0);
        assert_eq!(slugs(&app, json!({"from": "2020-10"})).await.len(), 4);
        assert_eq!(slugs(&app, json!({"to": "2020-08"})).await.len(), 4);
        assert_eq!(
            slugs(&app, json!({"from": "2020-08-15", "to": "2020-09-01"}))
                .await
                .len(),
            3,
            "month-dated exchanges span their month"
        );
        assert_eq!(slugs(&app, json!({"format": "ONLINE"})).await.len(), 9);
        assert_eq!(slugs(&app, json!({"format": "IN_PERSON"})).await.len(), 0);
    }
}

#[tokio::test]
async fn institutions_countries_specialties_and_speakers_filter_exchanges() {
    for app in TestApp::each().await {
        let juntendo = id_of(&app, "institution", "juntendo-university-hospital").await;
        assert_eq!(
            slugs(&app, json!({"institution": juntendo})).await,
            [
                "2020-08-gxmu-first-juntendo-gastrointestinal-surgery",
                "2020-10-gxmu-first-juntendo-cardiology"
            ]
        );
        assert_eq!(slugs(&app, json!({"country": "JP"})).await.len(), 9);
        assert_eq!(
            slugs(&app, json!({"specialty": "rehabilitation"}))
                .await
                .len(),
            2
        );
        assert_eq!(slugs(&app, json!({"specialty": "colorectal-surgery", "institution": id_of(&app, "institution", "national-cancer-center-hospital-east").await})).await.len(), 2);
        assert_eq!(
            slugs(&app, json!({"specialty": "no-such-specialty"}))
                .await
                .len(),
            0
        );
        let ito = id_of(&app, "speaker", "ito-masaaki").await;
        assert_eq!(
            slugs(&app, json!({"speaker": ito})).await,
            [
                "2020-10-gxmu-cancer-ncc-east-colorectal-surgery",
                "2020-11-anhui-oncology-annual-meeting-ncc-east"
            ]
        );
    }
}

#[tokio::test]
async fn malformed_filters_are_bad_user_input() {
    for app in TestApp::each().await {
        for filter in [
            r#"{from: "2020-13"}"#,
            r#"{to: "June 2020"}"#,
            r#"{from: "2021-02-29"}"#,
            r#"{institution: "not-an-id"}"#,
            r#"{speaker: "RXhjaGFuZ2U6MQ"}"#,
        ] {
            let query = format!("{{ exchanges(filter: {filter}) {{ totalCount }} }}");
            assert_eq!(app.error_code(&query).await, "BAD_USER_INPUT", "{filter}");
        }
    }
}

#[tokio::test]
async fn institutions_filter_by_country_and_by_region_in_any_language() {
    for app in TestApp::each().await {
        let count = |data: Value| data["institutions"]["totalCount"].as_i64().unwrap();
        assert_eq!(
            count(
                app.data(r#"{ institutions(filter: {country: JP}) { totalCount } }"#)
                    .await
            ),
            6
        );
        assert_eq!(
            count(
                app.data(r#"{ institutions(filter: {country: CN}) { totalCount } }"#)
                    .await
            ),
            8
        );
        for region in ["广西壮族自治区", "広西チワン族自治区", "guangxi"] {
            let data = app
                .data(&format!(
                    r#"{{ institutions(filter: {{region: "{region}"}}) {{ totalCount }} }}"#
                ))
                .await;
            assert_eq!(count(data), 4, "{region}");
        }
        let data = app
            .data(r#"{ institutions(filter: {country: JP, region: "東京都"}) { totalCount } }"#)
            .await;
        assert_eq!(count(data), 4);
    }
}
