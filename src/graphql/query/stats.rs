//! Analysts' questions: exchanges counted by any combination of dimensions.

use super::filters::ExchangeFilter;
use crate::domain::vocabulary::Dimension;
use crate::graphql::analytics;
use crate::graphql::connection::{PageArgs, PartnershipConnection};
use crate::graphql::error::ApiError;
use crate::graphql::lang::{self, Language};
use crate::graphql::loaders::catalog_holding;
use crate::graphql::types::partnership::partnership_page;
use crate::graphql::types::stats::{
    ExchangeDimension, ExchangeGroup, ExchangeStats, GroupOrder, KeyReader,
};
use crate::store::stats::{self, GroupCounts, Measures, StatsRequest, Top};
use async_graphql::{Context, Object};
use std::cmp::Ordering;
use std::collections::HashMap;

/// The most groups one `exchangeStats` answer may hold (gaps filled
/// included); a question with more is refused, not cut short.
pub const MAX_GROUPS: usize = 10_000;

/// Statistics over exchanges.
#[derive(Default)]
pub struct StatsQuery;

/// Who worked with whom.
#[derive(Default)]
pub struct PartnershipsQuery;

#[Object]
impl StatsQuery {
    /// Exchanges matching `filter`, counted per group of `groupBy` (one
    /// group per combination that occurs; no dimension: one group, the
    /// total). An exchange counts once in every group its values give it:
    /// an exchange with two specialties counts under each. An exchange
    /// with no value for a dimension (no specialty, no talk, an institution
    /// with no region given) is in no group of it. Counted in memory, from
    /// the process's table of exchanges (in the database while that table
    /// is read). An answer of more than 10,000 groups is `BAD_USER_INPUT`.
    ///
    /// - `fillGaps`: adds empty groups (counts 0) for the years or months
    ///   with no exchange, from the filter's first to its last month (or
    ///   the groups' own range), for every combination of the other keys.
    ///   Needs exactly one of YEAR, FISCAL_YEAR, MONTH in `groupBy`.
    /// - `orderBy`: by key unless given.
    /// - `minExchanges`: only groups with at least this many exchanges.
    /// - `first`: only the first groups in that order (1 to 10,000). With
    ///   `orderBy: EXCHANGES_DESC` (or `EXCHANGES`) every group is counted
    ///   and only those returned count against the limit: the 20 busiest
    ///   institutions of the whole archive are
    ///   `groupBy: [INSTITUTION], orderBy: EXCHANGES_DESC, first: 20`.
    /// - `per`: `first` applies to each value of this dimension (one of
    ///   `groupBy`): the 20 busiest institutions of each fiscal year are
    ///   `groupBy: [FISCAL_YEAR, INSTITUTION], orderBy: EXCHANGES_DESC,
    ///   first: 20, per: FISCAL_YEAR`.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "100 + child_complexity")]
    async fn exchange_stats(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExchangeFilter>,
        group_by: Vec<ExchangeDimension>,
        lang: Option<Language>,
        fill_gaps: Option<bool>,
        order_by: Option<GroupOrder>,
        min_exchanges: Option<i32>,
        first: Option<i32>,
        per: Option<ExchangeDimension>,
    ) -> Result<ExchangeStats, ApiError> {
        let dimensions = checked_dimensions(&group_by)?;
        let fill_gaps = fill_gaps.unwrap_or(false);
        let order = order_by.unwrap_or_default();
        let cut = checked_cut(&dimensions, fill_gaps, min_exchanges, first, per)?;
        let filter = filter.unwrap_or_default().into_store()?;
        let request = StatsRequest {
            filter: &filter,
            dimensions: &dimensions,
            measures: measures_asked(ctx),
            min_exchanges: min_exchanges.map(i64::from),
            max_groups: MAX_GROUPS as u64,
            top: cut.top(order, fill_gaps),
        };
        let mut stats = analytics(ctx).exchange_stats(&request).await?;
        if request.top.is_none() && (stats.truncated || stats.groups.len() > MAX_GROUPS) {
            return Err(too_many_groups());
        }
        if fill_gaps {
            stats::fill_gaps(&dimensions, &filter, &mut stats.groups, MAX_GROUPS)
                .map_err(|e| ApiError::bad_input(e.to_string()))?;
            stats.counted = stats.groups.len();
        }
        let reader = key_reader(ctx, &dimensions, &stats.groups, lang).await?;
        let mut groups: Vec<ExchangeGroup> = stats
            .groups
            .iter()
            .map(|counts| group(&reader, &group_by, counts))
            .collect();
        sort_groups(&mut groups, order);
        cut.apply(&mut groups)?;
        Ok(ExchangeStats {
            exchanges: i32::try_from(stats.exchanges).unwrap_or(i32::MAX),
            group_count: i32::try_from(stats.counted).unwrap_or(i32::MAX),
            groups,
        })
    }
}

/// Which groups an answer keeps: the first `first` (of each value of the
/// dimension at `per`).
struct Cut {
    first: Option<usize>,
    per: Option<usize>,
}

impl Cut {
    /// What the counting may leave out: with the order by exchanges and a
    /// `first`, all but the top groups (not with gaps to fill, which adds
    /// groups of 0).
    fn top(&self, order: GroupOrder, fill_gaps: bool) -> Option<Top> {
        let most = match order {
            GroupOrder::ExchangesDesc => true,
            GroupOrder::Exchanges => false,
            _ => return None,
        };
        let first = self.first.filter(|_| !fill_gaps)?;
        Some(Top {
            first,
            most,
            per: self.per,
        })
    }

    /// Keeps the first groups (sorted) of each value of `per`; more than
    /// [`MAX_GROUPS`] kept is refused.
    fn apply(&self, groups: &mut Vec<ExchangeGroup>) -> Result<(), ApiError> {
        let Some(first) = self.first else {
            return Ok(());
        };
        match self.per {
            None => groups.truncate(first),
            Some(at) => {
                let mut seen: HashMap<String, usize> = HashMap::new();
                groups.retain(|group| {
                    let taken = seen.entry(group.keys[at].value.clone()).or_default();
                    *taken += 1;
                    *taken <= first
                });
            }
        }
        match groups.len() > MAX_GROUPS {
            true => Err(too_many_groups()),
            false => Ok(()),
        }
    }
}

/// Checks `fillGaps`, `minExchanges`, `first` and `per` together.
fn checked_cut(
    dimensions: &[Dimension],
    fill_gaps: bool,
    min_exchanges: Option<i32>,
    first: Option<i32>,
    per: Option<ExchangeDimension>,
) -> Result<Cut, ApiError> {
    if fill_gaps && min_exchanges.unwrap_or(0) > 0 {
        return Err(ApiError::bad_input(
            "`fillGaps` adds groups with no exchange: it cannot go with `minExchanges`",
        ));
    }
    if let Some(n) = first.filter(|n| !(1..=MAX_GROUPS as i32).contains(n)) {
        return Err(ApiError::bad_input(format!(
            "`first` must be between 1 and {MAX_GROUPS}, got {n}"
        )));
    }
    let per = match per {
        None => None,
        Some(_) if first.is_none() => {
            return Err(ApiError::bad_input(
                "`per` says which groups `first` applies to: give `first` too",
            ));
        }
        Some(given) => {
            let at = dimensions.iter().position(|d| *d == Dimension::from(given));
            let named = async_graphql::resolver_utils::enum_value(given);
            Some(at.ok_or_else(|| {
                ApiError::bad_input(format!("`per` names {named}, which is not in `groupBy`"))
            })?)
        }
    };
    Ok(Cut {
        first: first.map(|n| n as usize),
        per,
    })
}

#[Object]
impl PartnershipsQuery {
    /// The pairs of institutions that held exchanges together (counting
    /// the exchanges `filter` keeps), most exchanges first, then by the
    /// institutions' ids. `Institution.partners` gives one institution's.
    #[graphql(complexity = "crate::graphql::connection::page_cost(first, None, child_complexity)")]
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExchangeFilter>,
        lang: Option<Language>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PartnershipConnection, ApiError> {
        let filter = filter.unwrap_or_default().into_store()?;
        let args = PageArgs::forward(first, after);
        partnership_page(ctx, &filter, None, args, lang::scope(lang)).await
    }
}

fn too_many_groups() -> ApiError {
    ApiError::bad_input(format!(
        "more than {MAX_GROUPS} groups: narrow the filter, group by fewer dimensions, set `minExchanges`, or ask for the top groups (`orderBy: EXCHANGES_DESC, first: N`)"
    ))
}

/// The store's dimensions; a dimension given twice is `BAD_USER_INPUT`.
fn checked_dimensions(group_by: &[ExchangeDimension]) -> Result<Vec<Dimension>, ApiError> {
    let mut dimensions: Vec<Dimension> = Vec::with_capacity(group_by.len());
    for (given, dimension) in group_by
        .iter()
        .zip(group_by.iter().map(|d| Dimension::from(*d)))
    {
        if dimensions.contains(&dimension) {
            return Err(ApiError::bad_input(format!(
                "`groupBy` names {} twice; give each dimension once",
                async_graphql::resolver_utils::enum_value(*given)
            )));
        }
        dimensions.push(dimension);
    }
    Ok(dimensions)
}

/// The counts the query selects under `groups` (exchanges are always
/// counted): each costs an aggregate.
fn measures_asked(ctx: &Context<'_>) -> Measures {
    let groups = ctx.look_ahead().field("groups");
    Measures {
        institutions: groups.field("institutions").exists(),
        speakers: groups.field("speakers").exists(),
        talks: groups.field("talks").exists(),
        photos: groups.field("photos").exists(),
    }
}

/// A key reader over a catalog holding every record the keys name.
async fn key_reader(
    ctx: &Context<'_>,
    dimensions: &[Dimension],
    groups: &[GroupCounts],
    lang: Option<Language>,
) -> Result<KeyReader, ApiError> {
    let ids = |wanted: Dimension| -> Vec<i32> {
        let Some(at) = dimensions.iter().position(|d| *d == wanted) else {
            return Vec::new();
        };
        groups
            .iter()
            .filter_map(|g| g.keys[at].parse().ok())
            .collect()
    };
    let (specialties, institutions, speakers) = (
        ids(Dimension::Specialty),
        ids(Dimension::Institution),
        ids(Dimension::Speaker),
    );
    let catalog = catalog_holding(ctx, |c| {
        specialties.iter().all(|id| c.specialties.contains_key(id))
            && institutions
                .iter()
                .all(|id| c.institutions.contains_key(id))
            && speakers.iter().all(|id| c.speakers.contains_key(id))
    })
    .await?;
    let with_places = dimensions
        .iter()
        .any(|d| matches!(d, Dimension::Region | Dimension::City));
    Ok(KeyReader::new(catalog, lang::scope(lang), with_places))
}

fn group(
    reader: &KeyReader,
    group_by: &[ExchangeDimension],
    counts: &GroupCounts,
) -> ExchangeGroup {
    let keys = group_by
        .iter()
        .zip(&counts.keys)
        .map(|(dimension, stored)| reader.key(*dimension, stored))
        .collect();
    ExchangeGroup::new(counts, keys)
}

fn sort_groups(groups: &mut [ExchangeGroup], order: GroupOrder) {
    fn by_key(a: &ExchangeGroup, b: &ExchangeGroup) -> Ordering {
        let a = a.keys.iter().map(|k| &k.value);
        a.cmp(b.keys.iter().map(|k| &k.value))
    }
    groups.sort_by(|a, b| match order {
        GroupOrder::Key => by_key(a, b),
        GroupOrder::KeyDesc => by_key(b, a),
        GroupOrder::ExchangesDesc => b.exchanges.cmp(&a.exchanges).then_with(|| by_key(a, b)),
        GroupOrder::Exchanges => a.exchanges.cmp(&b.exchanges).then_with(|| by_key(a, b)),
    });
}
