use crate::graphql::enums::TalkKind;
use crate::graphql::error::ApiError;
use crate::graphql::lang::{Language, Scope};
use crate::graphql::loader;
use crate::graphql::loaders::{ExchangeById, TalkTexts, loaded_text, one_from_catalog};
use crate::graphql::types::{Exchange, Speaker};
use crate::store::rows::talk;
use async_graphql::{Context, Object};

/// A talk given by a speaker at an exchange.
#[derive(Clone)]
pub struct Talk {
    pub(crate) row: talk::Model,
    pub(crate) scope: Scope,
}

impl Talk {
    pub(crate) fn new(row: talk::Model, scope: Scope) -> Self {
        Talk { row, scope }
    }
}

/// A talk given by a speaker at an exchange.
#[Object(serial)]
impl Talk {
    /// Who gave it.
    async fn speaker(&self, ctx: &Context<'_>) -> Result<Speaker, ApiError> {
        let row = one_from_catalog(ctx, |c| &c.speakers, self.row.speaker_id).await?;
        row.map(|row| Speaker::new(row, self.scope))
            .ok_or_else(|| ApiError::invariant(format!("talk {} has no speaker", self.row.id)))
    }

    /// Where it was given.
    async fn exchange(&self, ctx: &Context<'_>) -> Result<Exchange, ApiError> {
        let row = loader(ctx)
            .load_one(ExchangeById(self.row.exchange_id))
            .await?;
        row.map(|row| Exchange::new(row, self.scope))
            .ok_or_else(|| ApiError::invariant(format!("talk {} has no exchange", self.row.id)))
    }

    /// What kind of talk it was.
    async fn kind(&self) -> Result<TalkKind, ApiError> {
        TalkKind::from_stored(&self.row.kind)
    }

    /// Its title, when the source gives one.
    async fn title(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Option<String>, ApiError> {
        let key = |lang| TalkTexts(self.row.id, lang);
        loaded_text(ctx, lang, self.scope, key, |r| r.title.as_deref()).await
    }
}
