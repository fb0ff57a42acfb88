//! Reading the archive: by id, by slug, and as paged lists.

use super::filters::{ExchangeFilter, InstitutionFilter};
use crate::graphql::connection::{
    AidShipmentConnection, ExchangeConnection, InstitutionConnection, NewsItemConnection, PageArgs,
    PhotoConnection, SpeakerConnection,
};
use crate::graphql::enums::{NameOrder, SortDirection};
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{self, Language};
use crate::graphql::types::{
    AidShipment, Exchange, Institution, NewsItem, Node, Photo, Speaker, Specialty,
};
use crate::graphql::{database, prefetch, wants_total};
use crate::store::{exchanges, listing};
use async_graphql::{Context, ID, Object};
use entity::{institution, speaker, specialty};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// Reading the archive by id, by slug, and as paged lists.
#[derive(Default)]
pub struct ArchiveQuery;

#[Object]
impl ArchiveQuery {
    /// Anything by its global id; `null` when the id is unknown or malformed.
    async fn node(
        &self,
        ctx: &Context<'_>,
        id: ID,
        lang: Option<Language>,
    ) -> Result<Option<Node>, ApiError> {
        match ids::decode_id(&id) {
            Some((NodeType::Exchange, row)) => {
                let exchange = prefetch::exchange_by_id(ctx, row).await?;
                Ok(exchange.map(|row| Node::Exchange(Exchange::new(row, lang::scope(lang)))))
            }
            Some((node_type, row)) => Node::load(ctx, node_type, row, lang::scope(lang)).await,
            None => Ok(None),
        }
    }

    /// An institution by id or by slug (when both are given, both must match).
    async fn institution(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
        lang: Option<Language>,
    ) -> Result<Option<Institution>, ApiError> {
        let mut select = institution::Entity::find();
        match (&id, &slug) {
            (None, None) => return Err(ApiError::bad_input("give `id` or `slug`")),
            (Some(id), _) => match ids::decode_id_of(NodeType::Institution, id) {
                Some(row) => select = select.filter(institution::Column::Id.eq(row)),
                None => return Ok(None),
            },
            _ => {}
        }
        if let Some(slug) = slug {
            select = select.filter(institution::Column::Slug.eq(slug));
        }
        let row = select.one(database(ctx)).await?;
        Ok(row.map(|row| Institution::new(row, lang::scope(lang))))
    }

    /// Institutions, in the order they were added, or by name (`orderBy`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn institutions(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
        filter: Option<InstitutionFilter>,
        order_by: Option<NameOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<InstitutionConnection, ApiError> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let filter = filter.unwrap_or_default().into_store();
        let scope = lang::scope(lang);
        let node = |r| Institution::new(r, scope);
        let Some(order) = order_by else {
            let cursor = |c: &str| ids::decode_id_cursor(NodeType::Institution, c);
            let request = args.into_request(cursor, wants_total(ctx))?;
            let page = listing::institutions(database(ctx), &filter, request).await?;
            let cursor = |r: &institution::Model| ids::id_cursor(NodeType::Institution, r.id);
            return Ok(InstitutionConnection::from_page(page, cursor, node));
        };
        let reader = lang::resolve(ctx, lang, None);
        let cursor = |c: &str| ids::decode_name_cursor(NodeType::Institution, reader, c);
        let request = args.into_request(cursor, wants_total(ctx))?;
        let descending = order == NameOrder::NameDesc;
        let page =
            listing::institutions_by_name(database(ctx), &filter, reader, request, descending)
                .await?;
        Ok(InstitutionConnection::from_page(
            page,
            |r| {
                ids::name_cursor(
                    NodeType::Institution,
                    reader,
                    &(r.sort_key_for(reader.code()), r.id),
                )
            },
            node,
        ))
    }

    /// An exchange by its global id; `null` when unknown or malformed.
    async fn exchange(
        &self,
        ctx: &Context<'_>,
        id: ID,
        lang: Option<Language>,
    ) -> Result<Option<Exchange>, ApiError> {
        match ids::decode_id_of(NodeType::Exchange, &id) {
            Some(row) => {
                let exchange = prefetch::exchange_by_id(ctx, row).await?;
                Ok(exchange.map(|row| Exchange::new(row, lang::scope(lang))))
            }
            None => Ok(None),
        }
    }

    /// Exchanges in date order (oldest first unless `orderBy: DESC`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn exchanges(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
        filter: Option<ExchangeFilter>,
        order_by: Option<SortDirection>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<ExchangeConnection, ApiError> {
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_request(
            |c| ids::decode_date_cursor(NodeType::Exchange, c),
            wants_total(ctx),
        )?;
        let filter = filter.unwrap_or_default().into_store()?;
        let descending = order_by.unwrap_or_default() == SortDirection::Desc;
        let page = exchanges::page(database(ctx), &filter, request, descending).await?;
        prefetch::below_connection(ctx, &page.rows).await?;
        let scope = lang::scope(lang);
        Ok(ExchangeConnection::from_page(
            page,
            |r| ids::date_cursor(NodeType::Exchange, &r.starts_on, r.id),
            |r| Exchange::new(r, scope),
        ))
    }

    /// Speakers, in the order they were added, or by name (`orderBy`).
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn speakers(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
        order_by: Option<NameOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<SpeakerConnection, ApiError> {
        let args = PageArgs {
            first,
            after,
            last,
            before,
        };
        let scope = lang::scope(lang);
        let node = |r| Speaker::new(r, scope);
        let Some(order) = order_by else {
            let cursor = |c: &str| ids::decode_id_cursor(NodeType::Speaker, c);
            let request = args.into_request(cursor, wants_total(ctx))?;
            let page = listing::speakers(database(ctx), request).await?;
            let cursor = |r: &speaker::Model| ids::id_cursor(NodeType::Speaker, r.id);
            return Ok(SpeakerConnection::from_page(page, cursor, node));
        };
        let reader = lang::resolve(ctx, lang, None);
        let cursor = |c: &str| ids::decode_name_cursor(NodeType::Speaker, reader, c);
        let request = args.into_request(cursor, wants_total(ctx))?;
        let descending = order == NameOrder::NameDesc;
        let page = listing::speakers_by_name(database(ctx), reader, request, descending).await?;
        Ok(SpeakerConnection::from_page(
            page,
            |r| {
                ids::name_cursor(
                    NodeType::Speaker,
                    reader,
                    &(r.sort_key_for(reader.code()), r.id),
                )
            },
            node,
        ))
    }

    /// Photos, in the order they were added.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn photos(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<PhotoConnection, ApiError> {
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_request(
            |c| ids::decode_id_cursor(NodeType::Photo, c),
            wants_total(ctx),
        )?;
        let page = listing::photos(database(ctx), request).await?;
        let scope = lang::scope(lang);
        Ok(PhotoConnection::from_page(
            page,
            |r| ids::id_cursor(NodeType::Photo, r.id),
            |r| Photo::new(r, scope),
        ))
    }

    /// Aid shipments, in date order.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn aid_shipments(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<AidShipmentConnection, ApiError> {
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_request(
            |c| ids::decode_date_cursor(NodeType::AidShipment, c),
            wants_total(ctx),
        )?;
        let page = listing::aid_shipments(database(ctx), request).await?;
        let scope = lang::scope(lang);
        Ok(AidShipmentConnection::from_page(
            page,
            |r| ids::date_cursor(NodeType::AidShipment, &r.starts_on, r.id),
            |r| AidShipment::new(r, scope),
        ))
    }

    /// Other news of the centre, in report order.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, last, child_complexity)")]
    async fn news(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<NewsItemConnection, ApiError> {
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_request(
            |c| ids::decode_id_cursor(NodeType::NewsItem, c),
            wants_total(ctx),
        )?;
        let page = listing::news(database(ctx), request).await?;
        let scope = lang::scope(lang);
        Ok(NewsItemConnection::from_page(
            page,
            |r| ids::id_cursor(NodeType::NewsItem, r.id),
            |r| NewsItem::new(r, scope),
        ))
    }

    /// Every specialty, in the order they were added.
    async fn specialties(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Vec<Specialty>, ApiError> {
        let rows = specialty::Entity::find()
            .order_by_asc(specialty::Column::Id)
            .all(database(ctx))
            .await?;
        let scope = lang::scope(lang);
        Ok(rows.into_iter().map(|r| Specialty::new(r, scope)).collect())
    }
}
