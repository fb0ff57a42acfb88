//! The write path of records: rows upserted by slug, their texts and
//! children replaced, in the caller's transaction. `medexchange import`
//! writes through it; the mutations to come will too, so a record is the
//! same whichever way it was written.

use crate::store::data_version;
use crate::store::history::RecordType;
use entity::{aid_shipment, exchange, institution, news_item, photo, speaker, specialty};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel, ModelTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait, Value,
};

/// A table whose rows have a stable slug, by which they are upserted.
pub trait Slugged: EntityTrait {
    /// Its `slug` column.
    fn slug_column() -> Self::Column;
    /// Its `id` column.
    fn id_column() -> Self::Column;
    /// Its `version` column, which only history moves.
    fn version_column() -> Self::Column;
    /// Its `deleted_at` column, which only delete and restore move.
    fn deleted_column() -> Self::Column;
}

macro_rules! slugged {
    ($($table:ident),+) => {$(
        impl Slugged for $table::Entity {
            fn slug_column() -> $table::Column {
                $table::Column::Slug
            }
            fn id_column() -> $table::Column {
                $table::Column::Id
            }
            fn version_column() -> $table::Column {
                $table::Column::Version
            }
            fn deleted_column() -> $table::Column {
                $table::Column::DeletedAt
            }
        }
    )+};
}

slugged!(
    specialty,
    institution,
    speaker,
    exchange,
    aid_shipment,
    news_item,
    photo
);

/// Opens the transaction a write runs in, and moves the data version in it
/// first (so every process's caches follow once it commits). Moving it
/// first also locks the version's row until the commit, so writers run one
/// after another and changes are logged in the order they commit, which
/// the live feed relies on ([`super::change_feed`]).
pub async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    data_version::bump(&txn).await?;
    Ok(txn)
}

/// Commits a write opened by [`begin`].
pub async fn commit(txn: DatabaseTransaction) -> Result<(), DbErr> {
    txn.commit().await
}

/// The id of the row of `E` with this slug, if any.
pub async fn id_by_slug<E: Slugged, C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<i32>, DbErr> {
    E::find()
        .select_only()
        .column(E::id_column())
        .filter(E::slug_column().eq(slug))
        .into_tuple::<i32>()
        .one(db)
        .await
}

/// Inserts `row` (its `id` and `version` ignored), or, when a row has its
/// slug, updates that row in place (its id and version stay: history moves
/// the version; a deleted record stays deleted until it is restored).
/// Returns the row's id.
pub async fn upsert<M, A, C>(db: &C, row: M, slug: &str) -> Result<i32, DbErr>
where
    M: ModelTrait + IntoActiveModel<A>,
    M::Entity: Slugged,
    <M::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = M::Entity> + ActiveModelBehavior + Send,
    C: ConnectionTrait,
{
    type E<M> = <M as ModelTrait>::Entity;
    let existing = id_by_slug::<E<M>, C>(db, slug).await?;
    // Every column is written (a model's values start out as unchanged,
    // which an update would leave out), but the version and the deletion.
    let mut active = row.into_active_model().reset_all();
    active.not_set(E::<M>::version_column());
    let saved = match existing {
        Some(id) => {
            active.not_set(E::<M>::deleted_column());
            active.set(E::<M>::id_column(), id.into());
            active.update(db).await?
        }
        None => {
            active.not_set(E::<M>::id_column());
            active.insert(db).await?
        }
    };
    id_of(&saved, E::<M>::id_column())
}

/// Inserts `row` with a new id (its `id` ignored); returns the id.
pub async fn insert_new<M, A, C>(
    db: &C,
    row: M,
    id: <M::Entity as EntityTrait>::Column,
) -> Result<i32, DbErr>
where
    M: ModelTrait + IntoActiveModel<A>,
    <M::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = M::Entity> + ActiveModelBehavior + Send,
    C: ConnectionTrait,
{
    let mut active = row.into_active_model();
    active.not_set(id);
    let saved = active.insert(db).await?;
    id_of(&saved, id)
}

/// Deletes the rows whose `owner` column is `owner_id`.
pub async fn delete_children<Col, C>(db: &C, owner: Col, owner_id: i32) -> Result<(), DbErr>
where
    Col: ColumnTrait,
    Col::EntityName: EntityTrait,
    C: ConnectionTrait,
{
    Col::EntityName::delete_many()
        .filter(owner.eq(owner_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the rows whose `owner` column is `owner_id` by `rows`.
pub async fn replace_children<M, A, C>(
    db: &C,
    owner: <M::Entity as EntityTrait>::Column,
    owner_id: i32,
    rows: Vec<M>,
) -> Result<(), DbErr>
where
    M: ModelTrait + IntoActiveModel<A>,
    <M::Entity as EntityTrait>::Column: ColumnTrait<EntityName = M::Entity>,
    A: ActiveModelTrait<Entity = M::Entity> + ActiveModelBehavior + Send,
    C: ConnectionTrait,
{
    delete_children(db, owner, owner_id).await?;
    if !rows.is_empty() {
        let rows = rows.into_iter().map(IntoActiveModel::into_active_model);
        M::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// What a photo belongs to.
#[derive(Clone, Copy, Debug)]
pub enum PhotoOwner {
    /// An exchange.
    Exchange(i32),
    /// An aid shipment.
    AidShipment(i32),
    /// A news item.
    NewsItem(i32),
}

impl PhotoOwner {
    /// The photo's owner columns: (exchange, aid shipment, news item).
    /// The condition on photos that they belong to it.
    pub fn condition(self) -> sea_orm::sea_query::SimpleExpr {
        match self {
            PhotoOwner::Exchange(id) => photo::Column::ExchangeId.eq(id),
            PhotoOwner::AidShipment(id) => photo::Column::AidShipmentId.eq(id),
            PhotoOwner::NewsItem(id) => photo::Column::NewsItemId.eq(id),
        }
    }

    pub fn columns(self) -> (Option<i32>, Option<i32>, Option<i32>) {
        match self {
            PhotoOwner::Exchange(id) => (Some(id), None, None),
            PhotoOwner::AidShipment(id) => (None, Some(id), None),
            PhotoOwner::NewsItem(id) => (None, None, Some(id)),
        }
    }
}

/// Deletes the photos of `owner` whose slugs are not in `keep`; returns
/// their ids.
pub async fn delete_photos_except<C: ConnectionTrait>(
    db: &C,
    owner: PhotoOwner,
    keep: &[String],
) -> Result<Vec<i32>, DbErr> {
    let owned = owner.condition();
    let dropped: Vec<i32> = photo::Entity::find()
        .select_only()
        .column(photo::Column::Id)
        .filter(owned)
        .filter(photo::Column::Slug.is_not_in(keep.iter().cloned()))
        .into_tuple()
        .all(db)
        .await?;
    if dropped.is_empty() {
        return Ok(dropped);
    }
    photo::Entity::delete_many()
        .filter(photo::Column::Id.is_in(dropped.clone()))
        .exec(db)
        .await?;
    // The change log does not list photos dropped this way.
    data_version::bump_for_reload(db).await?;
    Ok(dropped)
}

/// The integer id of a saved row.
fn id_of<M: ModelTrait>(row: &M, id: <M::Entity as EntityTrait>::Column) -> Result<i32, DbErr> {
    match row.get(id) {
        Value::Int(Some(id)) => Ok(id),
        other => Err(DbErr::Custom(format!(
            "a row's id is not an integer: {other:?}"
        ))),
    }
}

/// Marks the record of `E` with `id` deleted at `at`, or, with `None`,
/// restores it.
pub async fn set_deleted<E: Slugged, C: ConnectionTrait>(
    db: &C,
    id: i32,
    at: Option<String>,
) -> Result<(), DbErr> {
    set_column::<E, C>(db, id, E::deleted_column(), at.into()).await
}

/// Gives the record of `E` with `id` the slug `slug`.
pub async fn set_slug<E: Slugged, C: ConnectionTrait>(
    db: &C,
    id: i32,
    slug: &str,
) -> Result<(), DbErr> {
    set_column::<E, C>(db, id, E::slug_column(), slug.into()).await
}

/// Sets one column of the record of `E` with `id`.
async fn set_column<E: Slugged, C: ConnectionTrait>(
    db: &C,
    id: i32,
    column: E::Column,
    value: Value,
) -> Result<(), DbErr> {
    E::update_many()
        .col_expr(column, sea_orm::sea_query::Expr::val(value))
        .filter(E::id_column().eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether a record of `E` other than `except` has `slug` (deleted ones
/// too: a slug is never reused, so links to a deleted record stay its).
pub async fn slug_taken<E: Slugged, C: ConnectionTrait>(
    db: &C,
    slug: &str,
    except: Option<i32>,
) -> Result<bool, DbErr> {
    let holder = id_by_slug::<E, C>(db, slug).await?;
    Ok(holder.is_some() && holder != except)
}

/// Whether any record of `kind`, deleted or not, has `slug`.
pub async fn slug_taken_in<C: ConnectionTrait>(
    db: &C,
    kind: RecordType,
    slug: &str,
) -> Result<bool, DbErr> {
    let slugs = [slug.to_owned()];
    let rows = rows_of(db, kind, Liveness::Any, None, Some(&slugs)).await?;
    Ok(!rows.is_empty())
}

/// The slugs of the records of `kind` with these ids that readers see
/// (not deleted), by id.
pub async fn live_slugs<C: ConnectionTrait>(
    db: &C,
    kind: RecordType,
    ids: &[i32],
) -> Result<std::collections::HashMap<i32, String>, DbErr> {
    let rows = rows_of(db, kind, Liveness::Live, Some(ids), None).await?;
    Ok(rows.into_iter().collect())
}

/// The ids of the records of `kind` that readers see among those `slugs`
/// name, by slug.
pub async fn live_ids<C: ConnectionTrait>(
    db: &C,
    kind: RecordType,
    slugs: &[String],
) -> Result<std::collections::HashMap<String, i32>, DbErr> {
    let rows = rows_of(db, kind, Liveness::Live, None, Some(slugs)).await?;
    Ok(rows.into_iter().map(|(id, slug)| (slug, id)).collect())
}

/// Which records [`rows_of`] reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Liveness {
    /// Those readers see (not deleted).
    Live,
    /// Deleted ones too.
    Any,
}

/// (id, slug) of the records of `kind` with one of `ids` and one of
/// `slugs` (each when given), deleted ones only when `liveness` says.
async fn rows_of<C: ConnectionTrait>(
    db: &C,
    kind: RecordType,
    liveness: Liveness,
    ids: Option<&[i32]>,
    slugs: Option<&[String]>,
) -> Result<Vec<(i32, String)>, DbErr> {
    macro_rules! rows {
        ($table:ident) => {{
            let mut select = $table::Entity::find()
                .select_only()
                .column($table::Column::Id)
                .column($table::Column::Slug);
            if liveness == Liveness::Live {
                select = select.filter($table::Column::DeletedAt.is_null());
            }
            if let Some(ids) = ids {
                select = select.filter($table::Column::Id.is_in(ids.iter().copied()));
            }
            if let Some(slugs) = slugs {
                select = select.filter($table::Column::Slug.is_in(slugs.iter().cloned()));
            }
            select.into_tuple().all(db).await
        }};
    }
    match kind {
        RecordType::Specialty => rows!(specialty),
        RecordType::Institution => rows!(institution),
        RecordType::Speaker => rows!(speaker),
        RecordType::Exchange => rows!(exchange),
        RecordType::AidShipment => rows!(aid_shipment),
        RecordType::NewsItem => rows!(news_item),
        RecordType::Photo => rows!(photo),
    }
}

/// The ids of the photos of `owner`.
pub async fn photo_ids_of<C: ConnectionTrait>(
    db: &C,
    owner: PhotoOwner,
) -> Result<Vec<i32>, DbErr> {
    photo::Entity::find()
        .select_only()
        .column(photo::Column::Id)
        .filter(owner.condition())
        .into_tuple()
        .all(db)
        .await
}

/// Whether other records refer to the institution, speaker or specialty
/// `id` (records an editor deleted too: restoring them must find what they
/// refer to): exchanges taking part, speakers working there, photos taken
/// there or showing them, talks given.
pub async fn referred_to<C: ConnectionTrait>(
    db: &C,
    record: (RecordType, i32),
) -> Result<bool, DbErr> {
    use entity::{exchange_participant, exchange_specialty, photo_person, talk};
    async fn any<Col: ColumnTrait, C: ConnectionTrait>(
        db: &C,
        column: Col,
        id: i32,
    ) -> Result<bool, DbErr>
    where
        Col::EntityName: EntityTrait,
    {
        let found = <Col::EntityName as EntityTrait>::find()
            .filter(column.eq(id))
            .one(db)
            .await?;
        Ok(found.is_some())
    }
    let (kind, id) = record;
    Ok(match kind {
        RecordType::Institution => {
            any(db, exchange_participant::Column::InstitutionId, id).await?
                || any(db, speaker::Column::InstitutionId, id).await?
                || any(db, photo::Column::VenueInstitutionId, id).await?
        }
        RecordType::Speaker => {
            any(db, talk::Column::SpeakerId, id).await?
                || any(db, photo_person::Column::SpeakerId, id).await?
        }
        RecordType::Specialty => any(db, exchange_specialty::Column::SpecialtyId, id).await?,
        _ => false,
    })
}

/// The place after every news item's, for a new one at the end.
pub async fn next_news_position<C: ConnectionTrait>(db: &C) -> Result<i32, DbErr> {
    let last: Option<i32> = news_item::Entity::find()
        .select_only()
        .column(news_item::Column::Position)
        .order_by_desc(news_item::Column::Position)
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.map_or(0, |position| position + 1))
}
