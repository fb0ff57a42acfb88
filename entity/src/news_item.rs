//! Other news of the centre in a report (overviews, office moves, ...).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "news_item")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub date: Option<String>,
    pub fiscal_year: i32,
    pub position: i32,
    /// One more with every change written (optimistic concurrency).
    pub version: i32,
    /// When an editor deleted it (RFC 3339, UTC); `None` while readers see it.
    pub deleted_at: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
