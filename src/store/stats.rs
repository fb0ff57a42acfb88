//! Exchange statistics: counts grouped by any combination of dimensions, in
//! one statement whatever the number of groups. The analysts' fact table
//! ([`crate::store::analytics`]) answers the same questions from memory;
//! this statement answers while the table is being read, and is what the
//! table's answers are checked against.
//!
//! The statement has three steps, as common table expressions:
//! 1. `m`: the exchanges matching the filter (the columns keys need);
//! 2. `g`: one row per exchange and value of each dimension, with each
//!    dimension's key as text (`k0`, `k1`...). Participant dimensions join
//!    one participant, so `[COUNTRY, REGION]` describes the same
//!    institution; `SPEAKER` joins one talk. `gx`: its distinct (keys,
//!    exchange) pairs;
//! 3. one aggregate per measure asked for, joined on the keys. Each measure
//!    counts over the group's exchanges, so the joins that count one
//!    measure never multiply the rows of another. Distinct counts are two
//!    hash aggregations (group, then count the groups), not
//!    `COUNT(DISTINCT ...)`, which PostgreSQL answers by sorting.
//!
//! A last row, marked `is_total`, counts the matching exchanges once each.
//! Keys are as stored: ids for specialties, institutions and speakers, the
//! stored spelling for country and format, the region or city in the
//! institution's own language ([`native_lang`]).

use crate::domain::vocabulary::{Country, Dimension};
use crate::store::exchanges::ExchangeFilter;
use crate::store::sql::Params;
use entity::exchange;
use sea_orm::{ConnectionTrait, DbErr, QuerySelect, QueryTrait};

/// The SQL of each dimension's key.
trait KeySql {
    /// The key as an expression over the joined tables: integers where
    /// the key is a number (hashed faster while grouping; the month as
    /// `YYYYMM`), made text only in the result (see [`stored_key`]).
    fn key_sql(self) -> &'static str;
}

impl KeySql for Dimension {
    fn key_sql(self) -> &'static str {
        match self {
            Dimension::Year => "e.year",
            Dimension::FiscalYear => "e.fiscal_year",
            Dimension::Month => {
                "(CAST(SUBSTR(e.starts_on, 1, 4) AS INTEGER) * 100 + CAST(SUBSTR(e.starts_on, 6, 2) AS INTEGER))"
            }
            Dimension::Specialty => "es.specialty_id",
            Dimension::Institution => "p.institution_id",
            Dimension::Country => "i.country",
            Dimension::Region => "it.region",
            Dimension::City => "it.city",
            Dimension::Format => "e.format",
            Dimension::Speaker => "t.speaker_id",
        }
    }
}

/// The key as reported, from its text in the result: `YYYY-MM` for a
/// month (grouped as `YYYYMM`), else as it is.
fn stored_key(dimension: Dimension, text: String) -> String {
    match (dimension, text.len()) {
        (Dimension::Month, 6) => format!("{}-{}", &text[..4], &text[4..]),
        _ => text,
    }
}

/// The language an institution's region and city are keyed in: its own
/// country's (Chinese for China, Japanese for Japan).
pub fn native_lang(country: Country) -> &'static str {
    match country {
        Country::Cn => "zh",
        Country::Jp => "ja",
    }
}

/// Which counts to compute besides exchanges (each costs an aggregate).
#[derive(Clone, Copy, Debug, Default)]
pub struct Measures {
    /// Distinct institutions taking part.
    pub institutions: bool,
    /// Distinct speakers.
    pub speakers: bool,
    /// Talks.
    pub talks: bool,
    /// Photos.
    pub photos: bool,
}

/// One group: its keys (in the order of the dimensions) and its counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupCounts {
    /// One key per dimension, as stored.
    pub keys: Vec<String>,
    /// Distinct exchanges.
    pub exchanges: i64,
    /// Distinct institutions (0 when not asked for).
    pub institutions: i64,
    /// Distinct speakers (0 when not asked for).
    pub speakers: i64,
    /// Talks (0 when not asked for).
    pub talks: i64,
    /// Photos (0 when not asked for).
    pub photos: i64,
}

/// What one stats question answers.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Distinct exchanges matching the filter.
    pub exchanges: i64,
    /// The groups, in no particular order: all those with at least
    /// `min_exchanges`, or with [`StatsRequest::top`], the top ones.
    pub groups: Vec<GroupCounts>,
    /// The groups with at least `min_exchanges`, before the top ones were
    /// picked.
    pub counted: usize,
    /// More groups exist than the statement was allowed to return.
    pub truncated: bool,
}

/// Only the groups with the most (or fewest) exchanges: the first `first`
/// in that order, of each value of the dimension at `per` when given.
/// Groups tied with the last one kept are kept too (the caller breaks
/// ties by key, which the counts do not know).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Top {
    /// How many groups.
    pub first: usize,
    /// Most exchanges first (else fewest).
    pub most: bool,
    /// The index, in the dimensions, of the one whose every value gets its
    /// own first groups.
    pub per: Option<usize>,
}

/// The items [`Top`] keeps (see there), in no particular order; each
/// item's exchanges by `exchanges`, its value of `top.per` by `part`.
pub fn keep_top<T, P: std::hash::Hash + Eq>(
    items: Vec<T>,
    top: Top,
    exchanges: impl Fn(&T) -> i64,
    part: impl Fn(&T) -> P,
) -> Vec<T> {
    let mut parts: std::collections::HashMap<P, Vec<T>> = std::collections::HashMap::new();
    for item in items {
        parts.entry(part(&item)).or_default().push(item);
    }
    let mut kept = Vec::new();
    for (_, mut items) in parts {
        if items.len() > top.first && top.first > 0 {
            let mut counts: Vec<i64> = items.iter().map(&exchanges).collect();
            let order = |a: &i64, b: &i64| if top.most { b.cmp(a) } else { a.cmp(b) };
            let (_, last, _) = counts.select_nth_unstable_by(top.first - 1, order);
            let last = *last;
            items.retain(|item| order(&exchanges(item), &last).is_le());
        }
        if top.first > 0 {
            kept.extend(items);
        }
    }
    kept
}

/// A stats question.
#[derive(Clone, Debug)]
pub struct StatsRequest<'a> {
    /// Which exchanges.
    pub filter: &'a ExchangeFilter,
    /// Grouped by these, in this order; distinct.
    pub dimensions: &'a [Dimension],
    /// Which counts besides exchanges.
    pub measures: Measures,
    /// Only groups with at least this many exchanges.
    pub min_exchanges: Option<i64>,
    /// At most this many groups (more set [`Stats::truncated`]), or with
    /// `top`, this many counted.
    pub max_groups: u64,
    /// Only the groups with the most (or fewest) exchanges.
    pub top: Option<Top>,
}

/// Counts the exchanges matching the request's filter per group, in one
/// statement.
pub async fn exchange_stats<C: ConnectionTrait>(
    db: &C,
    request: &StatsRequest<'_>,
) -> Result<Stats, DbErr> {
    let backend = db.get_database_backend();
    let matching = request
        .filter
        .select(backend)
        .select_only()
        .columns([
            exchange::Column::Id,
            exchange::Column::Year,
            exchange::Column::FiscalYear,
            exchange::Column::StartsOn,
            exchange::Column::Format,
        ])
        .build(backend);
    let mut params = Params::new(backend);
    let matching_sql = params.embed(matching);
    let sql = StatsSql::new(request).statement(&matching_sql, &mut params);
    let rows = db.query_all_raw(params.statement(sql)).await?;
    let width = request.dimensions.len();
    let mut stats = Stats::default();
    for row in rows {
        let counts = GroupCounts {
            keys: (0..width)
                .map(|k| row.try_get::<String>("", &format!("k{k}")))
                .collect::<Result<Vec<_>, _>>()
                .unwrap_or_default()
                .into_iter()
                .zip(request.dimensions)
                .map(|(key, dimension)| stored_key(*dimension, key))
                .collect(),
            exchanges: row.try_get("", "exchanges")?,
            institutions: row.try_get("", "institutions")?,
            speakers: row.try_get("", "speakers")?,
            talks: row.try_get("", "talks")?,
            photos: row.try_get("", "photos")?,
        };
        if row.try_get::<i32>("", "is_total")? == 1 {
            stats.exchanges = counts.exchanges;
        } else {
            stats.groups.push(counts);
        }
    }
    stats.truncated = stats.groups.len() as u64 > request.max_groups;
    stats.groups.truncate(request.max_groups as usize);
    stats.counted = stats.groups.len();
    if let Some(top) = request.top {
        let groups = std::mem::take(&mut stats.groups);
        let part = |g: &GroupCounts| top.per.map(|at| g.keys[at].clone());
        stats.groups = keep_top(groups, top, |g| g.exchanges, part);
    }
    Ok(stats)
}

/// Builds the statement's text for one request.
struct StatsSql<'r, 'a> {
    request: &'r StatsRequest<'a>,
    /// `k0, k1...`, or empty.
    keys: Vec<String>,
}

impl<'r, 'a> StatsSql<'r, 'a> {
    fn new(request: &'r StatsRequest<'a>) -> Self {
        let keys = (0..request.dimensions.len())
            .map(|k| format!("k{k}"))
            .collect();
        StatsSql { request, keys }
    }

    fn has(&self, test: impl Fn(Dimension) -> bool) -> bool {
        self.request.dimensions.iter().any(|d| test(*d))
    }

    /// `keys` followed by a comma, or nothing.
    fn keys_then(&self) -> String {
        self.keys.iter().map(|k| format!("{k}, ")).collect()
    }

    fn group_by(&self) -> String {
        if self.keys.is_empty() {
            String::new()
        } else {
            format!(" GROUP BY {}", self.keys.join(", "))
        }
    }

    /// `b.k0 = s.k0 AND ...`; `1 = 1` without keys.
    fn keys_equal(&self, other: &str) -> String {
        if self.keys.is_empty() {
            return "1 = 1".to_owned();
        }
        self.keys
            .iter()
            .map(|k| format!("b.{k} = {other}.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The joined rows: `g`, one per exchange and value of each dimension
    /// (and participant, and talk), not yet distinct.
    fn pairs(&self) -> String {
        let mut columns = vec!["e.id AS x".to_owned()];
        for (k, dimension) in self.request.dimensions.iter().enumerate() {
            columns.push(format!("{} AS k{k}", dimension.key_sql()));
        }
        let mut joins = String::from("m e");
        let mut conditions = Vec::new();
        if self.has(|d| d == Dimension::Specialty) {
            joins.push_str(" JOIN exchange_specialty es ON es.exchange_id = e.id");
        }
        if self.has(Dimension::is_participant) {
            columns.push("p.institution_id AS gi".to_owned());
            joins.push_str(
                " JOIN exchange_participant p ON p.exchange_id = e.id \
                 JOIN institution i ON i.id = p.institution_id",
            );
        }
        if self.has(|d| matches!(d, Dimension::Region | Dimension::City)) {
            joins.push_str(
                " JOIN institution_translation it ON it.institution_id = p.institution_id \
                 AND it.lang = (CASE i.country WHEN 'CN' THEN 'zh' ELSE 'ja' END)",
            );
        }
        for (dimension, column) in [(Dimension::Region, "region"), (Dimension::City, "city")] {
            if self.has(|d| d == dimension) {
                conditions.push(format!("it.{column} IS NOT NULL"));
            }
        }
        if self.has(|d| d == Dimension::Speaker) {
            columns.push("t.speaker_id AS gs".to_owned());
            joins.push_str(" JOIN talk t ON t.exchange_id = e.id");
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        format!("SELECT {} FROM {joins}{filter}", columns.join(", "))
    }

    /// `SELECT keys, COUNT(*) AS n FROM (SELECT keys, extra FROM source
    /// GROUP BY keys, extra) GROUP BY keys`: the distinct `extra` per group,
    /// counted by two hash aggregations (a `COUNT(DISTINCT ...)` sorts).
    fn count_distinct(&self, name: &str, extra: &str, source: &str) -> String {
        let keys = self.keys_then();
        format!(
            "{name} AS (SELECT {keys}COUNT(*) AS n FROM \
             (SELECT {keys}{extra} FROM {source} GROUP BY {keys}{extra}) d{group_by})",
            group_by = self.group_by()
        )
    }

    /// The common table expressions of the measures asked for, with the
    /// column each gives the result. `gx` holds the distinct (keys,
    /// exchange) pairs; `gxs` adds the speaker, grouped by SPEAKER.
    fn measures(&self) -> Vec<(&'static str, String)> {
        let measures = self.request.measures;
        let by_speaker = self.has(|d| d == Dimension::Speaker);
        let keys = self.keys_then();
        let group_by = self.group_by();
        let mut parts = Vec::new();
        if measures.institutions {
            let cte = if self.has(Dimension::is_participant) {
                self.count_distinct("institutions", "gi", "g")
            } else {
                let source = "gx JOIN exchange_participant pp ON pp.exchange_id = gx.x";
                self.count_distinct("institutions", "pp.institution_id", source)
            };
            parts.push(("institutions", cte));
        }
        if measures.speakers {
            let cte = if by_speaker {
                self.count_distinct("speakers", "gs", "g")
            } else {
                let source = "gx JOIN talk ts ON ts.exchange_id = gx.x";
                self.count_distinct("speakers", "ts.speaker_id", source)
            };
            parts.push(("speakers", cte));
        }
        if measures.talks {
            let source = if by_speaker {
                "gxs JOIN talk tt ON tt.exchange_id = gxs.x AND tt.speaker_id = gxs.gs"
            } else {
                "gx JOIN talk tt ON tt.exchange_id = gx.x"
            };
            let cte = format!("talks AS (SELECT {keys}COUNT(*) AS n FROM {source}{group_by})");
            parts.push(("talks", cte));
        }
        if measures.photos {
            let source = "gx JOIN photo ph ON ph.exchange_id = gx.x AND ph.deleted_at IS NULL";
            let cte = format!("photos AS (SELECT {keys}COUNT(*) AS n FROM {source}{group_by})");
            parts.push(("photos", cte));
        }
        parts
    }

    /// The whole statement, after `m`'s text (already bound in `params`).
    fn statement(&self, matching_sql: &str, params: &mut Params) -> String {
        let measures = self.measures();
        let keys = self.keys_then();
        let group_by = self.group_by();
        let mut ctes = vec![
            format!("m AS ({matching_sql})"),
            format!("g AS ({})", self.pairs()),
            format!("gx AS (SELECT {keys}x FROM g GROUP BY {keys}x)"),
        ];
        if self.request.measures.talks && self.has(|d| d == Dimension::Speaker) {
            ctes.push(format!(
                "gxs AS (SELECT {keys}x, gs FROM g GROUP BY {keys}x, gs)"
            ));
        }
        let having = match self.request.min_exchanges {
            Some(min) if !self.keys.is_empty() => {
                format!(" HAVING COUNT(*) >= {}", params.bind(min))
            }
            _ => String::new(),
        };
        ctes.push(format!(
            "b AS (SELECT {keys}COUNT(*) AS exchanges FROM gx{group_by}{having})"
        ));
        ctes.extend(measures.iter().map(|(_, cte)| cte.clone()));
        let mut columns: Vec<String> = vec!["0 AS is_total".into()];
        columns.extend(
            self.keys
                .iter()
                .map(|k| format!("CAST(b.{k} AS TEXT) AS {k}")),
        );
        columns.push("b.exchanges AS exchanges".into());
        let mut joins = String::new();
        for name in ["institutions", "speakers", "talks", "photos"] {
            if measures.iter().any(|(measure, _)| *measure == name) {
                columns.push(format!("COALESCE({name}.n, 0) AS {name}"));
                let on = self.keys_equal(name);
                joins.push_str(&format!(" LEFT JOIN {name} ON {on}"));
            } else {
                columns.push(format!("CAST(0 AS BIGINT) AS {name}"));
            }
        }
        let limit = params.bind((self.request.max_groups + 1) as i64);
        let mut total: Vec<String> = vec!["1".into()];
        total.extend(self.keys.iter().map(|_| "NULL".to_owned()));
        total.push("COUNT(*)".into());
        total.extend((0..4).map(|_| "CAST(0 AS BIGINT)".to_owned()));
        format!(
            "WITH {} SELECT * FROM (SELECT {} FROM b{joins} LIMIT {limit}) grouped \
             UNION ALL SELECT {} FROM m",
            ctes.join(", "),
            columns.join(", "),
            total.join(", ")
        )
    }
}

/// The months from `first` to `last` (`YYYY-MM`, inclusive), at most
/// `limit` of them (`None` beyond).
pub fn months_between(first: &str, last: &str, limit: usize) -> Option<Vec<String>> {
    let parse = |text: &str| -> Option<i32> {
        let (year, month) = text.split_once('-')?;
        Some(year.parse::<i32>().ok()? * 12 + month.parse::<i32>().ok()? - 1)
    };
    let (from, to) = (parse(first)?, parse(last)?);
    if to < from {
        return Some(Vec::new());
    }
    if (to - from) as usize >= limit {
        return None;
    }
    Some(
        (from..=to)
            .map(|m| format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1))
            .collect(),
    )
}

/// The months a filter bounds its exchanges to (`YYYY-MM`), either end
/// `None` when the filter leaves it open.
pub fn filter_months(filter: &ExchangeFilter) -> (Option<String>, Option<String>) {
    let mut first: Vec<String> = Vec::new();
    let mut last: Vec<String> = Vec::new();
    if let Some(year) = filter.year {
        first.push(format!("{year:04}-01"));
        last.push(format!("{year:04}-12"));
    }
    if let Some(year) = filter.fiscal_year {
        first.push(format!("{year:04}-04"));
        last.push(format!("{:04}-03", year + 1));
    }
    if let Some(day) = &filter.ends_on_or_after {
        first.push(day.chars().take(7).collect());
    }
    if let Some(day) = &filter.starts_on_or_before {
        last.push(day.chars().take(7).collect());
    }
    (first.into_iter().max(), last.into_iter().min())
}

/// The time keys from `first` to `last` month for a time dimension:
/// months, calendar years or fiscal years. `None` beyond `limit` keys.
fn time_keys(dimension: Dimension, first: &str, last: &str, limit: usize) -> Option<Vec<String>> {
    let months = months_between(first, last, limit.saturating_mul(12))?;
    let mut keys: Vec<String> = months
        .iter()
        .map(|month| {
            let year: i32 = month[..4].parse().unwrap_or_default();
            let fiscal = if &month[5..] >= "04" { year } else { year - 1 };
            match dimension {
                Dimension::Month => month.clone(),
                Dimension::FiscalYear => fiscal.to_string(),
                _ => year.to_string(),
            }
        })
        .collect();
    keys.dedup();
    (keys.len() <= limit).then_some(keys)
}

/// Why gaps could not be filled.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FillError {
    /// No time dimension, or more than one.
    #[error("fillGaps needs exactly one of YEAR, FISCAL_YEAR or MONTH in groupBy")]
    NoTimeDimension,
    /// The filled series would hold more groups than allowed.
    #[error("filling the gaps would give more than {0} groups; narrow the filter")]
    TooMany(usize),
}

/// Adds a zero group for every time key missing between the filter's
/// bounds (widened to the keys present), for each combination of the
/// other keys present. Keys of the time dimension (`YYYY` or `YYYY-MM`)
/// are its stored values.
pub fn fill_gaps(
    dimensions: &[Dimension],
    filter: &ExchangeFilter,
    groups: &mut Vec<GroupCounts>,
    limit: usize,
) -> Result<(), FillError> {
    let mut times = dimensions.iter().enumerate().filter(|(_, d)| d.is_time());
    let (Some((at, dimension)), None) = (times.next(), times.next()) else {
        return Err(FillError::NoTimeDimension);
    };
    let month_of = |key: &str, end: bool| match (dimension, end) {
        (Dimension::Month, _) => key.to_owned(),
        (Dimension::FiscalYear, false) => format!("{key}-04"),
        (Dimension::FiscalYear, true) => format!("{}-03", key.parse::<i32>().unwrap_or(0) + 1),
        (_, false) => format!("{key}-01"),
        (_, true) => format!("{key}-12"),
    };
    let (filter_first, filter_last) = filter_months(filter);
    let present_first = groups.iter().map(|g| month_of(&g.keys[at], false)).min();
    let present_last = groups.iter().map(|g| month_of(&g.keys[at], true)).max();
    let first = [filter_first, present_first].into_iter().flatten().min();
    let last = [filter_last, present_last].into_iter().flatten().max();
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(());
    };
    let series = time_keys(*dimension, &first, &last, limit).ok_or(FillError::TooMany(limit))?;
    let others = |keys: &[String]| -> Vec<String> {
        let mut rest = keys.to_vec();
        rest.remove(at);
        rest
    };
    let mut combinations: Vec<Vec<String>> = groups.iter().map(|g| others(&g.keys)).collect();
    if dimensions.len() == 1 {
        combinations = vec![Vec::new()];
    }
    combinations.sort();
    combinations.dedup();
    if combinations.len().saturating_mul(series.len()) > limit {
        return Err(FillError::TooMany(limit));
    }
    let present: std::collections::HashSet<Vec<String>> =
        groups.iter().map(|g| g.keys.clone()).collect();
    for rest in &combinations {
        for time in &series {
            let mut keys = rest.clone();
            keys.insert(at, time.clone());
            if !present.contains(&keys) {
                groups.push(GroupCounts {
                    keys,
                    ..GroupCounts::default()
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_run_across_years() {
        let months = months_between("2020-11", "2021-02", 100).unwrap();
        assert_eq!(months, ["2020-11", "2020-12", "2021-01", "2021-02"]);
        assert_eq!(months_between("2021-02", "2020-11", 100), Some(vec![]));
        assert_eq!(months_between("2000-01", "2020-01", 12), None);
    }

    fn group(keys: &[&str], exchanges: i64) -> GroupCounts {
        GroupCounts {
            keys: keys.iter().map(|k| k.to_string()).collect(),
            exchanges,
            ..GroupCounts::default()
        }
    }

    #[test]
    fn gaps_are_filled_per_combination_within_the_filter() {
        let filter = ExchangeFilter {
            fiscal_year: Some(2020),
            ..ExchangeFilter::default()
        };
        let dimensions = [Dimension::Specialty, Dimension::Month];
        let mut groups = vec![group(&["1", "2020-06"], 2), group(&["2", "2020-07"], 1)];
        fill_gaps(&dimensions, &filter, &mut groups, 100).unwrap();
        assert_eq!(groups.len(), 24, "12 months for each of two specialties");
        assert!(groups.contains(&group(&["2", "2021-03"], 0)));
        assert!(groups.contains(&group(&["1", "2020-06"], 2)));
        assert_eq!(
            fill_gaps(&dimensions, &filter, &mut groups.clone(), 20),
            Err(FillError::TooMany(20))
        );
    }

    #[test]
    fn fiscal_years_are_filled_from_the_months_they_span() {
        let mut groups = vec![group(&["2018"], 1), group(&["2021"], 3)];
        let filter = ExchangeFilter::default();
        fill_gaps(&[Dimension::FiscalYear], &filter, &mut groups, 100).unwrap();
        let mut keys: Vec<&str> = groups.iter().map(|g| g.keys[0].as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["2018", "2019", "2020", "2021"]);
        let no_time = fill_gaps(&[Dimension::Country], &filter, &mut groups, 100);
        assert_eq!(no_time, Err(FillError::NoTimeDimension));
    }

    #[test]
    fn participant_dimensions_share_one_join() {
        let filter = ExchangeFilter::default();
        let request = StatsRequest {
            filter: &filter,
            dimensions: &[Dimension::Country, Dimension::Region],
            measures: Measures::default(),
            min_exchanges: None,
            max_groups: 10,
            top: None,
        };
        let pairs = StatsSql::new(&request).pairs();
        assert_eq!(pairs.matches("exchange_participant").count(), 1, "{pairs}");
    }
}
