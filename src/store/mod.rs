//! Data access: every query the API and the CLI run, with no GraphQL in it.
//!
//! Functions take any [`ConnectionTrait`] so they run the same on a pool or
//! inside a transaction, on SQLite and on PostgreSQL.

pub mod analytics;
pub mod batch;
pub mod bulk;
pub mod catalog;
pub mod change_feed;
pub mod connection;
pub mod data_version;
pub mod exchange_tree;
pub mod exchanges;
pub mod history;
pub mod images;
pub mod listing;
pub mod page;
pub mod partnerships;
pub mod records;
pub mod redis;
pub mod replicas;
pub mod rows;
pub mod search;
pub mod search_index;
pub mod snapshot;
pub mod sort_keys;
mod sql;
pub mod startup;
pub mod stats;
pub mod tokens;
pub mod translation_gaps;
pub mod translations;
pub mod write_rate;
pub mod writer;

pub use connection::{ConnectError, connect, is_empty, migrate};
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr};

/// Runs `step` on `target` every `interval` (a late tick is not made up
/// for), for as long as something else holds the target: the process's
/// pollers (the data version, the standbys' health) stop with what they
/// feed.
pub(crate) async fn while_alive<T, F, Fut>(
    target: std::sync::Weak<T>,
    interval: std::time::Duration,
    mut step: F,
) where
    F: FnMut(std::sync::Arc<T>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(target) = target.upgrade() else {
            return;
        };
        step(target).await;
    }
}

/// After a bulk write: refreshes PostgreSQL's planner statistics, so the
/// first queries after it are planned on what the tables now hold rather
/// than after autovacuum's next round (SQLite plans without them); on
/// SQLite, moves the write-ahead log into the database file and empties
/// it, so the next process to open the file does not read gigabytes of
/// log first (a million generated exchanges leave ~7 GB).
pub async fn after_bulk_write(db: &DatabaseConnection) -> Result<(), DbErr> {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => db.execute_unprepared("ANALYZE").await?,
        _ => {
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?
        }
    };
    Ok(())
}
