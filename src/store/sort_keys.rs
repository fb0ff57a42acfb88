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
    /// Whether some row of `$table` has no keys yet.
    macro_rules! unkeyed {
        ($table:ident) => {
            $table::Entity::find()
                .filter($table::Column::SortZh.eq(""))
                .one(db)
                .await?
                .is_some()
        };
    }
    /// Keys the rows of `$table` that have none, from `$texts` (owned by
    /// `$owner`); the number of rows written.
    macro_rules! fill {
        ($txn:expr, $table:ident, $texts:ident, $owner:ident) => {{
            let texts = all($txn, &[$texts::Column::Lang]).await?;
            let mut written = 0;
            for (id, rows) in group_by(texts, |r| r.$owner) {
                let names = rows.iter().map(|r| (r.lang.as_str(), &r.name, &r.reading));
                let [zh, ja, en] = keys(names);
                written += $table::Entity::update_many()
                    .col_expr($table::Column::SortZh, Expr::value(zh))
                    .col_expr($table::Column::SortJa, Expr::value(ja))
                    .col_expr($table::Column::SortEn, Expr::value(en))
                    .filter($table::Column::Id.eq(id))
                    .filter($table::Column::SortZh.eq(""))
                    .exec($txn)
                    .await?
                    .rows_affected;
            }
            written
        }};
    }
    if !unkeyed!(institution) && !unkeyed!(speaker) {
        return Ok(());
    }
    let txn = db.begin().await?;
    let written = fill!(&txn, institution, institution_translation, institution_id)
        + fill!(&txn, speaker, speaker_translation, speaker_id);
    if written > 0 {
        // Sort keys are columns of the catalog's rows, and not logged.
        data_version::bump_for_reload(&txn).await?;
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
