//! Append-only schema migrations of the medexchange archive.
//!
//! Never edit a migration that has shipped: add a new one at the end of
//! [`Migrator::migrations`].

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_archive;
mod m20261125_000002_search_index;
mod m20261125_000003_data_version;
mod m20261125_000004_name_order;
mod m20261125_000005_api_tokens;
mod m20261125_000006_history;
mod m20261126_000007_soft_delete;
mod m20261203_000008_images;
mod m20261203_000009_reload_version;
mod m20261204_000010_write_rate;

/// Runs every migration of the archive, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_archive::Migration),
            Box::new(m20261125_000002_search_index::Migration),
            Box::new(m20261125_000003_data_version::Migration),
            Box::new(m20261125_000004_name_order::Migration),
            Box::new(m20261125_000005_api_tokens::Migration),
            Box::new(m20261125_000006_history::Migration),
            Box::new(m20261126_000007_soft_delete::Migration),
            Box::new(m20261203_000008_images::Migration),
            Box::new(m20261203_000009_reload_version::Migration),
            Box::new(m20261204_000010_write_rate::Migration),
        ]
    }
}
