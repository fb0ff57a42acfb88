//! The change feed: every recorded change, newest first.

use crate::graphql::connection::ChangeConnection;
use crate::graphql::database;
use crate::graphql::error::ApiError;
use crate::graphql::ids;
use crate::graphql::types::change::{Change, change_page, visible};
use crate::store::history::{self, RecordType};
use async_graphql::{Context, ID, Object};

/// The change feed.
#[derive(Default)]
pub struct HistoryQuery;

#[Object]
impl HistoryQuery {
    /// Every recorded change, newest first: the feed an editor or a mirror
    /// follows (a record's own changes are its `history`). Without a token,
    /// only changes of records not deleted now.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ChangeConnection, ApiError> {
        change_page(ctx, None, first, after).await
    }

    /// Where the record `id` came from: its first change (its import, with
    /// the file and place, or its creation, with the editor's name);
    /// `null` for an unknown id or a record with no history (written by
    /// `generate`).
    async fn origin(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Change>, ApiError> {
        let Some((node_type, row)) = ids::decode_id(&id) else {
            return Ok(None);
        };
        let record = (RecordType::from(node_type), row);
        let first = history::origin(database(ctx), record, visible(ctx)).await?;
        Ok(first.map(|row| Change { row }))
    }
}
