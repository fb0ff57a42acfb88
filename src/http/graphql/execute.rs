//! One HTTP request run through the [`Pipeline`](crate::pipeline::Pipeline),
//! with what is HTTP's own: the response cache, persisted queries, 405 for a
//! mutation over GET, and each refusal's status code.

use super::reply::{Reply, answer_of};
use super::request::{Documents, RawRequest, Refusal as RequestRefusal};
use crate::i18n::{self, Lang};
use crate::pipeline::{Answer, Refusal};
use crate::store::tokens::Caller;
use crate::telemetry::TARGET;
use async_graphql::parser::types::OperationType;
use async_graphql::{Name, Response as GraphQLResponse, Value};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tracing::Instrument;
use tracing::field::Empty;

/// Runs one request and writes its answer, in a span of its own (see
/// [`crate::telemetry`]).
pub(super) async fn run(reply: &Reply<'_>, method: Method, raw: RawRequest) -> Response {
    let traceparent = reply
        .headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok());
    let span = tracing::info_span!(
        target: TARGET,
        "graphql.request",
        otel.name = "GraphQL Operation",
        otel.kind = "server",
        traceparent,
        http.request.method = method.as_str(),
        graphql.operation.type = Empty,
        graphql.operation.name = Empty,
        medexchange.language = Empty,
        medexchange.cache = "miss",
        db.instance = Empty,
        http.response.status_code = Empty,
        error = Empty,
    );
    let response = run_untraced(reply, method, raw)
        .instrument(span.clone())
        .await;
    span.record("http.response.status_code", response.status().as_u16());
    response
}

/// Runs one request and writes its answer: from the response cache when an
/// identical request was answered at the current data version.
async fn run_untraced(reply: &Reply<'_>, method: Method, raw: RawRequest) -> Response {
    let pipeline = &reply.state.pipeline;
    let authorization = reply
        .headers
        .get(header::AUTHORIZATION)
        .map(|value| value.to_str().unwrap_or(""));
    let caller = match pipeline.authenticate(authorization).await {
        Ok(caller) => caller,
        Err(refusal) => return refused(reply, refusal),
    };
    let documents = Documents::for_caller(reply.state, caller.is_some());
    let (request, learn) = match raw.into_request(&documents) {
        Ok(answer) => answer,
        Err(refusal) => return refused_parameters(reply, refusal),
    };
    let (lang, warning) = requested_language(reply);
    let span = tracing::Span::current();
    span.record("medexchange.language", lang.code());
    match read_after(reply.headers) {
        Ok(Some(version)) => reply.state.replicas.catch_up(version).await,
        Ok(None) => {}
        Err(message) => return reply.request_error(StatusCode::BAD_REQUEST, &message),
    }
    let responses = &reply.state.responses;
    // A text over the length limit is refused even when its normal form
    // (comments and spacing dropped) was answered before. Requests with
    // credentials are neither served from memory nor remembered: their
    // answers may depend on who asks. Nor are those carrying a warning.
    let within_length = request.query.len() <= pipeline.limits().max_query_bytes;
    let key = (within_length && authorization.is_none() && warning.is_none())
        .then(|| responses.key(&request, lang))
        .flatten();
    if let Some(answer) = key.as_deref().and_then(|key| responses.get(key)) {
        // Remembered answers passed every limit: so did this query.
        if let Some(hash) = learn {
            reply.state.persisted.insert(&hash, &request.query);
        }
        // Only queries are remembered.
        span.record("medexchange.cache", "hit");
        span.record("graphql.operation.type", "query");
        if let Some(name) = &request.operation_name {
            span.record("graphql.operation.name", name.as_str());
            span.record("otel.name", format!("query {name}"));
        }
        return reply.answer(&method, &answer);
    }
    let parsed = match pipeline.parse(request) {
        Ok(parsed) => parsed,
        Err(refusal) => return refused(reply, refusal),
    };
    name_span(&span, &parsed);
    if method == Method::GET && parsed.operation() == Some(OperationType::Mutation) {
        return mutation_over_get(reply);
    }
    // Only a query that parsed and passed the limits is remembered, so the
    // store holds at most `persisted_queries` queries of bounded length.
    if let Some(hash) = learn {
        reply.state.persisted.insert(&hash, parsed.query());
    }
    let key = key.filter(|_| parsed.operation() == Some(OperationType::Query));
    let admitted = match pipeline.admit(parsed, caller).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refused(reply, refusal),
    };
    let mut answer = match pipeline.run(admitted, lang).await {
        Ok(answer) => answer,
        Err(refusal) => return refused(reply, refusal),
    };
    if let Some(warning) = warning {
        warning.add_to(&mut answer.response);
    }
    written(reply, &method, answer, key)
}

/// Runs a multipart request (a file upload, already read: see
/// [`super::uploads`]) for `caller`; never remembered.
pub(super) async fn run_upload(
    reply: &Reply<'_>,
    caller: Option<Caller>,
    request: async_graphql::Request,
) -> Response {
    let pipeline = &reply.state.pipeline;
    let documents = Documents::for_caller(reply.state, caller.is_some());
    if let Err(refusal) = documents.check_text(&request.query) {
        return refused_parameters(reply, refusal);
    }
    let parsed = match pipeline.parse(request) {
        Ok(parsed) => parsed,
        Err(refusal) => return refused(reply, refusal),
    };
    let admitted = match pipeline.admit(parsed, caller).await {
        Ok(admitted) => admitted,
        Err(refusal) => return refused(reply, refusal),
    };
    let answer = match pipeline.run(admitted, requested_language(reply).0).await {
        Ok(answer) => answer,
        Err(refusal) => return refused(reply, refusal),
    };
    written(reply, &Method::POST, answer, None)
}

/// The HTTP answer of a run: a failure before execution as the media type
/// asks, errors with a 200, else the data (remembered under `key`).
fn written(reply: &Reply<'_>, method: &Method, answer: Answer, key: Option<String>) -> Response {
    if let Some(error) = answer.response.errors.first() {
        tracing::Span::current().record("error", error.message.as_str());
    }
    if answer.failed_before_execution {
        return reply.graphql_failure(answer.response.errors);
    }
    let read_after = answer.read_after;
    if !answer.response.errors.is_empty() {
        let mut http = reply.json(StatusCode::OK, answer.response, true);
        reply.language_headers(&mut http, &answer.served);
        return with_read_after(http, read_after);
    }
    let Some(remembered) = answer_of(&answer.response, answer.served) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let remembered = Arc::new(remembered);
    if let Some(key) = key {
        reply.state.responses.insert(&key, remembered.clone());
    }
    with_read_after(reply.answer(method, &remembered), read_after)
}

/// The header a mutation's answer carries and its client sends back on
/// its next reads, so that any process answers them from data holding its
/// writes (see [`crate::store::replicas`]): a data version.
pub(super) const READ_AFTER: &str = "medexchange-read-after";

/// The data version a request asks to read after (`Medexchange-Read-After`);
/// a message when the header is not a version.
fn read_after(headers: &axum::http::HeaderMap) -> Result<Option<i64>, String> {
    let Some(value) = headers.get(READ_AFTER) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<i64>().ok())
        .filter(|version| *version >= 0)
        .map(Some)
        .ok_or_else(|| {
            "Medexchange-Read-After must be the data version a mutation's answer gave (a whole number)"
                .to_owned()
        })
}

/// `response` with `Medexchange-Read-After` when a mutation wrote.
fn with_read_after(mut response: Response, version: Option<i64>) -> Response {
    if let Some(version) = version
        && let Ok(value) = HeaderValue::from_str(&version.to_string())
    {
        response.headers_mut().insert(READ_AFTER, value);
    }
    response
}

/// Names the request's span by its operation (`query ExchangePage`), as
/// OpenTelemetry's GraphQL conventions do.
fn name_span(span: &tracing::Span, parsed: &crate::pipeline::Parsed) {
    let Some(kind) = parsed.operation() else {
        return;
    };
    let kind = match kind {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    span.record("graphql.operation.type", kind);
    match parsed.operation_name() {
        Some(name) => {
            span.record("graphql.operation.name", name);
            span.record("otel.name", format!("{kind} {name}"));
        }
        None => {
            span.record("otel.name", kind);
        }
    }
}

/// The HTTP answer to a refusal of the pipeline: the status its code
/// calls for, `WWW-Authenticate` or `Retry-After` where they apply.
pub(super) fn refused(reply: &Reply<'_>, refusal: Refusal) -> Response {
    let errors = vec![refusal.error_in(requested_language(reply).0)];
    tracing::Span::current().record("error", errors[0].message.as_str());
    let status = match &refusal {
        Refusal::TooComplex(_) | Refusal::ParseFailed(..) | Refusal::BadInput(_) => {
            return reply.graphql_failure(errors);
        }
        Refusal::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
        Refusal::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        Refusal::Overloaded | Refusal::Unavailable | Refusal::WriteRateUnavailable => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        Refusal::TimedOut(_) => StatusCode::GATEWAY_TIMEOUT,
    };
    let mut response = reply.json(status, GraphQLResponse::from_errors(errors), false);
    let headers = response.headers_mut();
    if let Refusal::Unauthenticated { invalid_token, .. } = refusal {
        let challenge = match invalid_token {
            true => "Bearer realm=\"medexchange\", error=\"invalid_token\"",
            false => "Bearer realm=\"medexchange\"",
        };
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    if let Some(wait) = refusal.retry_after()
        && let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string())
    {
        headers.insert(header::RETRY_AFTER, value);
    }
    response
}

/// The answer to a request whose parameters were refused.
fn refused_parameters(reply: &Reply<'_>, refusal: RequestRefusal) -> Response {
    match refusal {
        RequestRefusal::BadRequest(message) => {
            reply.request_error(StatusCode::BAD_REQUEST, &message)
        }
        // Nothing the client can retry: the request itself is refused.
        RequestRefusal::TrustedDocumentNotFound | RequestRefusal::TrustedDocumentRequired => {
            let response = GraphQLResponse::from_errors(vec![refusal.error()]);
            reply.json(StatusCode::BAD_REQUEST, response, false)
        }
        // Apollo's protocol: 200 with this message, so the client sends
        // the query with its hash.
        RequestRefusal::PersistedQueryNotFound => {
            let response = GraphQLResponse::from_errors(vec![refusal.error()]);
            reply.json(StatusCode::OK, response, false)
        }
    }
}

/// 405 with `Allow: POST`: GET answers are cacheable, so they never write.
fn mutation_over_get(reply: &Reply<'_>) -> Response {
    let mut response = reply.request_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "mutations are only accepted over POST",
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

/// The request's language: its `Accept-Language` negotiated; else a common
/// non-standard name understood (`jp`), or the default language, with a
/// warning saying which.
fn requested_language(reply: &Reply<'_>) -> (Lang, Option<Warning>) {
    let header = reply
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(lang) = i18n::negotiate(header) {
        return (lang, None);
    }
    match i18n::misunderstood(header) {
        Some((Some(lang), message)) => (lang, Some(Warning("LANGUAGE_GUESSED", message))),
        Some((None, message)) => (
            reply.state.default_lang,
            Some(Warning("LANGUAGE_NOT_UNDERSTOOD", message)),
        ),
        None => (reply.state.default_lang, None),
    }
}

/// A warning for the client in `extensions.warnings`: its code and message.
struct Warning(&'static str, String);

impl Warning {
    /// Adds it to `response`'s `extensions.warnings`.
    fn add_to(self, response: &mut GraphQLResponse) {
        let mut warning = async_graphql::indexmap::IndexMap::new();
        warning.insert(Name::new("code"), Value::String(self.0.to_owned()));
        warning.insert(Name::new("message"), Value::String(self.1));
        response.extensions.insert(
            "warnings".to_owned(),
            Value::List(vec![Value::Object(warning)]),
        );
    }
}
