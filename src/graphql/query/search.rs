//! Search in either language.

use super::filters::checked_text;
use crate::graphql::connection::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageInfo};
use crate::graphql::error::ApiError;
use crate::graphql::ids::{decode_search_cursor, search_cursor};
use crate::graphql::lang::{self, Language, Scope};
use crate::graphql::loaders::{AidShipmentById, ExchangeById, PhotoById, from_catalog};
use crate::graphql::types::{
    AidShipment, Exchange, Institution, Photo, SearchMatch, SearchResult, SearchResultConnection,
    SearchResultEdge, Speaker, Specialty,
};
use crate::graphql::{database, loader};
use crate::store::search::{self, Hit, TextQuery};
use crate::store::search_index::DocKind as HitKind;
use async_graphql::{Context, Object};
use std::collections::HashMap;

/// Searching the archive.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Search over every localized text and alias, in any language, ranked
    /// best first: a whole text equal to the query, then a text starting
    /// with it, then a text containing it, then a text holding all its
    /// words apart; ties go to a text in the asked language, then by kind
    /// and age. One- and two-character Chinese and Japanese words match;
    /// Simplified, Traditional and Japanese forms of a character match each
    /// other (順天堂 finds 顺天堂), as do full- and half-width forms, Latin
    /// case, and hiragana and katakana. The query is plain text of 1 to 200
    /// characters; one with no letter or digit finds nothing.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        lang: Option<Language>,
        first: Option<i32>,
    ) -> Result<Vec<SearchResult>, ApiError> {
        let query = checked_text(&query)?;
        let first = checked_first(first)?;
        let Some(text) = TextQuery::new(query) else {
            return Ok(Vec::new());
        };
        let preferred = lang::resolve(ctx, lang, None);
        let hits = search::search(database(ctx), &text, preferred, first).await?;
        let results = found(ctx, &hits, lang::scope(lang)).await?;
        Ok(results.into_iter().map(|(_, result)| result).collect())
    }

    /// `search` one page at a time, each result with the text that matched
    /// and where (`edges { match { snippet highlights } }`), in the same
    /// order. Page on with `after: pageInfo.endCursor`; a result edited
    /// between pages ranks where it now ranks, and no result of an earlier
    /// page comes again. Pages reach the first 1,000 results.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn search_results(
        &self,
        ctx: &Context<'_>,
        query: String,
        lang: Option<Language>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SearchResultConnection, ApiError> {
        let query = checked_text(&query)?;
        let first = checked_first(first)?;
        let after =
            match after {
                None => None,
                Some(cursor) => Some(decode_search_cursor(&cursor).ok_or_else(|| {
                    ApiError::bad_input("`after` is not a cursor of search results")
                })?),
            };
        let Some(text) = TextQuery::new(query) else {
            return Ok(connection(Vec::new(), after.is_some(), false));
        };
        let preferred = lang::resolve(ctx, lang, None);
        let db = database(ctx);
        let page = search::search_page(db, &text, preferred, after, first).await?;
        let (results, mut matches) =
            tokio::try_join!(found(ctx, &page.hits, lang::scope(lang)), async {
                Ok(search::matches(db, &text, preferred, &page.hits).await?)
            },)?;
        let edges = results
            .into_iter()
            .enumerate()
            .map(|(index, (hit, node))| SearchResultEdge {
                cursor: search_cursor(page.offset + index as u64, hit.rank()),
                node,
                matched: matches.remove(&(hit.kind, hit.id)).map(SearchMatch),
            })
            .collect();
        Ok(connection(edges, page.offset > 0, page.has_next))
    }
}

/// `first` checked (0 to the page size limit; the default page size when
/// not given).
fn checked_first(first: Option<i32>) -> Result<u64, ApiError> {
    let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(0..=MAX_PAGE_SIZE).contains(&first) {
        return Err(ApiError::bad_input(format!(
            "`first` must be between 0 and {MAX_PAGE_SIZE}, got {first}"
        )));
    }
    Ok(first as u64)
}

fn connection(
    edges: Vec<SearchResultEdge>,
    has_previous_page: bool,
    has_next_page: bool,
) -> SearchResultConnection {
    let cursors = edges.iter().map(|e| &e.cursor);
    let page_info = PageInfo::of(cursors, has_previous_page, has_next_page);
    let nodes = edges.iter().map(|e| e.node.clone()).collect();
    SearchResultConnection {
        edges,
        nodes,
        page_info,
    }
}

/// The records `hits` name, in their order, each with its hit (a record
/// deleted since it was found is left out).
async fn found(
    ctx: &Context<'_>,
    hits: &[Hit],
    scope: Scope,
) -> Result<Vec<(Hit, SearchResult)>, ApiError> {
    let loader = loader(ctx);
    let ids = |kind: HitKind| hits.iter().filter(move |h| h.kind == kind).map(|h| h.id);
    let (exchanges, photos, shipments) = tokio::join!(
        loader.load_many(ids(HitKind::Exchange).map(ExchangeById)),
        loader.load_many(ids(HitKind::Photo).map(PhotoById)),
        loader.load_many(ids(HitKind::AidShipment).map(AidShipmentById)),
    );
    let (mut exchanges, mut photos, mut shipments) = (exchanges?, photos?, shipments?);
    let kind_ids = |kind: HitKind| ids(kind).collect::<Vec<i32>>();
    let institutions = kind_ids(HitKind::Institution);
    let institutions = from_catalog(ctx, |c| &c.institutions, &institutions).await?;
    let mut institutions: HashMap<i32, _> = institutions.into_iter().map(|r| (r.id, r)).collect();
    let speakers = from_catalog(ctx, |c| &c.speakers, &kind_ids(HitKind::Speaker)).await?;
    let mut speakers: HashMap<i32, _> = speakers.into_iter().map(|r| (r.id, r)).collect();
    let specialties = kind_ids(HitKind::Specialty);
    let specialties = from_catalog(ctx, |c| &c.specialties, &specialties).await?;
    let mut specialties: HashMap<i32, _> = specialties.into_iter().map(|r| (r.id, r)).collect();
    Ok(hits
        .iter()
        .filter_map(|hit| {
            let result = match hit.kind {
                HitKind::Institution => institutions
                    .remove(&hit.id)
                    .map(|r| SearchResult::Institution(Institution::new(r, scope))),
                HitKind::Exchange => exchanges
                    .remove(&ExchangeById(hit.id))
                    .map(|r| SearchResult::Exchange(Exchange::new(r, scope))),
                HitKind::Speaker => speakers
                    .remove(&hit.id)
                    .map(|r| SearchResult::Speaker(Speaker::new(r, scope))),
                HitKind::Photo => photos
                    .remove(&PhotoById(hit.id))
                    .map(|r| SearchResult::Photo(Photo::new(r, scope))),
                HitKind::AidShipment => shipments
                    .remove(&AidShipmentById(hit.id))
                    .map(|r| SearchResult::AidShipment(AidShipment::new(r, scope))),
                HitKind::Specialty => specialties
                    .remove(&hit.id)
                    .map(|r| SearchResult::Specialty(Specialty::new(r, scope))),
            };
            result.map(|result| (*hit, result))
        })
        .collect())
}
