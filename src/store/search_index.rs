//! Keeping the search index in step with the data.
//!
//! Every write path calls [`reindex`] for the owners it wrote, inside its
//! own transaction, so the index never drifts from the data: import (per
//! entity), generate (per batch), and `medexchange reindex` (everything).
//! Which texts are indexed is decided here and nowhere else.

use crate::i18n::fold::{fold, index_tokens};
use entity::{
    aid_shipment, aid_shipment_translation, exchange, exchange_translation, institution,
    institution_alias, institution_translation, photo, photo_translation, search_document, speaker,
    speaker_translation, specialty, specialty_translation,
};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QuerySelect, Statement, TransactionTrait,
};
use std::collections::HashSet;

/// Characters of the folded text kept in `head` for exact and prefix lookups.
pub const HEAD_CHARS: usize = 200;

/// What an indexed text belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// Institution names, regions, cities and aliases.
    Institution,
    /// Exchange titles and summaries.
    Exchange,
    /// Speaker names and positions.
    Speaker,
    /// Photo captions.
    Photo,
    /// Aid shipment items, senders, recipients and descriptions.
    AidShipment,
    /// Specialty names.
    Specialty,
}

impl DocKind {
    /// Every kind, in ranking order for ties.
    pub const ALL: [DocKind; 6] = [
        DocKind::Institution,
        DocKind::Exchange,
        DocKind::Speaker,
        DocKind::Photo,
        DocKind::AidShipment,
        DocKind::Specialty,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Institution => "institution",
            DocKind::Exchange => "exchange",
            DocKind::Speaker => "speaker",
            DocKind::Photo => "photo",
            DocKind::AidShipment => "aid_shipment",
            DocKind::Specialty => "specialty",
        }
    }

    /// Reads the stored spelling back.
    pub fn parse(text: &str) -> Option<Self> {
        DocKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Which owners to reindex.
#[derive(Clone, Debug)]
pub enum Owners {
    /// These ids.
    Ids(Vec<i32>),
    /// Ids from the first to the second, inclusive.
    Range(i32, i32),
    /// Every row.
    All,
}

impl Owners {
    fn filter<C: ColumnTrait>(&self, column: C) -> sea_orm::Condition {
        let condition = sea_orm::Condition::all();
        match self {
            Owners::Ids(ids) => condition.add(column.is_in(ids.iter().copied())),
            Owners::Range(first, last) => condition.add(column.between(*first, *last)),
            Owners::All => condition,
        }
    }
}

/// One text to index: (owner id, language code, field, text).
pub type Text = (i32, String, &'static str, String);

/// Replaces the indexed texts of `owners` of `kind` by what the database
/// holds for them now. Returns how many texts were indexed.
pub async fn reindex<C: ConnectionTrait>(
    db: &C,
    kind: DocKind,
    owners: Owners,
) -> Result<usize, DbErr> {
    remove(db, kind, &owners).await?;
    let texts = indexed_texts(db, kind, &owners).await?;
    insert(db, kind, texts).await
}

/// Leaves out the texts of records an editor deleted: nobody finds them
/// until they are restored (and reindexed).
async fn without_deleted<C: ConnectionTrait>(
    db: &C,
    kind: DocKind,
    mut texts: Vec<Text>,
) -> Result<Vec<Text>, DbErr> {
    macro_rules! deleted {
        ($table:ident) => {
            $table::Entity::find()
                .select_only()
                .column($table::Column::Id)
                .filter($table::Column::DeletedAt.is_not_null())
                .into_tuple::<i32>()
                .all(db)
                .await?
        };
    }
    let deleted: HashSet<i32> = match kind {
        DocKind::Institution => deleted!(institution),
        DocKind::Exchange => deleted!(exchange),
        DocKind::Speaker => deleted!(speaker),
        DocKind::Photo => deleted!(photo),
        DocKind::AidShipment => deleted!(aid_shipment),
        DocKind::Specialty => deleted!(specialty),
    }
    .into_iter()
    .collect();
    if !deleted.is_empty() {
        texts.retain(|(owner, ..)| !deleted.contains(owner));
    }
    Ok(texts)
}

/// Removes the indexed texts of `owners` of `kind` (for deleted rows).
pub async fn remove<C: ConnectionTrait>(
    db: &C,
    kind: DocKind,
    owners: &Owners,
) -> Result<(), DbErr> {
    if let Owners::Ids(ids) = owners
        && ids.is_empty()
    {
        return Ok(());
    }
    let condition = owners
        .filter(search_document::Column::OwnerId)
        .add(search_document::Column::Kind.eq(kind.as_str()));
    if db.get_database_backend() == DbBackend::Sqlite {
        let ids: Vec<i32> = search_document::Entity::find()
            .select_only()
            .column(search_document::Column::Id)
            .filter(condition.clone())
            .into_tuple()
            .all(db)
            .await?;
        for chunk in ids.chunks(1000) {
            let list: Vec<String> = chunk.iter().map(i32::to_string).collect();
            let sql = format!("DELETE FROM search_fts WHERE rowid IN ({})", list.join(","));
            db.execute_raw(Statement::from_string(DbBackend::Sqlite, sql))
                .await?;
        }
    }
    search_document::Entity::delete_many()
        .filter(condition)
        .exec(db)
        .await?;
    Ok(())
}

/// Rebuilds the whole index from the data. Returns how many texts were indexed.
pub async fn rebuild<C: ConnectionTrait>(db: &C) -> Result<usize, DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("DELETE FROM search_fts").await?;
    }
    search_document::Entity::delete_many().exec(db).await?;
    let mut indexed = 0;
    for kind in DocKind::ALL {
        let texts = indexed_texts(db, kind, &Owners::All).await?;
        indexed += insert(db, kind, texts).await?;
    }
    Ok(indexed)
}

/// Rebuilds the whole index in one transaction of its own: readers see the
/// old index until the new one is committed.
pub async fn rebuild_all(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let txn = db.begin().await?;
    let indexed = rebuild(&txn).await?;
    super::data_version::bump(&txn).await?;
    txn.commit().await?;
    Ok(indexed)
}

/// Whether the index holds nothing.
pub async fn is_empty<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    let any: Option<i32> = search_document::Entity::find()
        .select_only()
        .column(search_document::Column::Id)
        .into_tuple()
        .one(db)
        .await?;
    Ok(any.is_none())
}

/// The texts of `owners` that the index holds: those of records not deleted.
async fn indexed_texts<C: ConnectionTrait>(
    db: &C,
    kind: DocKind,
    owners: &Owners,
) -> Result<Vec<Text>, DbErr> {
    let texts = texts(db, kind, owners.clone()).await?;
    without_deleted(db, kind, texts).await
}

/// Every text of `owners` of `kind` that is indexed when they are not
/// deleted: (owner id, language code or empty for aliases, field, text).
pub async fn texts<C: ConnectionTrait>(
    db: &C,
    kind: DocKind,
    owners: Owners,
) -> Result<Vec<Text>, DbErr> {
    let mut texts: Vec<Text> = Vec::new();
    let mut add = |owner: i32, lang: &str, field: &'static str, text: Option<String>| {
        if let Some(text) = text {
            texts.push((owner, lang.to_owned(), field, text));
        }
    };
    match kind {
        DocKind::Institution => {
            let rows = institution_translation::Entity::find()
                .filter(owners.filter(institution_translation::Column::InstitutionId))
                .all(db)
                .await?;
            for row in rows {
                add(row.institution_id, &row.lang, "name", row.name);
                add(row.institution_id, &row.lang, "region", row.region);
                add(row.institution_id, &row.lang, "city", row.city);
            }
            let aliases = institution_alias::Entity::find()
                .filter(owners.filter(institution_alias::Column::InstitutionId))
                .all(db)
                .await?;
            for row in aliases {
                add(row.institution_id, "", "alias", Some(row.alias));
            }
        }
        DocKind::Exchange => {
            let rows = exchange_translation::Entity::find()
                .filter(owners.filter(exchange_translation::Column::ExchangeId))
                .all(db)
                .await?;
            for row in rows {
                add(row.exchange_id, &row.lang, "title", row.title);
                add(row.exchange_id, &row.lang, "summary", row.summary);
            }
        }
        DocKind::Speaker => {
            let rows = speaker_translation::Entity::find()
                .filter(owners.filter(speaker_translation::Column::SpeakerId))
                .all(db)
                .await?;
            for row in rows {
                add(row.speaker_id, &row.lang, "name", row.name);
                add(row.speaker_id, &row.lang, "position", row.position);
            }
        }
        DocKind::Photo => {
            let rows = photo_translation::Entity::find()
                .filter(owners.filter(photo_translation::Column::PhotoId))
                .all(db)
                .await?;
            for row in rows {
                add(row.photo_id, &row.lang, "caption", row.caption);
            }
        }
        DocKind::AidShipment => {
            let rows = aid_shipment_translation::Entity::find()
                .filter(owners.filter(aid_shipment_translation::Column::AidShipmentId))
                .all(db)
                .await?;
            for row in rows {
                add(row.aid_shipment_id, &row.lang, "items", row.items);
                add(row.aid_shipment_id, &row.lang, "sender", row.sender);
                add(row.aid_shipment_id, &row.lang, "recipient", row.recipient);
                add(
                    row.aid_shipment_id,
                    &row.lang,
                    "description",
                    row.description,
                );
            }
        }
        DocKind::Specialty => {
            let rows = specialty_translation::Entity::find()
                .filter(owners.filter(specialty_translation::Column::SpecialtyId))
                .all(db)
                .await?;
            for row in rows {
                add(row.specialty_id, &row.lang, "name", row.name);
            }
        }
    }
    Ok(texts)
}

/// Inserts documents with fresh ids and, on SQLite, their FTS5 rows.
async fn insert<C: ConnectionTrait>(
    db: &C,
    kind: DocKind,
    texts: Vec<Text>,
) -> Result<usize, DbErr> {
    let max: Option<Option<i32>> = search_document::Entity::find()
        .select_only()
        .column_as(
            Expr::expr(Func::max(Expr::col(search_document::Column::Id))),
            "max_id",
        )
        .into_tuple()
        .one(db)
        .await?;
    let first_id = max.flatten().unwrap_or(0) + 1;
    let mut next_id = first_id;
    let mut batch: Vec<search_document::ActiveModel> = Vec::new();
    let mut indexed = 0;
    for (owner_id, lang, field, text) in texts {
        let folded = fold(&text);
        let tokens = index_tokens(&folded);
        if tokens.is_empty() {
            continue;
        }
        batch.push(search_document::ActiveModel {
            id: sea_orm::Set(next_id),
            kind: sea_orm::Set(kind.as_str().to_owned()),
            owner_id: sea_orm::Set(owner_id),
            lang: sea_orm::Set(lang),
            field: sea_orm::Set(field.to_owned()),
            head: sea_orm::Set(folded.chars().take(HEAD_CHARS).collect()),
            folded: sea_orm::Set(folded),
            tokens: sea_orm::Set(tokens.join(" ")),
        });
        next_id += 1;
        indexed += 1;
        if batch.len() == 500 {
            search_document::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(db)
                .await?;
        }
    }
    if !batch.is_empty() {
        search_document::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await?;
    }
    if indexed > 0 && db.get_database_backend() == DbBackend::Sqlite {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO search_fts (rowid, tokens) SELECT id, tokens FROM search_document WHERE id >= ?",
            [first_id.into()],
        ))
        .await?;
    }
    Ok(indexed)
}
