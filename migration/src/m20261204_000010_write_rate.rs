//! The write rate shared by every process: one token bucket per writer
//! (see `medexchange::store::write_rate`), so N processes do not give a
//! token N times the rate.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table("write_rate")
            .if_not_exists()
            .col(ColumnDef::new("token").string().not_null().primary_key())
            .col(ColumnDef::new("left_writes").double().not_null())
            .col(ColumnDef::new("at_ms").double().not_null())
            .col(ColumnDef::new("taken").boolean().not_null())
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop = Table::drop().table("write_rate").to_owned();
        manager.drop_table(drop).await
    }
}
