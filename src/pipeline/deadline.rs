//! The request deadline for each event of a subscription: a subscription
//! lives long, but resolving what one event selects may take no longer
//! than a request (`--request-timeout-ms`); past it the event is a
//! `TIMEOUT` error.

use super::refusal::Refusal;
use async_graphql::Response;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use std::sync::Arc;
use std::time::Duration;

/// The deadline of each execution the schema runs.
pub struct Deadline(pub Duration);

impl ExtensionFactory for Deadline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Deadline(self.0))
    }
}

#[async_trait::async_trait]
impl Extension for Deadline {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match tokio::time::timeout(self.0, next.run(ctx, operation_name)).await {
            Ok(response) => response,
            Err(_) => Response::from_errors(vec![Refusal::TimedOut(self.0).error()]),
        }
    }
}
