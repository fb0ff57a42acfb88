//! Why the pipeline did not run a request, the same for every transport:
//! each transport says it its own way (HTTP with a status code, WebSocket
//! with an `error` message or a close code), always with the same
//! `extensions.code` and message.

use crate::i18n::Lang;
use async_graphql::{Pos, ServerError};
use std::time::Duration;

/// Why a request was refused before (or instead of) its answer.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// No credentials of the right form, or a token unknown or revoked
    /// (`UNAUTHENTICATED`). `invalid_token` tells a sent token from a
    /// header that held none.
    Unauthenticated { message: Said, invalid_token: bool },
    /// The document passed a limit (`QUERY_TOO_COMPLEX`).
    TooComplex(String),
    /// The document does not parse (`GRAPHQL_PARSE_FAILED`).
    ParseFailed(String, Option<Pos>),
    /// A value no field can take, whatever the field (`BAD_USER_INPUT`).
    BadInput(String),
    /// The token wrote too much this minute (`RATE_LIMITED`).
    RateLimited(Duration),
    /// The process runs as many requests as it may (`OVERLOADED`).
    Overloaded,
    /// The request ran past its deadline and was stopped (`TIMEOUT`).
    TimedOut(Duration),
    /// A token could not be checked: the database did not answer
    /// (`SERVICE_UNAVAILABLE`).
    Unavailable,
    /// The shared write rate cannot be read (Redis or the database does
    /// not answer): writes are refused, reads go on
    /// (`WRITE_RATE_UNAVAILABLE`).
    WriteRateUnavailable,
}

/// A message in Chinese, Japanese and English (in [`Lang::ALL`] order).
pub type Said = [&'static str; 3];

/// How long a client is asked to wait when the process is full.
pub const OVERLOADED_RETRY_AFTER: Duration = Duration::from_secs(1);

impl Refusal {
    /// The `extensions.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unauthenticated { .. } => "UNAUTHENTICATED",
            Refusal::TooComplex(_) => "QUERY_TOO_COMPLEX",
            Refusal::ParseFailed(..) => "GRAPHQL_PARSE_FAILED",
            Refusal::BadInput(_) => "BAD_USER_INPUT",
            Refusal::RateLimited(_) => "RATE_LIMITED",
            Refusal::Overloaded => "OVERLOADED",
            Refusal::TimedOut(_) => "TIMEOUT",
            Refusal::Unavailable => "SERVICE_UNAVAILABLE",
            Refusal::WriteRateUnavailable => "WRITE_RATE_UNAVAILABLE",
        }
    }

    /// When the client may try again, if waiting helps.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Refusal::RateLimited(wait) => Some((*wait).max(Duration::from_secs(1))),
            Refusal::Overloaded | Refusal::Unavailable | Refusal::WriteRateUnavailable => {
                Some(OVERLOADED_RETRY_AFTER)
            }
            _ => None,
        }
    }

    /// The GraphQL error saying it, with its code, in English.
    pub fn error(&self) -> ServerError {
        self.error_in(Lang::En)
    }

    /// The GraphQL error saying it, with its code; sign-in refusals in
    /// `lang` (as payload errors are), the others in English.
    pub fn error_in(&self, lang: Lang) -> ServerError {
        let (message, position) = match self {
            Refusal::Unauthenticated { message, .. } => {
                let index = Lang::ALL.iter().position(|l| *l == lang).unwrap_or(2);
                (message[index].to_owned(), None)
            }
            Refusal::TooComplex(message) | Refusal::BadInput(message) => (message.clone(), None),
            Refusal::ParseFailed(message, position) => (message.clone(), *position),
            Refusal::RateLimited(wait) => (
                format!(
                    "too many writes for this token: try again in {} s",
                    wait.as_secs().max(1)
                ),
                None,
            ),
            Refusal::Overloaded => (
                "the server is running as many requests as it may: try again shortly".to_owned(),
                None,
            ),
            Refusal::TimedOut(deadline) => (
                format!("the request took longer than {deadline:?} and was stopped"),
                None,
            ),
            Refusal::Unavailable => (
                "the token could not be checked: try again shortly".to_owned(),
                None,
            ),
            Refusal::WriteRateUnavailable => (
                "writes are refused while the shared write rate cannot be read (its store does \
                 not answer); reads go on: try again shortly"
                    .to_owned(),
                None,
            ),
        };
        with_code(ServerError::new(message, position), self.code())
    }
}

/// The error with `extensions.code` set.
pub fn with_code(mut error: ServerError, code: &'static str) -> ServerError {
    let mut extensions = error.extensions.take().unwrap_or_default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}
