//! Exchanges: filtering, paging by date, and each institution's exchanges.

use crate::domain::vocabulary::{Country, ExchangeFormat};
use crate::store::batch::group_by;
use crate::store::exchange_tree::{self, TreeParts, Trees};
use crate::store::page::{self, Keyset, Page, PageRequest};
use crate::store::search::{TextQuery, exchange_text_condition};
use crate::store::sql::Params;
use entity::{exchange, exchange_participant, exchange_specialty, institution, specialty, talk};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, QueryTrait, Select,
};
use std::collections::{HashMap, HashSet};

/// The position of an exchange in date order: its first day, then its id.
pub type DateKey = (String, i32);

/// Which exchanges to list. Every condition given must hold.
#[derive(Clone, Debug, Default)]
pub struct ExchangeFilter {
    /// Calendar year.
    pub year: Option<i32>,
    /// Japanese fiscal year (April to March).
    pub fiscal_year: Option<i32>,
    /// Exchanges that end on or after this day (`YYYY-MM-DD`).
    pub ends_on_or_after: Option<String>,
    /// Exchanges that start on or before this day (`YYYY-MM-DD`).
    pub starts_on_or_before: Option<String>,
    /// With this institution taking part.
    pub institution_id: Option<i32>,
    /// With an institution of this country taking part.
    pub country: Option<Country>,
    /// Covering the specialty with this slug.
    pub specialty_slug: Option<String>,
    /// With a talk by this speaker.
    pub speaker_id: Option<i32>,
    /// Of this format.
    pub format: Option<ExchangeFormat>,
    /// Whose title, summary or a specialty's name contains this text
    /// (folded as search folds it). `Some(None)`: a text that can match
    /// nothing (no letter or digit).
    pub text: Option<Option<TextQuery>>,
}

impl ExchangeFilter {
    /// The exchanges matching the filter, unordered; never a deleted one.
    pub fn select(&self, backend: DbBackend) -> Select<exchange::Entity> {
        let mut select = exchange::Entity::find().filter(exchange::Column::DeletedAt.is_null());
        match &self.text {
            Some(Some(text)) => select = select.filter(exchange_text_condition(text, backend)),
            Some(None) => select = select.filter(Expr::val(1).eq(0)),
            None => {}
        }
        if let Some(year) = self.year {
            select = select.filter(exchange::Column::Year.eq(year));
        }
        if let Some(fiscal_year) = self.fiscal_year {
            select = select.filter(exchange::Column::FiscalYear.eq(fiscal_year));
        }
        if let Some(day) = &self.ends_on_or_after {
            select = select.filter(exchange::Column::EndsOn.gte(day.as_str()));
        }
        if let Some(day) = &self.starts_on_or_before {
            select = select.filter(exchange::Column::StartsOn.lte(day.as_str()));
        }
        if let Some(format) = self.format {
            select = select.filter(exchange::Column::Format.eq(format.as_str()));
        }
        if let Some(institution_id) = self.institution_id {
            let taking_part = Query::select()
                .column(exchange_participant::Column::ExchangeId)
                .from(exchange_participant::Entity)
                .and_where(exchange_participant::Column::InstitutionId.eq(institution_id))
                .to_owned();
            select = select.filter(exchange::Column::Id.in_subquery(taking_part));
        }
        if let Some(country) = self.country {
            let of_country =
                Expr::col((institution::Entity, institution::Column::Country)).eq(country.as_str());
            select =
                select.filter(exchange::Column::Id.in_subquery(participants_where(of_country)));
        }
        if let Some(slug) = &self.specialty_slug {
            let covering =
                Expr::col((specialty::Entity, specialty::Column::Slug)).eq(slug.as_str());
            select = select.filter(exchange::Column::Id.in_subquery(specialties_where(covering)));
        }
        if let Some(speaker_id) = self.speaker_id {
            let talks_by = Query::select()
                .column(talk::Column::ExchangeId)
                .from(talk::Entity)
                .and_where(talk::Column::SpeakerId.eq(speaker_id))
                .to_owned();
            select = select.filter(exchange::Column::Id.in_subquery(talks_by));
        }
        select
    }
}

/// The ids of exchanges with a participating institution matching `condition`.
fn participants_where(
    condition: sea_orm::sea_query::SimpleExpr,
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column((
            exchange_participant::Entity,
            exchange_participant::Column::ExchangeId,
        ))
        .from(exchange_participant::Entity)
        .inner_join(
            institution::Entity,
            Expr::col((institution::Entity, institution::Column::Id)).equals((
                exchange_participant::Entity,
                exchange_participant::Column::InstitutionId,
            )),
        )
        .and_where(condition)
        .to_owned()
}

/// The ids of exchanges covering a specialty matching `condition`.
fn specialties_where(
    condition: sea_orm::sea_query::SimpleExpr,
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column((
            exchange_specialty::Entity,
            exchange_specialty::Column::ExchangeId,
        ))
        .from(exchange_specialty::Entity)
        .inner_join(
            specialty::Entity,
            Expr::col((specialty::Entity, specialty::Column::Id)).equals((
                exchange_specialty::Entity,
                exchange_specialty::Column::SpecialtyId,
            )),
        )
        .and_where(condition)
        .to_owned()
}

/// One page of the exchanges matching `filter`, in date order, with the
/// `parts` of their trees, in one statement (the page and its trees; the
/// total and the rows before an `after` cursor take one more each, when
/// asked for).
pub async fn page_with_trees<C: ConnectionTrait>(
    db: &C,
    filter: &ExchangeFilter,
    request: PageRequest<DateKey>,
    descending: bool,
    parts: TreeParts,
) -> Result<(Page<exchange::Model>, Trees), DbErr> {
    let backend = db.get_database_backend();
    let (select, keyset) = (filter.select(backend), Keyset::new(DATE_ORDER, descending));
    let total = page::count(db, &select, &request).await?;
    let probe = keyset.probe(select.clone(), &request)?.build(backend);
    let size = Keyset::probe_size(&request);
    let mut trees = exchange_tree::load_page(db, probe, size, parts).await?;
    // The trees hold the page in id order; the page reads in date order.
    let mut rows = std::mem::take(&mut trees.exchanges);
    rows.sort_by_key(date_key);
    if keyset.reads_descending(&request) {
        rows.reverse();
    }
    let page = keyset.finish(db, select, request, rows, total).await?;
    Ok((page, trees))
}

/// The date order's key columns: the first day, then the id.
const DATE_ORDER: (exchange::Column, exchange::Column) =
    (exchange::Column::StartsOn, exchange::Column::Id);

/// The cursor key of an exchange row.
pub fn date_key(row: &exchange::Model) -> DateKey {
    (row.starts_on.clone(), row.id)
}

#[derive(Debug, FromQueryResult)]
struct RankedExchange {
    parent_id: i32,
    id: i32,
    slug: String,
    date: String,
    starts_on: String,
    ends_on: String,
    year: i32,
    month: Option<i32>,
    fiscal_year: i32,
    format: String,
    version: i32,
}

#[derive(Debug, FromQueryResult)]
struct ParentCount {
    parent_id: i32,
    total: i64,
}

/// For each institution, the first `limit + 1` of its exchanges in date
/// order after `after`: one statement for any number of institutions
/// (a window function numbers each institution's rows).
pub async fn first_per_institution<C: ConnectionTrait>(
    db: &C,
    institution_ids: &[i32],
    after: Option<&DateKey>,
    limit: u64,
) -> Result<HashMap<i32, Vec<exchange::Model>>, DbErr> {
    if institution_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut params = Params::new(db.get_database_backend());
    let ids: Vec<String> = institution_ids.iter().map(|id| params.bind(*id)).collect();
    let after_condition = match after {
        Some((day, id)) => {
            let (d1, d2, i) = (
                params.bind(day.clone()),
                params.bind(day.clone()),
                params.bind(*id),
            );
            format!("AND (e.starts_on > {d1} OR (e.starts_on = {d2} AND e.id > {i}))")
        }
        None => String::new(),
    };
    let limit_placeholder = params.bind((limit + 1) as i64);
    let sql = format!(
        "SELECT * FROM (
            SELECT p.institution_id AS parent_id, e.id, e.slug, e.date, e.starts_on, e.ends_on,
                   e.year, e.month, e.fiscal_year, e.format, e.version,
                   ROW_NUMBER() OVER (PARTITION BY p.institution_id ORDER BY e.starts_on, e.id) AS rn
            FROM exchange_participant p JOIN exchange e ON e.id = p.exchange_id
            WHERE p.institution_id IN ({}) AND e.deleted_at IS NULL {after_condition}
        ) ranked WHERE rn <= {limit_placeholder} ORDER BY parent_id, rn",
        ids.join(", ")
    );
    let rows = RankedExchange::find_by_statement(params.statement(sql))
        .all(db)
        .await?;
    let grouped = group_by(rows, |row| row.parent_id);
    Ok(grouped
        .into_iter()
        .map(|(parent, rows)| {
            let models = rows
                .into_iter()
                .map(|r| exchange::Model {
                    id: r.id,
                    slug: r.slug,
                    date: r.date,
                    starts_on: r.starts_on,
                    ends_on: r.ends_on,
                    year: r.year,
                    month: r.month,
                    fiscal_year: r.fiscal_year,
                    format: r.format,
                    version: r.version,
                    deleted_at: None,
                })
                .collect();
            (parent, models)
        })
        .collect())
}

/// Which of `institution_ids` took part in an exchange at or before `key`
/// in date order (so a page after `key` has a previous page): one
/// statement for any number of institutions.
pub async fn any_up_to_per_institution<C: ConnectionTrait>(
    db: &C,
    institution_ids: &[i32],
    key: &DateKey,
) -> Result<HashSet<i32>, DbErr> {
    if institution_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let (day, id) = key;
    let up_to_key = Query::select()
        .column(exchange::Column::Id)
        .from(exchange::Entity)
        .cond_where(
            Condition::any()
                .add(exchange::Column::StartsOn.lt(day.as_str()))
                .add(
                    Condition::all()
                        .add(exchange::Column::StartsOn.eq(day.as_str()))
                        .add(exchange::Column::Id.lte(*id)),
                ),
        )
        .to_owned();
    let rows: Vec<i32> = exchange_participant::Entity::find()
        .select_only()
        .column(exchange_participant::Column::InstitutionId)
        .distinct()
        .filter(exchange_participant::Column::InstitutionId.is_in(institution_ids.iter().copied()))
        .filter(exchange_participant::Column::ExchangeId.in_subquery(up_to_key))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// How many exchanges each institution took part in.
pub async fn count_per_institution<C: ConnectionTrait>(
    db: &C,
    institution_ids: &[i32],
) -> Result<HashMap<i32, u64>, DbErr> {
    if institution_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = exchange_participant::Entity::find()
        .select_only()
        .column_as(exchange_participant::Column::InstitutionId, "parent_id")
        .column_as(exchange_participant::Column::ExchangeId.count(), "total")
        .filter(exchange_participant::Column::InstitutionId.is_in(institution_ids.iter().copied()))
        .group_by(exchange_participant::Column::InstitutionId)
        .into_model::<ParentCount>()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.parent_id, u64::try_from(r.total).unwrap_or(0)))
        .collect())
}
