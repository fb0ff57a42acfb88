//! The one error type of the API boundary.
//!
//! Every resolver returns `Result<_, ApiError>`; async-graphql turns it into
//! a GraphQL error through the `From` impl below, which always sets
//! `extensions.code`. `ApiError` deliberately does not implement `Display`:
//! async-graphql converts any `Display` error into a client message, and a
//! database error's text must never reach a client.

use crate::edit::EditError;
use crate::store::DbErr;
use std::sync::Arc;

/// An error a client can see, by its `extensions.code`.
#[derive(Debug)]
pub enum ApiError {
    /// The request's arguments are wrong (`BAD_USER_INPUT`).
    BadUserInput(String),
    /// Something the archive should hold is missing (`NOT_FOUND`).
    NotFound(String),
    /// A write without a valid token (`UNAUTHENTICATED`).
    Unauthenticated(String),
    /// A write the token's role may not make (`FORBIDDEN`).
    Forbidden(String),
    /// A fault on our side (`INTERNAL`); the cause is logged, never shown.
    Internal(InternalCause),
}

/// What went wrong inside, kept for the log.
#[derive(Debug)]
pub enum InternalCause {
    /// The database failed.
    Database(Arc<DbErr>),
    /// Stored data breaks an invariant the importer guarantees.
    Invariant(String),
    /// The media store failed.
    Media(String),
}

impl ApiError {
    /// A `BAD_USER_INPUT` error with a message for the client.
    pub fn bad_input(message: impl Into<String>) -> Self {
        ApiError::BadUserInput(message.into())
    }

    /// An `INTERNAL` error for a broken invariant.
    pub fn invariant(message: impl Into<String>) -> Self {
        ApiError::Internal(InternalCause::Invariant(message.into()))
    }

    /// The `extensions.code` this error carries.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadUserInput(_) => "BAD_USER_INPUT",
            ApiError::NotFound(_) => "NOT_FOUND",
            ApiError::Unauthenticated(_) => "UNAUTHENTICATED",
            ApiError::Forbidden(_) => "FORBIDDEN",
            ApiError::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        ApiError::Internal(InternalCause::Database(Arc::new(error)))
    }
}

impl From<Arc<DbErr>> for ApiError {
    fn from(error: Arc<DbErr>) -> Self {
        ApiError::Internal(InternalCause::Database(error))
    }
}

impl From<crate::media::MediaError> for ApiError {
    fn from(error: crate::media::MediaError) -> Self {
        match error {
            crate::media::MediaError::Database(error) => error.into(),
            other => ApiError::Internal(InternalCause::Media(other.to_string())),
        }
    }
}

impl From<crate::store::analytics::AnalyticsError> for ApiError {
    fn from(error: crate::store::analytics::AnalyticsError) -> Self {
        use crate::store::analytics::AnalyticsError;
        match error {
            AnalyticsError::Database(error) => error.into(),
            AnalyticsError::TooManyGroups(too_many) => ApiError::bad_input(format!(
                "{too_many}: narrow the filter or group by fewer dimensions"
            )),
        }
    }
}

impl From<EditError> for ApiError {
    fn from(error: EditError) -> Self {
        match error {
            EditError::Forbidden(message) => ApiError::Forbidden(message),
            EditError::Database(error) => error.into(),
            EditError::Stored(message) => ApiError::invariant(message),
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        let code = error.code();
        let message = match error {
            ApiError::BadUserInput(message)
            | ApiError::NotFound(message)
            | ApiError::Unauthenticated(message)
            | ApiError::Forbidden(message) => message,
            ApiError::Internal(cause) => {
                tracing::error!(?cause, "internal error while resolving a field");
                "internal error".to_owned()
            }
        };
        let mut graphql_error = async_graphql::Error::new(message);
        graphql_error =
            async_graphql::ErrorExtensions::extend_with(graphql_error, |_, extensions| {
                extensions.set("code", code)
            });
        graphql_error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_and_message(error: ApiError) -> (String, String) {
        let error: async_graphql::Error = error.into();
        let code = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(|v| v.to_string())
            .unwrap_or_default();
        (code, error.message)
    }

    #[test]
    fn each_variant_maps_to_its_code() {
        assert_eq!(
            code_and_message(ApiError::bad_input("first must be at most 100")).0,
            "\"BAD_USER_INPUT\""
        );
        assert_eq!(
            code_and_message(ApiError::NotFound("gone".into())).0,
            "\"NOT_FOUND\""
        );
    }

    #[test]
    fn database_text_never_reaches_the_client() {
        let error = ApiError::from(DbErr::Custom(
            "relation \"secret_table\" does not exist".into(),
        ));
        let (code, message) = code_and_message(error);
        assert_eq!(code, "\"INTERNAL\"");
        assert_eq!(message, "internal error");
    }
}
