//! A speaker shown in a photo.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "photo_person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub photo_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub speaker_id: i32,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
