//! The search index: one row per indexed text, with its folded form and its
//! tokens. SQLite indexes the tokens with FTS5; PostgreSQL with a GIN index
//! on a tsvector built straight from the tokens (`array_to_tsvector`, so
//! PostgreSQL's parser and locale never touch CJK text). Neither needs an
//! extension. The application fills the index (`medexchange reindex`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("search_document")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .col(ColumnDef::new("kind").string_len(16).not_null())
                    .col(ColumnDef::new("owner_id").integer().not_null())
                    .col(ColumnDef::new("lang").string_len(8).not_null())
                    .col(ColumnDef::new("field").string_len(16).not_null())
                    .col(ColumnDef::new("head").text().not_null())
                    .col(ColumnDef::new("folded").text().not_null())
                    .col(ColumnDef::new("tokens").text().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_search_document_kind_owner_id")
                    .table("search_document")
                    .col("kind")
                    .col("owner_id")
                    .to_owned(),
            )
            .await?;
        let connection = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                connection
                    .execute_unprepared(
                        "CREATE INDEX idx_search_document_head ON search_document (head COLLATE \"C\", id);
                         ALTER TABLE search_document ADD COLUMN tokens_tsv tsvector
                             GENERATED ALWAYS AS (array_to_tsvector(string_to_array(tokens, ' '))) STORED;
                         CREATE INDEX idx_search_document_tokens ON search_document USING GIN (tokens_tsv);",
                    )
                    .await?;
            }
            _ => {
                connection
                    .execute_unprepared(
                        "CREATE INDEX idx_search_document_head ON search_document (head, id);
                         CREATE VIRTUAL TABLE search_fts USING fts5(tokens, tokenize = 'ascii');",
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP TABLE search_fts")
                .await?;
        }
        manager
            .drop_table(Table::drop().table("search_document").to_owned())
            .await
    }
}
