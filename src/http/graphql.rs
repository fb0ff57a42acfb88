//! `GET` and `POST /graphql` as the GraphQL-over-HTTP spec asks, and
//! GraphiQL for browsers.
//!
//! - POST takes `application/json` only (else 415); a body that is not a
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
//! - Every response says which languages its texts were served in:
//!   `extensions.servedLanguages` and the `Content-Language` header.

use super::field_order;
use super::persisted::{PersistedQueries, sha256_hex};
use super::request_id::RequestId;
use crate::AppState;
use crate::graphql::lang::{RequestLanguage, ServedLanguages};
use crate::graphql::limits;
use crate::i18n;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Response as GraphQLResponse, ServerError, Value, Variables};
use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Map;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// `GET /graphql`.
pub async fn get(
    State(state): State<AppState>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let reply = Reply {
        state: &state,
        headers: &headers,
        request_id: &id.0,
    };
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
    if param("query").is_none() && state.options.graphiql && accepts(&headers, "text/html") {
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
            operation_name: param("operationName").map(serde_json::Value::String),
            variables,
            extensions,
        },
        (Err(message), _) | (_, Err(message)) => {
            return reply.request_error(StatusCode::BAD_REQUEST, &message);
        }
    };
    handle(&reply, Method::GET, raw).await
}

/// `POST /graphql`.
pub async fn post(
    State(state): State<AppState>,
    Extension(id): Extension<RequestId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = Reply {
        state: &state,
        headers: &headers,
        request_id: &id.0,
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
    handle(&reply, Method::POST, raw).await
}

/// A batch (a JSON array of requests): refused unless `--max-batch-size`
/// allows it; then each request runs as if sent alone, and the answer is
/// the array of their answers.
async fn batch(reply: &Reply<'_>, items: Vec<serde_json::Value>) -> Response {
    let max = reply.state.limits.max_batch_size;
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
                handle(reply, Method::POST, RawRequest::from_map(map)).await
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

/// Why a request was not run.
enum Refusal {
    /// Its parameters are malformed (400).
    BadRequest(String),
    /// It names a persisted query by a hash this process does not know.
    PersistedQueryNotFound,
}

/// The request parameters as sent, before checking.
struct RawRequest {
    query: Option<serde_json::Value>,
    operation_name: Option<serde_json::Value>,
    variables: Option<serde_json::Value>,
    extensions: Option<serde_json::Value>,
}

impl RawRequest {
    fn from_map(mut map: Map<String, serde_json::Value>) -> Self {
        RawRequest {
            query: map.remove("query"),
            operation_name: map.remove("operationName"),
            variables: map.remove("variables"),
            extensions: map.remove("extensions"),
        }
    }

    /// Checks the parameters' types (a 400 when wrong) and resolves a
    /// persisted query's hash. Returns the request, and the hash to remember
    /// its query under once it has passed the limits.
    fn into_request(
        self,
        persisted: &PersistedQueries,
    ) -> Result<(async_graphql::Request, Option<String>), Refusal> {
        let bad = |message: &str| Refusal::BadRequest(message.to_owned());
        let hash = match &self.extensions {
            Some(serde_json::Value::Object(extensions)) => match extensions.get("persistedQuery") {
                None | Some(serde_json::Value::Null) => None,
                Some(serde_json::Value::Object(pq)) => {
                    if pq.get("version") != Some(&serde_json::Value::from(1)) {
                        return Err(bad("`persistedQuery.version` must be 1"));
                    }
                    match pq.get("sha256Hash") {
                        Some(serde_json::Value::String(hash)) => Some(hash.to_ascii_lowercase()),
                        _ => return Err(bad("`persistedQuery.sha256Hash` must be a string")),
                    }
                }
                Some(_) => return Err(bad("`persistedQuery` must be a map")),
            },
            None | Some(serde_json::Value::Null) => None,
            Some(_) => return Err(bad("`extensions` must be a map")),
        };
        let (query, learn) = match (self.query, hash) {
            (Some(serde_json::Value::String(query)), hash) if !query.trim().is_empty() => {
                if let Some(hash) = &hash
                    && sha256_hex(query.as_bytes()) != *hash
                {
                    return Err(bad(
                        "`persistedQuery.sha256Hash` is not the SHA-256 of `query`",
                    ));
                }
                (query, hash)
            }
            (None | Some(serde_json::Value::Null), Some(hash)) => match persisted.get(&hash) {
                Some(query) => (query.to_string(), None),
                None => return Err(Refusal::PersistedQueryNotFound),
            },
            (Some(serde_json::Value::String(_)) | None | Some(serde_json::Value::Null), _) => {
                return Err(bad("`query` is missing"));
            }
            (Some(_), _) => return Err(bad("`query` must be a string")),
        };
        let mut request = async_graphql::Request::new(query);
        match self.operation_name {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::String(name)) => request = request.operation_name(name),
            Some(_) => return Err(bad("`operationName` must be a string")),
        }
        match self.variables {
            None | Some(serde_json::Value::Null) => {}
            Some(variables @ serde_json::Value::Object(_)) => {
                request = request.variables(Variables::from_json(variables))
            }
            Some(_) => return Err(bad("`variables` must be a map")),
        }
        Ok((request, learn))
    }
}

async fn handle(reply: &Reply<'_>, method: Method, raw: RawRequest) -> Response {
    let (mut request, learn) = match raw.into_request(&reply.state.persisted) {
        Ok(answer) => answer,
        Err(Refusal::BadRequest(message)) => {
            return reply.request_error(StatusCode::BAD_REQUEST, &message);
        }
        Err(Refusal::PersistedQueryNotFound) => {
            // Apollo's protocol: 200 with this message, so the client sends
            // the query with its hash.
            let error = with_code(
                ServerError::new("PersistedQueryNotFound", None),
                "PERSISTED_QUERY_NOT_FOUND",
            );
            return reply.json(
                StatusCode::OK,
                GraphQLResponse::from_errors(vec![error]),
                false,
            );
        }
    };
    let limits = &reply.state.limits;
    if request.query.len() > limits.max_query_bytes {
        let message = format!("the query is longer than {} bytes", limits.max_query_bytes);
        return reply.graphql_failure(vec![with_code(
            ServerError::new(message, None),
            "QUERY_TOO_COMPLEX",
        )]);
    }
    let document = match async_graphql::parser::parse_query(&request.query) {
        Ok(document) => document,
        Err(error) => {
            let error = ServerError::new(error.to_string(), error.positions().next());
            return reply.graphql_failure(vec![with_code(error, "GRAPHQL_PARSE_FAILED")]);
        }
    };
    if method == Method::GET
        && operation_type(&document, request.operation_name.as_deref())
            == Some(OperationType::Mutation)
    {
        let mut response = reply.request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations are only accepted over POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    if let Err(message) = limits::check(&document, limits) {
        return reply.graphql_failure(vec![with_code(
            ServerError::new(message, None),
            "QUERY_TOO_COMPLEX",
        )]);
    }
    // Only a query that parsed and passed the limits is remembered, so the
    // store holds at most `persisted_queries` queries of bounded length.
    if let Some(hash) = learn {
        reply.state.persisted.insert(&hash, &request.query);
    }
    let selections = document.clone();
    request.set_parsed_query(document);
    execute(reply, method, request, &selections).await
}

/// The type of the operation a request runs, when it can be told.
fn operation_type(document: &ExecutableDocument, name: Option<&str>) -> Option<OperationType> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => Some(operation.node.ty),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}

async fn execute(
    reply: &Reply<'_>,
    method: Method,
    request: async_graphql::Request,
    selections: &ExecutableDocument,
) -> Response {
    let operation_name = request.operation_name.clone();
    let (state, headers) = (reply.state, reply.headers);
    let requested = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(i18n::negotiate)
        .unwrap_or(state.default_lang);
    let served = ServedLanguages::default();
    let request = request
        .data(RequestLanguage(requested))
        .data(served.clone());
    let execution = crate::graphql::execute(&state.schema, &state.db, request);
    // Past the deadline the execution future is dropped: its pending
    // statements are cancelled and no more work is done for it.
    let Ok(mut response) = tokio::time::timeout(state.limits.request_timeout, execution).await
    else {
        tracing::warn!(timeout = ?state.limits.request_timeout, "request stopped at its deadline");
        let message = format!(
            "the request took longer than {:?} and was stopped",
            state.limits.request_timeout
        );
        let error = with_code(ServerError::new(message, None), "TIMEOUT");
        return reply.json(
            StatusCode::GATEWAY_TIMEOUT,
            GraphQLResponse::from_errors(vec![error]),
            false,
        );
    };
    // Errors raised before execution (validation, variables) carry no path
    // and leave no data: the request as a whole failed.
    let failed_before_execution = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            let code = if limits::is_limit_message(&error.message) {
                "QUERY_TOO_COMPLEX"
            } else {
                "GRAPHQL_VALIDATION_FAILED"
            };
            *error = with_code(error.clone(), code);
        }
    }
    if failed_before_execution {
        return reply.graphql_failure(response.errors);
    }
    let served = served.languages();
    response.extensions.insert(
        "servedLanguages".to_owned(),
        Value::List(
            served
                .iter()
                .map(|l| Value::String(l.code().to_owned()))
                .collect(),
        ),
    );
    field_order::reorder(&mut response.data, selections, operation_name.as_deref());
    let cacheable = method == Method::GET && response.errors.is_empty();
    let mut http = reply.json(StatusCode::OK, response, true);
    if cacheable {
        http = reply.cached(http).await;
    }
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

/// The error with `extensions.code` set.
fn with_code(mut error: ServerError, code: &'static str) -> ServerError {
    let mut extensions = error.extensions.take().unwrap_or_default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// How to answer one request: its state, headers and id.
struct Reply<'a> {
    state: &'a AppState,
    headers: &'a HeaderMap,
    request_id: &'a str,
}

impl Reply<'_> {
    /// A successful GET answer made cacheable: `Cache-Control` and a weak
    /// `ETag` (hash of the body); `If-None-Match` with that tag gets 304.
    async fn cached(&self, response: Response) -> Response {
        let (mut parts, body) = response.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        // Weak: the same tag names the gzip, br and identity encodings of
        // the answer, which are equivalent but not byte-identical.
        let opaque = format!("\"{}\"", &sha256_hex(&bytes)[..32]);
        let etag = format!("W/{opaque}");
        let max_age = self.state.options.cache_max_age.as_secs();
        if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
            parts.headers.insert(header::CACHE_CONTROL, value);
        }
        if let Ok(value) = HeaderValue::from_str(&etag) {
            parts.headers.insert(header::ETAG, value);
        }
        let matches = self
            .headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| tag.trim().trim_start_matches("W/") == opaque || tag.trim() == "*");
        if matches {
            parts.status = StatusCode::NOT_MODIFIED;
            parts.headers.remove(header::CONTENT_TYPE);
            return Response::from_parts(parts, axum::body::Body::empty());
        }
        Response::from_parts(parts, axum::body::Body::from(bytes))
    }

    /// A request that failed before execution: 400 without `data` under
    /// `application/graphql-response+json`, 200 under `application/json`.
    fn graphql_failure(&self, errors: Vec<ServerError>) -> Response {
        let response = GraphQLResponse::from_errors(errors);
        if prefers_graphql_response(self.headers) {
            self.json(StatusCode::BAD_REQUEST, response, false)
        } else {
            self.json(StatusCode::OK, response, true)
        }
    }

    /// An HTTP-level refusal (unreadable request, wrong method or media type).
    fn request_error(&self, status: StatusCode, message: &str) -> Response {
        let error = with_code(ServerError::new(message, None), "BAD_REQUEST");
        self.json(status, GraphQLResponse::from_errors(vec![error]), false)
    }

    /// The JSON answer. Errors are counted by code; an INTERNAL error tells
    /// the client the request id, so the logged cause can be found.
    fn json(&self, status: StatusCode, mut response: GraphQLResponse, with_data: bool) -> Response {
        for error in &mut response.errors {
            let code = error
                .extensions
                .as_ref()
                .and_then(|e| e.get("code"))
                .and_then(|code| match code {
                    Value::String(code) => Some(code.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            if code == "INTERNAL" {
                error.message = format!("internal error (request id {})", self.request_id);
                if let Some(extensions) = error.extensions.as_mut() {
                    extensions.set("requestId", self.request_id);
                }
            }
            self.state.metrics.observe_error(&code);
        }
        let content_type = if prefers_graphql_response(self.headers) {
            GRAPHQL_RESPONSE_JSON
        } else {
            "application/json"
        };
        // Serialized straight from the ordered maps (a serde_json::Value
        // would sort the keys).
        let body = Body {
            data: with_data.then_some(&response.data),
            errors: &response.errors,
            extensions: &response.extensions,
        };
        match serde_json::to_vec(&body) {
            Ok(body) => (status, [(header::CONTENT_TYPE, content_type)], body).into_response(),
            Err(error) => {
                tracing::error!(%error, "could not serialize a GraphQL response");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// A response body: `data` left out when the request failed before
/// execution, `errors` and `extensions` when empty.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    errors: &'a [ServerError],
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    extensions: &'a std::collections::BTreeMap<String, Value>,
}

/// Whether to answer `application/graphql-response+json`: the client
/// accepts it at least as much as `application/json`.
fn prefers_graphql_response(headers: &HeaderMap) -> bool {
    let new = quality(headers, GRAPHQL_RESPONSE_JSON);
    new > 0.0 && new >= quality(headers, "application/json")
}

fn accepts(headers: &HeaderMap, media_type: &str) -> bool {
    quality(headers, media_type) > 0.0
}

/// The q-value the `Accept` header gives `media_type` (exact match only;
/// 0 when absent).
fn quality(headers: &HeaderMap, media_type: &str) -> f32 {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim();
            if !range.eq_ignore_ascii_case(media_type) {
                return None;
            }
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some(q)
        })
        .fold(0.0, f32::max)
}
