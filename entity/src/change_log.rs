//! One recorded change of a record: who, when, how, what.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "change_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// A token's name, or `import FILE`.
    pub actor: String,
    /// `CREATE`, `UPDATE`, `DELETE`, `RESTORE` or `IMPORT`.
    pub action: String,
    /// The GraphQL type of the record (`Institution`...).
    pub record_type: String,
    /// The record's row id.
    pub record_id: i32,
    /// The record's version after the change.
    pub version: i32,
    /// JSON: `[[field, before, after], ...]`, values `null` when absent.
    pub diff: String,
    /// Where the change came from (`data/fy2020.yaml: institutions[2]`).
    pub source: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
