//! The other top-level lists: institutions, speakers, photos, aid shipments
//! and news items, each in a stable order.

use crate::domain::vocabulary::Country;
use crate::i18n::Lang;
use crate::store::page::{self, Page, PageRequest};
use entity::{
    aid_shipment, exchange, institution, institution_translation, news_item, photo, speaker,
    specialty,
};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Iden, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Select,
};

/// Which institutions to list.
#[derive(Clone, Debug, Default)]
pub struct InstitutionFilter {
    /// In this country.
    pub country: Option<Country>,
    /// In this province or prefecture, named in any language (case-insensitive).
    pub region: Option<String>,
}

/// The institution with this id and/or slug (both must match when both
/// are given).
pub async fn institution<C: ConnectionTrait>(
    db: &C,
    id: Option<i32>,
    slug: Option<&str>,
) -> Result<Option<institution::Model>, DbErr> {
    let mut select = institution::Entity::find().filter(institution::Column::DeletedAt.is_null());
    if let Some(id) = id {
        select = select.filter(institution::Column::Id.eq(id));
    }
    if let Some(slug) = slug {
        select = select.filter(institution::Column::Slug.eq(slug));
    }
    select.one(db).await
}

/// Every specialty, in the order they were added.
pub async fn specialties<C: ConnectionTrait>(db: &C) -> Result<Vec<specialty::Model>, DbErr> {
    specialty::Entity::find()
        .filter(specialty::Column::DeletedAt.is_null())
        .order_by_asc(specialty::Column::Id)
        .all(db)
        .await
}

/// The position of a row in name order: its sort key, then its id.
pub type NameKey = (String, i32);

/// One page of institutions, in the order they were added.
pub async fn institutions<C: ConnectionTrait>(
    db: &C,
    filter: &InstitutionFilter,
    request: PageRequest<i32>,
) -> Result<Page<institution::Model>, DbErr> {
    let select = institution_select(filter);
    page::fetch(db, select, institution::Column::Id, request, false).await
}

/// One page of institutions in name order for `lang`'s readers (see
/// [`crate::i18n::sort_key`]), then by id.
pub async fn institutions_by_name<C: ConnectionTrait>(
    db: &C,
    filter: &InstitutionFilter,
    lang: Lang,
    request: PageRequest<NameKey>,
    descending: bool,
) -> Result<Page<institution::Model>, DbErr> {
    let key = match lang {
        Lang::Zh => institution::Column::SortZh,
        Lang::Ja => institution::Column::SortJa,
        Lang::En => institution::Column::SortEn,
    };
    let select = institution_select(filter);
    page::fetch(
        db,
        select,
        (key, institution::Column::Id),
        request,
        descending,
    )
    .await
}

/// One page of speakers in name order for `lang`'s readers, then by id.
pub async fn speakers_by_name<C: ConnectionTrait>(
    db: &C,
    lang: Lang,
    request: PageRequest<NameKey>,
    descending: bool,
) -> Result<Page<speaker::Model>, DbErr> {
    let key = match lang {
        Lang::Zh => speaker::Column::SortZh,
        Lang::Ja => speaker::Column::SortJa,
        Lang::En => speaker::Column::SortEn,
    };
    let select = speaker::Entity::find().filter(speaker::Column::DeletedAt.is_null());
    page::fetch(db, select, (key, speaker::Column::Id), request, descending).await
}

/// The institutions matching `filter`, unordered.
fn institution_select(filter: &InstitutionFilter) -> Select<institution::Entity> {
    let mut select = institution::Entity::find().filter(institution::Column::DeletedAt.is_null());
    if let Some(country) = filter.country {
        select = select.filter(institution::Column::Country.eq(country.as_str()));
    }
    if let Some(region) = &filter.region {
        select = select.filter(
            institution::Column::Id.in_subquery(
                Query::select()
                    .column(institution_translation::Column::InstitutionId)
                    .from(institution_translation::Entity)
                    .and_where(
                        Expr::expr(Func::lower(Expr::col(
                            institution_translation::Column::Region,
                        )))
                        .eq(region.trim().to_lowercase()),
                    )
                    .to_owned(),
            ),
        );
    }
    select
}

/// One page of speakers, in the order they were added.
pub async fn speakers<C: ConnectionTrait>(
    db: &C,
    request: PageRequest<i32>,
) -> Result<Page<speaker::Model>, DbErr> {
    page::fetch(
        db,
        speaker::Entity::find().filter(speaker::Column::DeletedAt.is_null()),
        speaker::Column::Id,
        request,
        false,
    )
    .await
}

/// One page of photos, in the order they were added: neither deleted nor
/// of a deleted exchange, aid shipment or news item.
pub async fn photos<C: ConnectionTrait>(
    db: &C,
    request: PageRequest<i32>,
) -> Result<Page<photo::Model>, DbErr> {
    let select = photo::Entity::find()
        .filter(photo::Column::DeletedAt.is_null())
        .filter(owner_live(photo::Column::ExchangeId, exchange::Entity))
        .filter(owner_live(
            photo::Column::AidShipmentId,
            aid_shipment::Entity,
        ))
        .filter(owner_live(photo::Column::NewsItemId, news_item::Entity));
    page::fetch(db, select, photo::Column::Id, request, false).await
}

/// The photo's `owner` column is empty or names a record not deleted.
fn owner_live(owner: photo::Column, table: impl Iden + 'static) -> Condition {
    let live = Query::select()
        .column(Alias::new("id"))
        .from(table)
        .and_where(Expr::col(Alias::new("deleted_at")).is_null())
        .to_owned();
    Condition::any()
        .add(owner.is_null())
        .add(owner.in_subquery(live))
}

/// One page of aid shipments, in date order.
pub async fn aid_shipments<C: ConnectionTrait>(
    db: &C,
    request: PageRequest<(String, i32)>,
) -> Result<Page<aid_shipment::Model>, DbErr> {
    page::fetch(
        db,
        aid_shipment::Entity::find().filter(aid_shipment::Column::DeletedAt.is_null()),
        (aid_shipment::Column::StartsOn, aid_shipment::Column::Id),
        request,
        false,
    )
    .await
}

/// One page of news items, in report order.
pub async fn news<C: ConnectionTrait>(
    db: &C,
    request: PageRequest<i32>,
) -> Result<Page<news_item::Model>, DbErr> {
    page::fetch(
        db,
        news_item::Entity::find().filter(news_item::Column::DeletedAt.is_null()),
        news_item::Column::Id,
        request,
        false,
    )
    .await
}
