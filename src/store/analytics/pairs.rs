//! `partnerships` over the fact table: the same pages as the statement in
//! [`crate::store::partnerships`], computed in memory. Every pair of
//! participants of every matching exchange is counted once; the page is
//! picked without sorting every pair; the specialties are gathered for
//! the page's pairs only.

use super::facts::{Facts, day_text};
use super::matcher::Matcher;
use crate::store::page::Page;
use crate::store::partnerships::{Partnership, PartnershipKey, PartnershipRequest};
use rustc_hash::{FxHashMap, FxHashSet};
use std::cmp::Ordering;

/// What two institutions did together: exchanges, first and last date.
#[derive(Clone, Copy)]
struct Together {
    exchanges: i64,
    first: u32,
    last: u32,
}

/// The list's order: most exchanges first, then by the two ids.
fn list_order(a: &PartnershipKey, b: &PartnershipKey) -> Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
}

/// One page of partnerships of the facts `matcher` keeps.
pub fn page(
    facts: &Facts,
    matcher: &Matcher,
    request: &PartnershipRequest<'_>,
) -> Page<Partnership> {
    let pairs = count_pairs(facts, matcher, request.involving);
    let mut keys: Vec<PartnershipKey> = pairs
        .iter()
        .map(|((a, b), together)| (together.exchanges, *a, *b))
        .collect();
    let total = keys.len();
    if let Some(after) = request.after {
        keys.retain(|key| list_order(key, &after) == Ordering::Greater);
    }
    let preceding = total - keys.len();
    let wanted = (request.limit as usize).saturating_add(1).min(keys.len());
    if wanted < keys.len() && wanted > 0 {
        keys.select_nth_unstable_by(wanted - 1, list_order);
    }
    keys.truncate(wanted);
    keys.sort_unstable_by(list_order);
    let has_next = keys.len() as u64 > request.limit;
    keys.truncate(request.limit as usize);
    let mut specialties = specialties_of(facts, matcher, &keys);
    let rows = keys
        .into_iter()
        .map(|(exchanges, first, second)| {
            let together = pairs[&(first, second)];
            let mut covered: Vec<i32> = specialties
                .remove(&(first, second))
                .unwrap_or_default()
                .into_iter()
                .collect();
            covered.sort_unstable();
            Partnership {
                first,
                second,
                exchanges,
                first_date: day_text(together.first),
                last_date: day_text(together.last),
                specialties: covered,
            }
        })
        .collect();
    Page {
        rows,
        has_next,
        has_previous: preceding > 0,
        total: request.count_total.then_some(total as u64),
    }
}

/// Every pair (smaller id first) of participants of the matching
/// exchanges, with one of them `involving` when given.
fn count_pairs(
    facts: &Facts,
    matcher: &Matcher,
    involving: Option<i32>,
) -> FxHashMap<(i32, i32), Together> {
    let mut pairs: FxHashMap<(i32, i32), Together> = FxHashMap::default();
    for (id, fact) in facts.live() {
        let participants = fact.participants();
        if participants.len() < 2 || !matcher.matches(id, fact) {
            continue;
        }
        for_each_pair(participants, involving, |pair| {
            let together = pairs.entry(pair).or_insert(Together {
                exchanges: 0,
                first: u32::MAX,
                last: 0,
            });
            together.exchanges += 1;
            together.first = together.first.min(fact.date);
            together.last = together.last.max(fact.date);
        });
    }
    pairs
}

/// Calls `each` with every pair (smaller id first) of distinct
/// institutions among `participants`, one of them `involving` when given.
fn for_each_pair(participants: &[i32], involving: Option<i32>, mut each: impl FnMut((i32, i32))) {
    for (at, a) in participants.iter().enumerate() {
        for b in &participants[at + 1..] {
            let pair = (*a.min(b), *a.max(b));
            let involved = involving.is_none_or(|i| pair.0 == i || pair.1 == i);
            if pair.0 != pair.1 && involved {
                each(pair);
            }
        }
    }
}

/// The specialties the matching exchanges of each of `keys`' pairs covered.
fn specialties_of(
    facts: &Facts,
    matcher: &Matcher,
    keys: &[PartnershipKey],
) -> FxHashMap<(i32, i32), FxHashSet<i32>> {
    let mut covered: FxHashMap<(i32, i32), FxHashSet<i32>> = keys
        .iter()
        .map(|(_, a, b)| ((*a, *b), FxHashSet::default()))
        .collect();
    let members: FxHashSet<i32> = keys.iter().flat_map(|(_, a, b)| [*a, *b]).collect();
    if covered.is_empty() {
        return covered;
    }
    for (id, fact) in facts.live() {
        let participants = fact.participants();
        if !participants.iter().any(|p| members.contains(p)) || !matcher.matches(id, fact) {
            continue;
        }
        for_each_pair(participants, None, |pair| {
            if let Some(set) = covered.get_mut(&pair) {
                set.extend(fact.specialties());
            }
        });
    }
    covered
}
