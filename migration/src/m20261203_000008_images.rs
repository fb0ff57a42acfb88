//! Images: the files editors attach to photos, kept content-addressed (by
//! the SHA-256 of the original) in the media store. `image` holds what was
//! learnt from each file when it was stored; a photo names its image by
//! that hash, and carries the rights texts editors may correct.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let image = Table::create()
            .table("image")
            .if_not_exists()
            .col(
                ColumnDef::new("hash")
                    .string_len(64)
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new("content_type").string_len(32).not_null())
            .col(ColumnDef::new("bytes").big_integer().not_null())
            .col(ColumnDef::new("width").integer().not_null())
            .col(ColumnDef::new("height").integer().not_null())
            .col(ColumnDef::new("widths").string_len(200).not_null())
            .col(ColumnDef::new("placeholder").string_len(100).not_null())
            .col(ColumnDef::new("color").string_len(7).not_null())
            .col(ColumnDef::new("credit").text().null())
            .col(ColumnDef::new("copyright").text().null())
            .col(ColumnDef::new("stored_at").string_len(32).not_null())
            .to_owned();
        manager.create_table(image).await?;
        for column in [
            ColumnDef::new("image_hash")
                .string_len(64)
                .null()
                .to_owned(),
            ColumnDef::new("credit").text().null().to_owned(),
            ColumnDef::new("copyright").text().null().to_owned(),
        ] {
            let alter = Table::alter().table("photo").add_column(column).to_owned();
            manager.alter_table(alter).await?;
        }
        let index = Index::create()
            .name("photo_image_hash")
            .table("photo")
            .col("image_hash")
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::drop()
            .name("photo_image_hash")
            .table("photo")
            .to_owned();
        manager.drop_index(index).await?;
        for column in ["image_hash", "credit", "copyright"] {
            let alter = Table::alter().table("photo").drop_column(column).to_owned();
            manager.alter_table(alter).await?;
        }
        manager
            .drop_table(Table::drop().table("image").to_owned())
            .await
    }
}
