//! The validation of each request as a span of its trace (see
//! [`crate::telemetry`]); on the schemas only while traces are exported
//! (an extension is called around every field).

use crate::telemetry::TARGET;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation};
use async_graphql::{ServerError, ValidationResult};
use std::sync::Arc;
use tracing::Instrument;

/// `graphql.validate` around async-graphql's validation.
pub struct TracedValidation;

impl ExtensionFactory for TracedValidation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(TracedValidation)
    }
}

#[async_trait::async_trait]
impl Extension for TracedValidation {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let span = tracing::info_span!(target: TARGET, "graphql.validate");
        next.run(ctx).instrument(span).await
    }
}
