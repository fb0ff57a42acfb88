//! Soft delete: a record an editor deletes keeps its row (and its id, texts
//! and children) with `deleted_at` set, so `restore*` brings it back
//! unchanged. Readers never see it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows are records an editor may delete.
const RECORDS: [&str; 7] = [
    "specialty",
    "institution",
    "speaker",
    "exchange",
    "aid_shipment",
    "news_item",
    "photo",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in RECORDS {
            let deleted_at = ColumnDef::new("deleted_at")
                .string_len(32)
                .null()
                .to_owned();
            let alter = Table::alter()
                .table(table)
                .add_column(deleted_at)
                .to_owned();
            manager.alter_table(alter).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in RECORDS {
            let alter = Table::alter()
                .table(table)
                .drop_column("deleted_at")
                .to_owned();
            manager.alter_table(alter).await?;
        }
        Ok(())
    }
}
