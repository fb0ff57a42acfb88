use crate::graphql::ExchangeFilter;
use crate::graphql::connection::{ExchangeConnection, PageArgs, PartnershipConnection};
use crate::graphql::enums::{Country, InstitutionKind};
use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{self, Language, Scope};
use crate::graphql::loader;
use crate::graphql::loaders::{
    InstitutionAliases, InstitutionExchangeCount, InstitutionExchangePage, InstitutionExchanges,
    InstitutionSpeakers, one_from_catalog,
};
use crate::graphql::types::partnership::partnership_page;
use crate::graphql::types::{Exchange, Speaker};
use crate::i18n::Lang;
use crate::store::exchanges::date_key;
use crate::store::page::Page;
use crate::store::rows::{institution, institution_translation};
use async_graphql::{Context, ID, Object, SimpleObject};
use std::sync::Arc;

/// A hospital, university, medical society or other body that took part in
/// exchanges.
#[derive(Clone)]
pub struct Institution {
    pub(crate) row: Arc<institution::Model>,
    pub(crate) scope: Scope,
}

/// An institution's texts in one language.
#[derive(SimpleObject, Clone)]
pub struct InstitutionTranslation {
    /// The language of these texts.
    pub lang: Language,
    /// The institution's name.
    pub name: String,
    /// Its province or prefecture.
    pub region: Option<String>,
    /// Its city or ward.
    pub city: Option<String>,
}

impl Institution {
    pub(crate) fn new(row: impl Into<Arc<institution::Model>>, scope: Scope) -> Self {
        Institution {
            row: row.into(),
            scope,
        }
    }

    async fn translations_rows(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Arc<Vec<institution_translation::Model>>, ApiError> {
        let texts = one_from_catalog(ctx, |c| &c.institution_texts, self.row.id).await?;
        Ok(texts.unwrap_or_default())
    }
}

/// A hospital, university, medical society or other body that took part in
/// exchanges.
#[Object(serial)]
impl Institution {
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
        let record = (crate::store::history::RecordType::Institution, self.row.id);
        crate::graphql::types::change::change_page(ctx, Some(record), first, after).await
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode_id(NodeType::Institution, self.row.id)
    }

    /// Stable, human-readable key, e.g. `kameda-medical-center`.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    /// The institution's name (see `Language` for how the language is chosen).
    async fn name(&self, ctx: &Context<'_>, lang: Option<Language>) -> Result<String, ApiError> {
        let rows = self.translations_rows(ctx).await?;
        lang::text(ctx, lang, self.scope, &rows, |r| r.name.as_deref())
            .ok_or_else(|| ApiError::invariant(format!("institution {} has no name", self.row.id)))
    }

    /// The country it is in.
    async fn country(&self) -> Result<Country, ApiError> {
        Country::from_stored(&self.row.country)
    }

    /// What kind of body it is.
    async fn kind(&self) -> Result<InstitutionKind, ApiError> {
        InstitutionKind::from_stored(&self.row.kind)
    }

    /// Its province or prefecture, when known.
    async fn region(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Option<String>, ApiError> {
        let rows = self.translations_rows(ctx).await?;
        Ok(lang::text(ctx, lang, self.scope, &rows, |r| {
            r.region.as_deref()
        }))
    }

    /// Its city (or Tokyo ward), when known.
    async fn city(
        &self,
        ctx: &Context<'_>,
        lang: Option<Language>,
    ) -> Result<Option<String>, ApiError> {
        let rows = self.translations_rows(ctx).await?;
        Ok(lang::text(ctx, lang, self.scope, &rows, |r| {
            r.city.as_deref()
        }))
    }

    /// Other spellings of its name seen in sources, in any language
    /// (short names, typos, names with a country prefix).
    async fn aliases(&self, ctx: &Context<'_>) -> Result<Vec<String>, ApiError> {
        let rows = loader(ctx)
            .load_one(InstitutionAliases(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(rows.iter().map(|r| r.alias.clone()).collect())
    }

    /// Every language its texts exist in, so a client can see what was a fallback.
    async fn translations(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<InstitutionTranslation>, ApiError> {
        let rows = self.translations_rows(ctx).await?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let lang: Lang = row.lang.parse().ok()?;
                Some(InstitutionTranslation {
                    lang: lang.into(),
                    name: row.name.clone()?,
                    region: row.region.clone(),
                    city: row.city.clone(),
                })
            })
            .collect())
    }

    /// The exchanges it took part in, oldest first.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn exchanges(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExchangeConnection, ApiError> {
        let request = PageArgs::forward(first, after)
            .into_request(|c| ids::decode_date_cursor(NodeType::Exchange, c), false)?;
        let key = InstitutionExchanges {
            institution_id: self.row.id,
            after: request.after.clone(),
            limit: request.limit,
        };
        let (rows, total) = tokio::join!(
            loader(ctx).load_one(key),
            loader(ctx).load_one(InstitutionExchangeCount(self.row.id)),
        );
        let InstitutionExchangePage {
            mut rows,
            has_previous,
        } = rows?.unwrap_or_default();
        let has_next = rows.len() as u64 > request.limit;
        rows.truncate(request.limit as usize);
        let page = Page {
            rows,
            has_next,
            has_previous,
            total: total?.or(Some(0)),
        };
        let scope = self.scope;
        Ok(ExchangeConnection::from_page(
            page,
            |row| {
                let (day, id) = date_key(row);
                ids::date_cursor(NodeType::Exchange, &day, id)
            },
            |row| Exchange::new(row, scope),
        ))
    }

    /// The institutions it held exchanges with (counting the exchanges
    /// `filter` keeps), most exchanges first; `partner` is the other one.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn partners(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExchangeFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PartnershipConnection, ApiError> {
        let filter = filter.unwrap_or_default().into_store()?;
        let args = PageArgs::forward(first, after);
        partnership_page(ctx, &filter, Some(self.row.id), args, self.scope).await
    }

    /// The speakers who work there.
    async fn speakers(&self, ctx: &Context<'_>) -> Result<Vec<Speaker>, ApiError> {
        let rows = loader(ctx)
            .load_one(InstitutionSpeakers(self.row.id))
            .await?
            .unwrap_or_default();
        Ok(rows
            .iter()
            .map(|row| Speaker::new(row.clone(), self.scope))
            .collect())
    }
}
