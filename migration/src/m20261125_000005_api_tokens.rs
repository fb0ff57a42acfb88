//! API tokens for writers: a name (the actor history will record), a role,
//! the SHA-256 of the token (never the token itself), and when it was
//! created and revoked. Names stay unique for good, revoked or not, so a
//! name in the history always means one token.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |name: &'static str, len: u32| {
            ColumnDef::new(name).string_len(len).not_null().to_owned()
        };
        let table = Table::create()
            .table("api_token")
            .col(
                ColumnDef::new("id")
                    .integer()
                    .not_null()
                    .auto_increment()
                    .primary_key(),
            )
            .col(text("name", 100).unique_key().to_owned())
            .col(text("role", 16))
            .col(text("token_hash", 64).unique_key().to_owned())
            .col(text("created_at", 32))
            .col(ColumnDef::new("revoked_at").string_len(32).null())
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("api_token").to_owned())
            .await
    }
}
