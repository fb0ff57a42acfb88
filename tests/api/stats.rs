//! `exchangeStats`: counts grouped by dimensions, over the FY2020 report.

use crate::helpers::TestApp;
use serde_json::{Value, json};

const STATS: &str = r#"query($groupBy: [ExchangeDimension!]!, $filter: ExchangeFilter, $lang: Language,
    $fillGaps: Boolean, $orderBy: GroupOrder, $min: Int, $first: Int) {
  exchangeStats(groupBy: $groupBy, filter: $filter, lang: $lang, fillGaps: $fillGaps,
                orderBy: $orderBy, minExchanges: $min, first: $first) {
    exchanges groupCount
    groups { keys { dimension value label node { id } } exchanges institutions speakers talks photos }
  } }"#;

async fn stats(app: &TestApp, variables: Value) -> Value {
    app.data_with(STATS, variables).await["exchangeStats"].clone()
}

/// Each group as (its key values joined by `/`, exchanges).
fn counts(stats: &Value) -> Vec<(String, i64)> {
    stats["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            let keys: Vec<&str> = group["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["value"].as_str().unwrap())
                .collect();
            (keys.join("/"), group["exchanges"].as_i64().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn an_exchange_counts_once_under_each_of_its_specialties() {
    for app in TestApp::each().await {
        let answer = stats(
            &app,
            json!({"groupBy": ["MONTH", "SPECIALTY"], "lang": "JA"}),
        )
        .await;
        assert_eq!(answer["exchanges"], 9, "{:?}", app.engine);
        let groups = counts(&answer);
        assert!(
            groups.contains(&("2020-09/endocrinology".into(), 1)),
            "{groups:?}"
        );
        assert!(
            groups.contains(&("2020-09/nephrology".into(), 1)),
            "{groups:?}"
        );
        let sum: i64 = groups.iter().map(|(_, n)| n).sum();
        assert!(
            sum > 9,
            "the two-specialty exchange counts twice: {groups:?}"
        );
        let first = &answer["groups"][0];
        assert_eq!(first["keys"][0]["label"], "2020年6月");
        assert_eq!(first["keys"][1]["label"], "健康診断");
        assert!(first["keys"][1]["node"]["id"].is_string());
        assert!(first["keys"][0]["node"].is_null());
    }
}

#[tokio::test]
async fn participant_dimensions_describe_the_same_participant() {
    for app in TestApp::each().await {
        let answer = stats(
            &app,
            json!({"groupBy": ["COUNTRY", "REGION"], "lang": "EN"}),
        )
        .await;
        let groups = counts(&answer);
        assert!(
            groups.contains(&("CN/广西壮族自治区".into(), 5)),
            "{groups:?}"
        );
        assert!(groups.contains(&("JP/千葉県".into(), 4)), "{groups:?}");
        assert!(
            !groups
                .iter()
                .any(|(k, _)| k == "CN/千葉県" || k == "JP/广西壮族自治区"),
            "never a Chinese country with a Japanese prefecture: {groups:?}"
        );
        let guangxi = answer["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["keys"][1]["value"] == "广西壮族自治区")
            .unwrap();
        assert_eq!(guangxi["keys"][0]["label"], "China");
        assert_eq!(guangxi["keys"][1]["label"], "Guangxi");
        assert_eq!(guangxi["institutions"], 4, "Guangxi's institutions only");
    }
}

#[tokio::test]
async fn no_dimension_gives_the_total_and_an_empty_filter_no_group() {
    for app in TestApp::each().await {
        let total = stats(&app, json!({"groupBy": []})).await;
        assert_eq!(total["exchanges"], 9);
        let group = &total["groups"][0];
        assert_eq!(
            [
                &group["exchanges"],
                &group["institutions"],
                &group["speakers"],
                &group["talks"],
                &group["photos"]
            ],
            [9, 14, 5, 6, 18],
            "{:?}",
            app.engine
        );
        let none = stats(
            &app,
            json!({"groupBy": ["MONTH", "INSTITUTION"], "filter": {"specialty": "no-such"}}),
        )
        .await;
        assert_eq!(none["exchanges"], 0);
        assert_eq!(none["groups"], json!([]));
    }
}

#[tokio::test]
async fn speakers_groups_count_their_own_talks() {
    for app in TestApp::each().await {
        let answer = stats(
            &app,
            json!({"groupBy": ["SPEAKER"], "orderBy": "EXCHANGES_DESC", "first": 2}),
        )
        .await;
        assert_eq!(answer["groupCount"], 5);
        assert_eq!(counts(&answer).len(), 2, "`first` keeps the first groups");
        let top = &answer["groups"][0];
        assert_eq!(top["keys"][0]["value"], "ito-masaaki");
        assert_eq!(
            [&top["exchanges"], &top["talks"], &top["speakers"]],
            [2, 2, 1]
        );
        let busy = stats(&app, json!({"groupBy": ["CITY"], "min": 3})).await;
        assert!(
            counts(&busy).iter().all(|(_, n)| *n >= 3),
            "{:?}",
            counts(&busy)
        );
        assert!(!counts(&busy).is_empty());
    }
}

#[tokio::test]
async fn gaps_are_filled_across_the_filtered_fiscal_year() {
    for app in TestApp::each().await {
        let answer = stats(
            &app,
            json!({"groupBy": ["MONTH"], "filter": {"fiscalYear": 2020}, "fillGaps": true, "lang": "EN"}),
        )
        .await;
        let groups = counts(&answer);
        assert_eq!(groups.len(), 12, "April 2020 to March 2021: {groups:?}");
        assert_eq!(groups[0], ("2020-04".into(), 0));
        assert_eq!(groups[11], ("2021-03".into(), 0));
        assert_eq!(answer["groups"][0]["keys"][0]["label"], "April 2020");
        let by_year = stats(&app, json!({"groupBy": ["FISCAL_YEAR"], "lang": "JA"})).await;
        assert_eq!(by_year["groups"][0]["keys"][0]["label"], "2020年度");
    }
}

#[tokio::test]
async fn bad_combinations_are_refused_with_a_reason() {
    for app in TestApp::each().await {
        for (variables, says) in [
            (json!({"groupBy": ["MONTH", "MONTH"]}), "twice"),
            (
                json!({"groupBy": ["COUNTRY"], "fillGaps": true}),
                "fillGaps",
            ),
            (
                json!({"groupBy": ["MONTH"], "fillGaps": true, "min": 2}),
                "minExchanges",
            ),
            (json!({"groupBy": ["MONTH"], "first": 0}), "first"),
            (
                json!({"groupBy": ["MONTH"], "filter": {"from": "June"}}),
                "from",
            ),
        ] {
            let reply = app.post(STATS, variables.clone(), &[]).await;
            let error = &reply.body["errors"][0];
            assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{variables}");
            let message = error["message"].as_str().unwrap();
            assert!(message.contains(says), "{variables}: {message}");
        }
    }
}

/// Once the fact table is read, an answer takes no SQL statement at all,
/// whatever the number of groups (the data version is polled apart).
#[tokio::test]
async fn answered_from_memory_without_a_statement() {
    let options = medexchange::http::options::HttpOptions {
        response_cache_entries: 0,
        data_version_poll: std::time::Duration::from_millis(50),
        ..Default::default()
    };
    let limits = medexchange::graphql::limits::Limits::default();
    for app in TestApp::each_configured(limits, options).await {
        app.data_version_known().await;
        app.state.analytics.warm();
        for _ in 0..500 {
            if app.state.analytics.held_version().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        for group_by in [
            json!(["YEAR"]),
            json!(["MONTH", "SPECIALTY", "INSTITUTION", "SPEAKER"]),
        ] {
            let variables = json!({"groupBy": group_by});
            stats(&app, variables.clone()).await;
            let before = app.statements();
            stats(&app, variables).await;
            assert_eq!(app.statements() - before, 0, "{:?} {group_by}", app.engine);
        }
    }
}

/// Every count of every specialty's group equals what the exchanges of
/// that specialty show when listed one by one, over generated data where
/// exchanges have several specialties, talks and photos.
#[tokio::test]
async fn counts_agree_with_the_exchanges_listed_one_by_one() {
    for app in TestApp::each().await {
        medexchange::dataset::generate::generate(&app.db, 150, 7)
            .await
            .unwrap();
        let answer = stats(&app, json!({"groupBy": ["SPECIALTY"]})).await;
        assert_eq!(answer["exchanges"], 159, "{:?}", app.engine);
        for group in answer["groups"].as_array().unwrap() {
            let slug = group["keys"][0]["value"].as_str().unwrap();
            let listed = app
                .data_with(
                    r#"query($s: String) { exchanges(filter: {specialty: $s}, first: 100) { totalCount
                       nodes { id participants { institution { id } } talks { speaker { id } } photos { id } } } }"#,
                    json!({"s": slug}),
                )
                .await;
            let nodes = listed["exchanges"]["nodes"].as_array().unwrap();
            assert_eq!(
                listed["exchanges"]["totalCount"],
                nodes.len(),
                "one page holds them"
            );
            let distinct = |path: &str, leaf: &str| {
                let mut ids: Vec<&str> = nodes
                    .iter()
                    .flat_map(|n| n[path].as_array().unwrap())
                    .map(|item| item[leaf]["id"].as_str().unwrap())
                    .collect();
                ids.sort();
                ids.dedup();
                ids.len()
            };
            let count = |path: &str| -> usize {
                nodes
                    .iter()
                    .map(|n| n[path].as_array().unwrap().len())
                    .sum()
            };
            assert_eq!(group["exchanges"], nodes.len(), "{slug}");
            assert_eq!(
                group["institutions"],
                distinct("participants", "institution"),
                "{slug}"
            );
            assert_eq!(group["speakers"], distinct("talks", "speaker"), "{slug}");
            assert_eq!(group["talks"], count("talks"), "{slug}");
            assert_eq!(group["photos"], count("photos"), "{slug}");
        }
    }
}
