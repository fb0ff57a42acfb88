use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{self, Language, Scope};
use crate::graphql::loader;
use crate::graphql::loaders::{ExchangeById, SpeakerTalks, one_from_catalog};
use crate::graphql::types::{Institution, Talk};
use crate::store::rows::{speaker, speaker_translation};
use async_graphql::{Context, ID, Object};
use std::sync::Arc;

/// A person who spoke at an exchange or is shown in a photo.
#[derive(Clone)]
pub struct Speaker {
    pub(crate) row: Arc<speaker::Model>,
    pub(crate) scope: Scope,
}

impl Speaker {
    pub(crate) fn new(row: impl Into<Arc<speaker::Model>>, scope: Scope) -> Self {
        Speaker {
            row: row.into(),
            scope,
        }
    }

    async fn translation_rows(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Arc<Vec<speaker_translation::Model>>, ApiError> {
        let texts = one_from_catalog(ctx, |c| &c.speaker_texts, self.row.id).await?;
        Ok(texts.unwrap_or_default())
    }
}

/// A person who spoke at an exchange or is shown in a photo.
#[Object(serial)]
impl Speaker {
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
        let record = (crate::store::history::RecordType::Speaker, self.row.id);
        crate::graphql::types::change::change_page(ctx, Some(record), first, after).await
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode_id(NodeType::Speaker, self.row.id)
    }

    /// Stable, human-readable key, e.g. `ito-masaaki`.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    /// The speaker's name.
    async fn name(&self, ctx: &Context<'_>, lang: Option<Language>) -> Result<String, ApiError> {
        let rows = self.translation_rows(ctx).await?;
        lang::text(ctx, lang, self.scope, &rows, |r| r.name.as_deref())
            .ok_or_else(|| ApiError::invariant(format!("speaker {} has no name", self.row.id)))
    }

    /// Their position, e.g. 院长 / 院長 or 大肠外科科长 / 大腸外科長, when known.
    async fn position(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Option<String>, ApiError> {
        let rows = self.translation_rows(ctx).await?;
        Ok(lang::text(ctx, lang, self.scope, &rows, |r| {
            r.position.as_deref()
        }))
    }

    /// Where they work, when known.
    async fn institution(&self, ctx: &Context<'_>) -> Result<Option<Institution>, ApiError> {
        let Some(id) = self.row.institution_id else {
            return Ok(None);
        };
        let row = one_from_catalog(ctx, |c| &c.institutions, id).await?;
        Ok(row.map(|row| Institution::new(row, self.scope)))
    }

    /// The talks they gave.
    async fn talks(&self, ctx: &Context<'_>) -> Result<Vec<Talk>, ApiError> {
        let rows = loader(ctx)
            .load_one(SpeakerTalks(self.row.id))
            .await?
            .unwrap_or_default();
        // A deleted exchange's talks leave with it.
        let exchanges = rows.iter().map(|row| ExchangeById(row.exchange_id));
        let exchanges = loader(ctx).load_many(exchanges).await?;
        let live = |id: i32| {
            exchanges
                .get(&ExchangeById(id))
                .is_some_and(|exchange| exchange.deleted_at.is_none())
        };
        Ok(rows
            .iter()
            .filter(|row| live(row.exchange_id))
            .map(|row| Talk::new(row.clone(), self.scope))
            .collect())
    }
}
