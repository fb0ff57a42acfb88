//! Search latency through the real router, on a database filled by
//! `medexchange generate`. Used by `scripts/bench-search.sh`; prints the
//! median and p99 per query length. The response cache is off: every
//! request searches. With `SEARCH_PAGES=1` it asks `searchResults` (a page
//! with cursors, each result's matched text, highlights and snippet)
//! instead of `search`.
//!
//! ```sh
//! DATABASE_URL=sqlite://bench.db cargo run --release --example search_bench [ROUNDS]
//! ```

use axum::body::Body;
use axum::http::{Request, header};
use http_body_util::BodyExt;
use medexchange::AppState;
use medexchange::i18n::Lang;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Queries by length: words the generator writes, common and rare, in both
/// languages and in the other script's forms.
const QUERIES: &[(usize, &[&str])] = &[
    (2, &["康复", "循環", "胃腸", "药剂", "亀田", "札幌"]),
    (
        4,
        &[
            "康复医学",
            "循環器内",
            "人民医院",
            "総合病院",
            "内分泌科",
            "交流の様",
        ],
    ),
    (
        8,
        &[
            "心血管内科云端交",
            "循環器内科オンラ",
            "リハビリテーショ",
            "腎臓内科オンライ",
            "肿瘤学云端交流第",
            "健康体检交流的情",
        ],
    ),
];

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL names a database filled by `medexchange generate`");
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let db = medexchange::store::connect(&url, 4).await.expect("connect");
    medexchange::prepare_database(&db).await.expect("prepare");
    let options = medexchange::http::options::HttpOptions {
        response_cache_entries: 0,
        ..Default::default()
    };
    let state = AppState::configured(db, Lang::Zh, Default::default(), options);
    let router = medexchange::app(state);
    let pages = std::env::var("SEARCH_PAGES").is_ok_and(|v| v == "1");
    let (document, list) = match pages {
        false => (
            "query($q: String!) { search(query: $q, first: 20) { __typename ... on Exchange { slug title } ... on Institution { slug name } ... on Photo { slug caption } ... on Specialty { slug name } ... on Speaker { slug name } } }",
            "/data/search",
        ),
        true => (
            "query($q: String!) { searchResults(query: $q, first: 20) { pageInfo { hasNextPage endCursor } edges { cursor node { __typename ... on Exchange { slug title } ... on Institution { slug name } ... on Photo { slug caption } ... on Specialty { slug name } ... on Speaker { slug name } } match { field language kind highlights { start end } snippet } } } }",
            "/data/searchResults/edges",
        ),
    };
    let run = |query: String| {
        let router = router.clone();
        async move {
            let body = serde_json::json!({
                "query": document,
                "variables": { "q": query }
            });
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let started = Instant::now();
            let response = router.oneshot(request).await.unwrap();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            let elapsed = started.elapsed();
            let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert!(value.get("errors").is_none(), "{value}");
            (
                elapsed,
                value
                    .pointer(list)
                    .and_then(|l| l.as_array())
                    .map_or(0, Vec::len),
            )
        }
    };
    // Warm up caches and the database.
    for (_, queries) in QUERIES {
        for query in *queries {
            run((*query).to_owned()).await;
        }
    }
    println!("length  queries  samples  median_ms  p99_ms  mean_hits");
    for (length, queries) in QUERIES {
        let mut samples: Vec<Duration> = Vec::new();
        let mut hits = 0;
        for _ in 0..rounds {
            for query in *queries {
                let (elapsed, found) = run((*query).to_owned()).await;
                samples.push(elapsed);
                hits += found;
            }
        }
        samples.sort();
        let at = |q: f64| {
            samples[((samples.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0
        };
        println!(
            "{length:>6}  {:>7}  {:>7}  {:>9.2}  {:>6.2}  {:>9.1}",
            queries.len(),
            samples.len(),
            at(0.5),
            at(0.99),
            hits as f64 / samples.len() as f64
        );
    }
}
