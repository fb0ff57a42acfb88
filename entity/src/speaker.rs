//! A person who spoke at an exchange or is shown in a photo.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "speaker")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub institution_id: Option<i32>,
    /// The name's sort key for Chinese readers (pinyin order).
    pub sort_zh: String,
    /// The name's sort key for Japanese readers (gojūon order of the reading).
    pub sort_ja: String,
    /// The name's sort key for English readers (alphabetical).
    pub sort_en: String,
    /// One more with every change written (optimistic concurrency).
    pub version: i32,
    /// When an editor deleted it (RFC 3339, UTC); `None` while readers see it.
    pub deleted_at: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The name's sort key for readers of `lang` (`zh`, `ja` or `en`;
    /// English for anything else).
    pub fn sort_key_for(&self, lang: &str) -> String {
        match lang {
            "zh" => self.sort_zh.clone(),
            "ja" => self.sort_ja.clone(),
            _ => self.sort_en.clone(),
        }
    }
}
