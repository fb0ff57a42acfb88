//! Reading the archive: by id, by slug, and as paged lists.

use super::filters::{ExchangeFilter, InstitutionFilter};
use crate::graphql::connection::{
    AidShipmentConnection, ExchangeConnection, InstitutionConnection, NewsItemConnection, PageArgs,
    PhotoConnection, SpeakerConnection, paged,
};
use crate::graphql::enums::{NameOrder, SortDirection};
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{self, Language};
use crate::graphql::types::{
    AidShipment, Exchange, Institution, NewsItem, Node, Photo, Speaker, Specialty,
};
use crate::graphql::{database, prefetch, wants_total};
use crate::store::rows::{exchange, institution, speaker};
use crate::store::{exchanges, listing};
use async_graphql::{Context, ID, Object};

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
                let scope = lang::scope(lang);
                let exchange = prefetch::exchange_by_id(ctx, row, scope).await?;
                let exchange = exchange.filter(|row| row.deleted_at.is_none());
                Ok(exchange.map(|row| Node::Exchange(Exchange::new(row, scope))))
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
        let row_id = match (&id, &slug) {
            (None, None) => return Err(ApiError::bad_input("give `id` or `slug`")),
            (Some(id), _) => match ids::decode_id_of(NodeType::Institution, id) {
                Some(row) => Some(row),
                None => return Ok(None),
            },
            _ => None,
        };
        let row = listing::institution(database(ctx), row_id, slug.as_deref()).await?;
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
        let args = PageArgs::new(first, after, last, before);
        let (db, filter, scope) = (
            database(ctx),
            filter.unwrap_or_default().into_store(),
            lang::scope(lang),
        );
        let node = |r| Institution::new(r, scope);
        let Some(order) = order_by else {
            let decode = |c: &str| ids::decode_id_cursor(NodeType::Institution, c);
            let fetch = async |request| listing::institutions(db, &filter, request).await;
            let cursor = |r: &institution::Model| ids::id_cursor(NodeType::Institution, r.id);
            return paged(args, wants_total(ctx), decode, fetch, cursor, node).await;
        };
        let (reader, descending) = (lang::resolve(ctx, lang, None), order == NameOrder::NameDesc);
        let decode = |c: &str| ids::decode_name_cursor(NodeType::Institution, reader, c);
        let fetch = async |request| {
            listing::institutions_by_name(db, &filter, reader, request, descending).await
        };
        let cursor = |r: &institution::Model| {
            ids::name_cursor(
                NodeType::Institution,
                reader,
                &(r.sort_key_for(reader.code()), r.id),
            )
        };
        paged(args, wants_total(ctx), decode, fetch, cursor, node).await
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
                let scope = lang::scope(lang);
                let exchange = prefetch::exchange_by_id(ctx, row, scope).await?;
                let exchange = exchange.filter(|row| row.deleted_at.is_none());
                Ok(exchange.map(|row| Exchange::new(row, scope)))
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
        let args = PageArgs::new(first, after, last, before);
        let filter = filter.unwrap_or_default().into_store()?;
        let descending = order_by.unwrap_or_default() == SortDirection::Desc;
        let decode = |c: &str| ids::decode_date_cursor(NodeType::Exchange, c);
        let scope = lang::scope(lang);
        let parts = prefetch::below_connection(ctx, scope);
        let page = async |request| {
            // The page and what the query selects below it, in one statement.
            let (page, trees) =
                exchanges::page_with_trees(database(ctx), &filter, request, descending, parts)
                    .await?;
            prefetch::feed(ctx, &page.rows, parts, trees).await;
            Ok::<_, ApiError>(page)
        };
        let cursor = |r: &exchange::Model| ids::date_cursor(NodeType::Exchange, &r.starts_on, r.id);
        paged(args, wants_total(ctx), decode, page, cursor, |r| {
            Exchange::new(r, scope)
        })
        .await
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
        let (args, db, scope) = (
            PageArgs::new(first, after, last, before),
            database(ctx),
            lang::scope(lang),
        );
        let node = |r| Speaker::new(r, scope);
        let Some(order) = order_by else {
            let decode = |c: &str| ids::decode_id_cursor(NodeType::Speaker, c);
            let fetch = async |request| listing::speakers(db, request).await;
            let cursor = |r: &speaker::Model| ids::id_cursor(NodeType::Speaker, r.id);
            return paged(args, wants_total(ctx), decode, fetch, cursor, node).await;
        };
        let (reader, descending) = (lang::resolve(ctx, lang, None), order == NameOrder::NameDesc);
        let decode = |c: &str| ids::decode_name_cursor(NodeType::Speaker, reader, c);
        let fetch =
            async |request| listing::speakers_by_name(db, reader, request, descending).await;
        let cursor = |r: &speaker::Model| {
            ids::name_cursor(
                NodeType::Speaker,
                reader,
                &(r.sort_key_for(reader.code()), r.id),
            )
        };
        paged(args, wants_total(ctx), decode, fetch, cursor, node).await
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
        let scope = lang::scope(lang);
        paged(
            PageArgs::new(first, after, last, before),
            wants_total(ctx),
            |c| ids::decode_id_cursor(NodeType::Photo, c),
            async |request| listing::photos(database(ctx), request).await,
            |r| ids::id_cursor(NodeType::Photo, r.id),
            |r| Photo::new(r, scope),
        )
        .await
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
        let scope = lang::scope(lang);
        paged(
            PageArgs::new(first, after, last, before),
            wants_total(ctx),
            |c| ids::decode_date_cursor(NodeType::AidShipment, c),
            async |request| listing::aid_shipments(database(ctx), request).await,
            |r| ids::date_cursor(NodeType::AidShipment, &r.starts_on, r.id),
            |r| AidShipment::new(r, scope),
        )
        .await
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
        let scope = lang::scope(lang);
        paged(
            PageArgs::new(first, after, last, before),
            wants_total(ctx),
            |c| ids::decode_id_cursor(NodeType::NewsItem, c),
            async |request| listing::news(database(ctx), request).await,
            |r| ids::id_cursor(NodeType::NewsItem, r.id),
            |r| NewsItem::new(r, scope),
        )
        .await
    }

    /// Every specialty, in the order they were added.
    async fn specialties(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Vec<Specialty>, ApiError> {
        let rows = listing::specialties(database(ctx)).await?;
        let scope = lang::scope(lang);
        Ok(rows.into_iter().map(|r| Specialty::new(r, scope)).collect())
    }
}
