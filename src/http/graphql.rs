//! `GET` and `POST /graphql`, and GraphiQL for browsers.
//!
//! POST takes a JSON body (`application/json`); GET takes `query`,
//! `variables` and `operationName` in the query string. A browser asking
//! for HTML with no `query` parameter gets GraphiQL. The answer is JSON,
//! as `application/graphql-response+json` when the client accepts it and
//! `application/json` otherwise; a request that cannot be read is a 400.
//!
//! Every response says which languages its texts were served in:
//! `extensions.servedLanguages` and the `Content-Language` header.

use crate::AppState;
use crate::graphql::lang::{RequestLanguage, ServedLanguages};
use crate::i18n;
use async_graphql::http::GraphiQLSource;
use async_graphql::{ErrorExtensions, Response as GraphQLResponse, ServerError, Value};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// `GET /graphql`.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = query.unwrap_or_default();
    let has_query = query.split('&').any(|pair| pair.starts_with("query="));
    if !has_query && accepts(&headers, "text/html") {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("medexchange")
                .finish(),
        )
        .into_response();
    }
    match async_graphql::http::parse_query_string(&query) {
        Ok(request) => execute(&state, &headers, request).await,
        Err(error) => request_error(&headers, StatusCode::BAD_REQUEST, &error.to_string()),
    }
}

/// `POST /graphql`.
pub async fn post(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.starts_with("application/json") {
        return request_error(
            &headers,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST bodies must be application/json",
        );
    }
    match serde_json::from_slice::<async_graphql::Request>(&body) {
        Ok(request) => execute(&state, &headers, request).await,
        Err(error) => request_error(
            &headers,
            StatusCode::BAD_REQUEST,
            &format!("body is not a GraphQL request: {error}"),
        ),
    }
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    request: async_graphql::Request,
) -> Response {
    let requested = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(i18n::negotiate)
        .unwrap_or(state.default_lang);
    let served = ServedLanguages::default();
    let query_text = request.query.clone();
    let request = request
        .data(RequestLanguage(requested))
        .data(served.clone());
    let mut response = crate::graphql::execute(&state.schema, &state.db, request).await;
    let served = served.languages();
    label_errors(&mut response, &query_text);
    response.extensions.insert(
        "servedLanguages".to_owned(),
        Value::List(
            served
                .iter()
                .map(|l| Value::String(l.code().to_owned()))
                .collect(),
        ),
    );
    let mut http = json_response(headers, StatusCode::OK, &response);
    let content_language = if served.is_empty() {
        vec![requested]
    } else {
        served
    };
    let content_language: Vec<&str> = content_language.iter().map(|l| l.code()).collect();
    if let Ok(value) = HeaderValue::from_str(&content_language.join(", ")) {
        http.headers_mut().insert(header::CONTENT_LANGUAGE, value);
    }
    http.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    http
}

/// Gives every error an `extensions.code`: resolver errors carry theirs;
/// the rest come from async-graphql before execution (parse or validation).
fn label_errors(response: &mut GraphQLResponse, query: &str) {
    let parses = async_graphql::parser::parse_query(query).is_ok();
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            let code = if parses {
                "GRAPHQL_VALIDATION_FAILED"
            } else {
                "GRAPHQL_PARSE_FAILED"
            };
            let labelled = error
                .message
                .clone()
                .extend_with(|_, e| e.set("code", code));
            error.extensions = labelled.extensions;
        }
    }
}

fn request_error(headers: &HeaderMap, status: StatusCode, message: &str) -> Response {
    let mut error = ServerError::new(message, None);
    error.extensions = async_graphql::Error::new(message)
        .extend_with(|_, e| e.set("code", "BAD_REQUEST"))
        .extensions;
    json_response(headers, status, &GraphQLResponse::from_errors(vec![error]))
}

fn json_response(headers: &HeaderMap, status: StatusCode, response: &GraphQLResponse) -> Response {
    let content_type = if accepts(headers, GRAPHQL_RESPONSE_JSON) {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    match serde_json::to_vec(response) {
        Ok(body) => (status, [(header::CONTENT_TYPE, content_type)], body).into_response(),
        Err(error) => {
            tracing::error!(%error, "could not serialize a GraphQL response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn accepts(headers: &HeaderMap, media_type: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            item.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(media_type)
        })
}
