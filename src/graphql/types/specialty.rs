use crate::graphql::error::ApiError;
use crate::graphql::ids::{self, NodeType};
use crate::graphql::lang::{self, Language, Scope};
use crate::graphql::loaders::one_from_catalog;
use crate::store::rows::specialty;
use async_graphql::{Context, ID, Object};
use std::sync::Arc;

/// A medical specialty an exchange is about (rehabilitation, cardiology...).
#[derive(Clone)]
pub struct Specialty {
    pub(crate) row: Arc<specialty::Model>,
    pub(crate) scope: Scope,
}

impl Specialty {
    pub(crate) fn new(row: impl Into<Arc<specialty::Model>>, scope: Scope) -> Self {
        Specialty {
            row: row.into(),
            scope,
        }
    }
}

/// A medical specialty an exchange is about (rehabilitation, cardiology...).
#[Object(serial)]
impl Specialty {
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
        let record = (crate::store::history::RecordType::Specialty, self.row.id);
        crate::graphql::types::change::change_page(ctx, Some(record), first, after).await
    }

    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode_id(NodeType::Specialty, self.row.id)
    }

    /// Stable key, used by `ExchangeFilter.specialty`, e.g. `cardiology`.
    async fn slug(&self) -> &str {
        &self.row.slug
    }

    /// The specialty's name.
    async fn name(&self, ctx: &Context<'_>, lang: Option<Language>) -> Result<String, ApiError> {
        let rows = one_from_catalog(ctx, |c| &c.specialty_texts, self.row.id)
            .await?
            .unwrap_or_default();
        lang::text(ctx, lang, self.scope, &rows, |r| r.name.as_deref())
            .ok_or_else(|| ApiError::invariant(format!("specialty {} has no name", self.row.id)))
    }
}
