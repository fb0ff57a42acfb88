//! Filling in the name sort keys of rows written before the keys existed
//! (databases migrated from before `m20261125_000004_name_order`). Every
//! write since computes them as it writes the names.

use crate::i18n::Lang;
use crate::i18n::sort_key::{NameText, name_sort_keys};
use crate::store::batch::{all, group_by};
use crate::store::data_version;
use entity::{institution, institution_translation, speaker, speaker_translation};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait};

/// Computes the sort keys of every institution and speaker that has none
/// yet, in one transaction (which moves the data version when it wrote
/// any).
pub async fn fill_missing(db: &DatabaseConnection) -> Result<(), DbErr> {
    let unkeyed_institution = institution::Entity::find()
        .filter(institution::Column::SortZh.eq(""))
        .one(db)
        .await?;
    let unkeyed_speaker = speaker::Entity::find()
        .filter(speaker::Column::SortZh.eq(""))
        .one(db)
        .await?;
    if unkeyed_institution.is_none() && unkeyed_speaker.is_none() {
        return Ok(());
    }
    let txn = db.begin().await?;
    let mut written = 0;
    let texts = all(&txn, &[institution_translation::Column::Lang]).await?;
    let texts = group_by(texts, |r| r.institution_id);
    for (id, rows) in texts {
        let names = rows.iter().map(|r| (r.lang.as_str(), &r.name, &r.reading));
        let [zh, ja, en] = keys(names);
        written += institution::Entity::update_many()
            .col_expr(institution::Column::SortZh, Expr::value(zh))
            .col_expr(institution::Column::SortJa, Expr::value(ja))
            .col_expr(institution::Column::SortEn, Expr::value(en))
            .filter(institution::Column::Id.eq(id))
            .filter(institution::Column::SortZh.eq(""))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    let texts = all(&txn, &[speaker_translation::Column::Lang]).await?;
    let texts = group_by(texts, |r| r.speaker_id);
    for (id, rows) in texts {
        let names = rows.iter().map(|r| (r.lang.as_str(), &r.name, &r.reading));
        let [zh, ja, en] = keys(names);
        written += speaker::Entity::update_many()
            .col_expr(speaker::Column::SortZh, Expr::value(zh))
            .col_expr(speaker::Column::SortJa, Expr::value(ja))
            .col_expr(speaker::Column::SortEn, Expr::value(en))
            .filter(speaker::Column::Id.eq(id))
            .filter(speaker::Column::SortZh.eq(""))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    if written > 0 {
        data_version::bump(&txn).await?;
    }
    txn.commit().await
}

/// The sort keys from (language code, name, reading) rows.
fn keys<'a>(
    rows: impl Iterator<Item = (&'a str, &'a Option<String>, &'a Option<String>)>,
) -> [String; 3] {
    let texts: Vec<NameText<'a>> = rows
        .filter_map(|(code, name, reading)| {
            let lang: Lang = code.parse().ok()?;
            Some((lang, name.as_deref()?, reading.as_deref()))
        })
        .collect();
    name_sort_keys(&texts)
}
