use crate::graphql::enums::AidDirection;
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{self, Language, Scope};
use crate::graphql::loader;
use crate::graphql::loaders::{AidShipmentPhotos, AidShipmentTranslations};
use crate::graphql::types::Photo;
use crate::store::rows::{aid_shipment, aid_shipment_translation};
use async_graphql::{Context, ID, Object};
use std::sync::Arc;

/// A shipment of medical supplies between Japan and China (masks, in 2020).
#[derive(Clone)]
pub struct AidShipment {
    pub(crate) row: aid_shipment::Model,
    pub(crate) scope: Scope,
}

impl AidShipment {
    pub(crate) fn new(row: aid_shipment::Model, scope: Scope) -> Self {
        AidShipment { row, scope }
    }

    async fn translation_rows(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Arc<Vec<aid_shipment_translation::Model>>, ApiError> {
        Ok(loader(ctx)
            .load_one(AidShipmentTranslations(self.row.id))
            .await?
            .unwrap_or_default())
    }

    async fn required(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
        what: &str,
        field: fn(&aid_shipment_translation::Model) -> Option<&str>,
    ) -> Result<String, ApiError> {
        let rows = self.translation_rows(ctx).await?;
        lang::text(ctx, lang, self.scope, &rows, field).ok_or_else(|| {
            ApiError::invariant(format!("aid shipment {} has no {what}", self.row.id))
        })
    }
}

/// A shipment of medical supplies between Japan and China (masks, in 2020).
#[Object]
impl AidShipment {
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
        let record = (crate::store::history::RecordType::AidShipment, self.row.id);
        crate::graphql::types::change::change_page(ctx, Some(record), first, after).await
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode_id(NodeType::AidShipment, self.row.id)
    }

    /// Stable, human-readable key.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    /// Its IIIF Presentation 3.0 manifest (a canvas per photo with an
    /// image, texts in zh, ja and en), for viewers such as Mirador; 404
    /// until one of its photos has an image.
    async fn iiif_manifest(&self, ctx: &async_graphql::Context<'_>) -> String {
        let kind = crate::media::iiif::presentation::Described::AidShipment;
        crate::graphql::types::photo::manifest_url(ctx, kind, &self.row.slug)
    }

    /// `YYYY-MM` or `YYYY-MM-DD`: the precision the source gives.
    async fn date(&self) -> &str {
        &self.row.date
    }

    /// Calendar year.
    async fn year(&self) -> i32 {
        self.row.year
    }

    /// Month (1 to 12), when the source gives it.
    async fn month(&self) -> Option<i32> {
        self.row.month
    }

    /// Japanese fiscal year (April to March).
    async fn fiscal_year(&self) -> i32 {
        self.row.fiscal_year
    }

    /// Which way it went.
    async fn direction(&self) -> Result<AidDirection, ApiError> {
        AidDirection::from_stored(&self.row.direction)
    }

    /// What was shipped, e.g. 医用N95口罩 / 医療用マスクN95.
    async fn items(&self, ctx: &Context<'_>, lang: Option<Language>) -> Result<String, ApiError> {
        self.required(ctx, lang, "items", |r| r.items.as_deref())
            .await
    }

    /// How many items, when the source says (it does not, in FY2020).
    async fn quantity(&self) -> Option<i32> {
        self.row.quantity
    }

    /// Who sent it.
    async fn sender(&self, ctx: &Context<'_>, lang: Option<Language>) -> Result<String, ApiError> {
        self.required(ctx, lang, "sender", |r| r.sender.as_deref())
            .await
    }

    /// Who received it.
    async fn recipient(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<String, ApiError> {
        self.required(ctx, lang, "recipient", |r| r.recipient.as_deref())
            .await
    }

    /// What the report says of it.
    async fn description(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Option<String>, ApiError> {
        let rows = self.translation_rows(ctx).await?;
        Ok(lang::text(ctx, lang, self.scope, &rows, |r| {
            r.description.as_deref()
        }))
    }

    /// Its photos, in report order.
    async fn photos(&self, ctx: &Context<'_>) -> Result<Vec<Photo>, ApiError> {
        let rows = loader(ctx)
            .load_one(AidShipmentPhotos(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(Photo::shown(&rows, self.scope))
    }
}
