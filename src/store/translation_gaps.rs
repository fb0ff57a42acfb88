//! The translation-gap report: texts missing in a language, and Japanese
//! texts holding Simplified Chinese characters. Records an editor deleted
//! are left out: nobody reads them.

use crate::i18n::{Lang, slips};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};

/// One kind of record and its translated text fields.
struct Texts {
    /// The record kind, as reported (`exchange`, `talk`...).
    kind: &'static str,
    /// Its translation table.
    table: &'static str,
    /// The table's owner column.
    owner: &'static str,
    /// The id of the record a reader opens to fix it: the owner itself,
    /// or for a talk its exchange.
    node: &'static str,
    /// The table of that record.
    node_table: &'static str,
    /// The text fields.
    fields: &'static [&'static str],
}

const TEXTS: &[Texts] = &[
    Texts {
        kind: "institution",
        node_table: "institution",
        table: "institution_translation",
        owner: "institution_id",
        node: "institution_id",
        fields: &["name", "region", "city"],
    },
    Texts {
        kind: "specialty",
        node_table: "specialty",
        table: "specialty_translation",
        owner: "specialty_id",
        node: "specialty_id",
        fields: &["name"],
    },
    Texts {
        kind: "speaker",
        node_table: "speaker",
        table: "speaker_translation",
        owner: "speaker_id",
        node: "speaker_id",
        fields: &["name", "position"],
    },
    Texts {
        kind: "exchange",
        node_table: "exchange",
        table: "exchange_translation",
        owner: "exchange_id",
        node: "exchange_id",
        fields: &["title", "summary"],
    },
    Texts {
        kind: "talk",
        node_table: "exchange",
        table: "talk_translation",
        owner: "talk_id",
        node: "(SELECT exchange_id FROM talk WHERE talk.id = talk_translation.talk_id)",
        fields: &["title"],
    },
    Texts {
        kind: "photo",
        node_table: "photo",
        table: "photo_translation",
        owner: "photo_id",
        node: "photo_id",
        fields: &["caption"],
    },
    Texts {
        kind: "aid_shipment",
        node_table: "aid_shipment",
        table: "aid_shipment_translation",
        owner: "aid_shipment_id",
        node: "aid_shipment_id",
        fields: &["items", "sender", "recipient", "description"],
    },
    Texts {
        kind: "news_item",
        node_table: "news_item",
        table: "news_item_translation",
        owner: "news_item_id",
        node: "news_item_id",
        fields: &["title", "body"],
    },
];

/// A text some language has and others lack.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct MissingText {
    /// The record kind (`institution`, `exchange`, `talk`...).
    pub kind: String,
    /// The row whose texts these are.
    pub owner_id: i32,
    /// The record to open: the row, or a talk's exchange.
    pub node_id: i32,
    /// That record's slug.
    pub slug: String,
    /// The field (`name`, `title`...).
    pub field: String,
    /// 1 when Chinese has the text.
    pub zh: i32,
    /// 1 when Japanese has it.
    pub ja: i32,
    /// 1 when English has it.
    pub en: i32,
}

impl MissingText {
    /// Whether `lang` has the text.
    pub fn has(&self, lang: Lang) -> bool {
        match lang {
            Lang::Zh => self.zh == 1,
            Lang::Ja => self.ja == 1,
            Lang::En => self.en == 1,
        }
    }
}

/// Every text present in some language and missing in one of `langs`,
/// by kind, record and field: one statement.
pub async fn missing<C: ConnectionTrait>(
    db: &C,
    langs: &[Lang],
) -> Result<Vec<MissingText>, DbErr> {
    if langs.is_empty() {
        return Ok(Vec::new());
    }
    let has = |lang: Lang| format!("MAX(CASE WHEN lang = '{}' THEN 1 ELSE 0 END)", lang.code());
    let lacking: Vec<String> = langs.iter().map(|l| format!("{} = 0", has(*l))).collect();
    let mut parts = Vec::new();
    for texts in TEXTS {
        for field in texts.fields {
            parts.push(format!(
                "SELECT '{kind}' AS kind, {owner} AS owner_id, MIN({node}) AS node_id, \
                 MIN((SELECT slug FROM {node_table} WHERE {node_table}.id = {node})) AS slug, \
                 '{field}' AS field, {zh} AS zh, {ja} AS ja, {en} AS en \
                 FROM {table} WHERE {field} IS NOT NULL AND {field} <> '' \
                 AND {node} IN (SELECT id FROM {node_table} WHERE deleted_at IS NULL) \
                 GROUP BY {owner} HAVING {lacking}",
                kind = texts.kind,
                owner = texts.owner,
                node = texts.node,
                node_table = texts.node_table,
                table = texts.table,
                zh = has(Lang::Zh),
                ja = has(Lang::Ja),
                en = has(Lang::En),
                lacking = lacking.join(" OR "),
            ));
        }
    }
    let sql = format!(
        "{} ORDER BY kind, owner_id, field",
        parts.join(" UNION ALL ")
    );
    let statement = Statement::from_string(db.get_database_backend(), sql);
    MissingText::find_by_statement(statement).all(db).await
}

/// A Japanese text holding Simplified Chinese characters.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct SlipText {
    /// The record kind.
    pub kind: String,
    /// The row whose text this is.
    pub owner_id: i32,
    /// The record to open.
    pub node_id: i32,
    /// That record's slug.
    pub slug: String,
    /// The field.
    pub field: String,
    /// The Japanese text.
    pub text: String,
}

/// Every Japanese text holding a Simplified-only character (see
/// [`crate::i18n::slips`]), by kind, record and field: one statement per
/// kind, each kind's texts held only while it is read.
pub async fn simplified_in_japanese<C: ConnectionTrait>(db: &C) -> Result<Vec<SlipText>, DbErr> {
    let mut found = Vec::new();
    for texts in TEXTS {
        let parts: Vec<String> = texts
            .fields
            .iter()
            .map(|field| {
                format!(
                    "SELECT '{kind}' AS kind, {owner} AS owner_id, {node} AS node_id, \
                     (SELECT slug FROM {node_table} WHERE {node_table}.id = {node}) AS slug, \
                     '{field}' AS field, {field} AS text \
                     FROM {table} WHERE lang = 'ja' AND {field} IS NOT NULL \
                     AND {node} IN (SELECT id FROM {node_table} WHERE deleted_at IS NULL)",
                    kind = texts.kind,
                    owner = texts.owner,
                    node = texts.node,
                    node_table = texts.node_table,
                    table = texts.table,
                )
            })
            .collect();
        let sql = format!("{} ORDER BY owner_id, field", parts.join(" UNION ALL "));
        let statement = Statement::from_string(db.get_database_backend(), sql);
        let rows = SlipText::find_by_statement(statement).all(db).await?;
        found.extend(
            rows.into_iter()
                .filter(|row| !slips::slips(&row.text).is_empty()),
        );
    }
    Ok(found)
}
