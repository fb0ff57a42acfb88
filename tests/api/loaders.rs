//! No N+1: a page of 9 exchanges with everything below it costs as many
//! SQL statements as a page of 1.
//!
//! The one-exchange page starts in July (`from: "2020-07"`): June's exchange
//! has no talks and no people in its photos, so a page of it alone would
//! skip some hops and prove nothing. July's exchange reaches every hop.

use crate::helpers::TestApp;
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
