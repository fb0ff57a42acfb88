//! A second number beside the data version: `reload_version` moves with
//! every write the change log does not describe record by record (a
//! generated dataset, photos an import drops). What a process derives
//! from the whole archive and keeps up to date from the change log (the
//! analysts' fact table) reloads everything when it moves.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new("reload_version")
            .big_integer()
            .not_null()
            .default(0)
            .to_owned();
        let alter = Table::alter()
            .table("data_version")
            .add_column(column)
            .to_owned();
        manager.alter_table(alter).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let alter = Table::alter()
            .table("data_version")
            .drop_column("reload_version")
            .to_owned();
        manager.alter_table(alter).await
    }
}
