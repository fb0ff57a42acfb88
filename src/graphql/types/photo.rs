use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{Language, Scope};
use crate::graphql::loaders::ImageByHash;
use crate::graphql::loaders::{
    AidShipmentById, ExchangeById, NewsItemById, PhotoPeople, PhotoTexts, from_catalog,
    loaded_text, one_from_catalog,
};
use crate::graphql::types::{AidShipment, Exchange, Image, Institution, NewsItem, Speaker};
use crate::graphql::{loader, media};
use crate::media::iiif::presentation::{Described, manifest_path};
use crate::store::rows::photo;
use async_graphql::{Context, ID, Object};

/// A photo from a report, of an exchange, an aid shipment or a news item.
#[derive(Clone)]
pub struct Photo {
    pub(crate) row: photo::Model,
    pub(crate) scope: Scope,
}

impl Photo {
    pub(crate) fn new(row: photo::Model, scope: Scope) -> Self {
        Photo { row, scope }
    }

    /// The record it belongs to (an exchange, an aid shipment or a news
    /// item): its kind, slug and whether an editor deleted it.
    async fn owner(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<(Described, String, bool)>, ApiError> {
        let loader = loader(ctx);
        let of = |kind, slug, deleted_at: Option<String>| (kind, slug, deleted_at.is_some());
        Ok(
            match (
                self.row.exchange_id,
                self.row.aid_shipment_id,
                self.row.news_item_id,
            ) {
                (Some(id), _, _) => loader
                    .load_one(ExchangeById(id))
                    .await?
                    .map(|r| of(Described::Exchange, r.slug, r.deleted_at)),
                (_, Some(id), _) => loader
                    .load_one(AidShipmentById(id))
                    .await?
                    .map(|r| of(Described::AidShipment, r.slug, r.deleted_at)),
                (_, _, Some(id)) => loader
                    .load_one(NewsItemById(id))
                    .await?
                    .map(|r| of(Described::NewsItem, r.slug, r.deleted_at)),
                _ => None,
            },
        )
    }

    /// Whether the record it belongs to was deleted: the photo then leaves
    /// sight with it.
    pub(crate) async fn owner_deleted(&self, ctx: &Context<'_>) -> Result<bool, ApiError> {
        let owner = self.owner(ctx).await?;
        Ok(owner.is_some_and(|(_, _, deleted)| deleted))
    }

    /// The photos of a record that readers see (not the deleted ones), in
    /// the order given.
    pub(crate) fn shown(rows: &[photo::Model], scope: Scope) -> Vec<Photo> {
        rows.iter()
            .filter(|row| row.deleted_at.is_none())
            .map(|row| Photo::new(row.clone(), scope))
            .collect()
    }
}

/// A photo from a report, of an exchange, an aid shipment or a news item.
#[Object(serial)]
impl Photo {
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
        let record = (crate::store::history::RecordType::Photo, self.row.id);
        crate::graphql::types::change::change_page(ctx, Some(record), first, after).await
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode_id(NodeType::Photo, self.row.id)
    }

    /// Stable, human-readable key.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    /// The caption printed under it.
    async fn caption(&self, ctx: &Context<'_>, lang: Option<Language>) -> Result<String, ApiError> {
        let key = |lang| PhotoTexts(self.row.id, lang);
        let caption = loaded_text(ctx, lang, self.scope, key, |r| r.caption.as_deref()).await?;
        caption.ok_or_else(|| ApiError::invariant(format!("photo {} has no caption", self.row.id)))
    }

    /// The exchange it shows, if any (and not deleted).
    async fn exchange(&self, ctx: &Context<'_>) -> Result<Option<Exchange>, ApiError> {
        let Some(id) = self.row.exchange_id else {
            return Ok(None);
        };
        Ok(loader(ctx)
            .load_one(ExchangeById(id))
            .await?
            .filter(|row| row.deleted_at.is_none())
            .map(|row| Exchange::new(row, self.scope)))
    }

    /// The aid shipment it shows, if any (and not deleted).
    async fn aid_shipment(&self, ctx: &Context<'_>) -> Result<Option<AidShipment>, ApiError> {
        let Some(id) = self.row.aid_shipment_id else {
            return Ok(None);
        };
        Ok(loader(ctx)
            .load_one(AidShipmentById(id))
            .await?
            .filter(|row| row.deleted_at.is_none())
            .map(|row| AidShipment::new(row, self.scope)))
    }

    /// The news item it illustrates, if any (and not deleted).
    async fn news_item(&self, ctx: &Context<'_>) -> Result<Option<NewsItem>, ApiError> {
        let Some(id) = self.row.news_item_id else {
            return Ok(None);
        };
        Ok(loader(ctx)
            .load_one(NewsItemById(id))
            .await?
            .filter(|row| row.deleted_at.is_none())
            .map(|row| NewsItem::new(row, self.scope)))
    }

    /// Whose venue it shows, when known (e.g. a hospital's meeting room).
    async fn venue(&self, ctx: &Context<'_>) -> Result<Option<Institution>, ApiError> {
        let Some(id) = self.row.venue_institution_id else {
            return Ok(None);
        };
        let row = one_from_catalog(ctx, |c| &c.institutions, id).await?;
        Ok(row.map(|row| Institution::new(row, self.scope)))
    }

    /// The speakers it shows.
    async fn people(&self, ctx: &Context<'_>) -> Result<Vec<Speaker>, ApiError> {
        let links = loader(ctx)
            .load_one(PhotoPeople(self.row.id))
            .await?
            .unwrap_or_default();
        let ids: Vec<i32> = links.iter().map(|l| l.speaker_id).collect();
        let rows = from_catalog(ctx, |c| &c.speakers, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| Speaker::new(row, self.scope))
            .collect())
    }

    /// Where the image is served when it is kept elsewhere (an address
    /// an editor gave); `image` is the image kept here.
    async fn url(&self) -> Option<&str> {
        self.row.url.as_deref()
    }

    /// Its image, when one is attached (`setPhotoImage`).
    async fn image(&self, ctx: &Context<'_>) -> Result<Option<Image>, ApiError> {
        let Some(hash) = &self.row.image_hash else {
            return Ok(None);
        };
        let row = loader(ctx).load_one(ImageByHash(hash.clone())).await?;
        Ok(row.map(|row| Image {
            row,
            credit: self.row.credit.clone(),
            copyright: self.row.copyright.clone(),
        }))
    }

    /// The IIIF Presentation 3.0 manifest of the record it belongs to,
    /// when that record is not deleted (the manifest answers 404 until one
    /// of its photos has an image).
    async fn iiif_manifest(&self, ctx: &Context<'_>) -> Result<Option<String>, ApiError> {
        let owner = self.owner(ctx).await?.filter(|(_, _, deleted)| !deleted);
        Ok(owner.map(|(kind, slug, _)| manifest_url(ctx, kind, &slug)))
    }
}

/// The URL of a record's IIIF manifest (absolute with `--public-url`).
pub(crate) fn manifest_url(ctx: &Context<'_>, kind: Described, slug: &str) -> String {
    let base = media(ctx)
        .options()
        .public_url
        .as_deref()
        .unwrap_or_default();
    format!("{base}{}", manifest_path(kind, slug))
}
