use crate::graphql::enums::{Country, ExchangeFormat};
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{Language, Scope};
use crate::graphql::loader;
use crate::graphql::loaders::{
    ExchangeParticipants, ExchangePhotos, ExchangeSpecialties, ExchangeTalks, ExchangeTexts,
    from_catalog, loaded_text,
};
use crate::graphql::types::{Institution, Photo, Speaker, Specialty, Talk};
use crate::store::rows::exchange;
use async_graphql::{Context, ID, Object};

/// One exchange between Chinese and Japanese institutions: an online
/// meeting, a visit, or a conference with remote speakers.
#[derive(Clone)]
pub struct Exchange {
    pub(crate) row: exchange::Model,
    pub(crate) scope: Scope,
}

impl Exchange {
    pub(crate) fn new(row: exchange::Model, scope: Scope) -> Self {
        Exchange { row, scope }
    }
}

/// An institution taking part in an exchange.
#[derive(Clone)]
pub struct Participant {
    institution: Institution,
}

/// An institution taking part in an exchange.
#[Object(serial)]
impl Participant {
    /// The institution.
    async fn institution(&self) -> &Institution {
        &self.institution
    }

    /// Which side it took part on: its country.
    async fn country(&self) -> Result<Country, ApiError> {
        Country::from_stored(&self.institution.row.country)
    }
}

/// One exchange between Chinese and Japanese institutions: an online
/// meeting, a visit, or a conference with remote speakers.
#[Object]
impl Exchange {
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
        let record = (crate::store::history::RecordType::Exchange, self.row.id);
        crate::graphql::types::change::change_page(ctx, Some(record), first, after).await
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode_id(NodeType::Exchange, self.row.id)
    }

    /// Stable, human-readable key, e.g. `2020-06-beihai-kameda-health-checkups`.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    /// Its IIIF Presentation 3.0 manifest (a canvas per photo with an
    /// image, texts in zh, ja and en), for viewers such as Mirador; 404
    /// until one of its photos has an image.
    async fn iiif_manifest(&self, ctx: &async_graphql::Context<'_>) -> String {
        let kind = crate::media::iiif::presentation::Described::Exchange;
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

    /// Japanese fiscal year (April to March): June 2020 and February 2021 are both 2020.
    async fn fiscal_year(&self) -> i32 {
        self.row.fiscal_year
    }

    /// How it took place.
    async fn format(&self) -> Result<ExchangeFormat, ApiError> {
        ExchangeFormat::from_stored(&self.row.format)
    }

    /// A short title.
    async fn title(&self, ctx: &Context<'_>, lang: Option<Language>) -> Result<String, ApiError> {
        let key = |lang| ExchangeTexts(self.row.id, lang);
        let title = loaded_text(ctx, lang, self.scope, key, |r| r.title.as_deref()).await?;
        title.ok_or_else(|| ApiError::invariant(format!("exchange {} has no title", self.row.id)))
    }

    /// What the report says of it.
    async fn summary(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Option<String>, ApiError> {
        let key = |lang| ExchangeTexts(self.row.id, lang);
        loaded_text(ctx, lang, self.scope, key, |r| r.summary.as_deref()).await
    }

    /// The specialties it covered.
    async fn specialties(&self, ctx: &Context<'_>) -> Result<Vec<Specialty>, ApiError> {
        let links = loader(ctx)
            .load_one(ExchangeSpecialties(self.row.id))
            .await?
            .unwrap_or_default();
        let ids: Vec<i32> = links.iter().map(|l| l.specialty_id).collect();
        let rows = from_catalog(ctx, |c| &c.specialties, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| Specialty::new(row, self.scope))
            .collect())
    }

    /// The institutions that took part, in the order the source names them.
    async fn participants(&self, ctx: &Context<'_>) -> Result<Vec<Participant>, ApiError> {
        let links = loader(ctx)
            .load_one(ExchangeParticipants(self.row.id))
            .await?
            .unwrap_or_default();
        let ids: Vec<i32> = links.iter().map(|l| l.institution_id).collect();
        let rows = from_catalog(ctx, |c| &c.institutions, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| Participant {
                institution: Institution::new(row, self.scope),
            })
            .collect())
    }

    /// The talks given, in programme order.
    async fn talks(&self, ctx: &Context<'_>) -> Result<Vec<Talk>, ApiError> {
        let rows = loader(ctx)
            .load_one(ExchangeTalks(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(rows
            .iter()
            .map(|row| Talk::new(row.clone(), self.scope))
            .collect())
    }

    /// Everyone who gave a talk, each once, in programme order.
    async fn speakers(&self, ctx: &Context<'_>) -> Result<Vec<Speaker>, ApiError> {
        let talks = loader(ctx)
            .load_one(ExchangeTalks(self.row.id))
            .await?
            .unwrap_or_default();
        let mut speaker_ids: Vec<i32> = Vec::new();
        for talk in talks.iter() {
            if !speaker_ids.contains(&talk.speaker_id) {
                speaker_ids.push(talk.speaker_id);
            }
        }
        let rows = from_catalog(ctx, |c| &c.speakers, &speaker_ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| Speaker::new(row, self.scope))
            .collect())
    }

    /// Its photos, in report order.
    async fn photos(&self, ctx: &Context<'_>) -> Result<Vec<Photo>, ApiError> {
        let rows = loader(ctx)
            .load_one(ExchangePhotos(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(Photo::shown(&rows, self.scope))
    }
}
