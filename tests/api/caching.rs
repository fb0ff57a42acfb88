//! Caches and browsers: persisted queries, Cache-Control and ETag on GET,
//! compression, CORS, and the switches for introspection and GraphiQL.

use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use medexchange::graphql::limits::Limits;
use medexchange::http::options::HttpOptions;
use medexchange::http::persisted::sha256_hex;
use serde_json::json;

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn persisted_queries_are_learned_then_served_by_hash_over_get() {
    for app in TestApp::each().await {
        let query = "{ specialties(lang: JA) { slug name } }";
        let hash = sha256_hex(query.as_bytes());
        let extensions =
            encode(&json!({"persistedQuery": {"version": 1, "sha256Hash": hash}}).to_string());
        let by_hash = format!("/graphql?extensions={extensions}");
        let unknown = app.get(&by_hash, &[]).await;
        assert_eq!(unknown.status, StatusCode::OK);
        assert_eq!(
            unknown.body["errors"][0]["extensions"]["code"],
            "PERSISTED_QUERY_NOT_FOUND"
        );
        assert_eq!(
            unknown.body["errors"][0]["message"],
            "PersistedQueryNotFound"
        );
        let learn = format!("/graphql?query={}&extensions={extensions}", encode(query));
        let learned = app.get(&learn, &[]).await;
        assert_eq!(learned.body["data"]["specialties"][7]["name"], "循環器内科");
        let served = app.get(&by_hash, &[]).await;
        assert_eq!(served.body["data"], learned.body["data"]);
        let wrong = json!({"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}});
        let reply = app.post_raw("application/json", wrong.to_string()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "a hash that is not the query's is refused"
        );
    }
}

#[tokio::test]
async fn get_answers_are_cacheable_with_etags() {
    for app in TestApp::each().await {
        let uri = format!("/graphql?query={}", encode("{ specialties { slug } }"));
        let first = app.get(&uri, &[]).await;
        assert_eq!(first.headers[header::CACHE_CONTROL], "public, max-age=60");
        let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
        let again = app.get(&uri, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED);
        assert!(again.text.is_empty());
        let other_language = app.get(&uri, &[("accept-language", "ja")]).await;
        assert_eq!(
            other_language.headers[header::VARY],
            "Accept, Accept-Language, Authorization, Medexchange-Read-After"
        );
        let errors = app
            .get(
                &format!(
                    "/graphql?query={}",
                    encode("{ exchanges(first: 101) { totalCount } }")
                ),
                &[],
            )
            .await;
        assert!(
            errors.headers.get(header::ETAG).is_none(),
            "answers with errors are not cached"
        );
        let post = app.post("{ specialties { slug } }", json!({}), &[]).await;
        assert!(post.headers.get(header::ETAG).is_none());
    }
}

#[tokio::test]
async fn answers_are_compressed_when_the_client_accepts_it() {
    for app in TestApp::each().await {
        for encoding in ["gzip", "br"] {
            let query = "{ exchanges(first: 9) { nodes { title summary } } }";
            let reply = app
                .post(query, json!({}), &[("accept-encoding", encoding)])
                .await;
            assert_eq!(reply.headers[header::CONTENT_ENCODING], encoding);
        }
    }
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let options = HttpOptions {
        cors_allowed_origins: vec!["https://centre.example".into()],
        ..HttpOptions::default()
    };
    for app in TestApp::each_configured(Limits::default(), options.clone()).await {
        let preflight = |origin: &str| {
            Request::builder()
                .method("OPTIONS")
                .uri("/graphql")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(
                    header::ACCESS_CONTROL_REQUEST_HEADERS,
                    "content-type, authorization",
                )
                .body(Body::empty())
                .unwrap()
        };
        let allowed = app.send(preflight("https://centre.example")).await;
        assert_eq!(
            allowed.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://centre.example"
        );
        let headers = allowed.headers[header::ACCESS_CONTROL_ALLOW_HEADERS]
            .to_str()
            .unwrap()
            .to_ascii_lowercase();
        assert!(
            headers.contains("authorization"),
            "an editing page on another origin sends its token: {headers}"
        );
        let refused = app.send(preflight("https://elsewhere.example")).await;
        assert!(
            refused
                .headers
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
    }
}

#[tokio::test]
async fn introspection_and_graphiql_can_be_turned_off() {
    let options = HttpOptions {
        introspection: false,
        graphiql: false,
        ..HttpOptions::default()
    };
    for app in TestApp::each_configured(Limits::default(), options.clone()).await {
        let query = r#"{ __schema { queryType { name } } __type(name: "Exchange") { name } }"#;
        let reply = app.post(query, json!({}), &[]).await;
        assert_eq!(
            reply.body["data"],
            json!({"__schema": null, "__type": null}),
            "{}",
            reply.text
        );
        app.data("{ specialties { slug } }").await;
        let page = app.browse("/graphql").await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn graphiql_is_embedded_in_the_binary_with_its_licences() {
    for app in TestApp::each().await {
        let page = app.browse("/graphql").await;
        assert!(
            page.text
                .contains(r#"<script src="/graphiql/graphiql.min.js">"#),
            "this build has no GraphiQL: {}",
            page.text
        );
        assert!(!page.text.contains("unpkg") && !page.text.contains("jsdelivr"));
        assert!(
            page.text.contains("exchanges(lang: ZH") && page.text.contains("広西チワン族自治区"),
            "example queries in both languages"
        );
        let get = |path: &'static str| Request::get(path).body(Body::empty()).unwrap();
        let script = app.send(get("/graphiql/graphiql.min.js")).await;
        assert_eq!(script.status, StatusCode::OK);
        assert!(script.text.len() > 1_000_000 && script.text.contains("GraphiQL"));
        let react = app.send(get("/graphiql/react.production.min.js")).await;
        assert!(react.text.contains("React"), "{}", react.status);
        let licences = app.send(get("/graphiql/licenses.txt")).await;
        assert!(licences.text.contains("== graphiql (npm) ==") && licences.text.contains("MIT"));
        let escape = app.send(get("/graphiql/..%2F..%2Fetc%2Fpasswd")).await;
        assert_eq!(escape.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_persisted_query_over_the_limits_is_not_remembered() {
    for app in TestApp::each().await {
        let aliases: Vec<String> = (0..16)
            .map(|i| format!("a{i}: specialties {{ slug }}"))
            .collect();
        let query = format!("{{ {} }}", aliases.join(" "));
        let hash = sha256_hex(query.as_bytes());
        let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
        let refused = app
            .post_raw(
                "application/json",
                json!({"query": query, "extensions": extensions}).to_string(),
            )
            .await;
        assert_eq!(
            refused.body["errors"][0]["extensions"]["code"],
            "QUERY_TOO_COMPLEX"
        );
        let by_hash = app
            .post_raw(
                "application/json",
                json!({"extensions": extensions}).to_string(),
            )
            .await;
        assert_eq!(
            by_hash.body["errors"][0]["extensions"]["code"],
            "PERSISTED_QUERY_NOT_FOUND"
        );
    }
}
