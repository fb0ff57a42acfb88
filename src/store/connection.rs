//! Opening the database, migrating it, and telling whether it holds data.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, EntityTrait};
use std::time::Duration;

/// Opens a pool on `url` (`sqlite:` or `postgres:`).
///
/// A SQLite file is created when missing and put in WAL mode, so readers
/// never wait for a writer; foreign keys are enforced on both engines.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max_connections)
        .min_connections(0)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // Plan every statement for its own parameters: a generic plan for a
        // prefix or token lookup can pick a full scan in id order.
        .map_sqlx_postgres_opts(|opts| opts.options([("plan_cache_mode", "force_custom_plan")]))
        .map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
        });
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Whether the archive holds no institutions and no exchanges yet.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    let institution = entity::institution::Entity::find().one(db).await?;
    let exchange = entity::exchange::Entity::find().one(db).await?;
    Ok(institution.is_none() && exchange.is_none())
}
