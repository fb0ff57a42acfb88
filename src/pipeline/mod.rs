//! One pipeline for every transport: HTTP, WebSocket, and whatever comes
//! next run GraphQL only through [`Pipeline`], which owns the schemas.
//!
//! A request goes through its steps in order, each step's output the only
//! way into the next, so no transport can skip one:
//!
//! 1. [`Pipeline::authenticate`]: the credentials (an `Authorization`
//!    value) become a [`Caller`], or `UNAUTHENTICATED` (see [`auth`]).
//! 2. [`Pipeline::parse`]: the query's length, no NUL anywhere (a text no
//!    engine stores alike: `BAD_USER_INPUT`), its parse (errors quote at
//!    most a short excerpt of the document), and the limits async-graphql
//!    does not enforce (aliases, repeated fields, directives, mutations,
//!    circular introspection): `QUERY_TOO_COMPLEX`.
//! 3. [`Pipeline::admit`]: a place among the requests in flight
//!    (`OVERLOADED` beyond `--max-in-flight`) and, for a mutation, the
//!    writer's rate, shared by every process (`RATE_LIMITED`;
//!    `WRITE_RATE_UNAVAILABLE` when it cannot be read).
//! 4. [`Pipeline::run`] (queries, mutations) under the request deadline
//!    (`TIMEOUT`), or [`Pipeline::subscribe`] (subscriptions: each event
//!    resolved under the same deadline); depth and complexity are
//!    async-graphql's, while validating. Every error leaves with a code and
//!    a message of bounded length.
//!
//! What stays with a transport is only how it says things: HTTP's status
//! codes, caching headers and media types; WebSocket's messages and close
//! codes.

pub mod auth;
pub mod bounded;
mod deadline;
pub mod documents;
mod field_order;
mod hints;
mod refusal;
mod traced;
pub mod write_rate;

pub use refusal::{Refusal, with_code};

use crate::graphql::lang::{RequestLanguage, ServedLanguages};
use crate::graphql::limits::{self, Limits};
use crate::graphql::{AppSchema, live_data};
use crate::i18n::Lang;
use crate::store::DatabaseConnection;
use crate::store::catalog::SharedCatalog;
use crate::store::change_feed::ChangeFeed;
use crate::store::replicas::Replicas;
use crate::store::tokens::Caller;
use crate::telemetry::TARGET;
use async_graphql::futures_util::StreamExt;
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{Response, ServerError, ValidationMode, Value, Variables};
use documents::{KnownDocument, ParsedDocuments};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use write_rate::{NotTaken, WriteRate};

/// The longest error message a client is sent, in characters: messages
/// may quote the document (a field's name), never more than this of it.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// The schemas and what every request is held to.
pub struct Pipeline {
    /// Full validation: a document's first run, mutations, and reruns.
    schema: AppSchema,
    /// Fast validation (the limits, not the rules), for queries whose
    /// document passed full validation before: full validation was a
    /// tenth of a single exchange's CPU.
    schema_for_validated: AppSchema,
    /// Full validation, and each subscription event under the deadline.
    schema_for_streams: AppSchema,
    /// The primary: tokens, mutations, subscriptions.
    db: DatabaseConnection,
    /// Where queries read (a standby when one has the data, see
    /// [`crate::store::replicas`]).
    replicas: Arc<Replicas>,
    catalog: Arc<SharedCatalog>,
    limits: Limits,
    documents: ParsedDocuments,
    write_rate: WriteRate,
    tokens: auth::TokenCheck,
    in_flight: Arc<Semaphore>,
    /// The schema's enums, to list their values when one is misspelt: read
    /// from the SDL the first time a request misspells one.
    enums: std::sync::OnceLock<hints::EnumValues>,
}

/// The schemas a pipeline runs, built by [`crate::graphql::schema`].
pub struct Schemas {
    pub strict: AppSchema,
    pub fast: AppSchema,
    pub streams: AppSchema,
}

impl Schemas {
    /// The three schemas over `db` (see [`crate::graphql::schema`]).
    pub fn new(
        db: &DatabaseConnection,
        default_lang: Lang,
        limits: &Limits,
        introspection: bool,
        feed: &Arc<ChangeFeed>,
        media: &Arc<crate::media::Media>,
        analytics: &Arc<crate::store::analytics::Analytics>,
    ) -> Self {
        let builder = || {
            crate::graphql::schema(
                db.clone(),
                default_lang,
                limits,
                introspection,
                feed.clone(),
                media.clone(),
                analytics.clone(),
            )
        };
        // Validation is a span of the trace only while traces are exported,
        // and only where the rules are checked (a document's first run,
        // mutations), as parsing is only where a document is first seen: an
        // extension is called around every field (a quarter of an uncached
        // list page's throughput when on the fast schema too).
        let strict = builder().validation_mode(ValidationMode::Strict);
        let strict = match crate::telemetry::is_on() {
            true => strict.extension(traced::TracedValidation),
            false => strict,
        };
        Schemas {
            strict: strict.finish(),
            fast: builder().validation_mode(ValidationMode::Fast).finish(),
            streams: builder()
                .validation_mode(ValidationMode::Strict)
                .extension(deadline::Deadline(limits.request_timeout))
                .finish(),
        }
    }
}

/// A request whose document parsed and passed the limits.
pub struct Parsed {
    request: async_graphql::Request,
    document: Arc<KnownDocument>,
    operation: Option<OperationType>,
}

/// A request admitted to run, as its caller.
pub struct Admitted {
    parsed: Parsed,
    caller: Option<Caller>,
    /// Writes taken from the caller's rate, given back if nothing runs.
    writes: Option<(String, usize)>,
    _place: OwnedSemaphorePermit,
}

/// A request's answer, shaped alike for every transport.
pub struct Answer {
    /// The GraphQL response: errors coded and bounded; fields in the
    /// order asked; `extensions.servedLanguages` when it ran.
    pub response: Response,
    /// The languages its texts were served in (the one asked when none).
    pub served: Vec<Lang>,
    /// It failed before executing (validation, variables): no `data`.
    pub failed_before_execution: bool,
    /// After a mutation: the data version its writes left, which the
    /// client sends back (`Medexchange-Read-After`) to read them at once
    /// from any process (also in `extensions.readAfter`).
    pub read_after: Option<i64>,
}

impl Parsed {
    /// The type of the operation it runs, when it can be told.
    pub fn operation(&self) -> Option<OperationType> {
        self.operation
    }

    /// The query's text.
    pub fn query(&self) -> &str {
        &self.request.query
    }

    /// The name of the operation it runs, when the request names one.
    pub fn operation_name(&self) -> Option<&str> {
        self.request.operation_name.as_deref().or_else(|| {
            match &self.document.document.operations {
                DocumentOperations::Single(_) => None,
                DocumentOperations::Multiple(operations) if operations.len() == 1 => {
                    operations.keys().next().map(|name| name.as_str())
                }
                DocumentOperations::Multiple(_) => None,
            }
        })
    }
}

impl Pipeline {
    /// A pipeline running `schemas` over `replicas` (queries on a standby
    /// when one has the data, the rest on the primary) and `catalog` under
    /// `limits`.
    pub fn new(
        schemas: Schemas,
        replicas: Arc<Replicas>,
        catalog: Arc<SharedCatalog>,
        limits: Limits,
        write_rate: WriteRate,
    ) -> Self {
        let db = replicas.primary().clone();
        let places = match limits.max_in_flight {
            0 => Semaphore::MAX_PERMITS,
            n => n,
        };
        Pipeline {
            enums: std::sync::OnceLock::new(),
            schema: schemas.strict,
            schema_for_validated: schemas.fast,
            schema_for_streams: schemas.streams,
            tokens: auth::TokenCheck::new(db.clone()),
            write_rate,
            db,
            replicas,
            catalog,
            limits,
            documents: ParsedDocuments::default(),
            in_flight: Arc::new(Semaphore::new(places)),
        }
    }

    /// The limits requests are held to.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Step 1: the caller the credentials name (see [`auth`]).
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<Option<Caller>, Refusal> {
        self.tokens.caller(authorization).await
    }

    /// Step 2: the request's document, parsed and held to the limits. A
    /// query text parsed and checked before is not again.
    pub fn parse(&self, mut request: async_graphql::Request) -> Result<Parsed, Refusal> {
        let max = self.limits.max_query_bytes;
        if request.query.len() > max {
            return Err(Refusal::TooComplex(format!(
                "the query is longer than {max} bytes"
            )));
        }
        let nul = || {
            Refusal::BadInput(
                "the request holds a NUL character (U+0000), which no text may hold".to_owned(),
            )
        };
        if request.variables.iter().any(|(_, value)| holds_nul(value)) {
            return Err(nul());
        }
        let document = match self.documents.get(&request.query) {
            // Remembered documents passed every check below.
            Some(document) => document,
            None => {
                if request.query.contains('\0') || request.query.contains("\\u0000") {
                    return Err(nul());
                }
                let parsing = tracing::info_span!(target: TARGET, "graphql.parse").entered();
                let document = async_graphql::parser::parse_query(&request.query)
                    .map_err(|error| parse_refusal(&request.query, &error))?;
                drop(parsing);
                limits::check(&document, &self.limits).map_err(Refusal::TooComplex)?;
                let document = Arc::new(KnownDocument::new(document));
                self.documents.insert(&request.query, document.clone());
                document
            }
        };
        let operation = operation_type(&document.document, request.operation_name.as_deref());
        request.set_parsed_query(document.document.clone());
        Ok(Parsed {
            request,
            document,
            operation,
        })
    }

    /// Step 3: a place among the requests in flight, and for a mutation
    /// the writes it runs, taken from the caller's rate.
    pub async fn admit(&self, parsed: Parsed, caller: Option<Caller>) -> Result<Admitted, Refusal> {
        let place = self
            .in_flight
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refusal::Overloaded)?;
        let writes = match (&caller, parsed.operation) {
            (Some(caller), Some(OperationType::Mutation)) => {
                let writes = limits::count_mutations(&parsed.document.document);
                self.write_rate
                    .take(&caller.name, writes)
                    .await
                    .map_err(|not_taken| match not_taken {
                        NotTaken::Wait(wait) => Refusal::RateLimited(wait),
                        NotTaken::Unknown(_) => Refusal::WriteRateUnavailable,
                    })?;
                Some((caller.name.clone(), writes))
            }
            _ => None,
        };
        Ok(Admitted {
            parsed,
            caller,
            writes,
            _place: place,
        })
    }

    /// Lists the values of an enum an error says was misspelt.
    fn explain_enum_values(&self, errors: &mut [ServerError]) {
        if errors
            .iter()
            .any(|e| hints::unknown_enum_value(&e.message).is_some())
        {
            let enums = self
                .enums
                .get_or_init(|| hints::EnumValues::of_sdl(&self.schema.sdl()));
            enums.explain(errors);
        }
    }

    /// Step 4: runs a query or mutation in the language `requested`, or
    /// stops it at the deadline (its pending statements cancelled).
    pub async fn run(&self, admitted: Admitted, requested: Lang) -> Result<Answer, Refusal> {
        let operation_name = admitted.parsed.request.operation_name.clone();
        let document = admitted.parsed.document.clone();
        let mutation = admitted.parsed.operation == Some(OperationType::Mutation);
        let writes = admitted.writes.clone();
        let deadline = self.limits.request_timeout;
        let run = self.validated_run(admitted, requested);
        let Ok((mut response, served)) = tokio::time::timeout(deadline, run).await else {
            tracing::warn!(?deadline, "request stopped at its deadline");
            return Err(Refusal::TimedOut(deadline));
        };
        let failed_before_execution = failed_before_execution(&response);
        self.explain_enum_values(&mut response.errors);
        shape_errors(&mut response.errors);
        if failed_before_execution {
            if let Some((writer, writes)) = writes {
                self.write_rate.give_back(&writer, writes).await;
            }
            return Ok(Answer {
                response,
                served: vec![requested],
                failed_before_execution,
                read_after: None,
            });
        }
        let read_after = match mutation {
            true => self.replicas.version_after_write().await,
            false => None,
        };
        if let Some(version) = read_after {
            let version = Value::String(version.to_string());
            response.extensions.insert("readAfter".to_owned(), version);
        }
        let codes = served.iter().map(|l| Value::String(l.code().to_owned()));
        response
            .extensions
            .insert("servedLanguages".to_owned(), Value::List(codes.collect()));
        field_order::reorder(
            &mut response.data,
            &document.document,
            operation_name.as_deref(),
        );
        let served = match served.is_empty() {
            true => vec![requested],
            false => served,
        };
        Ok(Answer {
            response,
            served,
            failed_before_execution,
            read_after,
        })
    }

    /// Step 4 for a subscription: its events, each resolved under the
    /// request deadline, with a batch loader that caches nothing (each
    /// event must be read as it is now).
    pub fn subscribe(&self, admitted: Admitted, requested: Lang) -> BoxStream<'static, Response> {
        let Admitted { parsed, caller, .. } = admitted;
        let operation_name = parsed.request.operation_name.clone();
        let document = parsed.document;
        let mut request = parsed
            .request
            .data(RequestLanguage(requested))
            .data(ServedLanguages::default());
        if let Some(caller) = caller {
            request = request.data(caller);
        }
        let data = Arc::new(live_data(&self.db, &self.catalog));
        self.schema_for_streams
            .execute_stream_with_session_data(request, data)
            .map(move |mut response| {
                shape_errors(&mut response.errors);
                field_order::reorder(
                    &mut response.data,
                    &document.document,
                    operation_name.as_deref(),
                );
                response
            })
            .boxed()
    }

    /// Runs the request under async-graphql's full validation; a query whose
    /// document passed it before, under the fast one (the limits, not the
    /// rules). Of the rules skipped, only one can fail for a document that
    /// passed them once: an argument's value given by a variable, of the
    /// wrong type. That value then fails while executing instead, so an
    /// answer holding any error is computed again under full validation,
    /// and clients get the same answer either way (only for queries, which
    /// change nothing when run twice). A query reads from a standby when
    /// one has the data (see [`Replicas::reader`]); one that fails there is
    /// run again on the primary. Returns the response and the languages its
    /// texts were served in.
    async fn validated_run(&self, admitted: Admitted, requested: Lang) -> (Response, Vec<Lang>) {
        let Admitted { parsed, caller, .. } = admitted;
        let Parsed {
            request,
            document,
            operation,
        } = parsed;
        if operation != Some(OperationType::Query) {
            tracing::Span::current().record("db.instance", "primary");
            let (response, served) = self
                .attempt(&self.schema, request, caller, requested, &self.db)
                .await;
            if !failed_before_execution(&response) {
                document.mark_validated();
            }
            return (response, served);
        }
        let reader = self.replicas.reader().await;
        let span = tracing::Span::current();
        span.record("db.instance", self.replicas.name_of(&reader));
        let fast = document.validated();
        let schema = match fast {
            true => &self.schema_for_validated,
            false => &self.schema,
        };
        let again = Rerun::of(&request);
        let (response, served) = self
            .attempt(schema, request, caller.clone(), requested, &reader.db)
            .await;
        let standby_failed = reader.is_standby() && has_internal_error(&response);
        if standby_failed {
            self.replicas.failed(&reader, &response.errors[0].message);
            span.record("db.instance", "primary");
        }
        if (fast && !response.errors.is_empty()) || standby_failed {
            let request = again.request(&document.document);
            let db = match standby_failed {
                true => &self.db,
                false => &reader.db,
            };
            return self
                .attempt(&self.schema, request, caller, requested, db)
                .await;
        }
        if !failed_before_execution(&response) {
            document.mark_validated();
        }
        (response, served)
    }

    /// One run of the request on `schema` over `db`, in the language
    /// `requested`, as `caller`: the response and the languages its texts
    /// were served in.
    async fn attempt(
        &self,
        schema: &AppSchema,
        request: async_graphql::Request,
        caller: Option<Caller>,
        requested: Lang,
        db: &DatabaseConnection,
    ) -> (Response, Vec<Lang>) {
        let served = ServedLanguages::default();
        let mut request = request
            .data(RequestLanguage(requested))
            .data(served.clone());
        if let Some(caller) = caller {
            request = request.data(caller);
        }
        let response = crate::graphql::execute(schema, db, &self.catalog, request).await;
        (response, served.languages())
    }
}

/// Whether an answer holds an `INTERNAL` error (a statement failed).
fn has_internal_error(response: &Response) -> bool {
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .is_some_and(|code| *code == Value::String("INTERNAL".to_owned()))
    })
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

/// Whether the request as a whole failed: errors raised before execution
/// (validation, variables) carry no path and leave no data.
pub fn failed_before_execution(response: &Response) -> bool {
    response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

/// Whether a variable's value holds U+0000: no text of the archive may,
/// and PostgreSQL cannot store one, so it is refused alike on both engines
/// before anything runs (as is a query text holding one, raw or escaped).
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::List(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

/// The refusal of a document that does not parse: where, what was
/// expected, and at most a few words of the document there (a parser's own
/// message quotes the whole line, which may be the whole document).
fn parse_refusal(query: &str, error: &async_graphql::parser::Error) -> Refusal {
    let position = error.positions().next();
    let what = match error {
        async_graphql::parser::Error::Syntax { message, .. } => message
            .lines()
            .rev()
            .find_map(|line| line.trim_start().strip_prefix("= "))
            .unwrap_or("syntax error")
            .to_owned(),
        other => other.to_string(),
    };
    let near = position
        .and_then(|pos| {
            query
                .lines()
                .nth(pos.line.saturating_sub(1))
                .map(|l| (l, pos))
        })
        .map(|(line, pos)| {
            let rest: String = line
                .chars()
                .skip(pos.column.saturating_sub(1))
                .take(30)
                .collect();
            format!(" (near `{}`)", rest.trim_end())
        })
        .unwrap_or_default();
    let message = match position {
        Some(pos) => format!(
            "syntax error at line {}, column {}: {what}{near}",
            pos.line, pos.column
        ),
        None => what,
    };
    Refusal::ParseFailed(bounded_message(message), position)
}

/// Gives every error a code (`QUERY_TOO_COMPLEX` for the limits
/// async-graphql enforces, else `GRAPHQL_VALIDATION_FAILED`) and a message
/// of at most [`MAX_MESSAGE_CHARS`].
pub fn shape_errors(errors: &mut [ServerError]) {
    for error in errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            let code = match limits::is_limit_message(&error.message) {
                true => "QUERY_TOO_COMPLEX",
                false => "GRAPHQL_VALIDATION_FAILED",
            };
            *error = with_code(error.clone(), code);
        }
        if error.message.chars().count() > MAX_MESSAGE_CHARS {
            error.message = bounded_message(std::mem::take(&mut error.message));
        }
    }
}

/// `message` cut to [`MAX_MESSAGE_CHARS`] characters, with `…` when cut.
fn bounded_message(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message,
    }
}

/// Replaces the message of every `INTERNAL` error by a pointer to the
/// logged cause: `id` (a request id) finds it in the logs.
pub fn conceal_internal(errors: &mut [ServerError], id: &str) {
    for error in errors {
        let internal = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .is_some_and(|code| *code == Value::String("INTERNAL".to_owned()));
        if internal {
            error.message = format!("internal error (request id {id})");
            if let Some(extensions) = error.extensions.as_mut() {
                extensions.set("requestId", id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_quotes_a_few_words_of_the_document_not_all() {
        let query = format!("{{ a {} ", "b ".repeat(100_000));
        let error = async_graphql::parser::parse_query(&query).unwrap_err();
        let refused = parse_refusal(&query, &error).error();
        assert!(refused.message.len() < 200, "{}", refused.message);
        assert!(
            refused.message.starts_with("syntax error at line 1"),
            "{}",
            refused.message
        );
        assert_eq!(bounded_message("長".repeat(400)).chars().count(), 301);
    }
}
