//! Writing the answer: the media type the client prefers, error codes
//! counted, INTERNAL errors reduced to the request id, and successful GET
//! answers made cacheable.

use crate::AppState;
use crate::http::csv;
use crate::http::response_cache::Answer;
use crate::i18n::Lang;
use crate::pipeline::with_code;
use async_graphql::{Response as GraphQLResponse, ServerError, Value};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub(super) const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// How to answer one request: its state, headers and id.
pub(super) struct Reply<'a> {
    pub(super) state: &'a AppState,
    pub(super) headers: &'a HeaderMap,
    pub(super) request_id: &'a str,
    /// The client asked for CSV (`Accept: text/csv`, or `format=csv` on GET).
    pub(super) csv: bool,
}

impl Reply<'_> {
    /// A successful answer: 200 in the media type the client prefers, with
    /// `Content-Language` and `Vary`; over GET also made cacheable
    /// (`Cache-Control`, a weak `ETag`; `If-None-Match` with that tag gets
    /// 304).
    pub(super) fn answer(&self, method: &Method, answer: &Answer) -> Response {
        if self.csv {
            return self.csv_answer(method, answer);
        }
        let response = (
            [(header::CONTENT_TYPE, self.content_type())],
            answer.body.clone(),
        )
            .into_response();
        self.finish(method, response, &answer.served, || {
            answer.etag().to_owned()
        })
    }

    /// The answer as CSV (see [`crate::http::csv`]); 406 when it does not
    /// hold exactly one list.
    fn csv_answer(&self, method: &Method, answer: &Answer) -> Response {
        #[derive(serde::Deserialize)]
        struct Data {
            data: Value,
        }
        let data = match serde_json::from_slice::<Data>(&answer.body) {
            Ok(body) => body.data,
            Err(error) => {
                tracing::error!(%error, "could not read back a GraphQL answer");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        let table = match csv::to_csv(&data) {
            Ok(table) => table,
            Err(lists) => {
                let error = with_code(
                    ServerError::new(csv::shape_error(&lists), None),
                    "NOT_ACCEPTABLE",
                );
                let response = GraphQLResponse::from_errors(vec![error]);
                return self.json(StatusCode::NOT_ACCEPTABLE, response, false);
            }
        };
        let disposition = format!("attachment; filename=\"{}\"", table.filename);
        let mut response = (
            [(
                header::CONTENT_TYPE,
                "text/csv; charset=utf-8; header=present",
            )],
            table.body,
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&disposition) {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
        // Another representation of the same answer: another tag.
        let etag = || format!("\"csv-{}", answer.etag().trim_start_matches('"'));
        self.finish(method, response, &answer.served, etag)
    }

    /// Language headers; over GET also `Cache-Control`, the weak `ETag`
    /// (`etag` makes it), and 304 when `If-None-Match` names that tag.
    fn finish(
        &self,
        method: &Method,
        mut response: Response,
        served: &[Lang],
        etag: impl FnOnce() -> String,
    ) -> Response {
        self.language_headers(&mut response, served);
        if method != Method::GET {
            return response;
        }
        let etag = etag();
        let headers = response.headers_mut();
        let max_age = self.state.options.cache_max_age.as_secs();
        if let Ok(value) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
            headers.insert(header::CACHE_CONTROL, value);
        }
        // Weak: the same tag names the gzip, br and identity encodings of
        // the answer, which are equivalent but not byte-identical.
        if let Ok(value) = HeaderValue::from_str(&format!("W/{etag}")) {
            headers.insert(header::ETAG, value);
        }
        let matches = self
            .headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| tag.trim().trim_start_matches("W/") == etag.as_str() || tag.trim() == "*");
        if matches {
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response.headers_mut().remove(header::CONTENT_TYPE);
            response.headers_mut().remove(header::CONTENT_DISPOSITION);
            *response.body_mut() = axum::body::Body::empty();
        }
        response
    }

    /// `Content-Language`: the languages served.
    pub(super) fn language_headers(&self, response: &mut Response, served: &[Lang]) {
        let codes: Vec<&str> = served.iter().map(|l| l.code()).collect();
        if let Ok(value) = HeaderValue::from_str(&codes.join(", ")) {
            response
                .headers_mut()
                .insert(header::CONTENT_LANGUAGE, value);
        }
    }

    /// A request that failed before execution: 400 without `data` under
    /// `application/graphql-response+json`, 200 under `application/json`.
    pub(super) fn graphql_failure(&self, errors: Vec<ServerError>) -> Response {
        let response = GraphQLResponse::from_errors(errors);
        if prefers_graphql_response(self.headers) {
            self.json(StatusCode::BAD_REQUEST, response, false)
        } else {
            self.json(StatusCode::OK, response, true)
        }
    }

    /// An HTTP-level refusal (unreadable request, wrong method or media type).
    pub(super) fn request_error(&self, status: StatusCode, message: &str) -> Response {
        let error = with_code(ServerError::new(message, None), "BAD_REQUEST");
        self.json(status, GraphQLResponse::from_errors(vec![error]), false)
    }

    /// The JSON answer. Errors are counted by code; an INTERNAL error tells
    /// the client the request id, so the logged cause can be found.
    pub(super) fn json(
        &self,
        status: StatusCode,
        mut response: GraphQLResponse,
        with_data: bool,
    ) -> Response {
        crate::pipeline::conceal_internal(&mut response.errors, self.request_id);
        self.state.metrics.observe_errors(&response.errors);
        match body_bytes(&response, with_data) {
            Ok(body) => {
                (status, [(header::CONTENT_TYPE, self.content_type())], body).into_response()
            }
            Err(error) => {
                tracing::error!(%error, "could not serialize a GraphQL response");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

impl Reply<'_> {
    /// `application/graphql-response+json` when the client prefers it, else
    /// `application/json`.
    fn content_type(&self) -> &'static str {
        if prefers_graphql_response(self.headers) {
            GRAPHQL_RESPONSE_JSON
        } else {
            "application/json"
        }
    }
}

/// What every answer of `/graphql` says about caching it: `Vary` names
/// every request header an answer depends on (`Authorization` too: a
/// token changes what is answered, or refuses it), and an answer to a
/// request with credentials is `Cache-Control: private, no-store`, whatever
/// it is (JSON, CSV, an error, a 304): no shared cache may keep what a
/// token holder sees.
pub(super) fn cache_policy(request: &HeaderMap, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language, Authorization, Medexchange-Read-After"),
    );
    if request.contains_key(header::AUTHORIZATION) {
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        );
    }
    response
}

/// An error-free response as a remembered answer: its bytes and the
/// languages served.
pub(super) fn answer_of(response: &GraphQLResponse, served: Vec<Lang>) -> Option<Answer> {
    let body = body_bytes(response, true)
        .map_err(|error| tracing::error!(%error, "could not serialize a GraphQL response"))
        .ok()?;
    Some(Answer::new(body.into(), served))
}

/// The JSON body, serialized straight from the ordered maps (a
/// `serde_json::Value` would sort the keys).
fn body_bytes(response: &GraphQLResponse, with_data: bool) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Body {
        data: with_data.then_some(&response.data),
        errors: &response.errors,
        extensions: &response.extensions,
    })
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
pub(super) fn prefers_graphql_response(headers: &HeaderMap) -> bool {
    let new = quality(headers, GRAPHQL_RESPONSE_JSON);
    new > 0.0 && new >= quality(headers, "application/json")
}

/// Whether the client asks for CSV: it accepts `text/csv` more than JSON.
pub(super) fn prefers_csv(headers: &HeaderMap) -> bool {
    let csv = quality(headers, "text/csv");
    let json = quality(headers, "application/json").max(quality(headers, GRAPHQL_RESPONSE_JSON));
    csv > 0.0 && csv > json
}

pub(super) fn accepts(headers: &HeaderMap, media_type: &str) -> bool {
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
