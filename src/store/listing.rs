//! The other top-level lists: institutions, speakers, photos, aid shipments
//! and news items, each in a stable order.

use crate::model::Country;
use crate::store::page::{self, Page, PageRequest};
use entity::{aid_shipment, institution, institution_translation, news_item, photo, speaker};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// Which institutions to list.
#[derive(Clone, Debug, Default)]
pub struct InstitutionFilter {
    /// In this country.
    pub country: Option<Country>,
    /// In this province or prefecture, named in any language (case-insensitive).
    pub region: Option<String>,
}

/// One page of institutions, in the order they were added.
pub async fn institutions<C: ConnectionTrait>(
    db: &C,
    filter: &InstitutionFilter,
    request: PageRequest<i32>,
) -> Result<Page<institution::Model>, DbErr> {
    let mut select = institution::Entity::find();
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
    page::fetch(db, select, institution::Column::Id, request, false).await
}

/// One page of speakers, in the order they were added.
pub async fn speakers<C: ConnectionTrait>(
    db: &C,
    request: PageRequest<i32>,
) -> Result<Page<speaker::Model>, DbErr> {
    page::fetch(
        db,
        speaker::Entity::find(),
        speaker::Column::Id,
        request,
        false,
    )
    .await
}

/// One page of photos, in the order they were added.
pub async fn photos<C: ConnectionTrait>(
    db: &C,
    request: PageRequest<i32>,
) -> Result<Page<photo::Model>, DbErr> {
    page::fetch(db, photo::Entity::find(), photo::Column::Id, request, false).await
}

/// One page of aid shipments, in date order.
pub async fn aid_shipments<C: ConnectionTrait>(
    db: &C,
    request: PageRequest<(String, i32)>,
) -> Result<Page<aid_shipment::Model>, DbErr> {
    page::fetch(
        db,
        aid_shipment::Entity::find(),
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
        news_item::Entity::find(),
        news_item::Column::Id,
        request,
        false,
    )
    .await
}
