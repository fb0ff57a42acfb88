//! One request run: parsed, held to the limits, executed under the
//! deadline, and its errors given codes.

use super::reply::{Reply, answer_of};
use super::request::{RawRequest, Refusal};
use crate::AppState;
use crate::graphql::AppSchema;
use crate::graphql::lang::{RequestLanguage, ServedLanguages};
use crate::graphql::limits;
use crate::http::field_order;
use crate::http::parsed::KnownDocument;
use crate::i18n::{self, Lang};
use crate::store::tokens::{self, Caller};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Response as GraphQLResponse, ServerError, Value, Variables};
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
    let operation = operation_type(&document.document, request.operation_name.as_deref());
    let writes = match (writer, operation) {
        (Some(writer), Some(OperationType::Mutation)) => {
            let writes = (writer, limits::count_mutations(&document.document));
            if let Err(wait) = reply.state.write_rate.take(&writes.0, writes.1) {
                return rate_limited(reply, wait);
            }
            Some(writes)
        }
        _ => None,
    };
    let is_query = operation == Some(OperationType::Query);
    let key = key.filter(|_| is_query);
    let checked = Checked {
        request,
        caller,
        document,
        is_query,
    };
    execute(reply, method, checked, lang, key, writes).await
}

/// A request that passed the limits, ready to run.
struct Checked {
    request: async_graphql::Request,
    /// Who sent it, when a token named them.
    caller: Option<Caller>,
    /// Its document.
    document: Arc<KnownDocument>,
    /// It runs a query (not a mutation).
    is_query: bool,
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
) -> Result<(async_graphql::Request, Arc<KnownDocument>), Box<Response>> {
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
        None => Arc::new(KnownDocument::new(parse(reply, &request.query)?)),
    };
    let operation = operation_type(&document.document, request.operation_name.as_deref());
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
        limits::check(&document.document, limits)
            .map_err(|message| Box::new(reply.graphql_failure(too_complex(message))))?;
        reply
            .state
            .documents
            .insert(&request.query, document.clone());
    }
    request.set_parsed_query(document.document.clone());
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
    checked: Checked,
    requested: Lang,
    key: Option<String>,
    writes: Option<(String, usize)>,
) -> Response {
    let operation_name = checked.request.operation_name.clone();
    let document = checked.document.clone();
    let Some((mut response, served)) = run_until_deadline(reply, checked, requested).await else {
        return timed_out(reply);
    };
    let failed_before_execution = failed_before_execution(&response);
    give_codes(&mut response.errors);
    if failed_before_execution {
        if let Some((writer, writes)) = writes {
            reply.state.write_rate.give_back(&writer, writes);
        }
        return reply.graphql_failure(response.errors);
    }
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
    let selections = &document.document;
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

/// Whether the request as a whole failed: errors raised before execution
/// (validation, variables) carry no path and leave no data.
fn failed_before_execution(response: &GraphQLResponse) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Runs the request (see [`validated_run`]), or gives up at the deadline:
/// the execution future is then dropped, its pending statements
/// cancelled, no more work done.
async fn run_until_deadline(
    reply: &Reply<'_>,
    checked: Checked,
    requested: Lang,
) -> Option<(GraphQLResponse, Vec<Lang>)> {
    let execution = validated_run(reply.state, checked, requested);
    tokio::time::timeout(reply.state.limits.request_timeout, execution)
        .await
        .ok()
}

/// Runs the request under async-graphql's full validation; a query whose
/// document passed it before, under the fast one (the limits, not the
/// rules): full validation was a tenth of a single exchange's CPU. Of the
/// rules skipped, only one can fail for a document that passed them once:
/// an argument's value given by a variable, of the wrong type. That value
/// then fails while executing instead, so an answer holding any error is
/// computed again under full validation, and clients get the same answer
/// either way (only for queries, which change nothing when run twice).
/// Returns the response and the languages its texts were served in.
async fn validated_run(
    state: &AppState,
    checked: Checked,
    requested: Lang,
) -> (GraphQLResponse, Vec<Lang>) {
    let Checked {
        request,
        caller,
        document,
        is_query,
    } = checked;
    if is_query && document.validated() {
        let again = Rerun::of(&request);
        let schema = &state.schema_for_validated;
        let (response, served) = attempt(state, schema, request, caller.clone(), requested).await;
        if response.errors.is_empty() {
            return (response, served);
        }
        let request = again.request(&document.document);
        return attempt(state, &state.schema, request, caller, requested).await;
    }
    let (response, served) = attempt(state, &state.schema, request, caller, requested).await;
    if !failed_before_execution(&response) {
        document.mark_validated();
    }
    (response, served)
}

/// One run of the request on `schema`, in the language `requested`, as
/// `caller`: the response and the languages its texts were served in.
async fn attempt(
    state: &AppState,
    schema: &AppSchema,
    request: async_graphql::Request,
    caller: Option<Caller>,
    requested: Lang,
) -> (GraphQLResponse, Vec<Lang>) {
    let served = ServedLanguages::default();
    let mut request = request
        .data(RequestLanguage(requested))
        .data(served.clone());
    if let Some(caller) = caller {
        request = request.data(caller);
    }
    let response = crate::graphql::execute(schema, &state.db, &state.catalog, request).await;
    (response, served.languages())
}

/// What running a request again needs (its first run consumed it).
struct Rerun {
    query: String,
    operation_name: Option<String>,
    variables: Variables,
}

impl Rerun {
    fn of(request: &async_graphql::Request) -> Self {
        Rerun {
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: request.variables.clone(),
        }
    }

    /// The request again, with its parsed `document`.
    fn request(self, document: &ExecutableDocument) -> async_graphql::Request {
        let mut request = async_graphql::Request::new(self.query).variables(self.variables);
        request.operation_name = self.operation_name;
        request.set_parsed_query(document.clone());
        request
    }
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
