//! Every `*_translation` row is an [`i18n::Translation`](crate::i18n::Translation),
//! and the rows a language's texts need.

use crate::i18n::{Lang, Translation};
use crate::store::batch;
use crate::store::sql::Params;
use entity::{
    aid_shipment_translation, exchange_translation, institution_translation, news_item_translation,
    photo_translation, speaker_translation, specialty_translation, talk_translation,
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable};

macro_rules! translation_rows {
    ($($module:ident),+) => {
        $(impl Translation for $module::Model {
            fn lang_code(&self) -> &str {
                &self.lang
            }
        })+
    };
}

translation_rows!(
    institution_translation,
    specialty_translation,
    speaker_translation,
    exchange_translation,
    talk_translation,
    photo_translation,
    aid_shipment_translation,
    news_item_translation
);

/// A `FROM` source and its condition: of a translation table's rows
/// matching the condition `owners` writes, those needed to pick any of an
/// owner's texts in `lang` along its fallback chain (see
/// [`crate::i18n::pick`]): the row in that language when it has every text,
/// else all the owner's rows. Binds to `params` in the order written
/// (SQLite numbers its placeholders so).
///
/// Most texts exist in the language asked for, so a page reads one row per
/// owner instead of one per language: on PostgreSQL the list page's
/// statement alone ran 0.63 → 0.51 ms (pgbench, three alternating pairs).
/// Whether an owner's row is complete is a window over its rows, not a
/// lookup per row in another language (0.51 → 0.49 ms).
pub(crate) fn needed_rows<E: EntityTrait>(
    params: &mut Params,
    owner: E::Column,
    lang: Lang,
    owners: impl FnOnce(&mut Params) -> String,
) -> String {
    let table = E::default().table_name().to_owned();
    let owner = owner.as_str();
    let complete = E::Column::iter()
        .map(|column| column.as_str())
        .filter(|column| *column != owner && *column != LANG)
        .map(|column| format!(" AND COALESCE({column}, '') <> ''"))
        .collect::<String>();
    let in_window = params.bind(lang.code());
    let owners = owners(params);
    let kept = params.bind(lang.code());
    format!(
        "(SELECT {table}.*, MAX(CASE WHEN {LANG} = {in_window}{complete} THEN 1 ELSE 0 END) \
         OVER (PARTITION BY {owner}) AS {COMPLETE} FROM {table} WHERE {owners}) AS {table} \
         WHERE ({LANG} = {kept} OR {COMPLETE} = 0)"
    )
}

/// The column [`needed_rows`] adds: the owner has a complete row in the
/// language asked for.
const COMPLETE: &str = "complete_in_lang";

/// The language column every translation table has.
const LANG: &str = "lang";

/// The translation rows of `owners` needed to pick their texts in `lang`
/// (see [`needed_rows`]), by owner, then language.
pub async fn needed_in<E, C>(
    db: &C,
    owner: E::Column,
    owners: impl IntoIterator<Item = i32>,
    lang: Lang,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let owners = batch::distinct(owners);
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let mut params = Params::new(backend);
    let columns: Vec<&str> = E::Column::iter().map(|column| column.as_str()).collect();
    let needed = needed_rows::<E>(&mut params, owner, lang, |params| {
        let ids: Vec<String> = owners.into_iter().map(|id| params.bind(id)).collect();
        format!("{} IN ({})", owner.as_str(), ids.join(", "))
    });
    let sql = format!(
        "SELECT {columns} FROM {needed} ORDER BY {owner}, {LANG}",
        columns = columns.join(", "),
        owner = owner.as_str(),
    );
    E::find().from_raw_sql(params.statement(sql)).all(db).await
}
