//! Hostile requests are refused before they touch the database.

use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use medexchange::graphql::limits::Limits;
use serde_json::json;
use std::time::Duration;

const ACCEPT: [(&str, &str); 1] = [("accept", "application/graphql-response+json")];

/// Posts `query`, expects a 400 QUERY_TOO_COMPLEX, and checks that no SQL ran.
async fn refused(app: &TestApp, query: &str) {
    let before = app.statements();
    let reply = app.post(query, json!({}), &ACCEPT).await;
    assert_eq!(
        reply.status,
        StatusCode::BAD_REQUEST,
        "{:?}: {}",
        app.engine,
        reply.excerpt()
    );
    assert_eq!(
        reply.body["errors"][0]["extensions"]["code"],
        "QUERY_TOO_COMPLEX",
        "{}",
        reply.excerpt()
    );
    assert!(reply.body.get("data").is_none());
    assert_eq!(app.statements(), before, "a refused query ran SQL");
}

#[tokio::test]
async fn a_thousand_aliases_are_refused() {
    for app in TestApp::each().await {
        let aliases: Vec<String> = (0..1000)
            .map(|i| format!("a{i}: specialties {{ slug }}"))
            .collect();
        refused(&app, &format!("{{ {} }}", aliases.join(" "))).await;
        let fifteen: Vec<String> = (0..15)
            .map(|i| format!("a{i}: specialties {{ slug }}"))
            .collect();
        app.data(&format!("{{ {} }}", fifteen.join(" "))).await;
    }
}

#[tokio::test]
async fn a_depth_30_query_is_refused() {
    for app in TestApp::each().await {
        let mut query = String::from("slug");
        for _ in 0..7 {
            query = format!(
                "exchanges(first: 1) {{ nodes {{ participants {{ institution {{ {query} }} }} }} }}"
            );
        }
        refused(
            &app,
            &format!("{{ institutions(first: 1) {{ nodes {{ {query} }} }} }}"),
        )
        .await;
    }
}

#[tokio::test]
async fn big_pages_inside_big_pages_are_too_complex() {
    for app in TestApp::each().await {
        refused(
            &app,
            "{ exchanges(first: 100) { nodes { participants { institution { exchanges(first: 100) { nodes { title summary photos { caption } } } } } } } }",
        )
        .await;
        app.data("{ exchanges(first: 100) { nodes { title participants { institution { name exchanges(first: 5) { nodes { title } } } } } } }").await;
    }
}

#[tokio::test]
async fn long_queries_and_many_directives_are_refused() {
    for app in TestApp::each().await {
        let padding = " ".repeat(17 * 1024);
        refused(&app, &format!("{{ specialties {{ slug }} {padding} }}")).await;
        let directives = " @include(if: true)".repeat(6);
        refused(&app, &format!("{{ specialties {{ slug{directives} }} }}")).await;
    }
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() {
    for app in TestApp::each().await {
        let body = json!({"query": "{ specialties { slug } }", "variables": {"pad": "x".repeat(2 * 1024 * 1024)}}).to_string();
        let reply = app.post_raw("application/json", body).await;
        assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

#[tokio::test]
async fn a_batch_of_1000_and_a_text_plain_mutation_are_refused() {
    for app in TestApp::each().await {
        let before = app.statements();
        let batch: Vec<_> = (0..1000)
            .map(|_| json!({"query": "{ specialties { slug } }"}))
            .collect();
        let reply = app
            .post_raw("application/json", json!(batch).to_string())
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let reply = app
            .post_raw("text/plain", r#"{"query":"mutation { __typename }"}"#)
            .await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(app.statements(), before);
    }
}

#[tokio::test]
async fn a_request_past_its_deadline_is_stopped_with_timeout() {
    let limits = Limits {
        request_timeout: Duration::from_millis(1),
        ..Limits::default()
    };
    for app in TestApp::each_with_limits(limits).await {
        // Each level of this query is a batch that waits 1 ms for its keys.
        let reply = app
            .post("{ exchanges(first: 9) { nodes { talks { speaker { institution { speakers { talks { exchange { title } } } } } } } } }", json!({}), &ACCEPT)
            .await;
        assert_eq!(reply.status, StatusCode::GATEWAY_TIMEOUT, "{}", reply.text);
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "TIMEOUT");
        // The server keeps serving after a stopped request.
        let quick = app.post("{ __typename }", json!({}), &ACCEPT).await;
        assert_eq!(quick.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn batches_run_only_when_allowed_and_up_to_the_limit() {
    let limits = Limits {
        max_batch_size: 3,
        ..Limits::default()
    };
    for app in TestApp::each_with_limits(limits).await {
        let post = |body: serde_json::Value| {
            Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let two = json!([{"query": "{ specialties(lang: JA) { slug } }"}, {"query": "{ exchanges { totalCount } }"}]);
        let reply = app.send(post(two)).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.body[1]["data"]["exchanges"]["totalCount"], 9);
        assert_eq!(reply.body.as_array().unwrap().len(), 2);
        let four: Vec<_> = (0..4).map(|_| json!({"query": "{ __typename }"})).collect();
        assert_eq!(
            app.send(post(json!(four))).await.status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            app.send(post(json!([]))).await.status,
            StatusCode::BAD_REQUEST
        );
    }
}

#[tokio::test]
async fn requests_beyond_the_bound_in_flight_get_503_on_every_transport_but_health() {
    let limits = Limits {
        max_in_flight: 1,
        ..Limits::default()
    };
    for app in TestApp::each_with_limits(limits).await {
        // One request in flight, held by the test.
        let pipeline = &app.state.pipeline;
        let parsed = pipeline
            .parse(async_graphql::Request::new("{ __typename }"))
            .unwrap();
        let held = pipeline.admit(parsed, None).await.map_err(|_| ()).unwrap();

        let reply = app
            .post("{ specialties { slug } }", json!({}), &ACCEPT)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            reply.text
        );
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "OVERLOADED");
        assert_eq!(reply.headers[axum::http::header::RETRY_AFTER], "1");
        for path in ["/healthz", "/readyz", "/metrics"] {
            assert_eq!(app.get(path, &[]).await.status, StatusCode::OK, "{path}");
        }
        let port = app.serve().await;
        let mut socket = crate::websocket::connect(port, json!({})).await;
        crate::websocket::subscribe(&mut socket, "1", "{ specialties { slug } }").await;
        let answer = crate::websocket::next_json(&mut socket).await;
        assert_eq!(
            answer["payload"][0]["extensions"]["code"], "OVERLOADED",
            "{answer}"
        );

        drop(held);
        app.data("{ specialties { slug } }").await;
    }
}
