//! GraphQL over WebSocket on `/graphql`, as the `graphql-transport-ws`
//! protocol (the `graphql-ws` library's) says, through the same
//! [`Pipeline`](crate::pipeline::Pipeline) as HTTP: every operation is
//! authenticated, held to the limits, admitted and run under the deadline
//! exactly as a request over HTTP is, and refused with the same codes.
//!
//! What the connection itself is held to:
//! - at most `--max-websockets` connections per process (503 with
//!   `Retry-After` before the upgrade beyond);
//! - `connection_init` within `--connection-init-timeout-ms` (else close
//!   4408); its payload's `Authorization` (`Bearer …`, as graphql-ws
//!   clients send it), else the upgrade request's header, names the
//!   caller for the whole connection; a bad token closes with 4403;
//! - messages no larger than `--max-body-bytes` (close 1009 beyond);
//! - at most `--max-subscriptions-per-connection` operations at once (one
//!   more is answered with an `error` message, `TOO_MANY_SUBSCRIPTIONS`);
//!   an id in use closes with 4409, a `subscribe` before the
//!   acknowledgement with 4401, a second `connection_init` with 4429, an
//!   unreadable message with 4400;
//! - a subscriber too slow for the changes is told (see
//!   [`crate::graphql::subscription`]).
//!
//! The older `graphql-ws` subprotocol (subscriptions-transport-ws,
//! unmaintained since 2018) is not offered: its clients are refused with 400.

use super::request::{Documents, RawRequest};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::pipeline::{Refusal, conceal_internal, failed_before_execution, with_code};
use crate::store::tokens::Caller;
use async_graphql::futures_util::future::AbortHandle;
use async_graphql::futures_util::stream::{self, BoxStream, SelectAll};
use async_graphql::futures_util::{FutureExt, StreamExt};
use async_graphql::parser::types::OperationType;
use async_graphql::{Response as GraphQLResponse, ServerError};
use axum::extract::FromRequestParts;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use tokio::sync::OwnedSemaphorePermit;

/// The subprotocol spoken.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// What one idle connection may buffer for reading: messages are small,
/// and thousands of idle subscribers must stay cheap.
const READ_BUFFER: usize = 4 * 1024;

/// Upgrades `GET /graphql` to a WebSocket, when a place is free and the
/// client speaks [`PROTOCOL`].
pub(super) async fn upgrade(state: AppState, parts: &mut Parts, request_id: String) -> Response {
    let offered = parts
        .headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL);
    if !offered {
        let message = format!("WebSocket clients must offer the `{PROTOCOL}` subprotocol");
        return (StatusCode::BAD_REQUEST, message).into_response();
    }
    let Ok(place) = state.websockets.clone().try_acquire_owned() else {
        let mut refused = (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many WebSocket connections",
        )
            .into_response();
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return refused;
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(refusal) => return refusal.into_response(),
    };
    let header = |name| {
        parts
            .headers
            .get(name)
            .map(|v: &HeaderValue| v.to_str().unwrap_or("").to_owned())
    };
    let handshake = Handshake {
        authorization: header(header::AUTHORIZATION),
        accept_language: header(header::ACCEPT_LANGUAGE),
    };
    let max = state.pipeline.limits().max_body_bytes;
    upgrade
        .protocols([PROTOCOL])
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| {
            let connection = Connection::new(state, handshake, request_id, place);
            connection.serve(socket)
        })
}

/// What the upgrade request said that `connection_init` may override.
struct Handshake {
    authorization: Option<String>,
    accept_language: Option<String>,
}

/// One connection's state.
struct Connection {
    state: AppState,
    handshake: Handshake,
    request_id: String,
    /// Who the connection speaks for, once acknowledged.
    acknowledged: Option<Option<Caller>>,
    lang: Lang,
    /// The operations running, by id.
    running: HashMap<String, AbortHandle>,
    _place: OwnedSemaphorePermit,
}

/// What an operation hands the connection.
enum Event {
    /// A response to send as `next`, or as `error` when it failed before
    /// executing.
    Response(String, Box<GraphQLResponse>),
    /// The operation ended: `complete`.
    Done(String),
}

/// Why the connection closes, with the protocol's code.
struct Close(u16, String);

impl Connection {
    fn new(
        state: AppState,
        handshake: Handshake,
        request_id: String,
        place: OwnedSemaphorePermit,
    ) -> Self {
        let lang = state.default_lang;
        Connection {
            state,
            handshake,
            request_id,
            acknowledged: None,
            lang,
            running: HashMap::new(),
            _place: place,
        }
    }

    /// Serves the socket until either side closes it.
    async fn serve(mut self, mut socket: WebSocket) {
        self.state.metrics.websocket_opened();
        let init_deadline = tokio::time::sleep(self.state.options.connection_init_timeout);
        tokio::pin!(init_deadline);
        let mut operations: SelectAll<BoxStream<'static, Event>> = SelectAll::new();
        let closing = loop {
            let outgoing = tokio::select! {
                incoming = socket.recv() => match incoming {
                    // Boxed: the task of an idle connection need not be
                    // as large as the lookups `receive` may await.
                    Some(Ok(message)) => match Box::pin(self.receive(message, &mut operations)).await {
                        Ok(reply) => reply,
                        Err(close) => break Some(close),
                    },
                    Some(Err(error)) => break close_for(&error),
                    None => break None,
                },
                Some(event) = operations.next(), if !operations.is_empty() => {
                    Some(self.event_message(event))
                }
                () = &mut init_deadline, if self.acknowledged.is_none() => {
                    break Some(Close(4408, "Connection initialisation timeout".to_owned()));
                }
            };
            if let Some(text) = outgoing
                && socket.send(Message::Text(text.into())).await.is_err()
            {
                break None;
            }
        };
        for handle in self.running.values() {
            handle.abort();
        }
        if let Some(Close(code, reason)) = closing {
            let frame = CloseFrame {
                code,
                reason: Utf8Bytes::from(reason),
            };
            let _ = socket.send(Message::Close(Some(frame))).await;
        }
        self.state.metrics.websocket_closed();
    }

    /// Handles one message from the client: what to answer, if anything,
    /// or why to close.
    async fn receive(
        &mut self,
        message: Message,
        operations: &mut SelectAll<BoxStream<'static, Event>>,
    ) -> Result<Option<String>, Close> {
        let text = match message {
            Message::Text(text) => text,
            Message::Close(_) => return Err(Close(1000, String::new())),
            Message::Ping(_) | Message::Pong(_) => return Ok(None),
            Message::Binary(_) => {
                return Err(invalid("binary messages are not part of the protocol"));
            }
        };
        let message: Value =
            serde_json::from_str(text.as_str()).map_err(|_| invalid("not JSON"))?;
        match message.get("type").and_then(Value::as_str) {
            Some("connection_init") => self.initialise(message.get("payload")).await.map(Some),
            Some("ping") => Ok(Some(json!({"type": "pong"}).to_string())),
            Some("pong") => Ok(None),
            Some("subscribe") => self.start(&message, operations).await,
            Some("complete") => {
                let id = message.get("id").and_then(Value::as_str).unwrap_or("");
                if let Some(handle) = self.running.remove(id) {
                    handle.abort();
                }
                Ok(None)
            }
            _ => Err(invalid("unknown message type")),
        }
    }

    /// `connection_init`: authenticates the connection and acknowledges it.
    async fn initialise(&mut self, payload: Option<&Value>) -> Result<String, Close> {
        if self.acknowledged.is_some() {
            return Err(Close(4429, "Too many initialisation requests".to_owned()));
        }
        let field = |name: &str| {
            payload
                .and_then(Value::as_object)
                .and_then(|map| map.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)))
                .map(|(_, value)| value.as_str().unwrap_or("").to_owned())
        };
        let authorization = field("authorization").or(self.handshake.authorization.take());
        let caller = self
            .state
            .pipeline
            .authenticate(authorization.as_deref())
            .await
            .map_err(|refusal| match refusal {
                Refusal::Unavailable => Close(1013, "try again later".to_owned()),
                _ => Close(4403, "Forbidden".to_owned()),
            })?;
        let accept_language = field("accept-language").or(self.handshake.accept_language.take());
        if let Some(lang) = accept_language.as_deref().and_then(i18n::negotiate) {
            self.lang = lang;
        }
        self.acknowledged = Some(caller);
        Ok(json!({"type": "connection_ack"}).to_string())
    }

    /// `subscribe`: runs an operation through the pipeline, or says why not.
    async fn start(
        &mut self,
        message: &Value,
        operations: &mut SelectAll<BoxStream<'static, Event>>,
    ) -> Result<Option<String>, Close> {
        let Some(caller) = self.acknowledged.clone() else {
            return Err(Close(4401, "Unauthorized".to_owned()));
        };
        let id = message
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("no id"))?;
        let Some(Value::Object(payload)) = message.get("payload") else {
            return Err(invalid("no payload"));
        };
        if self.running.contains_key(id) {
            return Err(Close(
                4409,
                format!("Subscriber for {} already exists", short(id)),
            ));
        }
        self.running.retain(|_, handle| !handle.is_aborted());
        let max = self.state.options.max_subscriptions_per_connection;
        if self.running.len() >= max {
            let message = format!("a connection may run at most {max} operations at once");
            let error = with_code(ServerError::new(message, None), "TOO_MANY_SUBSCRIPTIONS");
            return Ok(Some(self.error_message(id, vec![error])));
        }
        let operation = match self.operation(id, payload.clone(), caller).await {
            Ok(operation) => operation,
            Err(errors) => return Ok(Some(self.error_message(id, errors))),
        };
        let (operation, handle) = stream::abortable(operation);
        self.running.insert(id.to_owned(), handle);
        operations.push(operation.boxed());
        Ok(None)
    }

    /// The events of the operation `payload` asks for, through the
    /// pipeline; or the errors refusing it.
    async fn operation(
        &self,
        id: &str,
        payload: serde_json::Map<String, Value>,
        caller: Option<Caller>,
    ) -> Result<BoxStream<'static, Event>, Vec<ServerError>> {
        let refused = |refusal: Refusal| vec![refusal.error()];
        let documents = Documents::for_caller(&self.state, caller.is_some());
        let (request, _) = RawRequest::from_map(payload)
            .into_request(&documents)
            .map_err(|refusal| vec![refusal.error()])?;
        let pipeline = self.state.pipeline.clone();
        let parsed = pipeline.parse(request).map_err(refused)?;
        let subscription = parsed.operation() == Some(OperationType::Subscription);
        let admitted = pipeline.admit(parsed, caller).await.map_err(refused)?;
        let (id, lang) = (id.to_owned(), self.lang);
        let end = stream::once(std::future::ready(Event::Done(id.clone())));
        if subscription {
            let events = pipeline.subscribe(admitted, lang);
            let id_of = id.clone();
            return Ok(events
                .map(move |response| Event::Response(id_of.clone(), Box::new(response)))
                .chain(end)
                .boxed());
        }
        let answer = async move {
            match pipeline.run(admitted, lang).await {
                Ok(answer) => answer.response,
                Err(refusal) => GraphQLResponse::from_errors(vec![refusal.error()]),
            }
        };
        Ok(answer
            .map(move |response| Event::Response(id, Box::new(response)))
            .into_stream()
            .chain(end)
            .boxed())
    }

    /// The message an operation's event becomes.
    fn event_message(&mut self, event: Event) -> String {
        match event {
            Event::Done(id) => {
                self.running.remove(&id);
                json!({"type": "complete", "id": id}).to_string()
            }
            Event::Response(id, response) if failed_before_execution(&response) => {
                // The protocol's `error` ends the operation: no `complete`.
                if let Some(handle) = self.running.remove(&id) {
                    handle.abort();
                }
                self.error_message(&id, response.errors)
            }
            Event::Response(id, mut response) => {
                self.shape(&id, &mut response.errors);
                let payload = serde_json::to_value(&response).unwrap_or(Value::Null);
                json!({"type": "next", "id": id, "payload": payload}).to_string()
            }
        }
    }

    /// An `error` message for the operation `id`.
    fn error_message(&self, id: &str, mut errors: Vec<ServerError>) -> String {
        self.shape(id, &mut errors);
        json!({"type": "error", "id": id, "payload": errors}).to_string()
    }

    /// Errors as HTTP shapes them: counted, `INTERNAL` ones reduced to an
    /// id found in the logs (the upgrade's request id and the operation's).
    fn shape(&self, id: &str, errors: &mut [ServerError]) {
        let reference = format!("{}/{}", self.request_id, short(id));
        conceal_internal(errors, &reference);
        self.state.metrics.observe_errors(errors);
    }
}

/// 4400, as the protocol closes on a message it cannot read.
fn invalid(why: &str) -> Close {
    Close(4400, format!("Invalid message received: {why}"))
}

/// The close code for a socket error: 1009 for a message over the size
/// limit; otherwise the connection is gone.
fn close_for(error: &axum::Error) -> Option<Close> {
    let text = error.to_string();
    let too_big = text.contains("Space limit exceeded") || text.contains("too long");
    too_big.then(|| Close(1009, "message too big".to_owned()))
}

/// At most 40 characters of a client's id, for messages and logs.
fn short(id: &str) -> String {
    id.chars().take(40).collect()
}
