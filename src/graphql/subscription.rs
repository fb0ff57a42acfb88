//! Live updates over WebSocket (`graphql-transport-ws` on `/graphql`).

use crate::graphql::types::Change;
use crate::store::change_feed::ChangeFeed;
use async_graphql::futures_util::Stream;
use async_graphql::futures_util::stream::unfold;
use async_graphql::{Context, Subscription};
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

/// Live updates.
#[derive(Default)]
pub struct Subscription;

/// Live updates, over WebSocket on `/graphql` (`graphql-transport-ws`).
#[Subscription]
impl Subscription {
    /// Every change written by any process, as it commits (each process
    /// follows the change log every 250 ms; see `--data-version-poll-ms`).
    async fn archive_changed(&self, ctx: &Context<'_>) -> impl Stream<Item = Change> {
        let receiver = ctx.data_unchecked::<Arc<ChangeFeed>>().subscribe();
        unfold(receiver, |mut receiver| async move {
            loop {
                match receiver.recv().await {
                    Ok(row) => return Some((Change { row }, receiver)),
                    // Too far behind: the oldest changes were dropped.
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        })
    }
}
