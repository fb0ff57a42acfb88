//! An institution taking part in an exchange, in the order the source gives.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize, serde::Serialize)]
#[sea_orm(table_name = "exchange_participant")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub exchange_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub institution_id: i32,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
