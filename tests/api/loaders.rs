//! No N+1: a page of 9 exchanges with everything below it costs as many
//! SQL statements as a page of 1.
//!
//! The one-exchange page starts in July (`from: "2020-07"`): June's exchange
//! has no talks and no people in its photos, so a page of it alone would
//! skip some hops and prove nothing. July's exchange reaches every hop.

use crate::helpers::{Engine, TestApp, excerpt};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

const DEEP: &str = r#"query($first: Int, $from: String) { exchanges(lang: JA, first: $first, filter: {from: $from}) { totalCount nodes {
    title summary specialties { name }
    participants { country institution { name region city aliases speakers { name } exchanges(first: 2) { totalCount nodes { slug } } } }
    talks { kind title speaker { name position institution { name } } exchange { slug } }
    speakers { name talks { kind } }
    photos { caption venue { name } people { name } exchange { slug } } } } }"#;

/// The fewest statements one run of `DEEP` took over five runs. Batches
/// are cut by time (1 ms), so on a busy machine a hop now and then takes a
/// second statement; the fewest shows the batching itself.
async fn fewest_statements(app: &TestApp, first: i64, from: &str) -> usize {
    let mut fewest = usize::MAX;
    for _ in 0..5 {
        let before = app.statements();
        let data = app
            .data_with(DEEP, json!({"first": first, "from": from}))
            .await;
        fewest = fewest.min(app.statements() - before);
        assert!(
            fewest > 0,
            "{:?}: the query ran no SQL (answered from memory?)",
            app.engine
        );
        assert_eq!(
            data["exchanges"]["nodes"].as_array().unwrap().len() as i64,
            first
        );
    }
    fewest
}

#[tokio::test]
async fn statement_count_does_not_grow_with_the_page_size() {
    for app in TestApp::each().await {
        let for_one = fewest_statements(&app, 1, "2020-07").await;
        let for_nine = fewest_statements(&app, 9, "2020-06").await;
        // Print past the harness's capture so the figures show in CI logs.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "{:?}: SQL statements for first: 1 = {for_one}, first: 9 = {for_nine}",
            app.engine
        );
        // An N+1 would add 8 statements per hop (well over 100 here); the
        // slack of 3 absorbs batches split by a loaded machine.
        assert!(
            for_nine <= for_one + 3,
            "{:?}: statements grew with the page size",
            app.engine
        );
        assert!(
            for_nine <= 30,
            "{:?}: {for_nine} statements is more than one per hop",
            app.engine
        );
    }
}

/// The list page frontends ask for most (`scripts/bench/list_page.graphql`).
const LIST_PAGE: &str = include_str!("../../scripts/bench/list_page.graphql");
/// The one-exchange page (`scripts/bench/single_exchange.graphql`).
const SINGLE_PAGE: &str = include_str!("../../scripts/bench/single_exchange.graphql");

/// Statements one run of `query` took, once the catalog of small tables is
/// loaded (a first run loads it).
async fn statements_of(app: &TestApp, query: &str, variables: serde_json::Value) -> usize {
    app.data_with(query, variables.clone()).await;
    let before = app.statements();
    app.data_with(query, variables).await;
    app.statements() - before
}

#[tokio::test]
async fn a_page_is_read_with_what_lies_below_its_exchanges_in_one_statement() {
    for app in TestApp::each().await {
        let list = statements_of(&app, LIST_PAGE, json!({"first": 9})).await;
        let id = app
            .data("{ exchanges(first: 1, orderBy: DESC) { nodes { id } } }")
            .await["exchanges"]["nodes"][0]["id"]
            .clone();
        let single = statements_of(&app, SINGLE_PAGE, json!({"id": id})).await;
        // The data version (read at every request in these tests), then
        // one statement for the page and everything below it: texts,
        // participants, specialties, talks and their titles, photos and
        // their captions. One exchange by id comes with what lies below it.
        assert!(
            list <= 2,
            "{:?}: the list page took {list} statements",
            app.engine
        );
        assert!(
            single <= 2,
            "{:?}: the one-exchange page took {single} statements",
            app.engine
        );
    }
}

/// The two pages' statements are planned once per connection on
/// PostgreSQL: after its first five runs of a prepared statement PostgreSQL
/// keeps a generic plan when it costs no more than the plans made for each
/// run's parameters. Planning at every run had cost more than running.
#[tokio::test]
async fn the_pages_statements_are_planned_once_per_connection() {
    for app in TestApp::each_on_one_connection().await {
        if app.engine != Engine::Postgres {
            continue;
        }
        // Enough rows, with statistics, for plans to differ in cost.
        medexchange::dataset::generate::generate(&app.db, 3000, 8)
            .await
            .expect("generate exchanges");
        app.db.execute_unprepared("ANALYZE").await.unwrap();
        let id = app
            .data("{ exchanges(first: 1, orderBy: DESC) { nodes { id } } }")
            .await["exchanges"]["nodes"][0]["id"]
            .clone();
        for first in [3, 9, 3, 9, 3, 9, 3, 9] {
            app.data_with(LIST_PAGE, json!({"first": first})).await;
            app.data_with(SINGLE_PAGE, json!({"id": id})).await;
        }
        let plans = app
            .db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements \
                 WHERE statement LIKE '%json_agg%' AND statement NOT LIKE '%pg_prepared%'",
            ))
            .await
            .expect("read the session's prepared statements");
        assert!(!plans.is_empty(), "no tree statement was prepared");
        for plan in plans {
            let statement: String = plan.try_get("", "statement").unwrap();
            let generic: i64 = plan.try_get("", "generic_plans").unwrap();
            let custom: i64 = plan.try_get("", "custom_plans").unwrap();
            assert!(
                custom <= 5 && (generic + custom <= 5 || generic > 0),
                "planned {custom} times for its parameters, {generic} times generically: {}",
                excerpt(&statement, 200)
            );
        }
    }
}

/// The look-ahead reads (a root list) give what the hop-by-hop loaders give
/// (the same exchanges, nested under their institutions): same texts, same
/// orders, same empty lists.
#[tokio::test]
async fn reading_ahead_gives_what_reading_hop_by_hop_gives() {
    const FIELDS: &str =
        "slug title summary specialties { name } participants { country institution { name } }
        talks { kind title speaker { name } } speakers { name } photos { caption url }";
    for app in TestApp::each().await {
        let ahead = app
            .data(&format!(
                "{{ exchanges(lang: JA, first: 20) {{ nodes {{ {FIELDS} }} }} }}"
            ))
            .await;
        let nested = app
            .data(&format!(
                "{{ institutions(lang: JA, first: 20) {{ nodes {{ exchanges(first: 10) {{ nodes {{ {FIELDS} }} }} }} }} }}"
            ))
            .await;
        let by_slug = |exchange: &serde_json::Value| {
            (
                exchange["slug"].as_str().unwrap().to_owned(),
                exchange.clone(),
            )
        };
        let ahead: std::collections::BTreeMap<_, _> = ahead["exchanges"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(by_slug)
            .collect();
        let nested: std::collections::BTreeMap<_, _> = nested["institutions"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|i| {
                i["exchanges"]["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(by_slug)
            })
            .collect();
        assert_eq!(ahead.len(), 9, "{:?}", app.engine);
        assert_eq!(ahead, nested, "{:?}", app.engine);
    }
}
