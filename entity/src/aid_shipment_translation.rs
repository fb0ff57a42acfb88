//! An aid shipment's texts in one language.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "aid_shipment_translation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub aid_shipment_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lang: String,
    pub items: Option<String>,
    pub sender: Option<String>,
    pub recipient: Option<String>,
    pub description: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
