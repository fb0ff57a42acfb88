use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{self, Language, Scope};
use crate::graphql::loader;
use crate::graphql::loaders::{NewsItemPhotos, NewsItemTranslations};
use crate::graphql::types::Photo;
use crate::store::rows::{news_item, news_item_translation};
use async_graphql::{Context, ID, Object};
use std::sync::Arc;

/// Other news of the centre in a report: a year's overview, an office move,
/// a New Year's visit.
#[derive(Clone)]
pub struct NewsItem {
    pub(crate) row: news_item::Model,
    pub(crate) scope: Scope,
}

impl NewsItem {
    pub(crate) fn new(row: news_item::Model, scope: Scope) -> Self {
        NewsItem { row, scope }
    }

    async fn translation_rows(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Arc<Vec<news_item_translation::Model>>, ApiError> {
        Ok(loader(ctx)
            .load_one(NewsItemTranslations(self.row.id))
            .await?
            .unwrap_or_default())
    }
}

/// Other news of the centre in a report: a year's overview, an office move,
/// a New Year's visit.
#[Object]
impl NewsItem {
    /// Goes up by one with every change written (pass it back as
    /// `expectedVersion` when changing the record).
    async fn version(&self) -> i32 {
        self.row.version
    }

    /// Its recorded changes, newest first: who changed what, when.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<crate::graphql::connection::ChangeConnection, ApiError> {
        let record = (crate::store::history::RecordType::NewsItem, self.row.id);
        crate::graphql::types::change::change_page(ctx, Some(record), first, after).await
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode_id(NodeType::NewsItem, self.row.id)
    }

    /// Stable, human-readable key.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    /// Its IIIF Presentation 3.0 manifest (a canvas per photo with an
    /// image, texts in zh, ja and en), for viewers such as Mirador; 404
    /// until one of its photos has an image.
    async fn iiif_manifest(&self, ctx: &async_graphql::Context<'_>) -> String {
        let kind = crate::media::iiif::presentation::Described::NewsItem;
        crate::graphql::types::photo::manifest_url(ctx, kind, &self.row.slug)
    }

    /// `YYYY-MM` or `YYYY-MM-DD`, when the news has a date.
    async fn date(&self) -> Option<&str> {
        self.row.date.as_deref()
    }

    /// Japanese fiscal year (April to March) of the report it is in.
    async fn fiscal_year(&self) -> i32 {
        self.row.fiscal_year
    }

    /// Its heading.
    async fn title(&self, ctx: &Context<'_>, lang: Option<Language>) -> Result<String, ApiError> {
        let rows = self.translation_rows(ctx).await?;
        lang::text(ctx, lang, self.scope, &rows, |r| r.title.as_deref())
            .ok_or_else(|| ApiError::invariant(format!("news item {} has no title", self.row.id)))
    }

    /// Its text.
    async fn body(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Option<String>, ApiError> {
        let rows = self.translation_rows(ctx).await?;
        Ok(lang::text(ctx, lang, self.scope, &rows, |r| {
            r.body.as_deref()
        }))
    }

    /// Its photos, in report order.
    async fn photos(&self, ctx: &Context<'_>) -> Result<Vec<Photo>, ApiError> {
        let rows = loader(ctx)
            .load_one(NewsItemPhotos(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(Photo::shown(&rows, self.scope))
    }
}
