//! A speaker's name and position in one language.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "speaker_translation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub speaker_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub lang: String,
    pub name: Option<String>,
    pub position: Option<String>,
    /// How the name is read, for ordering by name: kana for `ja`, pinyin
    /// with tone numbers for `zh`.
    pub reading: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
