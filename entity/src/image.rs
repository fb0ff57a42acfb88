//! An image file kept in the media store, named by the SHA-256 of its
//! original: what was learnt from it when it was stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Deserialize, serde::Serialize)]
#[sea_orm(table_name = "image")]
pub struct Model {
    /// SHA-256 of the original's bytes, lowercase hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    /// The original's type, as sniffed from its bytes (`image/jpeg`, ...).
    pub content_type: String,
    /// The original's size in bytes.
    pub bytes: i64,
    /// Width in pixels, after the EXIF orientation is applied.
    pub width: i32,
    /// Height in pixels, likewise.
    pub height: i32,
    /// The widths of the stored derivatives, ascending, comma-separated.
    pub widths: String,
    /// A BlurHash of the image.
    pub placeholder: String,
    /// Its average colour, `#rrggbb`.
    pub color: String,
    /// The artist the file's EXIF names.
    pub credit: Option<String>,
    /// The copyright the file's EXIF states.
    pub copyright: Option<String>,
    /// When its files were last stored (RFC 3339, UTC).
    pub stored_at: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
