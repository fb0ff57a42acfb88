//! A writer's API token: its name, role and hash (never the token).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_token")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Who holds it, as history records them; unique for good.
    #[sea_orm(unique)]
    pub name: String,
    /// `EDITOR` or `ADMIN`.
    pub role: String,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// RFC 3339, UTC; set once revoked.
    pub revoked_at: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
