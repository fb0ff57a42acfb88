//! A specialty's name in one language.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "specialty_translation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub specialty_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lang: String,
    pub name: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
