//! Two institutions that held exchanges together, and how.

use crate::graphql::connection::{PageArgs, PartnershipConnection};
use crate::graphql::error::ApiError;
use crate::graphql::ids;
use crate::graphql::lang::Scope;
use crate::graphql::loaders::from_catalog;
use crate::graphql::types::{Institution, Specialty};
use crate::graphql::{analytics, wants_total};
use crate::store::exchanges::ExchangeFilter;
use crate::store::partnerships::{self, PartnershipRequest};
use async_graphql::{Context, Object};

/// Two institutions that held exchanges together, and how.
#[derive(Clone)]
pub struct Partnership {
    pub(crate) row: partnerships::Partnership,
    /// The institution the list was read from (`Institution.partners`).
    pub(crate) seen_from: Option<i32>,
    pub(crate) scope: Scope,
}

/// Two institutions that held exchanges together, and how.
#[Object]
impl Partnership {
    /// The two institutions: the one the list was read from first
    /// (`Institution.partners`), else in the order they were added.
    async fn institutions(&self, ctx: &Context<'_>) -> Result<Vec<Institution>, ApiError> {
        let (first, second) = (self.row.first, self.row.second);
        let ids = match self.seen_from {
            Some(id) if id == second => [second, first],
            _ => [first, second],
        };
        let rows = from_catalog(ctx, |c| &c.institutions, &ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| Institution::new(row, self.scope))
            .collect())
    }

    /// The other institution, when the list was read from one
    /// (`Institution.partners`); else `null`.
    async fn partner(&self, ctx: &Context<'_>) -> Result<Option<Institution>, ApiError> {
        let Some(seen_from) = self.seen_from else {
            return Ok(None);
        };
        let other = match seen_from == self.row.first {
            true => self.row.second,
            false => self.row.first,
        };
        let rows = from_catalog(ctx, |c| &c.institutions, &[other]).await?;
        Ok(rows
            .into_iter()
            .next()
            .map(|row| Institution::new(row, self.scope)))
    }

    /// Exchanges both took part in (among those the filter keeps).
    async fn exchanges(&self) -> i32 {
        i32::try_from(self.row.exchanges).unwrap_or(i32::MAX)
    }

    /// The date of their first exchange, as the source gives it
    /// (`YYYY-MM` or `YYYY-MM-DD`).
    async fn first_date(&self) -> &str {
        &self.row.first_date
    }

    /// The date of their latest exchange.
    async fn last_date(&self) -> &str {
        &self.row.last_date
    }

    /// The specialties their exchanges covered, in the order they were added.
    async fn specialties(&self, ctx: &Context<'_>) -> Result<Vec<Specialty>, ApiError> {
        let rows = from_catalog(ctx, |c| &c.specialties, &self.row.specialties).await?;
        Ok(rows
            .into_iter()
            .map(|row| Specialty::new(row, self.scope))
            .collect())
    }
}

/// A page of partnerships, most exchanges first: of every institution
/// (`involving: None`) or of one.
pub(crate) async fn partnership_page(
    ctx: &Context<'_>,
    filter: &ExchangeFilter,
    involving: Option<i32>,
    args: PageArgs,
    scope: Scope,
) -> Result<PartnershipConnection, ApiError> {
    let request = args.into_request(ids::decode_partnership_cursor, wants_total(ctx))?;
    let request = PartnershipRequest {
        filter,
        involving,
        after: request.after,
        limit: request.limit,
        count_total: request.count_total,
    };
    // The institutions are read from the catalog by `from_catalog`, which
    // reloads it when a row is newer than the request's catalog.
    let page = analytics(ctx).partnerships(&request).await?;
    Ok(PartnershipConnection::from_page(
        page,
        |row| ids::partnership_cursor(row.key()),
        |row| Partnership {
            row,
            seen_from: involving,
            scope,
        },
    ))
}
