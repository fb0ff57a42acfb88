//! Opening the database, migrating it, and telling whether it holds data.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sea_orm::sqlx::{self, ConnectOptions as _};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, IsolationLevel, TransactionTrait,
};
use std::time::Duration;

/// How long opening the database may take before start-up fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long SQLite waits for a lock before answering `database is locked`
/// (also how long opening a locked new file is tried again).
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the database could not be opened, in words that name where it was
/// looked for.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL does not parse.
    #[error("{0:?} is not a usable database URL: {1}")]
    BadUrl(String, String),
    /// The server or file could not be reached or opened.
    #[error("cannot connect to {place}: {cause}")]
    Unreachable {
        /// `PostgreSQL at HOST:PORT (user U, database D)` or `SQLite file F`.
        place: String,
        /// The cause, as the network, the operating system or the server said it.
        cause: String,
    },
    /// The SQLite file, or its directory, cannot be written.
    #[error("{0}")]
    NotWritable(String),
}

/// Opens a pool on `url` (`sqlite:` or `postgres:`), failing within a few
/// seconds with the host, port (or file) and cause when it cannot.
///
/// A SQLite file is created when missing and put in WAL mode, so readers
/// never wait for a writer; foreign keys are enforced on both engines.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, ConnectError> {
    probe(url).await?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        // PostgreSQL's own plan caching (`plan_cache_mode = auto`): a
        // prepared statement whose generic plan is no costlier than its
        // custom ones stops being planned at every run after five. Planning
        // the page and tree statements was most of PostgreSQL's time per
        // page. Search asks for plans of its own ([`custom_plans`]).
        .sqlx_logging(false)
        // A connection is pinged before use only after 30 s idle, not at
        // every acquire: one round trip less per request (list page, seven
        // alternating pairs: median +44 req/s, p99 lower in six). The cost:
        // after a database restart, a busy connection's next statement
        // fails once (the request answers with an error) and sqlx drops it.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
        });
    connect_when_unlocked(options)
        .await
        .map_err(|error| ConnectError::Unreachable {
            place: url_place(url),
            cause: error.to_string(),
        })
}

/// Opens the pool, trying again while SQLite says the file is locked: two
/// processes opening a new file at once both switch it to WAL, and SQLite
/// answers one of them `database is locked` at once instead of waiting its
/// busy timeout. Gives up after that timeout (10 s), like a locked write.
async fn connect_when_unlocked(options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    let started = std::time::Instant::now();
    loop {
        match Database::connect(options.clone()).await {
            Err(error)
                if error.to_string().contains("database is locked")
                    && started.elapsed() < SQLITE_BUSY_TIMEOUT =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            opened => return opened,
        }
    }
}

/// A read-only transaction whose statements are each planned for their
/// own parameters (PostgreSQL's `plan_cache_mode = force_custom_plan`,
/// for this transaction only). Search needs it: a generic plan for a token
/// lookup walks the whole index in id order when the token is rare.
pub async fn custom_plans(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db
        .begin_with_config(None, Some(AccessMode::ReadOnly))
        .await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await?;
    }
    Ok(txn)
}

/// A pool on the PostgreSQL standby at `url` that connects when first
/// used (a standby down at start does not stop the server), and where it
/// is (`HOST:PORT/DATABASE`, never the password).
pub async fn connect_lazily(
    url: &str,
    max_connections: u32,
) -> Result<(String, DatabaseConnection), ConnectError> {
    let bad_url = |e: String| ConnectError::BadUrl(url.to_owned(), e);
    if !url.starts_with("postgres") {
        return Err(bad_url(
            "a standby is a PostgreSQL database (postgres://...)".to_owned(),
        ));
    }
    let parsed = url
        .parse::<PgConnectOptions>()
        .map_err(|e| bad_url(e.to_string()))?;
    let place = format!(
        "{}:{}/{}",
        parsed.get_host(),
        parsed.get_port(),
        parsed.get_database().unwrap_or(parsed.get_username())
    );
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(0)
        .connect_lazy(true)
        // A standby that stops answering costs a request at most half a
        // second (sqlx tries connecting again until the acquire timeout)
        // before it is run on the primary instead; a pool that has no
        // connection free for that long sends the request there too.
        .connect_timeout(Duration::from_millis(500))
        .acquire_timeout(Duration::from_millis(500))
        .sqlx_logging(false)
        .test_before_acquire_if_idle_for(Duration::from_secs(30));
    let db = Database::connect(options)
        .await
        .map_err(|error| ConnectError::Unreachable {
            place: place.clone(),
            cause: error.to_string(),
        })?;
    Ok((place, db))
}

/// Opens and closes one connection, so a refusal is told at once with its
/// cause (a pool would retry until its timeout and then only say so).
async fn probe(url: &str) -> Result<(), ConnectError> {
    let bad_url = |e: sqlx::Error| ConnectError::BadUrl(url.to_owned(), e.to_string());
    if url.starts_with("sqlite:") {
        let options = url
            .parse::<SqliteConnectOptions>()
            .map_err(bad_url)?
            .create_if_missing(true);
        if !options.get_filename().as_os_str().is_empty() && !url.contains("memory") {
            writable(options.get_filename())?;
        }
        let place = format!("SQLite file {}", options.get_filename().display());
        return open_once(place, options.connect()).await;
    }
    let options = url.parse::<PgConnectOptions>().map_err(bad_url)?;
    open_once(postgres_place(&options), options.connect()).await
}

/// Checks that the SQLite file at `file` can be written, and its directory
/// too (SQLite writes `FILE-wal`, `FILE-shm` and the start-up lock
/// `FILE.lock` beside it); says which is not, by its absolute path, and
/// what to do.
fn writable(file: &std::path::Path) -> Result<(), ConnectError> {
    let file = std::path::absolute(file).unwrap_or_else(|_| file.to_owned());
    let directory = file.parent().unwrap_or(std::path::Path::new("/"));
    let elsewhere = "or choose a writable place: --database-url sqlite:///PATH/medexchange.db";
    if !directory.is_dir() {
        return Err(ConnectError::NotWritable(format!(
            "the directory of the SQLite file {}, {}, does not exist: create it (mkdir -p {}), {elsewhere}",
            file.display(),
            directory.display(),
            directory.display()
        )));
    }
    if file.exists()
        && std::fs::OpenOptions::new()
            .append(true)
            .open(&file)
            .is_err()
    {
        return Err(ConnectError::NotWritable(format!(
            "the SQLite file {} is read-only for this user: make it writable (chmod u+w {}), {elsewhere}",
            file.display(),
            file.display()
        )));
    }
    let probe = directory.join(format!(".medexchange-write-check-{}", std::process::id()));
    match std::fs::File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(error) => Err(ConnectError::NotWritable(format!(
            "the directory {} cannot be written ({error}), and SQLite writes {} and its journal \
             files there: make the directory writable for this user, {elsewhere}",
            directory.display(),
            file.display()
        ))),
    }
}

/// Awaits one connection attempt for at most [`CONNECT_TIMEOUT`], then
/// closes the connection.
async fn open_once<C: sqlx::Connection>(
    place: String,
    attempt: impl Future<Output = Result<C, sqlx::Error>>,
) -> Result<(), ConnectError> {
    let cause = match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            return Ok(());
        }
        Ok(Err(error)) => cause(&error),
        Err(_) => format!("no answer within {CONNECT_TIMEOUT:?}"),
    };
    Err(ConnectError::Unreachable { place, cause })
}

/// `PostgreSQL at HOST:PORT (user U, database D)`.
fn postgres_place(options: &PgConnectOptions) -> String {
    format!(
        "PostgreSQL at {}:{} (user {}, database {})",
        options.get_host(),
        options.get_port(),
        options.get_username(),
        options.get_database().unwrap_or(options.get_username())
    )
}

/// Where `url` points, for messages (never its password).
fn url_place(url: &str) -> String {
    if url.starts_with("sqlite:") {
        return url.to_owned();
    }
    match url.parse::<PgConnectOptions>() {
        Ok(options) => postgres_place(&options),
        Err(_) => url.to_owned(),
    }
}

/// The cause of a connection error as the server or system said it (the
/// server's message without its source line).
fn cause(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(error) => error.message().to_owned(),
        sqlx::Error::Io(error) => error.to_string(),
        other => other.to_string(),
    }
}

/// Applies every pending migration, holding the start-up lock (see
/// [`super::startup`]) so processes started together migrate once.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    super::startup::exclusively(db, migrate_unlocked(db)).await
}

/// Applies every pending migration; the caller holds the start-up lock.
/// Then fills in what a migration added but only the application can
/// compute (name sort keys).
pub(crate) async fn migrate_unlocked(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await?;
    super::sort_keys::fill_missing(db).await
}

/// Whether the archive holds no institutions and no exchanges yet.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let institution = entity::institution::Entity::find().one(db).await?;
    let exchange = entity::exchange::Entity::find().one(db).await?;
    Ok(institution.is_none() && exchange.is_none())
}

/// A read-only transaction seeing one snapshot (repeatable read on
/// PostgreSQL; SQLite's transactions always do).
pub async fn read_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let (isolation, access) = (IsolationLevel::RepeatableRead, AccessMode::ReadOnly);
            db.begin_with_config(Some(isolation), Some(access)).await
        }
        _ => db.begin().await,
    }
}
