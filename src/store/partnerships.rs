//! Partnerships: the pairs of institutions that took part in the same
//! exchanges, most exchanges first, in one statement per page.

use crate::store::exchanges::ExchangeFilter;
use crate::store::page::Page;
use crate::store::sql::Params;
use entity::exchange;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, QuerySelect, QueryTrait};

/// A partnership's place in the list: exchanges (descending), then the
/// two institution ids (ascending).
pub type PartnershipKey = (i64, i32, i32);

/// Two institutions (`first` < `second` by id) and what they did together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partnership {
    /// The institution with the smaller id.
    pub first: i32,
    /// The other institution.
    pub second: i32,
    /// Exchanges both took part in.
    pub exchanges: i64,
    /// The earliest of those exchanges' dates, as the source gives it.
    pub first_date: String,
    /// The latest of those exchanges' dates.
    pub last_date: String,
    /// The specialties those exchanges covered, by id.
    pub specialties: Vec<i32>,
}

impl Partnership {
    /// Its cursor key.
    pub fn key(&self) -> PartnershipKey {
        (self.exchanges, self.first, self.second)
    }
}

/// Which partnerships to read.
#[derive(Clone, Debug)]
pub struct PartnershipRequest<'a> {
    /// Counting only the exchanges matching this filter.
    pub filter: &'a ExchangeFilter,
    /// Only the pairs this institution is part of.
    pub involving: Option<i32>,
    /// Only the pairs after this one in the list.
    pub after: Option<PartnershipKey>,
    /// How many at most.
    pub limit: u64,
    /// Whether to count every pair too.
    pub count_total: bool,
}

/// One page of partnerships, in one statement.
pub async fn partnerships<C: ConnectionTrait>(
    db: &C,
    request: &PartnershipRequest<'_>,
) -> Result<Page<Partnership>, DbErr> {
    let backend = db.get_database_backend();
    let matching = request
        .filter
        .select(backend)
        .select_only()
        .column(exchange::Column::Id)
        .build(backend);
    let mut params = Params::new(backend);
    let matching_sql = params.embed(matching);
    let sql = statement(request, backend, &matching_sql, &mut params);
    let rows = db.query_all_raw(params.statement(sql)).await?;
    let mut page = Page {
        rows: Vec::new(),
        has_next: false,
        has_previous: false,
        total: None,
    };
    for row in rows {
        if row.try_get::<i32>("", "is_count")? == 1 {
            let total: i64 = row.try_get("", "exchanges")?;
            let preceding: Option<String> = row.try_get("", "specialties")?;
            page.total = request.count_total.then_some(total.max(0) as u64);
            page.has_previous = preceding.is_some_and(|n| n.trim() != "0");
        } else {
            page.rows.push(read(&row)?);
        }
    }
    page.has_next = page.rows.len() as u64 > request.limit;
    page.rows.truncate(request.limit as usize);
    Ok(page)
}

/// The statement of one page, after `m`'s text (already bound in `params`).
fn statement(
    request: &PartnershipRequest<'_>,
    backend: DbBackend,
    matching_sql: &str,
    params: &mut Params,
) -> String {
    let involving = match request.involving {
        Some(id) => format!(
            " WHERE p1.institution_id = {} OR p2.institution_id = {}",
            params.bind(id),
            params.bind(id)
        ),
        None => String::new(),
    };
    let page_after = after_condition(params, request.after);
    let limit = params.bind((request.limit + 1) as i64);
    let specialties = match backend {
        DbBackend::Postgres => "string_agg(DISTINCT CAST(es.specialty_id AS TEXT), ',')",
        _ => "group_concat(DISTINCT es.specialty_id)",
    };
    let total = match request.count_total {
        true => "(SELECT COUNT(*) FROM pairs)",
        false => "CAST(0 AS BIGINT)",
    };
    let preceding = match request.after {
        Some(_) => format!(
            "(SELECT COUNT(*) FROM pairs WHERE NOT ({}))",
            after_condition(params, request.after)
        ),
        None => "CAST(0 AS BIGINT)".to_owned(),
    };
    // The page's rows, then one row (`is_count` 1) carrying the number of
    // pairs in `exchanges` and of pairs before the cursor in `specialties`.
    format!(
        "WITH m AS ({matching_sql}), \
         pairs AS (SELECT p1.institution_id AS a, p2.institution_id AS b, COUNT(*) AS exchanges, \
                   MIN(e.date) AS first_date, MAX(e.date) AS last_date \
                   FROM m JOIN exchange e ON e.id = m.id \
                   JOIN exchange_participant p1 ON p1.exchange_id = e.id \
                   JOIN exchange_participant p2 ON p2.exchange_id = e.id \
                   AND p1.institution_id < p2.institution_id{involving} \
                   GROUP BY p1.institution_id, p2.institution_id), \
         page AS (SELECT * FROM pairs WHERE {page_after} ORDER BY exchanges DESC, a, b LIMIT {limit}) \
         SELECT 0 AS is_count, page.a, page.b, page.exchanges, page.first_date, page.last_date, \
           (SELECT {specialties} FROM exchange_specialty es \
            JOIN exchange_participant q1 ON q1.exchange_id = es.exchange_id AND q1.institution_id = page.a \
            JOIN exchange_participant q2 ON q2.exchange_id = es.exchange_id AND q2.institution_id = page.b \
            WHERE es.exchange_id IN (SELECT id FROM m)) AS specialties \
         FROM page \
         UNION ALL SELECT 1, 0, 0, {total}, '', '', CAST({preceding} AS TEXT) \
         ORDER BY 1, 4 DESC, 2, 3"
    )
}

/// Pairs after `key` in the list (`1 = 1` without a key), with its values
/// bound in `params`.
fn after_condition(params: &mut Params, key: Option<PartnershipKey>) -> String {
    let Some((exchanges, first, second)) = key else {
        return "1 = 1".to_owned();
    };
    let (n1, n2) = (params.bind(exchanges), params.bind(exchanges));
    let (a1, a2, b) = (params.bind(first), params.bind(first), params.bind(second));
    format!("exchanges < {n1} OR (exchanges = {n2} AND (a > {a1} OR (a = {a2} AND b > {b})))")
}

fn read(row: &QueryResult) -> Result<Partnership, DbErr> {
    let specialties: Option<String> = row.try_get("", "specialties")?;
    let mut specialties: Vec<i32> = specialties
        .unwrap_or_default()
        .split(',')
        .filter_map(|id| id.trim().parse().ok())
        .collect();
    specialties.sort_unstable();
    Ok(Partnership {
        first: row.try_get("", "a")?,
        second: row.try_get("", "b")?,
        exchanges: row.try_get("", "exchanges")?,
        first_date: row.try_get("", "first_date")?,
        last_date: row.try_get("", "last_date")?,
        specialties,
    })
}
