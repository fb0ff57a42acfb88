//! One request run: parsed, held to the limits, executed under the
//! deadline, and its errors given codes.

use super::reply::{Reply, answer_of};
use super::request::{RawRequest, Refusal};
use crate::graphql::lang::{RequestLanguage, ServedLanguages};
use crate::graphql::limits;
use crate::http::field_order;
use crate::i18n::{self, Lang};
use crate::store::tokens::{self, Caller};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Response as GraphQLResponse, ServerError, Value};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Runs one request and writes its answer: from the response cache when an
/// identical request was answered at the current data version.
pub(super) async fn run(reply: &Reply<'_>, method: Method, raw: RawRequest) -> Response {
    let caller = match authenticated(reply).await {
        Ok(caller) => caller,
        Err(refusal) => return *refusal,
    };
    let (request, learn) = match raw.into_request(&reply.state.persisted) {
        Ok(answer) => answer,
        Err(refusal) => return refused(reply, refusal),
    };
    let lang = requested_language(reply);
    let responses = &reply.state.responses;
    // A text over the length limit is refused even when its normal form
    // (comments and spacing dropped) was answered before. Answers to a
    // writer (a token) are neither remembered nor served from memory:
    // they may depend on who asks.
    let within_length = request.query.len() <= reply.state.limits.max_query_bytes;
    let writer = caller.as_ref().map(|caller| caller.name.clone());
    let key = (within_length && caller.is_none())
        .then(|| responses.key(&request, lang))
        .flatten();
    let request = match caller {
        Some(caller) => request.data(caller),
        None => request,
    };
    if let Some(answer) = key.as_deref().and_then(|key| responses.get(key)) {
        // Remembered answers passed every limit: so did this query.
        if let Some(hash) = learn {
            reply.state.persisted.insert(&hash, &request.query);
        }
        return reply.answer(&method, &answer);
    }
    let (request, document) = match checked(reply, &method, request) {
        Ok(checked) => checked,
        Err(refusal) => return *refusal,
    };
    // Only a query that parsed and passed the limits is remembered, so the
    // store holds at most `persisted_queries` queries of bounded length.
    if let Some(hash) = learn {
        reply.state.persisted.insert(&hash, &request.query);
    }
    let operation = operation_type(&document, request.operation_name.as_deref());
    let writes = match (writer, operation) {
        (Some(writer), Some(OperationType::Mutation)) => {
            let writes = (writer, limits::count_mutations(&document));
            if let Err(wait) = reply.state.write_rate.take(&writes.0, writes.1) {
                return rate_limited(reply, wait);
            }
            Some(writes)
        }
        _ => None,
    };
    let is_query = operation == Some(OperationType::Query);
    let key = key.filter(|_| is_query);
    execute(reply, method, request, &document, lang, key, writes).await
}

/// The caller the request's `Authorization: Bearer` token names; `None`
/// without the header. A header that is not a bearer token, or a token
/// unknown or revoked, is refused with 401 (`UNAUTHENTICATED`), whatever
/// the operation: a client learns at once that its token is bad.
async fn authenticated(reply: &Reply<'_>) -> Result<Option<Caller>, Box<Response>> {
    let Some(header) = reply.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let token = header.to_str().ok().and_then(|value| {
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    });
    let refuse = |message: &str, challenge: &'static str| {
        let error = with_code(ServerError::new(message, None), "UNAUTHENTICATED");
        let mut response = reply.json(
            StatusCode::UNAUTHORIZED,
            GraphQLResponse::from_errors(vec![error]),
            false,
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
        Err(Box::new(response))
    };
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return refuse(
            "send a token as `Authorization: Bearer <token>`",
            "Bearer realm=\"medexchange\"",
        );
    };
    match tokens::caller(&reply.state.db, token).await {
        Ok(Some(caller)) => Ok(Some(caller)),
        Ok(None) => refuse(
            "the token is unknown or revoked",
            "Bearer realm=\"medexchange\", error=\"invalid_token\"",
        ),
        Err(error) => {
            tracing::error!(%error, "could not check a token");
            Err(Box::new(StatusCode::SERVICE_UNAVAILABLE.into_response()))
        }
    }
}

/// The answer to a writer over their rate: 429, with when to try again.
fn rate_limited(reply: &Reply<'_>, wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs().max(1);
    let message = format!("too many writes for this token: try again in {seconds} s");
    let error = with_code(ServerError::new(message, None), "RATE_LIMITED");
    let errors = GraphQLResponse::from_errors(vec![error]);
    let mut response = reply.json(StatusCode::TOO_MANY_REQUESTS, errors, false);
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The answer to a request whose parameters were refused.
fn refused(reply: &Reply<'_>, refusal: Refusal) -> Response {
    match refusal {
        Refusal::BadRequest(message) => reply.request_error(StatusCode::BAD_REQUEST, &message),
        Refusal::PersistedQueryNotFound => {
            // Apollo's protocol: 200 with this message, so the client sends
            // the query with its hash.
            let error = with_code(
                ServerError::new("PersistedQueryNotFound", None),
                "PERSISTED_QUERY_NOT_FOUND",
            );
            let response = GraphQLResponse::from_errors(vec![error]);
            reply.json(StatusCode::OK, response, false)
        }
    }
}

/// The request parsed and held to the limits, with its document; or the
/// answer refusing it. A query parsed and checked before is not again.
fn checked(
    reply: &Reply<'_>,
    method: &Method,
    mut request: async_graphql::Request,
) -> Result<(async_graphql::Request, Arc<ExecutableDocument>), Box<Response>> {
    let limits = &reply.state.limits;
    let too_complex = |message: String| {
        vec![with_code(
            ServerError::new(message, None),
            "QUERY_TOO_COMPLEX",
        )]
    };
    if request.query.len() > limits.max_query_bytes {
        let message = format!("the query is longer than {} bytes", limits.max_query_bytes);
        return Err(Box::new(reply.graphql_failure(too_complex(message))));
    }
    let remembered = reply.state.documents.get(&request.query);
    let document = match &remembered {
        Some(document) => document.clone(),
        None => Arc::new(parse(reply, &request.query)?),
    };
    let operation = operation_type(&document, request.operation_name.as_deref());
    if *method == Method::GET && operation == Some(OperationType::Mutation) {
        let mut response = reply.request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "mutations are only accepted over POST",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return Err(Box::new(response));
    }
    if remembered.is_none() {
        limits::check(&document, limits)
            .map_err(|message| Box::new(reply.graphql_failure(too_complex(message))))?;
        reply
            .state
            .documents
            .insert(&request.query, document.clone());
    }
    request.set_parsed_query(ExecutableDocument::clone(&document));
    Ok((request, document))
}

/// The parsed query, or the answer refusing it.
fn parse(reply: &Reply<'_>, query: &str) -> Result<ExecutableDocument, Box<Response>> {
    async_graphql::parser::parse_query(query).map_err(|error| {
        let error = ServerError::new(error.to_string(), error.positions().next());
        Box::new(reply.graphql_failure(vec![with_code(error, "GRAPHQL_PARSE_FAILED")]))
    })
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
/// asks for, and answers with the languages served. An error-free answer to
/// a query is remembered under `key`. The `writes` taken from a writer's
/// rate are given back when the request is refused before it runs (over
/// the complexity limit, say).
async fn execute(
    reply: &Reply<'_>,
    method: Method,
    request: async_graphql::Request,
    selections: &ExecutableDocument,
    requested: Lang,
    key: Option<String>,
    writes: Option<(String, usize)>,
) -> Response {
    let operation_name = request.operation_name.clone();
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
        if let Some((writer, writes)) = writes {
            reply.state.write_rate.give_back(&writer, writes);
        }
        return reply.graphql_failure(response.errors);
    }
    let served = served.languages();
    let codes = served.iter().map(|l| Value::String(l.code().to_owned()));
    response
        .extensions
        .insert("servedLanguages".to_owned(), Value::List(codes.collect()));
    // `Content-Language` names the language asked for when no text was served.
    let served = if served.is_empty() {
        vec![requested]
    } else {
        served
    };
    field_order::reorder(&mut response.data, selections, operation_name.as_deref());
    if !response.errors.is_empty() {
        let mut http = reply.json(StatusCode::OK, response, true);
        reply.language_headers(&mut http, &served);
        return http;
    }
    let Some(answer) = answer_of(&response, served) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let answer = Arc::new(answer);
    if let Some(key) = key {
        reply.state.responses.insert(&key, answer.clone());
    }
    reply.answer(&method, &answer)
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
    let execution = crate::graphql::execute(&state.schema, &state.db, &state.catalog, request);
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
