//! One request run: parsed, held to the limits, executed under the
//! deadline, and its errors given codes.

use super::reply::Reply;
use super::request::{RawRequest, Refusal};
use crate::graphql::lang::{RequestLanguage, ServedLanguages};
use crate::graphql::limits;
use crate::http::field_order;
use crate::i18n::{self, Lang};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Response as GraphQLResponse, ServerError, Value};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;

/// Runs one request and writes its answer.
pub(super) async fn run(reply: &Reply<'_>, method: Method, raw: RawRequest) -> Response {
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

/// Executes a request that passed the limits, in the language the request
/// asks for, and answers with the languages served.
async fn execute(
    reply: &Reply<'_>,
    method: Method,
    request: async_graphql::Request,
    selections: &ExecutableDocument,
) -> Response {
    let operation_name = request.operation_name.clone();
    let requested = requested_language(reply);
    let served = ServedLanguages::default();
    let request = request
        .data(RequestLanguage(requested))
        .data(served.clone());
    let Some(mut response) = run_until_deadline(reply, request).await else {
        return timed_out(reply);
    };
    // Errors raised before execution (validation, variables) carry no path
    // and leave no data: the request as a whole failed.
    let failed_before_execution = response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    give_codes(&mut response.errors);
    if failed_before_execution {
        return reply.graphql_failure(response.errors);
    }
    let served = served.languages();
    let codes = served.iter().map(|l| Value::String(l.code().to_owned()));
    response
        .extensions
        .insert("servedLanguages".to_owned(), Value::List(codes.collect()));
    field_order::reorder(&mut response.data, selections, operation_name.as_deref());
    let cacheable = method == Method::GET && response.errors.is_empty();
    let mut http = reply.json(StatusCode::OK, response, true);
    if cacheable {
        http = reply.cached(http).await;
    }
    let languages = if served.is_empty() {
        vec![requested]
    } else {
        served
    };
    reply.language_headers(&mut http, &languages);
    http
}

/// The request's `Accept-Language`, or the default language.
fn requested_language(reply: &Reply<'_>) -> Lang {
    reply
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(i18n::negotiate)
        .unwrap_or(reply.state.default_lang)
}

/// Runs the request, or gives up at the deadline: the execution future is
/// then dropped, its pending statements cancelled, no more work done.
async fn run_until_deadline(
    reply: &Reply<'_>,
    request: async_graphql::Request,
) -> Option<GraphQLResponse> {
    let state = reply.state;
    let execution = crate::graphql::execute(&state.schema, &state.db, request);
    tokio::time::timeout(state.limits.request_timeout, execution)
        .await
        .ok()
}

/// The answer of a request stopped at its deadline (504, `TIMEOUT`).
fn timed_out(reply: &Reply<'_>) -> Response {
    let timeout = reply.state.limits.request_timeout;
    tracing::warn!(?timeout, "request stopped at its deadline");
    let message = format!("the request took longer than {timeout:?} and was stopped");
    let error = with_code(ServerError::new(message, None), "TIMEOUT");
    reply.json(
        StatusCode::GATEWAY_TIMEOUT,
        GraphQLResponse::from_errors(vec![error]),
        false,
    )
}

/// Gives every error without a code one: `QUERY_TOO_COMPLEX` for the
/// limits async-graphql enforces, else `GRAPHQL_VALIDATION_FAILED`.
fn give_codes(errors: &mut [ServerError]) {
    for error in errors {
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
}

/// The error with `extensions.code` set.
pub(super) fn with_code(mut error: ServerError, code: &'static str) -> ServerError {
    let mut extensions = error.extensions.take().unwrap_or_default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}
