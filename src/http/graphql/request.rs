//! The request's parameters, read from a GET query string or a POST body
//! and checked before anything runs.

use crate::http::persisted::{PersistedQueries, sha256_hex};
use async_graphql::Variables;
use serde_json::Map;

/// Why a request was not run.
pub(super) enum Refusal {
    /// Its parameters are malformed (400).
    BadRequest(String),
    /// It names a persisted query by a hash this process does not know.
    PersistedQueryNotFound,
}

impl Refusal {
    /// The GraphQL error saying it (`BAD_REQUEST`,
    /// `PERSISTED_QUERY_NOT_FOUND`).
    pub(super) fn error(&self) -> async_graphql::ServerError {
        let (message, code) = match self {
            Refusal::BadRequest(message) => (message.as_str(), "BAD_REQUEST"),
            Refusal::PersistedQueryNotFound => {
                ("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
            }
        };
        crate::pipeline::with_code(async_graphql::ServerError::new(message, None), code)
    }
}

/// The request parameters as sent, before checking.
pub(super) struct RawRequest {
    pub(super) query: Option<serde_json::Value>,
    pub(super) operation_name: Option<serde_json::Value>,
    pub(super) variables: Option<serde_json::Value>,
    pub(super) extensions: Option<serde_json::Value>,
}

impl RawRequest {
    pub(super) fn from_map(mut map: Map<String, serde_json::Value>) -> Self {
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
    pub(super) fn into_request(
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
