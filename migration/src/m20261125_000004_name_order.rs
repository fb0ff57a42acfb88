//! Ordering by name in the reader's order: a sort key per language on
//! institutions and speakers (`sort_zh`, `sort_ja`, `sort_en`), written by
//! the application whenever their names change, and a `reading` column on
//! their translations (the kana reading of a Japanese name, or a pinyin
//! override for a Chinese one).
//!
//! Sort keys compare byte by byte on both engines: SQLite's default BINARY
//! collation, and PostgreSQL's `"C"` collation on these columns, whatever
//! the database's own collation is.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OWNERS: [&str; 2] = ["institution", "speaker"];
const KEYS: [&str; 3] = ["sort_zh", "sort_ja", "sort_en"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for owner in OWNERS {
            for key in KEYS {
                let mut column = ColumnDef::new(key);
                column.text().not_null().default("");
                if postgres {
                    column.extra("COLLATE \"C\"");
                }
                let alter = Table::alter().table(owner).add_column(column).to_owned();
                manager.alter_table(alter).await?;
            }
            let reading = ColumnDef::new("reading").text().null().to_owned();
            let translations = format!("{owner}_translation");
            let alter = Table::alter()
                .table(translations)
                .add_column(reading)
                .to_owned();
            manager.alter_table(alter).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for owner in OWNERS {
            for key in KEYS {
                let alter = Table::alter().table(owner).drop_column(key).to_owned();
                manager.alter_table(alter).await?;
            }
            let translations = format!("{owner}_translation");
            let alter = Table::alter()
                .table(translations)
                .drop_column("reading")
                .to_owned();
            manager.alter_table(alter).await?;
        }
        Ok(())
    }
}
