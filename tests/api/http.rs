//! The HTTP surface: GET and POST, GraphiQL, health, and errors that always
//! carry a code.

use crate::helpers::{self, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use medexchange::graphql::limits::Limits;
use serde_json::json;

#[tokio::test]
async fn get_requests_run_queries_from_the_query_string() {
    for app in TestApp::each().await {
        let uri = "/graphql?query=%7B%20specialties(lang%3A%20JA)%20%7B%20slug%20name%20%7D%20%7D";
        let reply = app.get(uri, &[]).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
        assert_eq!(
            reply.body["data"]["specialties"][7],
            json!({"slug": "cardiology", "name": "循環器内科"})
        );
    }
}

#[tokio::test]
async fn a_browser_gets_graphiql() {
    for app in TestApp::each().await {
        let reply = app.browse("/graphql").await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.text.contains("GraphiQL.createFetcher"),
            "{}",
            reply.text
        );
    }
}

#[tokio::test]
async fn health_and_readiness_answer() {
    for app in TestApp::each().await {
        let live = app
            .send(Request::get("/healthz").body(Body::empty()).unwrap())
            .await;
        assert_eq!((live.status, live.text.as_str()), (StatusCode::OK, "ok"));
        let ready = app
            .send(Request::get("/readyz").body(Body::empty()).unwrap())
            .await;
        assert_eq!(ready.status, StatusCode::OK);
        assert_eq!(
            ready.text,
            "ready\nwrites: the primary\nreads: the primary (no standby configured)\n"
        );
        app.db.close_by_ref().await.unwrap();
        let closed = app
            .send(Request::get("/readyz").body(Body::empty()).unwrap())
            .await;
        assert_eq!(closed.status, StatusCode::SERVICE_UNAVAILABLE);
    }
}

#[tokio::test]
async fn unreadable_requests_are_400_or_415_with_a_code() {
    for app in TestApp::each().await {
        let not_json = app.post_raw("application/json", "{nope").await;
        assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            not_json.body["errors"][0]["extensions"]["code"],
            "BAD_REQUEST"
        );
        let text = app.post_raw("text/plain", "{ specialties { slug } }").await;
        assert_eq!(text.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}

#[tokio::test]
async fn parse_and_validation_errors_carry_codes() {
    for app in TestApp::each().await {
        assert_eq!(
            app.error_code("{ specialties { slug ").await,
            "GRAPHQL_PARSE_FAILED"
        );
        assert_eq!(
            app.error_code("{ specialties { nope } }").await,
            "GRAPHQL_VALIDATION_FAILED"
        );
        assert_eq!(
            app.error_code(r#"{ exchanges(first: "ten") { totalCount } }"#)
                .await,
            "GRAPHQL_VALIDATION_FAILED"
        );
    }
}

#[tokio::test]
async fn a_query_validated_before_refuses_bad_variables_as_the_first_time() {
    // A document that passed full validation runs under the fast one
    // afterwards; a variable of the wrong type must still be refused the
    // same way. The response cache is off so that every request runs.
    let options = helpers::uncached();
    for app in TestApp::each_configured(Limits::default(), options).await {
        let query = "query Page($first: Int) { exchanges(first: $first) { nodes { slug } } }";
        let bad = json!({ "first": "two" });
        let refused_unvalidated = app.post(query, bad.clone(), &[]).await;
        assert_eq!(refused_unvalidated.status, StatusCode::OK);
        assert_eq!(
            refused_unvalidated.body["data"],
            json!(null),
            "{}",
            refused_unvalidated.text
        );
        assert!(
            refused_unvalidated
                .text
                .contains("GRAPHQL_VALIDATION_FAILED")
        );
        let first = app.data_with(query, json!({ "first": 2 })).await;
        let refused_validated = app.post(query, bad, &[]).await;
        assert_eq!(refused_validated.status, refused_unvalidated.status);
        assert_eq!(
            refused_validated.body, refused_unvalidated.body,
            "{:?}",
            app.engine
        );
        assert_eq!(app.data_with(query, json!({ "first": 2 })).await, first);
    }
}

#[tokio::test]
async fn the_graphql_response_media_type_is_served_when_asked_for() {
    for app in TestApp::each().await {
        let reply = app
            .post(
                "{ specialties { slug } }",
                json!({}),
                &[(
                    "accept",
                    "application/graphql-response+json, application/json;q=0.9",
                )],
            )
            .await;
        assert_eq!(
            reply.headers[header::CONTENT_TYPE],
            "application/graphql-response+json"
        );
    }
}

#[tokio::test]
async fn database_errors_reach_clients_only_as_internal() {
    for app in TestApp::each().await {
        app.db.close_by_ref().await.unwrap();
        let reply = app
            .post("{ exchanges { totalCount } }", json!({}), &[])
            .await;
        assert_eq!(
            reply.body["errors"][0]["extensions"]["code"], "INTERNAL",
            "{}",
            reply.text
        );
        let message = reply.body["errors"][0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("internal error (request id "),
            "{message}"
        );
    }
}

#[tokio::test]
async fn a_mutation_over_get_is_405_and_a_batch_is_refused() {
    for app in TestApp::each().await {
        // Sent over POST first, the document is parsed and remembered; the
        // same text over GET is still refused.
        let posted = app.post("mutation { __typename }", json!({}), &[]).await;
        assert_eq!(posted.status, StatusCode::OK, "{}", posted.text);
        let uri = "/graphql?query=mutation%20%7B%20__typename%20%7D";
        let reply = app.get(uri, &[]).await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(reply.headers[header::ALLOW], "POST");
        let batch = json!([{"query": "{ __typename }"}, {"query": "{ __typename }"}]).to_string();
        let reply = app.post_raw("application/json", batch).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    }
}

#[tokio::test]
async fn request_errors_are_400_without_data_under_the_graphql_response_media_type() {
    for app in TestApp::each().await {
        let accept = [("accept", "application/graphql-response+json")];
        for query in ["{ specialties { slug ", "{ specialties { nope } }"] {
            let reply = app.post(query, json!({}), &accept).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
            assert!(reply.body.get("data").is_none(), "{query}: {}", reply.text);
            assert!(reply.body["errors"][0]["extensions"]["code"].is_string());
            let legacy = app
                .post(query, json!({}), &[("accept", "application/json")])
                .await;
            assert_eq!(legacy.status, StatusCode::OK, "application/json keeps 200");
        }
        let coercion = app
            .post(
                "query($n: Int) { exchanges(first: $n) { totalCount } }",
                json!({"n": "ten"}),
                &accept,
            )
            .await;
        assert_eq!(coercion.status, StatusCode::BAD_REQUEST);
        for body in [
            json!({"qeury": "{ __typename }"}),
            json!({"query": 1}),
            json!({"query": "{ __typename }", "variables": "x"}),
        ] {
            let reply = app.post_raw("application/json", body.to_string()).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        }
    }
}

#[tokio::test]
async fn every_response_has_a_request_id_and_metrics_count_requests() {
    for app in TestApp::each().await {
        let reply = app
            .post(
                "{ specialties { slug } }",
                json!({}),
                &[("x-request-id", "client-chosen-42")],
            )
            .await;
        assert_eq!(reply.headers["x-request-id"], "client-chosen-42");
        let reply = app
            .post(
                "{ specialties { slug } }",
                json!({}),
                &[("x-request-id", "not ok; has spaces")],
            )
            .await;
        let made = reply.headers["x-request-id"].to_str().unwrap().to_owned();
        assert!(!made.is_empty() && made != "not ok; has spaces");
        app.post("{ exchanges(first: 500) { totalCount } }", json!({}), &[])
            .await;
        let metrics = app
            .send(Request::get("/metrics").body(Body::empty()).unwrap())
            .await;
        assert_eq!(metrics.status, StatusCode::OK);
        assert!(
            metrics
                .text
                .contains("medexchange_http_requests_total{status=\"200\"} 3"),
            "{}",
            metrics.text
        );
        assert!(
            metrics
                .text
                .contains("medexchange_graphql_errors_total{code=\"BAD_USER_INPUT\"} 1"),
            "{}",
            metrics.text
        );
        assert!(
            metrics
                .text
                .contains("medexchange_http_request_duration_seconds_count 3")
        );
        let statements: u64 = metrics
            .text
            .lines()
            .find_map(|l| l.strip_prefix("medexchange_sql_statements_total "))
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(statements > 0);
    }
}

#[tokio::test]
async fn internal_errors_tell_the_client_the_request_id() {
    for app in TestApp::each().await {
        app.db.close_by_ref().await.unwrap();
        let reply = app
            .post(
                "{ exchanges { totalCount } }",
                json!({}),
                &[("x-request-id", "trace-me-7")],
            )
            .await;
        assert_eq!(reply.body["errors"][0]["extensions"]["code"], "INTERNAL");
        assert_eq!(
            reply.body["errors"][0]["extensions"]["requestId"],
            "trace-me-7"
        );
        assert_eq!(
            reply.body["errors"][0]["message"],
            "internal error (request id trace-me-7)"
        );
    }
}

#[tokio::test]
async fn fields_come_back_in_the_order_asked() {
    for app in TestApp::each().await {
        let query = "{ exchanges(first: 2) { nodes { title date ...Places talks { kind } } totalCount } } fragment Places on Exchange { photos { caption } participants { country } }";
        let reply = app.post(query, json!({}), &[]).await;
        let text = &reply.text;
        let at = |key: &str| {
            text.find(&format!("\"{key}\""))
                .unwrap_or_else(|| panic!("{key} missing from {text}"))
        };
        assert!(at("nodes") < at("totalCount"));
        assert!(
            at("title") < at("date")
                && at("date") < at("photos")
                && at("photos") < at("participants")
                && at("participants") < at("talks"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn every_graphiql_example_runs_without_errors() {
    for app in TestApp::each().await {
        for example in medexchange::http::GRAPHIQL_EXAMPLES {
            let reply = app.post(example, serde_json::json!({}), &[]).await;
            assert!(
                reply.body["errors"].is_null() && reply.body["data"].is_object(),
                "{:?}: {}\n{}",
                app.engine,
                example.lines().next().unwrap_or_default(),
                reply.excerpt()
            );
        }
    }
}
