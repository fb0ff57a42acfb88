//! The change feed: every recorded change, newest first.

use crate::graphql::connection::ChangeConnection;
use crate::graphql::error::ApiError;
use crate::graphql::types::change::change_page;
use async_graphql::{Context, Object};

/// The change feed.
#[derive(Default)]
pub struct HistoryQuery;

#[Object]
impl HistoryQuery {
    /// Every recorded change, newest first: the feed an editor or a mirror
    /// follows (a record's own changes are its `history`).
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ChangeConnection, ApiError> {
        change_page(ctx, None, first, after).await
    }
}
