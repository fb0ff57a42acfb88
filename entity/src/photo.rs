//! A photo from the report: of an exchange, an aid shipment or a news item.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize, serde::Serialize)]
#[sea_orm(table_name = "photo")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub exchange_id: Option<i32>,
    pub aid_shipment_id: Option<i32>,
    pub news_item_id: Option<i32>,
    pub venue_institution_id: Option<i32>,
    pub url: Option<String>,
    pub position: i32,
    /// One more with every change written (optimistic concurrency).
    pub version: i32,
    /// The SHA-256 (hex) of its image's original, when one is attached.
    pub image_hash: Option<String>,
    /// Who made the image, as the file said or an editor corrected.
    pub credit: Option<String>,
    /// The image's copyright notice, likewise.
    pub copyright: Option<String>,
    /// When an editor deleted it (RFC 3339, UTC); `None` while readers see it.
    pub deleted_at: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
