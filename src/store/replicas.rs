//! Reads from PostgreSQL standbys (`--database-read-url`), writes to the
//! primary.
//!
//! What goes where:
//! - **standbys**: each query request's statements (pages, trees, search,
//!   history, CSV, stats by statement), chosen per request in turn among
//!   the standbys in rotation;
//! - **the primary**: mutations, tokens, history writes, migrations,
//!   subscriptions' events (a subscriber is told of a change the moment the
//!   primary has it, and reads it there), and what each process keeps in
//!   memory and follows by the data version (the catalog of hospitals,
//!   speakers and specialties, the analysts' fact table, the data version
//!   itself): one small read per write and per poll, not per request.
//!
//! **Consistency by the data version, not by WAL positions.** A standby is
//! chosen for a request only when the data version it has replayed is at
//! least the version the request needs: the version this process serves
//! from memory (so a remembered answer is never computed from older rows
//! than its key says, and rows are never older than the catalog they are
//! read with), or the one the client sends back after its own write
//! (`Medexchange-Read-After`, see `docs/operations.md`), whichever is newer.
//! The data version moves in the transaction of every write, so a standby
//! showing version V has replayed every write up to V's. It is the number
//! the caches already follow, comparable across processes and databases;
//! an LSN would have needed a second number beside it, and says nothing on
//! a database without WAL. When no standby has the version, the request
//! waits for one up to `--replica-wait-ms` (probing every few
//! milliseconds), then reads from the primary; a standby that missed a
//! version in a wait is not waited for again for that version.
//!
//! **Health.** Every [`CHECK_EVERY`] the primary's WAL insert position and
//! each standby's replay position and data version are read. A standby's
//! lag is how long ago the primary first stood beyond the position it has
//! replayed (0 when it has replayed all the primary had); a standby that
//! does not answer, or lags more than `--max-replica-lag-ms`, is out of
//! rotation until a check finds it back. With no standby in rotation,
//! reads go to the primary. A query that fails on a standby is run again
//! on the primary (queries change nothing), so clients see no error.

use super::connection::ConnectError;
use super::data_version::DataVersionWatch;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the primary's position and the standbys' are read.
pub const CHECK_EVERY: Duration = Duration::from_millis(100);
/// How long one health check or probe may take before the standby counts
/// as not answering.
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);
/// Time between two probes of a standby a request waits for.
const PROBE_EVERY: Duration = Duration::from_millis(5);

/// The primary's WAL insert position, in bytes from the start.
const PRIMARY_POSITION: &str =
    "SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint AS lsn";
/// A standby's replay position and data version, in one statement (a
/// database that is not in recovery answers its insert position).
const STANDBY_POSITION: &str = "SELECT (CASE WHEN pg_is_in_recovery() \
     THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END \
     - '0/0'::pg_lsn)::bigint AS lsn, \
     (SELECT version FROM data_version WHERE id = 1) AS version";

/// How standbys are chosen and checked.
#[derive(Clone, Copy, Debug)]
pub struct ReplicaOptions {
    /// A standby lagging more is out of rotation.
    pub max_lag: Duration,
    /// Longest a request waits for a standby to replay the version it
    /// needs before reading from the primary.
    pub wait: Duration,
}

impl Default for ReplicaOptions {
    fn default() -> Self {
        ReplicaOptions {
            max_lag: Duration::from_millis(1000),
            wait: Duration::from_millis(100),
        }
    }
}

/// The primary and the standbys reads may go to.
pub struct Replicas {
    primary: DatabaseConnection,
    /// The data version this process serves from memory (read from the
    /// primary): the least a standby must have replayed to be read.
    watch: Option<Arc<DataVersionWatch>>,
    standbys: Vec<Standby>,
    options: ReplicaOptions,
    /// Turn of the next request among the standbys ready.
    next: AtomicUsize,
    /// Reads the primary answered.
    primary_reads: AtomicU64,
    /// The primary's WAL positions read lately, oldest first.
    positions: Mutex<VecDeque<(Instant, i64)>>,
}

/// One standby: where it is, its pool, what the last check found.
struct Standby {
    /// `HOST:PORT/DATABASE`, for `/readyz`, metrics and logs.
    place: String,
    db: DatabaseConnection,
    health: Mutex<Health>,
    reads: AtomicU64,
}

/// What is known of a standby.
#[derive(Clone, Debug, Default)]
struct Health {
    /// It answered the last check (or probe).
    answers: bool,
    /// The data version it had replayed then.
    version: i64,
    /// Its replay lag then; `None` before the primary's position is known.
    lag: Option<Duration>,
    /// A version a request waited for in vain: not waited for again.
    missed: i64,
    /// Why it did not answer.
    error: Option<String>,
}

/// The database a request reads from.
#[derive(Clone)]
pub struct Reader {
    /// Its pool.
    pub db: DatabaseConnection,
    /// The standby, by its index; `None` for the primary.
    standby: Option<usize>,
}

impl Reader {
    /// Whether a standby answers.
    pub fn is_standby(&self) -> bool {
        self.standby.is_some()
    }
}

impl Replicas {
    /// The primary and these standbys (place, pool), a standby read only
    /// once it has replayed the version `watch` read; with standbys, checks
    /// them every [`CHECK_EVERY`] for as long as it is alive (on the
    /// current tokio runtime).
    pub fn new(
        primary: DatabaseConnection,
        standbys: Vec<(String, DatabaseConnection)>,
        options: ReplicaOptions,
        watch: Option<Arc<DataVersionWatch>>,
    ) -> Arc<Replicas> {
        let standbys = standbys
            .into_iter()
            .map(|(place, db)| Standby {
                place,
                db,
                health: Mutex::default(),
                reads: AtomicU64::new(0),
            })
            .collect::<Vec<_>>();
        let replicas = Arc::new(Replicas {
            primary,
            watch,
            standbys,
            options,
            next: AtomicUsize::new(0),
            primary_reads: AtomicU64::new(0),
            positions: Mutex::default(),
        });
        if !replicas.standbys.is_empty() {
            let checks = super::while_alive(
                Arc::downgrade(&replicas),
                CHECK_EVERY,
                |replicas| async move {
                    replicas.check().await;
                },
            );
            tokio::spawn(checks);
        }
        replicas
    }

    /// The primary's pool.
    pub fn primary(&self) -> &DatabaseConnection {
        &self.primary
    }

    /// Whether a standby is in rotation (reads go on without the primary).
    pub fn standby_in_rotation(&self) -> bool {
        !self.in_rotation().is_empty()
    }

    /// After a client's write (it sends the data version its write left,
    /// `read_after`): when this process has not seen that version yet, it
    /// reads the version now, so what it serves from memory and the
    /// standbys it reads are at least as new as the write. A version from
    /// the future (no such write) costs that one read and nothing more.
    pub async fn catch_up(&self, read_after: i64) {
        if let Some(watch) = &self.watch
            && watch.current().is_none_or(|seen| seen < read_after)
        {
            watch.refresh(&self.primary).await;
        }
    }

    /// The data version this process serves, once a write committed: read
    /// from the primary (a mutation's answer carries it, so its client can
    /// ask for it back, see [`Replicas::catch_up`]).
    pub async fn version_after_write(&self) -> Option<i64> {
        match &self.watch {
            Some(watch) => {
                watch.refresh(&self.primary).await;
                watch.current()
            }
            None => super::data_version::read(&self.primary).await.ok(),
        }
    }

    /// The database a query reads from: a standby in rotation that has
    /// replayed the data version this process serves (in turn), else one
    /// that replays it within the wait, else the primary.
    pub async fn reader(&self) -> Reader {
        if self.standbys.is_empty() {
            return self.reading_primary();
        }
        let needed = self
            .watch
            .as_ref()
            .and_then(|watch| watch.current())
            .unwrap_or(i64::MIN);
        let in_rotation = self.in_rotation();
        let ready: Vec<usize> = in_rotation
            .iter()
            .filter(|(_, health)| health.version >= needed)
            .map(|(i, _)| *i)
            .collect();
        if !ready.is_empty() {
            let turn = self.next.fetch_add(1, Ordering::Relaxed) % ready.len();
            return self.reading_standby(ready[turn]);
        }
        let waiting: Vec<usize> = in_rotation
            .iter()
            .filter(|(_, health)| health.missed < needed)
            .map(|(i, _)| *i)
            .collect();
        match self.wait_for(waiting, needed).await {
            Some(index) => self.reading_standby(index),
            None => self.reading_primary(),
        }
    }

    /// After a query failed on `reader`'s standby: it is out of rotation
    /// until a check finds it answering.
    pub fn failed(&self, reader: &Reader, error: &str) {
        if let Some(standby) = reader.standby.and_then(|i| self.standbys.get(i)) {
            tracing::warn!(standby = %standby.place, error, "a query failed on a standby; reading from the primary");
            standby.update(|health| {
                health.answers = false;
                health.error = Some(error.to_owned());
            });
        }
    }

    /// Which database `reader` is: `primary`, or the standby's place.
    pub fn name_of(&self, reader: &Reader) -> &str {
        match reader.standby.and_then(|i| self.standbys.get(i)) {
            Some(standby) => &standby.place,
            None => "primary",
        }
    }

    /// The primary, as the reader.
    fn reading_primary(&self) -> Reader {
        self.primary_reads.fetch_add(1, Ordering::Relaxed);
        Reader {
            db: self.primary.clone(),
            standby: None,
        }
    }

    fn reading_standby(&self, index: usize) -> Reader {
        let standby = &self.standbys[index];
        standby.reads.fetch_add(1, Ordering::Relaxed);
        Reader {
            db: standby.db.clone(),
            standby: Some(index),
        }
    }

    /// The standbys in rotation, with what is known of them.
    fn in_rotation(&self) -> Vec<(usize, Health)> {
        self.standbys
            .iter()
            .enumerate()
            .map(|(i, standby)| (i, standby.health()))
            .filter(|(_, health)| self.is_in_rotation(health))
            .collect()
    }

    fn is_in_rotation(&self, health: &Health) -> bool {
        health.answers && health.lag.is_none_or(|lag| lag <= self.options.max_lag)
    }

    /// Probes `waiting` until one has replayed version `needed` (its
    /// index), or the wait is over (`None`; each is then marked as having
    /// missed it).
    async fn wait_for(&self, mut waiting: Vec<usize>, needed: i64) -> Option<usize> {
        let deadline = Instant::now() + self.options.wait;
        while !waiting.is_empty() {
            for &index in &waiting {
                let standby = &self.standbys[index];
                match standby.probe_version().await {
                    Ok(version) if version >= needed => return Some(index),
                    Ok(_) => {}
                    Err(error) => standby.update(|health| {
                        health.answers = false;
                        health.error = Some(error);
                    }),
                }
            }
            waiting.retain(|&index| self.standbys[index].health().answers);
            if Instant::now() + PROBE_EVERY >= deadline {
                break;
            }
            tokio::time::sleep(PROBE_EVERY).await;
        }
        for index in waiting {
            self.standbys[index].update(|health| health.missed = health.missed.max(needed));
        }
        None
    }

    /// One round of checks: the primary's position, then each standby's.
    async fn check(&self) {
        let now = Instant::now();
        match position(&self.primary, PRIMARY_POSITION).await {
            Ok((lsn, _)) => self.remember_position(now, lsn),
            Err(error) => tracing::debug!(error, "cannot read the primary's WAL position"),
        }
        let checks = self.standbys.iter().map(|standby| async move {
            let found = position(&standby.db, STANDBY_POSITION).await;
            let lag = found.as_ref().ok().and_then(|(lsn, _)| self.lag_of(*lsn));
            standby.checked(found, lag);
        });
        futures_util::future::join_all(checks).await;
    }

    fn remember_position(&self, at: Instant, lsn: i64) {
        let keep = (self.options.max_lag * 4).max(Duration::from_secs(10));
        if let Ok(mut positions) = self.positions.lock() {
            positions.push_back((at, lsn));
            while positions
                .front()
                .is_some_and(|(seen, _)| at.duration_since(*seen) > keep)
            {
                positions.pop_front();
            }
        }
    }

    /// How long ago the primary first stood beyond `replayed`: 0 when it
    /// never did as far as it is remembered; `None` when no position of
    /// the primary is known.
    fn lag_of(&self, replayed: i64) -> Option<Duration> {
        let positions = self.positions.lock().ok()?;
        let (_, newest) = positions.back()?;
        if replayed >= *newest {
            return Some(Duration::ZERO);
        }
        let (since, _) = positions.iter().find(|(_, lsn)| *lsn > replayed)?;
        Some(since.elapsed())
    }

    /// Which database each pool uses, a line each, for `/readyz`.
    pub fn describe(&self) -> String {
        let mut lines = String::from("writes: the primary\n");
        if self.standbys.is_empty() {
            lines.push_str("reads: the primary (no standby configured)\n");
            return lines;
        }
        let in_rotation = self.in_rotation();
        if in_rotation.is_empty() {
            lines.push_str("reads: the primary (no standby in rotation)\n");
        }
        for (i, standby) in self.standbys.iter().enumerate() {
            let health = standby.health();
            let state = match (in_rotation.iter().any(|(j, _)| *j == i), &health) {
                (true, _) => "in rotation".to_owned(),
                (
                    false,
                    Health {
                        answers: false,
                        error,
                        ..
                    },
                ) => {
                    format!(
                        "out of rotation: not answering ({})",
                        error.as_deref().unwrap_or("not checked yet")
                    )
                }
                (false, _) => format!(
                    "out of rotation: lags more than {} ms",
                    self.options.max_lag.as_millis()
                ),
            };
            let lag = health
                .lag
                .map(|lag| format!(", lag {} ms", lag.as_millis()));
            lines.push_str(&format!(
                "reads: standby {} ({state}{})\n",
                standby.place,
                lag.unwrap_or_default()
            ));
        }
        lines
    }

    /// The standbys' health and the reads each database answered, in
    /// Prometheus' text format.
    pub fn render_metrics(&self) -> String {
        let mut text = String::from(
            "# HELP medexchange_reads_total Query requests each database answered.\n\
             # TYPE medexchange_reads_total counter\n",
        );
        text += &format!(
            "medexchange_reads_total{{database=\"primary\"}} {}\n",
            self.primary_reads.load(Ordering::Relaxed)
        );
        for standby in &self.standbys {
            text += &format!(
                "medexchange_reads_total{{database=\"{}\"}} {}\n",
                standby.place,
                standby.reads.load(Ordering::Relaxed)
            );
        }
        if self.standbys.is_empty() {
            return text;
        }
        text += "# HELP medexchange_replica_lag_seconds How far each standby's replay is behind the primary.\n\
                 # TYPE medexchange_replica_lag_seconds gauge\n";
        let mut rotation = String::from(
            "# HELP medexchange_replica_in_rotation Whether reads go to the standby (1) or not (0).\n\
             # TYPE medexchange_replica_in_rotation gauge\n",
        );
        for standby in &self.standbys {
            let health = standby.health();
            if let Some(lag) = health.lag.filter(|_| health.answers) {
                text += &format!(
                    "medexchange_replica_lag_seconds{{standby=\"{}\"}} {:.3}\n",
                    standby.place,
                    lag.as_secs_f64()
                );
            }
            rotation += &format!(
                "medexchange_replica_in_rotation{{standby=\"{}\"}} {}\n",
                standby.place,
                u8::from(self.is_in_rotation(&health))
            );
        }
        text + &rotation
    }
}

impl Standby {
    fn health(&self) -> Health {
        self.health.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn update(&self, change: impl FnOnce(&mut Health)) {
        if let Ok(mut health) = self.health.lock() {
            change(&mut health);
        }
    }

    /// Records a check's finding: its position and version, or its error.
    fn checked(&self, found: Result<(i64, i64), String>, lag: Option<Duration>) {
        let was_answering = self.health().answers;
        match found {
            Ok((_, version)) => self.update(|health| {
                health.answers = true;
                health.version = health.version.max(version);
                health.lag = lag;
                health.error = None;
            }),
            Err(error) => {
                if was_answering {
                    tracing::warn!(standby = %self.place, error, "standby not answering: out of rotation");
                }
                self.update(|health| {
                    health.answers = false;
                    health.error = Some(error);
                });
            }
        }
        if !was_answering && self.health().answers {
            tracing::info!(standby = %self.place, "standby answering");
        }
    }

    /// The data version it has replayed, read now.
    async fn probe_version(&self) -> Result<i64, String> {
        let version = within_check_timeout(super::data_version::read(&self.db)).await?;
        self.update(|health| health.version = health.version.max(version));
        Ok(version)
    }
}

/// A WAL position (and, when the statement reads one, a data version).
async fn position(db: &DatabaseConnection, sql: &str) -> Result<(i64, i64), String> {
    let statement = Statement::from_string(db.get_database_backend(), sql);
    let read = async {
        let row = db.query_one_raw(statement).await?;
        let row = row.ok_or_else(|| DbErr::RecordNotFound("position".to_owned()))?;
        let lsn = row.try_get::<i64>("", "lsn")?;
        let version = row.try_get::<i64>("", "version").unwrap_or_default();
        Ok::<_, DbErr>((lsn, version))
    };
    within_check_timeout(read).await
}

/// `read`'s result, or an error when it takes longer than [`CHECK_TIMEOUT`].
async fn within_check_timeout<T>(
    read: impl std::future::Future<Output = Result<T, DbErr>>,
) -> Result<T, String> {
    tokio::time::timeout(CHECK_TIMEOUT, read)
        .await
        .map_err(|_| format!("no answer within {CHECK_TIMEOUT:?}"))?
        .map_err(|e| e.to_string())
}

/// Opens a pool on each standby's `urls` (PostgreSQL only), without
/// connecting yet: a standby down at start is out of rotation until it
/// answers, and the server starts anyway.
pub async fn open_standbys(
    urls: &[String],
    max_connections: u32,
) -> Result<Vec<(String, DatabaseConnection)>, ConnectError> {
    let mut standbys = Vec::with_capacity(urls.len());
    for url in urls {
        standbys.push(super::connection::connect_lazily(url, max_connections).await?);
    }
    Ok(standbys)
}
