//! The per-token write rate limit: each writer's token may run
//! `writes_per_minute` mutations a minute, in bursts of up to that many (a
//! token bucket refilled evenly), **across every process**: the buckets
//! are kept in the database all processes share (table `write_rate`), or
//! in Redis with `--redis-url`. N processes behind a balancer give a token
//! the rate once, not N times.
//!
//! Fails closed: when the buckets cannot be read (Redis down, the database
//! unreachable), writes are refused with `WRITE_RATE_UNAVAILABLE` (503,
//! `Retry-After`) and reads go on, untouched by the limit.

use crate::store::DatabaseConnection;
use crate::store::redis::Redis;
use crate::store::write_rate::{self, Rate};
use std::sync::Arc;
use std::time::Duration;

/// Where the buckets are, and the rate.
pub struct WriteRate {
    rate: Rate,
    buckets: Buckets,
}

enum Buckets {
    Database(DatabaseConnection),
    Redis(Arc<Redis>),
}

/// Why writes were not taken.
#[derive(Debug)]
pub enum NotTaken {
    /// The bucket holds too few: try again after this long.
    Wait(Duration),
    /// The buckets cannot be read: nothing is allowed.
    Unknown(String),
}

impl WriteRate {
    /// `per_minute` writes per token (0: any number), the buckets in `db`.
    pub fn in_database(db: DatabaseConnection, per_minute: u32) -> Self {
        WriteRate {
            rate: Rate { per_minute },
            buckets: Buckets::Database(db),
        }
    }

    /// `per_minute` writes per token (0: any number), the buckets in Redis.
    pub fn in_redis(redis: Arc<Redis>, per_minute: u32) -> Self {
        WriteRate {
            rate: Rate { per_minute },
            buckets: Buckets::Redis(redis),
        }
    }

    /// Takes `writes` from `token`'s bucket; when it holds too few, takes
    /// nothing and says how long until it does.
    pub async fn take(&self, token: &str, writes: usize) -> Result<(), NotTaken> {
        if self.rate.per_minute == 0 || writes == 0 {
            return Ok(());
        }
        match self.run(token, writes as f64).await {
            Ok(taken) => taken.map_err(NotTaken::Wait),
            Err(error) => {
                tracing::error!(error, "cannot read the shared write rate; refusing writes");
                Err(NotTaken::Unknown(error))
            }
        }
    }

    /// Gives back `writes` taken for a request that then wrote nothing
    /// (refused before it ran).
    pub async fn give_back(&self, token: &str, writes: usize) {
        if self.rate.per_minute == 0 || writes == 0 {
            return;
        }
        if let Err(error) = self.run(token, -(writes as f64)).await {
            tracing::warn!(error, "cannot give writes back to the shared write rate");
        }
    }

    async fn run(&self, token: &str, writes: f64) -> Result<Result<(), Duration>, String> {
        match &self.buckets {
            Buckets::Database(db) => write_rate::take(db, token, writes, self.rate)
                .await
                .map_err(|e| format!("the database: {e}")),
            Buckets::Redis(redis) => redis.take(token, writes, self.rate).await,
        }
    }
}
