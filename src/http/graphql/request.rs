//! The request's parameters, read from a GET query string or a POST body
//! and checked before anything runs.

use crate::http::persisted::{PersistedQueries, sha256_hex};
use crate::http::trusted::TrustedDocuments;
use async_graphql::Variables;
use serde_json::Map;

/// Why a request was not run.
pub(super) enum Refusal {
    /// Its parameters are malformed (400).
    BadRequest(String),
    /// It names a persisted query by a hash this process does not know.
    PersistedQueryNotFound,
    /// It names a trusted document by an id no manifest lists.
    TrustedDocumentNotFound,
    /// It sends a document that is not trusted, from a caller who may run
    /// only trusted documents.
    TrustedDocumentRequired,
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
            Refusal::TrustedDocumentNotFound => (
                "no trusted document has this `documentId`: rebuild the client's manifest and \
                 reload the server's (SIGHUP)",
                "TRUSTED_DOCUMENT_NOT_FOUND",
            ),
            Refusal::TrustedDocumentRequired => (
                "this endpoint runs only the documents its clients were built with: send their \
                 `documentId` (or sign in with a token to send other documents)",
                "TRUSTED_DOCUMENT_REQUIRED",
            ),
        };
        crate::pipeline::with_code(async_graphql::ServerError::new(message, None), code)
    }
}

/// Where a request's document may come from, for one caller.
pub(super) struct Documents<'a> {
    /// Queries learnt by hash (automatic persisted queries).
    pub(super) persisted: &'a PersistedQueries,
    /// The trusted documents, when the server has them.
    pub(super) trusted: Option<&'a TrustedDocuments>,
    /// The caller may run trusted documents only.
    pub(super) only_trusted: bool,
}

impl<'a> Documents<'a> {
    /// The documents `state` offers to a caller signed in or not.
    pub(super) fn for_caller(state: &'a crate::AppState, signed_in: bool) -> Self {
        let trusted = state.options.trusted_documents.as_deref();
        Documents {
            persisted: &state.persisted,
            trusted,
            only_trusted: trusted.is_some_and(|t| t.binds(signed_in)),
        }
    }

    /// The document with this hash or id: trusted first, then learnt
    /// (unless only trusted ones may run).
    fn by_hash(&self, hash: &str) -> Option<String> {
        let trusted = self.trusted.and_then(|t| t.get(hash));
        let learnt = || {
            (!self.only_trusted)
                .then(|| self.persisted.get(hash))
                .flatten()
        };
        trusted.or_else(learnt).map(|query| query.to_string())
    }

    /// Refuses a document sent as text that the caller may not run.
    pub(super) fn check_text(&self, query: &str) -> Result<(), Refusal> {
        let trusted = self.trusted.is_some_and(|t| t.holds_text(query));
        match self.only_trusted && !trusted {
            true => Err(Refusal::TrustedDocumentRequired),
            false => Ok(()),
        }
    }
}

/// The request parameters as sent, before checking.
pub(super) struct RawRequest {
    pub(super) query: Option<serde_json::Value>,
    pub(super) document_id: Option<serde_json::Value>,
    pub(super) operation_name: Option<serde_json::Value>,
    pub(super) variables: Option<serde_json::Value>,
    pub(super) extensions: Option<serde_json::Value>,
}

impl RawRequest {
    pub(super) fn from_map(mut map: Map<String, serde_json::Value>) -> Self {
        RawRequest {
            query: map.remove("query"),
            document_id: map.remove("documentId"),
            operation_name: map.remove("operationName"),
            variables: map.remove("variables"),
            extensions: map.remove("extensions"),
        }
    }

    /// Checks the parameters' types (a 400 when wrong) and resolves a
    /// trusted document's id or a persisted query's hash. Returns the
    /// request, and the hash to remember its query under once it has passed
    /// the limits.
    pub(super) fn into_request(
        self,
        documents: &Documents<'_>,
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
        let document_id = match self.document_id {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(id)) if !id.is_empty() => Some(id),
            Some(_) => return Err(bad("`documentId` must be a non-empty string")),
        };
        let (query, learn) = document(self.query, document_id, hash, documents)?;
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

/// The document a request runs, from its `query`, `documentId` or
/// persisted query hash; and the hash to learn it under.
fn document(
    query: Option<serde_json::Value>,
    document_id: Option<String>,
    hash: Option<String>,
    documents: &Documents<'_>,
) -> Result<(String, Option<String>), Refusal> {
    let bad = |message: &str| Refusal::BadRequest(message.to_owned());
    let no_query = matches!(query, None | Some(serde_json::Value::Null));
    match (query, document_id, hash) {
        (_, Some(id), None) if no_query => match documents.trusted {
            None => Err(bad(
                "this server has no trusted documents (`--trusted-documents`): send `query`",
            )),
            Some(trusted) => match trusted.get(&id) {
                Some(query) => Ok((query.to_string(), None)),
                None => Err(Refusal::TrustedDocumentNotFound),
            },
        },
        (_, Some(_), _) => Err(bad(
            "send `documentId` alone, without `query` or `persistedQuery`",
        )),
        (Some(serde_json::Value::String(query)), None, hash) if !query.trim().is_empty() => {
            if let Some(hash) = &hash
                && sha256_hex(query.as_bytes()) != *hash
            {
                return Err(bad(
                    "`persistedQuery.sha256Hash` is not the SHA-256 of `query`",
                ));
            }
            documents.check_text(&query)?;
            // Only free documents are learnt: a caller held to trusted ones
            // teaches nothing.
            let learn = hash.filter(|_| !documents.only_trusted);
            Ok((query, learn))
        }
        (_, None, Some(hash)) if no_query => match documents.by_hash(&hash) {
            Some(query) => Ok((query, None)),
            None => Err(Refusal::PersistedQueryNotFound),
        },
        (Some(serde_json::Value::String(_)), ..) | (None | Some(serde_json::Value::Null), ..) => {
            Err(bad("`query` is missing"))
        }
        (Some(_), ..) => Err(bad("`query` must be a string")),
    }
}
