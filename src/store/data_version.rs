//! The data version: a number in one row (`data_version`) that moves in the
//! same transaction as every write (import, generate, reindex), so what a
//! process remembers (cached answers) can be tied to the data it came from.
//!
//! Each process reads the row on a timer ([`DataVersionWatch`]) rather than
//! per request or by LISTEN/NOTIFY: one indexed one-row read every
//! `interval` (250 ms by default) costs nothing measurable, works the same on
//! SQLite and PostgreSQL and with any number of processes, and bounds how
//! long a commit made elsewhere can go unnoticed by the interval (plus the
//! read). A per-request read would cost a round trip on every cached answer;
//! NOTIFY would need a listening connection per process and still a read
//! after every reconnect. When the row cannot be read, the version is
//! unknown and nothing cached is served until it can.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// The version while the row cannot be read.
const UNKNOWN: i64 = i64::MIN;

/// Moves the data version; call inside the write's transaction.
pub async fn bump<C: ConnectionTrait>(txn: &C) -> Result<(), DbErr> {
    let sql = "UPDATE data_version SET version = version + 1 WHERE id = 1";
    txn.execute_raw(Statement::from_string(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

/// Moves the data version and the reload version: for a write the change
/// log does not describe record by record (see [`Marks`]).
pub async fn bump_for_reload<C: ConnectionTrait>(txn: &C) -> Result<(), DbErr> {
    let sql = "UPDATE data_version SET version = version + 1, \
               reload_version = reload_version + 1 WHERE id = 1";
    txn.execute_raw(Statement::from_string(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}

/// Where the archive stands, for what a process keeps derived from all of
/// it and follows through the change log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// The data version.
    pub version: i64,
    /// Moves with every write the change log does not describe record by
    /// record: what was derived must be read again whole.
    pub reload_version: i64,
    /// The newest change logged (0 when none).
    pub last_change: i64,
}

/// The [`Marks`] now, in one statement.
pub async fn marks<C: ConnectionTrait>(db: &C) -> Result<Marks, DbErr> {
    let sql = "SELECT version, reload_version, \
               (SELECT COALESCE(MAX(id), 0) FROM change_log) AS last_change \
               FROM data_version WHERE id = 1";
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("data_version".to_owned()))?;
    Ok(Marks {
        version: row.try_get("", "version")?,
        reload_version: row.try_get("", "reload_version")?,
        last_change: row.try_get("", "last_change")?,
    })
}

/// A logged change: the record's type, its id, and its diff.
pub type LoggedChange = (String, i32, String);

/// What was written since `seen`: the [`Marks`] now, and the changes
/// logged since, oldest first, when they describe every write since (the
/// reload version did not move) and are at most `most`; `None` when
/// whatever was derived from the archive must be read whole again.
pub async fn logged_since<C: ConnectionTrait>(
    db: &C,
    seen: &Marks,
    most: u64,
) -> Result<(Marks, Option<Vec<LoggedChange>>), DbErr> {
    use entity::change_log::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let now = marks(db).await?;
    if now.reload_version != seen.reload_version {
        return Ok((now, None));
    }
    let changes: Vec<LoggedChange> = Entity::find()
        .select_only()
        .columns([Column::RecordType, Column::RecordId, Column::Diff])
        .filter(Column::Id.gt(seen.last_change))
        .filter(Column::Id.lte(now.last_change))
        .order_by_asc(Column::Id)
        .limit(most + 1)
        .into_tuple()
        .all(db)
        .await?;
    let applicable = changes.len() as u64 <= most;
    Ok((now, applicable.then_some(changes)))
}

/// The data version now.
pub async fn read<C: ConnectionTrait>(db: &C) -> Result<i64, DbErr> {
    let sql = "SELECT version FROM data_version WHERE id = 1";
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("data_version".to_owned()))?;
    row.try_get::<i64>("", "version")
}

/// The data version as this process last read it.
pub struct DataVersionWatch {
    version: AtomicI64,
    /// Woken at every read.
    read: tokio::sync::Notify,
}

impl DataVersionWatch {
    /// A watch that reads `db`'s version at once and then every `interval`,
    /// for as long as the watch is alive (on the current tokio runtime).
    pub fn start(db: DatabaseConnection, interval: Duration) -> Arc<DataVersionWatch> {
        let watch = Arc::new(DataVersionWatch {
            version: AtomicI64::new(UNKNOWN),
            read: tokio::sync::Notify::new(),
        });
        let polls = super::while_alive(Arc::downgrade(&watch), interval, move |watch| {
            let db = db.clone();
            async move { watch.refresh(&db).await }
        });
        tokio::spawn(polls);
        watch
    }

    /// The version last read, or `None` when the last read failed.
    pub fn current(&self) -> Option<i64> {
        Some(self.version.load(Ordering::Acquire)).filter(|v| *v != UNKNOWN)
    }

    /// The version, once it is known (at once when it is): what is served
    /// from memory follows it from then on.
    pub async fn known(&self) -> i64 {
        loop {
            // Made before the check, so a read between the two still wakes it.
            let read = self.read.notified();
            if let Some(version) = self.current() {
                return version;
            }
            read.await;
        }
    }

    /// Reads the version now (after a write this process committed, so its
    /// own readers see the write at once). Never moves back: of two reads
    /// ending in the other order, the older does not undo the newer (a
    /// client that wrote asks for at least its write's version).
    pub async fn refresh(&self, db: &DatabaseConnection) {
        match read(db).await {
            Ok(version) => {
                self.version.fetch_max(version, Ordering::AcqRel);
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read the data version; not serving cached answers");
                self.version.store(UNKNOWN, Ordering::Release);
            }
        };
        self.read.notify_waiters();
    }
}
