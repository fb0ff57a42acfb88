//! History: a `version` on every record with a slug (one more with every
//! change written), and the change log: who changed which record when,
//! how (create, update, delete, restore, import), the fields changed with
//! their values before and after, and where the change came from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose rows are records with a version.
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
            let version = ColumnDef::new("version")
                .integer()
                .not_null()
                .default(1)
                .to_owned();
            let alter = Table::alter().table(table).add_column(version).to_owned();
            manager.alter_table(alter).await?;
        }
        let text = |name: &'static str, len: u32| {
            ColumnDef::new(name).string_len(len).not_null().to_owned()
        };
        let log = Table::create()
            .table("change_log")
            .col(
                ColumnDef::new("id")
                    .big_integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(text("at", 32))
            .col(text("actor", 300))
            .col(text("action", 16))
            .col(text("record_type", 32))
            .col(ColumnDef::new("record_id").integer().not_null())
            .col(ColumnDef::new("version").integer().not_null())
            .col(ColumnDef::new("diff").text().not_null())
            .col(ColumnDef::new("source").text().null())
            .to_owned();
        manager.create_table(log).await?;
        let by_record = Index::create()
            .name("idx_change_log_record")
            .table("change_log")
            .col("record_type")
            .col("record_id")
            .col("id")
            .to_owned();
        manager.create_index(by_record).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("change_log").to_owned())
            .await?;
        for table in RECORDS {
            let alter = Table::alter()
                .table(table)
                .drop_column("version")
                .to_owned();
            manager.alter_table(alter).await?;
        }
        Ok(())
    }
}
