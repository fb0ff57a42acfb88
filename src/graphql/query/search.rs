//! Search in either language.

use crate::graphql::connection::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::graphql::error::ApiError;
use crate::graphql::lang::{self, Language};
use crate::graphql::loaders::{
    AidShipmentById, ExchangeById, InstitutionById, PhotoById, SpeakerById,
};
use crate::graphql::types::{AidShipment, Exchange, Institution, Photo, SearchResult, Speaker};
use crate::graphql::{database, loader};
use crate::store::search::{self, HitKind};
use async_graphql::{Context, Object};

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Searching the archive.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Search over every localized text and alias, in any language, ranked
    /// best first: a whole text equal to the query, then a text starting
    /// with it, then a text containing it; ties by kind and age. The query
    /// is plain text (1 to 200 characters, case-insensitive for Latin).
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        lang: Option<Language>,
        first: Option<i32>,
    ) -> Result<Vec<SearchResult>, ApiError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(ApiError::bad_input("`query` must not be empty"));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ApiError::bad_input(format!(
                "`query` must be at most {MAX_QUERY_CHARS} characters"
            )));
        }
        let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(0..=MAX_PAGE_SIZE).contains(&first) {
            return Err(ApiError::bad_input(format!(
                "`first` must be between 0 and {MAX_PAGE_SIZE}, got {first}"
            )));
        }
        let hits = search::search(database(ctx), query, first as u64).await?;
        let scope = lang::scope(lang);
        let loader = loader(ctx);
        let ids = |kind: HitKind| hits.iter().filter(move |h| h.kind == kind).map(|h| h.id);
        let (institutions, exchanges, speakers, photos, shipments) = tokio::join!(
            loader.load_many(ids(HitKind::Institution).map(InstitutionById)),
            loader.load_many(ids(HitKind::Exchange).map(ExchangeById)),
            loader.load_many(ids(HitKind::Speaker).map(SpeakerById)),
            loader.load_many(ids(HitKind::Photo).map(PhotoById)),
            loader.load_many(ids(HitKind::AidShipment).map(AidShipmentById)),
        );
        let (mut institutions, mut exchanges, mut speakers, mut photos, mut shipments) =
            (institutions?, exchanges?, speakers?, photos?, shipments?);
        Ok(hits
            .iter()
            .filter_map(|hit| match hit.kind {
                HitKind::Institution => institutions
                    .remove(&InstitutionById(hit.id))
                    .map(|r| SearchResult::Institution(Institution::new(r, scope))),
                HitKind::Exchange => exchanges
                    .remove(&ExchangeById(hit.id))
                    .map(|r| SearchResult::Exchange(Exchange::new(r, scope))),
                HitKind::Speaker => speakers
                    .remove(&SpeakerById(hit.id))
                    .map(|r| SearchResult::Speaker(Speaker::new(r, scope))),
                HitKind::Photo => photos
                    .remove(&PhotoById(hit.id))
                    .map(|r| SearchResult::Photo(Photo::new(r, scope))),
                HitKind::AidShipment => shipments
                    .remove(&AidShipmentById(hit.id))
                    .map(|r| SearchResult::AidShipment(AidShipment::new(r, scope))),
            })
            .collect())
    }
}
