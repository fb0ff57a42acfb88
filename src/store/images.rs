//! The images kept in the media store, by hash, and which of them readers
//! may see.

use super::history::RecordType;
use super::sql::Params;
use entity::{image, photo};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;

/// Records `row` (or, when its hash is known, that its files were stored
/// again now).
pub async fn upsert<C: ConnectionTrait>(db: &C, row: image::Model) -> Result<(), DbErr> {
    let conflict = OnConflict::column(image::Column::Hash)
        .update_column(image::Column::StoredAt)
        .to_owned();
    image::Entity::insert(image::ActiveModel::from(row))
        .on_conflict(conflict)
        .exec_without_returning(db)
        .await
        .map(drop)
}

/// The images with these hashes (those known).
pub async fn by_hash<C: ConnectionTrait>(
    db: &C,
    hashes: &[String],
) -> Result<HashMap<String, image::Model>, DbErr> {
    if hashes.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = image::Entity::find()
        .filter(image::Column::Hash.is_in(hashes.iter().cloned()))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.hash.clone(), row))
        .collect())
}

/// Whether a photo readers see (not deleted, nor what it belongs to)
/// shows the image `hash`.
pub async fn is_public<C: ConnectionTrait>(db: &C, hash: &str) -> Result<bool, DbErr> {
    let mut params = Params::new(db.get_database_backend());
    let sql = format!(
        "SELECT 1 AS shown FROM photo p \
         LEFT JOIN exchange e ON e.id = p.exchange_id \
         LEFT JOIN aid_shipment a ON a.id = p.aid_shipment_id \
         LEFT JOIN news_item n ON n.id = p.news_item_id \
         WHERE p.image_hash = {} AND p.deleted_at IS NULL AND e.deleted_at IS NULL \
         AND a.deleted_at IS NULL AND n.deleted_at IS NULL LIMIT 1",
        params.bind(hash)
    );
    Ok(db.query_one_raw(params.statement(sql)).await?.is_some())
}

/// Whether any photo, deleted or not, names the image `hash` (an editor's
/// original stays fetchable while a restore could bring it back).
pub async fn is_named<C: ConnectionTrait>(db: &C, hash: &str) -> Result<bool, DbErr> {
    let found = photo::Entity::find()
        .select_only()
        .column(photo::Column::Id)
        .filter(photo::Column::ImageHash.eq(hash))
        .limit(1)
        .into_tuple::<i32>()
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// The images no photo names (deleted photos included) whose files were
/// last stored by `stored_before` (RFC 3339): what the collector may
/// remove.
pub async fn unnamed<C: ConnectionTrait>(
    db: &C,
    stored_before: &str,
) -> Result<Vec<String>, DbErr> {
    let mut params = Params::new(db.get_database_backend());
    let sql = format!(
        "SELECT hash FROM image i WHERE i.stored_at <= {} \
         AND NOT EXISTS (SELECT 1 FROM photo p WHERE p.image_hash = i.hash)",
        params.bind(stored_before)
    );
    let rows = db.query_all_raw(params.statement(sql)).await?;
    rows.iter()
        .map(|row| row.try_get::<String>("", "hash"))
        .collect()
}

/// Forgets the image `hash` when no photo names it (in the same
/// statement, so a photo that has just named it keeps it). Returns
/// whether it was forgotten.
pub async fn forget_unnamed<C: ConnectionTrait>(db: &C, hash: &str) -> Result<bool, DbErr> {
    let mut params = Params::new(db.get_database_backend());
    let sql = format!(
        "DELETE FROM image WHERE hash = {} \
         AND NOT EXISTS (SELECT 1 FROM photo p WHERE p.image_hash = image.hash)",
        params.bind(hash)
    );
    let done = db.execute_raw(params.statement(sql)).await?;
    Ok(done.rows_affected() > 0)
}

/// Every hash the table knows.
pub async fn all_hashes<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    image::Entity::find()
        .select_only()
        .column(image::Column::Hash)
        .into_tuple::<String>()
        .all(db)
        .await
}

/// The id of the live (not deleted) record `slug` of `kind` (an
/// exchange, an aid shipment or a news item).
pub async fn live_id_by_slug<C: ConnectionTrait>(
    db: &C,
    kind: RecordType,
    slug: &str,
) -> Result<Option<i32>, DbErr> {
    let Some(table) = owner_table(kind) else {
        return Ok(None);
    };
    let mut params = Params::new(db.get_database_backend());
    let sql = format!(
        "SELECT id FROM {table} WHERE slug = {} AND deleted_at IS NULL",
        params.bind(slug)
    );
    let row = db.query_one_raw(params.statement(sql)).await?;
    row.map(|row| row.try_get::<i32>("", "id")).transpose()
}

/// The live records of `fiscal_year` with a live photo that has an image,
/// in date order: their kind and slug.
pub async fn records_with_images<C: ConnectionTrait>(
    db: &C,
    fiscal_year: i32,
) -> Result<Vec<(RecordType, String)>, DbErr> {
    let mut params = Params::new(db.get_database_backend());
    let year = params.bind(fiscal_year);
    let with_image = |column: &str| {
        format!(
            "EXISTS (SELECT 1 FROM photo p WHERE p.{column} = r.id \
             AND p.deleted_at IS NULL AND p.image_hash IS NOT NULL)"
        )
    };
    let sql = format!(
        "SELECT kind, slug FROM (\
         SELECT 'e' AS kind, r.slug, r.starts_on AS day FROM exchange r \
         WHERE r.fiscal_year = {year} AND r.deleted_at IS NULL AND {} \
         UNION ALL SELECT 'a', r.slug, r.starts_on FROM aid_shipment r \
         WHERE r.fiscal_year = {year} AND r.deleted_at IS NULL AND {} \
         UNION ALL SELECT 'n', r.slug, COALESCE(r.date, '') FROM news_item r \
         WHERE r.fiscal_year = {year} AND r.deleted_at IS NULL AND {}) records \
         ORDER BY day, kind, slug",
        with_image("exchange_id"),
        with_image("aid_shipment_id"),
        with_image("news_item_id"),
    );
    let rows = db.query_all_raw(params.statement(sql)).await?;
    rows.iter()
        .map(|row| {
            let kind = match row.try_get::<String>("", "kind")?.as_str() {
                "e" => RecordType::Exchange,
                "a" => RecordType::AidShipment,
                _ => RecordType::NewsItem,
            };
            Ok((kind, row.try_get::<String>("", "slug")?))
        })
        .collect()
}

fn owner_table(kind: RecordType) -> Option<&'static str> {
    match kind {
        RecordType::Exchange => Some("exchange"),
        RecordType::AidShipment => Some("aid_shipment"),
        RecordType::NewsItem => Some("news_item"),
        _ => None,
    }
}
