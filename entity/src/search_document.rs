//! One indexed text: a localized field or an alias of one entity, folded and
//! tokenized for search (see `medexchange::i18n::fold`).
//!
//! SQLite indexes `tokens` in the FTS5 table `search_fts` (rowid = `id`);
//! PostgreSQL in the generated `tokens_tsv` column with a GIN index.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_document")]
pub struct Model {
    /// Assigned by the indexer (it is also the FTS5 rowid).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// What the text belongs to: `institution`, `exchange`, `speaker`,
    /// `photo`, `aid_shipment` or `specialty`.
    pub kind: String,
    /// The id of the entity the text belongs to.
    pub owner_id: i32,
    /// The text's language code, or empty for aliases (any language).
    pub lang: String,
    /// Which field the text is (`name`, `alias`, `title`...).
    pub field: String,
    /// The first 200 characters of `folded`, for exact and prefix lookups.
    pub head: String,
    /// The whole text, folded.
    pub folded: String,
    /// The tokens, separated by single spaces.
    pub tokens: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
