//! `GET` and `POST /graphql` as the GraphQL-over-HTTP spec asks, and
//! GraphiQL for browsers.
//!
//! - POST takes `application/json` (or, for uploads, `multipart/form-data`
//!   as the GraphQL multipart request spec says); else 415. A body that is not a
//!   JSON object with a string `query` (or a persisted query's hash) is a
//!   400. Batches (JSON arrays) are refused with a 400 unless
//!   `--max-batch-size` allows them.
//! - GET takes `query`, `variables` (JSON), `operationName` and
//!   `extensions` (JSON) in the query string, and runs queries only: a
//!   mutation over GET is a 405 with `Allow: POST`. A browser asking for
//!   HTML with no `query` gets GraphiQL.
//! - The answer is `application/graphql-response+json` when the client
//!   accepts it, else `application/json`. Under the new media type, a
//!   request that fails before execution (parse, validation, variables) is
//!   a 400 with no `data`; under `application/json` it is a 200, as the
//!   spec asks for legacy clients.
//! - `Accept: text/csv` (or `format=csv` in a GET link, for browsers)
//!   gives an answer holding one list as CSV, else 406 (see
//!   [`crate::http::csv`]). Batches and errors stay JSON.
//! - Every response says which languages its texts were served in:
//!   `extensions.servedLanguages` and the `Content-Language` header.
//!
//! The work is in parts, each read on its own: [`request`] reads and checks
//! the parameters, [`execute`] runs the operation through the pipeline with
//! what is HTTP's own (response cache, persisted queries, status codes),
//! [`reply`] writes the answer (media type, codes, caching).
//! [`websocket`] serves the same operations over `graphql-transport-ws`.
//! Both run GraphQL only through [`crate::pipeline`].

mod execute;
mod reply;
mod request;
mod uploads;
mod websocket;

use super::request_id::RequestId;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Extension, FromRequest, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reply::{
    GRAPHQL_RESPONSE_JSON, Reply, accepts, cache_policy, prefers_csv, prefers_graphql_response,
};
use request::RawRequest;

/// `GET /graphql`: a WebSocket (`graphql-transport-ws`, see [`websocket`])
/// when the request asks to upgrade, else a query in the query string.
pub async fn get(
    State(state): State<AppState>,
    Extension(id): Extension<RequestId>,
    request: axum::extract::Request,
) -> Response {
    let (mut parts, _) = request.into_parts();
    let upgrade = parts.headers.get(header::UPGRADE);
    if upgrade.is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket")) {
        return websocket::upgrade(state, &mut parts, id.0).await;
    }
    let query = parts.uri.query().map(str::to_owned);
    let headers = parts.headers;
    let answer = get_query(state, id, &headers, query).await;
    cache_policy(&headers, answer)
}

/// A query in the query string.
async fn get_query(
    state: AppState,
    id: RequestId,
    headers: &HeaderMap,
    query: Option<String>,
) -> Response {
    let params: Vec<(String, String)> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let reply = Reply {
        state: &state,
        headers,
        request_id: &id.0,
        csv: prefers_csv(headers) || param("format").as_deref() == Some("csv"),
    };
    let asks_nothing = param("query").is_none() && param("documentId").is_none();
    if asks_nothing && state.options.graphiql && accepts(headers, "text/html") {
        return super::graphiql::page();
    }
    let json_param = |name: &str| match param(name) {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => serde_json::from_str::<serde_json::Value>(&text)
            .map(Some)
            .map_err(|_| format!("`{name}` is not JSON")),
    };
    let raw = match (json_param("variables"), json_param("extensions")) {
        (Ok(variables), Ok(extensions)) => RawRequest {
            query: param("query").map(serde_json::Value::String),
            document_id: param("documentId").map(serde_json::Value::String),
            operation_name: param("operationName").map(serde_json::Value::String),
            variables,
            extensions,
        },
        (Err(message), _) | (_, Err(message)) => {
            return reply.request_error(StatusCode::BAD_REQUEST, &message);
        }
    };
    execute::run(&reply, Method::GET, raw).await
}

/// `POST /graphql`: JSON, or a multipart upload (see [`uploads`]).
pub async fn post(
    State(state): State<AppState>,
    Extension(id): Extension<RequestId>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let headers = parts.headers.clone();
    if uploads::is_multipart(&headers) {
        let reply = Reply {
            state: &state,
            headers: &headers,
            request_id: &id.0,
            csv: false,
        };
        let answer = uploads::post(&reply, &headers, body).await;
        return cache_policy(&headers, answer);
    }
    // The body limit (`--max-body-bytes`) applies as to any extractor.
    let request = axum::extract::Request::from_parts(parts, body);
    let body = match Bytes::from_request(request, &state).await {
        Ok(body) => body,
        Err(rejection) => return rejection.into_response(),
    };
    let answer = post_body(&state, id, &headers, body).await;
    cache_policy(&headers, answer)
}

/// A request in a POST body.
async fn post_body(state: &AppState, id: RequestId, headers: &HeaderMap, body: Bytes) -> Response {
    let reply = Reply {
        state,
        headers,
        request_id: &id.0,
        csv: prefers_csv(headers),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if media_type != "application/json" {
        return reply.request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "POST bodies must be application/json",
        );
    }
    let raw = match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(serde_json::Value::Object(map)) => RawRequest::from_map(map),
        Ok(serde_json::Value::Array(items)) => return batch(&reply, items).await,
        Ok(_) => {
            return reply.request_error(StatusCode::BAD_REQUEST, "the body must be a JSON object");
        }
        Err(_) => return reply.request_error(StatusCode::BAD_REQUEST, "the body is not JSON"),
    };
    execute::run(&reply, Method::POST, raw).await
}

/// A batch (a JSON array of requests): refused unless `--max-batch-size`
/// allows it; then each request runs as if sent alone, and the answer is
/// the array of their answers.
async fn batch(reply: &Reply<'_>, items: Vec<serde_json::Value>) -> Response {
    // A batch is a JSON array of answers, whatever was asked.
    let reply = &Reply {
        csv: false,
        ..*reply
    };
    let max = reply.state.pipeline.limits().max_batch_size;
    if max == 0 {
        return reply.request_error(
            StatusCode::BAD_REQUEST,
            "batched requests are not accepted (batching is off)",
        );
    }
    if items.is_empty() || items.len() > max {
        let message = format!("a batch must hold 1 to {max} requests, not {}", items.len());
        return reply.request_error(StatusCode::BAD_REQUEST, &message);
    }
    let mut bodies: Vec<Vec<u8>> = Vec::with_capacity(items.len());
    for item in items {
        let answer = match item {
            serde_json::Value::Object(map) => {
                execute::run(reply, Method::POST, RawRequest::from_map(map)).await
            }
            _ => reply.request_error(
                StatusCode::BAD_REQUEST,
                "each request of a batch must be a JSON object",
            ),
        };
        match axum::body::to_bytes(answer.into_body(), usize::MAX).await {
            Ok(bytes) => bodies.push(bytes.to_vec()),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
    let mut body = b"[".to_vec();
    body.extend(bodies.join(&b","[..]));
    body.push(b']');
    let content_type = if prefers_graphql_response(reply.headers) {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response()
}
