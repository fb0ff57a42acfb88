//! A talk's title in one language.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize, serde::Serialize)]
#[sea_orm(table_name = "talk_translation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub talk_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lang: String,
    pub title: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
