//! Live updates over WebSocket (`graphql-transport-ws` on `/graphql`).

use crate::graphql::types::Change;
use crate::graphql::types::change::is_editor;
use crate::store::change_feed::{CAPACITY, ChangeFeed};
use async_graphql::futures_util::Stream;
use async_graphql::futures_util::stream::unfold;
use async_graphql::{Context, Error, ErrorExtensions, Subscription};
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
    /// Without a token (in `connection_init`'s `Authorization`), only
    /// changes of records not deleted, as `changes` gives them. A
    /// subscriber that falls more than 1,024 changes behind gets an error
    /// (`SUBSCRIBER_LAGGED`, with how many it missed) and the subscription
    /// ends: subscribe again and read `changes` for what was missed.
    async fn archive_changed(
        &self,
        ctx: &Context<'_>,
    ) -> impl Stream<Item = Result<Change, Error>> {
        let receiver = ctx.data_unchecked::<Arc<ChangeFeed>>().subscribe();
        let editor = is_editor(ctx);
        unfold(Some(receiver), move |receiver| async move {
            let mut receiver = receiver?;
            loop {
                match receiver.recv().await {
                    Ok(fed) if editor || fed.public => {
                        let change = Change {
                            row: fed.row.clone(),
                        };
                        return Some((Ok(change), Some(receiver)));
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => return Some((Err(lagged(missed)), None)),
                    Err(RecvError::Closed) => return None,
                }
            }
        })
    }
}

/// The error of a subscriber that fell behind and missed `missed` changes.
fn lagged(missed: u64) -> Error {
    let message = format!(
        "this subscriber fell more than {CAPACITY} changes behind and missed {missed}: \
         subscribe again, and read `changes` for what was missed"
    );
    Error::new(message).extend_with(|_, extensions| {
        extensions.set("code", "SUBSCRIBER_LAGGED");
        extensions.set("missed", missed);
    })
}
