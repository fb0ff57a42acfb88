//! The start-up lock: processes started together on one database migrate
//! and load the first data one at a time, so each step runs exactly once
//! and the others find it done.
//!
//! - PostgreSQL: a session advisory lock, taken on a connection of its own
//!   (outside the pool, so the work under the lock can use every pooled
//!   connection). It is released when the work ends, or by the server when
//!   the process dies.
//! - SQLite: an exclusive lock on a file beside the database (`FILE.lock`),
//!   released when the work ends or the process dies. SQLite's own locks
//!   cannot serve: the migration runs many transactions, and an exclusive
//!   transaction held around it would block the migration itself.
//! - An in-memory SQLite database belongs to one process and needs none.

use sea_orm::sqlx::{self, Connection as _};
use sea_orm::{DatabaseConnection, DbBackend, DbErr};
use std::fs::File;
use std::path::PathBuf;

/// The advisory lock's key: "medexchange startup", as 64 bits.
const ADVISORY_KEY: i64 = 0x6d65_6478_5354_5254;

/// Runs `work` while no other process runs its own start-up work on the
/// same database.
pub async fn exclusively<T, E: From<DbErr>>(
    db: &DatabaseConnection,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let options = db.get_postgres_connection_pool().connect_options();
            let mut lock = sqlx::PgConnection::connect_with(&options)
                .await
                .map_err(conn_err)?;
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(ADVISORY_KEY)
                .execute(&mut lock)
                .await
                .map_err(conn_err)?;
            let result = work.await;
            // Closing the session releases the lock even if unlocking fails.
            let _ = lock.close().await;
            result
        }
        DbBackend::Sqlite => {
            let Some(path) = lock_file(db) else {
                return work.await;
            };
            let file = tokio::task::spawn_blocking(move || lock_exclusively(path))
                .await
                .map_err(|e| DbErr::Custom(format!("start-up lock: {e}")))??;
            let result = work.await;
            drop(file);
            result
        }
        other => Err(DbErr::Custom(format!("unsupported database {other:?}")).into()),
    }
}

/// `FILE.lock` beside the database file, or none for an in-memory database.
fn lock_file(db: &DatabaseConnection) -> Option<PathBuf> {
    let options = db.get_sqlite_connection_pool().connect_options();
    let file = options.get_filename();
    let name = file.to_string_lossy();
    if name.is_empty() || name == ":memory:" || name.starts_with("file:") {
        return None;
    }
    let mut lock = file.as_os_str().to_owned();
    lock.push(".lock");
    Some(PathBuf::from(lock))
}

/// Opens `path` and waits for its exclusive lock, held until the file is
/// closed.
fn lock_exclusively(path: PathBuf) -> Result<File, DbErr> {
    let locked = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .and_then(|file| file.lock().map(|()| file));
    locked.map_err(|e| DbErr::Custom(format!("start-up lock {}: {e}", path.display())))
}

fn conn_err(error: sqlx::Error) -> DbErr {
    DbErr::Custom(format!("start-up lock: {error}"))
}
