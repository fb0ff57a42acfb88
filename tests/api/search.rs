//! Search that understands Chinese and Japanese, on both engines.

use crate::helpers::TestApp;
use medexchange::dataset;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const SEARCH: &str = r#"query($q: String!, $lang: Language, $first: Int) { search(query: $q, lang: $lang, first: $first) {
    __typename
    ... on Institution { slug name }
    ... on Exchange { slug title }
    ... on Speaker { slug name }
    ... on Photo { slug caption }
    ... on AidShipment { slug items }
    ... on Specialty { slug name } } }"#;

async fn search(app: &TestApp, query: &str) -> Vec<Value> {
    let data = app
        .data_with(SEARCH, json!({"q": query, "first": 100}))
        .await;
    data["search"].as_array().unwrap().clone()
}

fn finds(results: &[Value], kind: &str, slug: &str) -> bool {
    results
        .iter()
        .any(|r| r["__typename"] == kind && r["slug"] == slug)
}

#[tokio::test]
async fn one_and_two_character_cjk_words_match() {
    for app in TestApp::each().await {
        let rehabilitation = search(&app, "康复").await;
        assert!(
            finds(&rehabilitation, "Specialty", "rehabilitation"),
            "{rehabilitation:?}"
        );
        assert!(finds(
            &rehabilitation,
            "Exchange",
            "2020-07-jiangbin-kameda-rehabilitation"
        ));
        assert!(finds(
            &rehabilitation,
            "Exchange",
            "2020-11-suining-ishikawajima-rehabilitation"
        ));
        let gi = search(&app, "胃肠").await;
        assert!(finds(&gi, "Specialty", "gastrointestinal-surgery"));
        let cardiology = search(&app, "循環").await;
        assert!(finds(&cardiology, "Specialty", "cardiology"));
        assert!(finds(
            &cardiology,
            "Exchange",
            "2020-10-gxmu-first-juntendo-cardiology"
        ));
        let department = search(&app, "科").await;
        assert!(department.len() > 10, "one character matches inside words");
        assert!(finds(&department, "Specialty", "pharmacy"));
    }
}

#[tokio::test]
async fn simplified_traditional_and_japanese_forms_fold_together() {
    for app in TestApp::each().await {
        assert!(finds(
            &search(&app, "順天堂").await,
            "Institution",
            "juntendo-university-hospital"
        ));
        assert!(finds(
            &search(&app, "顺天堂").await,
            "Institution",
            "juntendo-university-hospital"
        ));
        assert!(finds(
            &search(&app, "亀田").await,
            "Institution",
            "kameda-medical-center"
        ));
        assert!(finds(
            &search(&app, "龜田").await,
            "Institution",
            "kameda-medical-center"
        ));
        assert!(finds(
            &search(&app, "胃腸").await,
            "Specialty",
            "gastrointestinal-surgery"
        ));
        // 江濱 (Japanese) and 江滨 (Chinese) are one name.
        assert!(finds(
            &search(&app, "江濱").await,
            "Institution",
            "guangxi-jiangbin-hospital"
        ));
    }
}

#[tokio::test]
async fn widths_case_and_kana_fold_together() {
    for app in TestApp::each().await {
        assert!(finds(
            &search(&app, "ｎ９５").await,
            "AidShipment",
            "2020-02-n95-masks-to-chinese-embassy"
        ));
        assert!(finds(
            &search(&app, "n95").await,
            "AidShipment",
            "2020-02-n95-masks-to-chinese-embassy"
        ));
        assert!(finds(
            &search(&app, "りはびり").await,
            "Specialty",
            "rehabilitation"
        ));
        assert!(finds(
            &search(&app, "ﾘﾊﾋﾞﾘ").await,
            "Exchange",
            "2020-07-jiangbin-kameda-rehabilitation"
        ));
        assert!(finds(
            &search(&app, "KAMEDA").await,
            "Institution",
            "kameda-medical-center"
        ));
        assert!(
            finds(
                &search(&app, "kame").await,
                "Institution",
                "kameda-medical-center"
            ),
            "a last word is a prefix"
        );
    }
}

#[tokio::test]
async fn exact_names_come_before_prefixes_before_substrings() {
    for app in TestApp::each().await {
        let results = search(&app, "国立がん研究センター東病院").await;
        assert_eq!(
            results[0]["slug"], "national-cancer-center-hospital-east",
            "the exact name first"
        );
        let captions: Vec<&Value> = results
            .iter()
            .filter(|r| r["__typename"] == "Photo")
            .collect();
        assert!(!captions.is_empty());
        let first_substring = results
            .iter()
            .position(|r| {
                r["__typename"] == "Photo" && !r["caption"].as_str().unwrap().starts_with("国癌")
            })
            .unwrap_or(results.len());
        assert!(first_substring > 0);
        // An alias can be the exact match: 顺天堂医院 is Juntendo's short name.
        let results = search(&app, "顺天堂医院").await;
        assert_eq!(results[0]["slug"], "juntendo-university-hospital");
        assert_eq!(
            results[1]["__typename"], "Photo",
            "then the caption that starts with it"
        );
        // Results speak the language asked for.
        let data = app
            .data_with(
                SEARCH,
                json!({"q": "亀田総合病院", "lang": "JA", "first": 1}),
            )
            .await;
        assert_eq!(
            data["search"][0],
            json!({"__typename": "Institution", "slug": "kameda-medical-center", "name": "亀田総合病院"})
        );
        let data = app
            .data_with(
                SEARCH,
                json!({"q": "亀田総合病院", "lang": "EN", "first": 1}),
            )
            .await;
        assert_eq!(data["search"][0]["name"], "Kameda Medical Center");
    }
}

#[tokio::test]
async fn both_engines_rank_the_same() {
    let mut rankings: Vec<Vec<Vec<Value>>> = Vec::new();
    for app in TestApp::each().await {
        let mut ranking = Vec::new();
        for query in [
            "康复",
            "医院",
            "科",
            "順天堂",
            "会場",
            "n95",
            "广西",
            "国立がん研究センター東病院",
            "りはびり",
            "伊藤",
        ] {
            ranking.push(search(&app, query).await);
        }
        rankings.push(ranking);
    }
    if let [sqlite, postgres] = rankings.as_slice() {
        assert_eq!(sqlite, postgres);
    }
}

#[tokio::test]
async fn exchanges_filter_by_text_through_the_same_index() {
    for app in TestApp::each().await {
        let query =
            r#"query($t: String) { exchanges(filter: {text: $t}) { totalCount nodes { slug } } }"#;
        let count = |data: Value| data["exchanges"]["totalCount"].as_i64().unwrap();
        assert_eq!(count(app.data_with(query, json!({"t": "循環"})).await), 1);
        assert_eq!(
            count(app.data_with(query, json!({"t": "康复"})).await),
            2,
            "specialty names count"
        );
        assert_eq!(
            count(app.data_with(query, json!({"t": "りはびり"})).await),
            2
        );
        assert_eq!(count(app.data_with(query, json!({"t": "%"})).await), 0);
        assert_eq!(count(app.data_with(query, json!({"t": "順天堂"})).await), 2);
        assert_eq!(
            app.error_code(r#"{ exchanges(filter: {text: " "}) { totalCount } }"#)
                .await,
            "BAD_USER_INPUT"
        );
    }
}

#[tokio::test]
async fn hostile_or_empty_queries_are_handled() {
    for app in TestApp::each().await {
        assert_eq!(
            app.error_code(r#"{ search(query: "") { __typename } }"#)
                .await,
            "BAD_USER_INPUT"
        );
        assert_eq!(
            app.error_code(r#"{ search(query: "  \t ") { __typename } }"#)
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
        assert_eq!(
            app.error_code(r#"{ search(query: "医", first: 101) { __typename } }"#)
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
            "NEAR(医院 病院)",
            "医院\u{7}\u{1b}",
            "'); DROP TABLE exchange; --",
            "*",
            ":*",
        ] {
            let data = app.data_with(SEARCH, json!({"q": query, "first": 5})).await;
            assert!(data["search"].is_array(), "{query}");
        }
        assert_eq!(
            search(&app, "%").await,
            Vec::<Value>::new(),
            "% is a literal, not a wildcard"
        );
        assert!(
            !search(&app, "\"顺天堂\"").await.is_empty(),
            "quotes are ignored, the words still match"
        );
        assert_eq!(
            app.data("{ exchanges { totalCount } }").await["exchanges"]["totalCount"],
            9
        );
    }
}

#[tokio::test]
async fn the_index_follows_every_write_in_the_same_transaction() {
    for app in TestApp::each().await {
        let mut changed = dataset::parse(dataset::BUNDLED_FY2020, "bundled").unwrap();
        changed.institutions[1].aliases.push("鴨川の病院".into());
        changed.exchanges[0].photos.truncate(1);
        dataset::import::import(&app.db, &changed, "changed")
            .await
            .unwrap();
        assert!(finds(
            &search(&app, "鴨川の病院").await,
            "Institution",
            "kameda-medical-center"
        ));
        assert!(
            !finds(
                &search(&app, "北海市人民医院会场").await,
                "Photo",
                "2020-06-beihai-kameda-venue-beihai"
            ),
            "deleted photo left the index"
        );

        let mut broken = changed.clone();
        broken.institutions[1].aliases.push("绝不会出现".into());
        broken.exchanges[8].participants.push("nowhere".into());
        assert!(
            dataset::import::import(&app.db, &broken, "broken")
                .await
                .is_err()
        );
        assert!(
            search(&app, "绝不会出现").await.is_empty(),
            "a failed import leaves the index as it was"
        );
        let aliases = app
            .data(r#"{ institution(slug: "kameda-medical-center") { aliases } }"#)
            .await;
        assert!(
            !aliases.to_string().contains("绝不会出现"),
            "a failed import leaves the data as it was: {aliases}"
        );
        medexchange::store::search_index::rebuild_all(&app.db)
            .await
            .unwrap();
        assert!(
            search(&app, "绝不会出现").await.is_empty(),
            "nothing of the failed import is left to index"
        );

        dataset::generate::generate(&app.db, 20, 3).await.unwrap();
        assert!(
            finds(
                &search(&app, "心血管内科").await,
                "Specialty",
                "gen-3-cardiology"
            ),
            "generated rows are indexed"
        );
        let before = search(&app, "医院").await;
        let indexed = {
            let txn = sea_orm::TransactionTrait::begin(&app.db).await.unwrap();
            let n = medexchange::store::search_index::rebuild(&txn)
                .await
                .unwrap();
            txn.commit().await.unwrap();
            n
        };
        assert!(indexed > 100);
        assert_eq!(
            search(&app, "医院").await,
            before,
            "a rebuild finds what the live index found"
        );
    }
}

#[tokio::test]
async fn past_the_candidate_limit_both_engines_rank_the_same() {
    let mut answers = Vec::new();
    for app in TestApp::each().await {
        dataset::generate::generate(&app.db, 40, 3).await.unwrap();
        // Rewrite the oldest index rows: PostgreSQL moves their new versions
        // to the end of the table, so its physical order is no longer id order.
        app.db
            .execute_unprepared(
                "UPDATE search_document SET lang = lang WHERE id IN \
                 (SELECT id FROM search_document ORDER BY id LIMIT 300)",
            )
            .await
            .unwrap();
        let data = app
            .data_with(SEARCH, json!({"q": "交流", "first": 5}))
            .await;
        answers.push((app.engine, data["search"].clone()));
    }
    if let [(_, sqlite), (_, postgres)] = &answers[..] {
        assert_eq!(sqlite, postgres);
    }
}

const SEARCH_PAGE: &str = r#"query($q: String!, $lang: Language, $first: Int, $after: String) {
  searchResults(query: $q, lang: $lang, first: $first, after: $after) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor
      node { __typename ... on Institution { slug } ... on Exchange { slug } ... on Speaker { slug }
             ... on Photo { slug } ... on AidShipment { slug } ... on Specialty { slug } }
      match { field language kind text highlights { start end } snippet(length: 40) } } } }"#;

#[tokio::test]
async fn search_pages_with_cursors_in_the_order_of_search() {
    for app in TestApp::each().await {
        let whole: Vec<Value> = search(&app, "医院")
            .await
            .iter()
            .map(|r| json!([r["__typename"], r["slug"]]))
            .collect();
        assert!(whole.len() > 12, "{whole:?}");
        let (mut paged, mut after, mut pages) = (Vec::new(), Value::Null, 0);
        loop {
            let variables = json!({"q": "医院", "first": 5, "after": after});
            let data = app.data_with(SEARCH_PAGE, variables).await;
            let page = &data["searchResults"];
            assert_eq!(page["pageInfo"]["hasPreviousPage"], pages > 0);
            for edge in page["edges"].as_array().unwrap() {
                paged.push(json!([edge["node"]["__typename"], edge["node"]["slug"]]));
            }
            pages += 1;
            if page["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(
            paged, whole,
            "{:?}: pages of five, in search's order",
            app.engine
        );
        assert_eq!(pages, whole.len().div_ceil(5));
        for cursor in ["", "nonsense", "U2VhcmNoL3I6MDo5OjA6ZXhjaGFuZ2U6MQ"] {
            let reply = app
                .post(SEARCH_PAGE, json!({"q": "医院", "after": cursor}), &[])
                .await;
            assert_eq!(
                reply.body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
                "{cursor}: {}",
                reply.text
            );
        }
    }
}

#[tokio::test]
async fn each_result_marks_what_matched_in_the_served_language() {
    for app in TestApp::each().await {
        let first_match = |lang: &str, q: &str| {
            let variables = json!({"q": q, "lang": lang, "first": 1});
            let app = &app;
            async move {
                let data = app.data_with(SEARCH_PAGE, variables).await;
                data["searchResults"]["edges"][0]["match"].clone()
            }
        };
        // Asked in Simplified characters, served in Japanese: the Japanese
        // name is marked where its own characters stand.
        let ja = first_match("JA", "顺天堂").await;
        assert_eq!(ja["language"], "JA", "{ja}");
        assert_eq!(ja["field"], "name");
        let text = ja["text"].as_str().unwrap();
        assert!(text.starts_with("順天堂"), "{ja}");
        assert_eq!(ja["highlights"][0], json!({"start": 0, "end": 3}));
        assert!(
            ja["snippet"]
                .as_str()
                .unwrap()
                .starts_with("<mark>順天堂</mark>"),
            "{ja}"
        );
        let zh = first_match("ZH", "順天堂").await;
        assert_eq!(zh["language"], "ZH", "{zh}");
        assert!(
            zh["snippet"]
                .as_str()
                .unwrap()
                .contains("<mark>顺天堂</mark>"),
            "{zh}"
        );
        // Words apart are each marked.
        let apart = first_match("ZH", "广西 医院").await;
        assert_eq!(apart["kind"], "WORDS", "{apart}");
        let snippet = apart["snippet"].as_str().unwrap();
        assert!(
            snippet.contains("<mark>广西</mark>") && snippet.contains("<mark>医院</mark>"),
            "{apart}"
        );
    }
}
