//! Live changes for subscribers: each process follows the change log and
//! hands every change committed by any process to its own subscribers.
//!
//! Every interval the feed looks at the data version (the version the
//! process's [`DataVersionWatch`] last read, else one indexed one-row
//! statement) and, when it moved, reads the changes logged since the last
//! one it saw. That works the same on
//! SQLite and PostgreSQL, across processes, within one interval (250 ms by
//! default); PostgreSQL's LISTEN/NOTIFY would save that wait, at the price
//! of a connection held per process.

use crate::store::data_version::{self, DataVersionWatch};
use crate::store::history;
use entity::change_log;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::broadcast;

/// Changes most recently committed, for the process's subscribers.
pub struct ChangeFeed {
    sender: broadcast::Sender<Arc<FedChange>>,
}

/// One change as the feed hands it on.
#[derive(Debug)]
pub struct FedChange {
    /// The change.
    pub row: change_log::Model,
    /// Readers without a token may see it: its record was not deleted
    /// when the change was read (see [`history::Visible`]).
    pub public: bool,
}

impl ChangeFeed {
    /// A feed following `db`'s change log every `interval`, for as long as
    /// the feed is alive (on the current tokio runtime), by the version
    /// `watch` reads when there is one.
    pub fn start(
        db: DatabaseConnection,
        interval: Duration,
        watch: Option<Arc<DataVersionWatch>>,
    ) -> Arc<ChangeFeed> {
        let (sender, _) = broadcast::channel(CAPACITY);
        let feed = Arc::new(ChangeFeed { sender });
        let follower = Follower { db, watch };
        tokio::spawn(follow(Arc::downgrade(&feed), follower, interval));
        feed
    }

    /// The changes committed from now on. A subscriber more than
    /// [`CAPACITY`] changes behind is told it lagged (see [`broadcast`]).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<FedChange>> {
        self.sender.subscribe()
    }

    /// How many subscribers are listening now.
    pub fn subscribers(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// The most changes kept for subscribers that are behind.
pub const CAPACITY: usize = 1024;

/// What the feed reads from.
struct Follower {
    db: DatabaseConnection,
    watch: Option<Arc<DataVersionWatch>>,
}

impl Follower {
    /// The data version now: as the watch last read it, else read.
    async fn version(&self) -> Result<i64, DbErr> {
        match self.watch.as_ref().and_then(|watch| watch.current()) {
            Some(version) => Ok(version),
            None => data_version::read(&self.db).await,
        }
    }
}

async fn follow(feed: Weak<ChangeFeed>, follower: Follower, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen: Option<(i64, i64)> = None;
    loop {
        ticks.tick().await;
        let Some(feed) = feed.upgrade() else {
            return;
        };
        match step(&follower, &feed, seen).await {
            Ok(now) => seen = Some(now),
            Err(error) => tracing::warn!(%error, "cannot follow the change log"),
        }
    }
}

/// One look at the log: from (data version, last change id) `seen`, hands
/// on what was committed since; returns what is now seen.
async fn step(
    follower: &Follower,
    feed: &ChangeFeed,
    seen: Option<(i64, i64)>,
) -> Result<(i64, i64), DbErr> {
    let (db, version) = (&follower.db, follower.version().await?);
    let last = match seen {
        Some((seen_version, last)) if seen_version == version => return Ok((version, last)),
        Some((_, last)) => last,
        None => return Ok((version, latest_id(db).await?)),
    };
    let changes = change_log::Entity::find()
        .filter(change_log::Column::Id.gt(last))
        .order_by_asc(change_log::Column::Id)
        .all(db)
        .await?;
    let last = changes.last().map_or(last, |change| change.id);
    let ids: Vec<i64> = changes.iter().map(|change| change.id).collect();
    let public: HashSet<i64> = match ids.is_empty() {
        true => HashSet::new(),
        false => history::public_among(db, &ids).await?.into_iter().collect(),
    };
    for row in changes {
        let public = public.contains(&row.id);
        // No subscriber is not an error.
        let _ = feed.sender.send(Arc::new(FedChange { row, public }));
    }
    Ok((version, last))
}

/// The id of the newest change, 0 when none.
async fn latest_id(db: &DatabaseConnection) -> Result<i64, DbErr> {
    let latest: Option<i64> = change_log::Entity::find()
        .select_only()
        .column(change_log::Column::Id)
        .order_by_desc(change_log::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(latest.unwrap_or(0))
}
