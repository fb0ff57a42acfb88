//! `exchangeStats` over the fact table: the same counts as the statement
//! in [`crate::store::stats`], computed in memory.
//!
//! Each matching exchange gives one tuple per combination of its values
//! (specialties × participants × talks, as far as the dimensions need
//! them); its distinct keys each count the exchange once. Distinct
//! institutions and speakers are counted by sorting (group, id) pairs
//! once all exchanges are seen.

use super::facts::{Fact, Facts};
use super::matcher::{Matcher, Places};
use crate::domain::vocabulary::Dimension;
use crate::store::stats::{GroupCounts, Stats, StatsRequest, keep_top};
use rustc_hash::FxHashMap;

/// The most groups counted at once; a question with more is refused
/// (see [`TooManyGroups`]).
pub const MOST_COUNTED: usize = 2_000_000;

/// More than [`MOST_COUNTED`] groups.
#[derive(Debug, thiserror::Error)]
#[error("more than {MOST_COUNTED} groups to count")]
pub struct TooManyGroups;

/// What the dimensions need of an exchange beyond its own columns.
#[derive(Clone, Copy)]
struct Axes {
    specialty: bool,
    participant: bool,
    speaker: bool,
    region: bool,
    city: bool,
}

impl Axes {
    fn of(dimensions: &[Dimension]) -> Axes {
        let has = |wanted: Dimension| dimensions.contains(&wanted);
        Axes {
            specialty: has(Dimension::Specialty),
            participant: dimensions.iter().any(|d| d.is_participant()),
            speaker: has(Dimension::Speaker),
            region: has(Dimension::Region),
            city: has(Dimension::City),
        }
    }
}

/// One combination of an exchange's values: its key (one value per
/// dimension, in the order asked), and the institution and speaker it came
/// from (0 when the dimensions need none).
type Tuple<const N: usize> = ([u32; N], i32, i32);

/// The counts of one question, over facts and the places of institutions.
pub struct Grouping<'a> {
    pub request: &'a StatsRequest<'a>,
    pub places: &'a Places,
    pub matcher: &'a Matcher,
}

/// A group while counting: its number (for the distinct pairs) and its
/// exchanges, talks and photos.
type Slot = (u32, [i64; 3]);

/// Counts while going through the exchanges; keys of `N` values.
struct Tally<const N: usize> {
    groups: FxHashMap<[u32; N], Slot>,
    /// (group, institution) and (group, speaker) pairs, not yet distinct.
    institutions: Vec<u64>,
    speakers: Vec<u64>,
    exchanges: i64,
}

impl<const N: usize> Tally<N> {
    fn group(&mut self, key: [u32; N]) -> Result<&mut Slot, TooManyGroups> {
        let next = self.groups.len();
        if next >= MOST_COUNTED && !self.groups.contains_key(&key) {
            return Err(TooManyGroups);
        }
        Ok(self.groups.entry(key).or_insert((next as u32, [0; 3])))
    }
}

fn pair(group: u32, id: i32) -> u64 {
    ((group as u64) << 32) | id as u32 as u64
}

/// The number of distinct ids per group, from sorted pairs.
fn distinct_per_group(mut pairs: Vec<u64>, groups: usize) -> Vec<i64> {
    pairs.sort_unstable();
    pairs.dedup();
    let mut counts = vec![0; groups];
    for pair in pairs {
        counts[(pair >> 32) as usize] += 1;
    }
    counts
}

impl Grouping<'_> {
    /// Counts the matching facts per group (with keys as narrow as the
    /// dimensions allow: hashed faster).
    pub fn count(&self, facts: &Facts) -> Result<Stats, TooManyGroups> {
        match self.request.dimensions.len() {
            0 | 1 => self.count_by::<1>(facts),
            2 => self.count_by::<2>(facts),
            3 => self.count_by::<3>(facts),
            4 => self.count_by::<4>(facts),
            _ => self.count_by::<{ Dimension::ALL.len() }>(facts),
        }
    }

    fn count_by<const N: usize>(&self, facts: &Facts) -> Result<Stats, TooManyGroups> {
        let axes = Axes::of(self.request.dimensions);
        let mut tally = Tally::<N> {
            groups: FxHashMap::default(),
            institutions: Vec::new(),
            speakers: Vec::new(),
            exchanges: 0,
        };
        let mut tuples: Vec<Tuple<N>> = Vec::new();
        if self.request.dimensions.is_empty() {
            tally.group([0; N])?;
        }
        for (id, fact) in facts.live() {
            if !self.matcher.matches(id, fact) {
                continue;
            }
            tally.exchanges += 1;
            tuples.clear();
            self.tuples(axes, fact, &mut tuples);
            if tuples.len() > 1 {
                tuples.sort_unstable();
            }
            self.add(axes, fact, &tuples, &mut tally)?;
        }
        Ok(self.finish(tally, facts))
    }

    /// Adds one exchange's tuples (sorted) to the tally: each distinct key
    /// counts it once.
    fn add<const N: usize>(
        &self,
        axes: Axes,
        fact: &Fact,
        tuples: &[Tuple<N>],
        tally: &mut Tally<N>,
    ) -> Result<(), TooManyGroups> {
        let measures = self.request.measures;
        for run in tuples.chunk_by(|a, b| a.0 == b.0) {
            let (speaker, talks) = (run[0].2, fact.talk_speakers());
            let (group, counts) = tally.group(run[0].0)?;
            let group = *group;
            counts[0] += 1;
            counts[1] += match axes.speaker {
                true => talks.iter().filter(|s| **s == speaker).count() as i64,
                false => talks.len() as i64,
            };
            counts[2] += fact.photos as i64;
            if measures.institutions {
                let from_run = run.iter().map(|t| t.1);
                match axes.participant {
                    true => tally.institutions.extend(from_run.map(|i| pair(group, i))),
                    false => tally
                        .institutions
                        .extend(fact.participants().iter().map(|i| pair(group, *i))),
                }
            }
            if measures.speakers {
                match axes.speaker {
                    true => tally.speakers.push(pair(group, speaker)),
                    false => tally.speakers.extend(talks.iter().map(|s| pair(group, *s))),
                }
            }
        }
        Ok(())
    }

    /// Every combination of the exchange's values the dimensions need.
    fn tuples<const N: usize>(&self, axes: Axes, fact: &Fact, tuples: &mut Vec<Tuple<N>>) {
        let none = [0];
        let specialties = if axes.specialty {
            fact.specialties()
        } else {
            &none
        };
        let participants = if axes.participant {
            fact.participants()
        } else {
            &none
        };
        let speakers = if axes.speaker {
            fact.talk_speakers()
        } else {
            &none
        };
        for &institution in participants {
            if axes.participant && !self.places.has_place(institution, axes.region, axes.city) {
                continue;
            }
            for &specialty in specialties {
                for &speaker in speakers {
                    let key = self.key(fact, specialty, institution, speaker);
                    tuples.push((key, institution, speaker));
                }
            }
        }
    }

    fn key<const N: usize>(
        &self,
        fact: &Fact,
        specialty: i32,
        institution: i32,
        speaker: i32,
    ) -> [u32; N] {
        let mut key = [0; N];
        for (at, dimension) in self.request.dimensions.iter().enumerate() {
            key[at] = match dimension {
                Dimension::Year => fact.year as u32,
                Dimension::FiscalYear => fact.fiscal_year as u32,
                Dimension::Month => fact.month(),
                Dimension::Format => fact.format as u32,
                Dimension::Specialty => specialty as u32,
                Dimension::Institution => institution as u32,
                Dimension::Speaker => speaker as u32,
                Dimension::Country => self.places.country(institution),
                Dimension::Region => self.places.region(institution),
                Dimension::City => self.places.city(institution),
            };
        }
        key
    }

    /// The groups kept (at least `min_exchanges`; the top ones when asked),
    /// with their keys as stored.
    fn finish<const N: usize>(&self, tally: Tally<N>, facts: &Facts) -> Stats {
        let groups = tally.groups.len();
        let measures = self.request.measures;
        let count = |wanted: bool, pairs: Vec<u64>| match wanted {
            true => distinct_per_group(pairs, groups),
            false => vec![0; groups],
        };
        let institutions = count(measures.institutions, tally.institutions);
        let speakers = count(measures.speakers, tally.speakers);
        let min = match self.request.dimensions.is_empty() {
            true => i64::MIN,
            false => self.request.min_exchanges.unwrap_or(i64::MIN),
        };
        let kept: Vec<([u32; N], Slot)> = tally
            .groups
            .into_iter()
            .filter(|(_, (_, counts))| counts[0] >= min)
            .collect();
        let counted = kept.len();
        let kept = match self.request.top {
            Some(top) => keep_top(
                kept,
                top,
                |(_, (_, c))| c[0],
                |(key, _)| top.per.map_or(0, |at| key[at]),
            ),
            None => kept,
        };
        let groups = kept
            .into_iter()
            .map(|(key, (group, counts))| GroupCounts {
                keys: self.stored_keys(&key, facts),
                exchanges: counts[0],
                institutions: institutions[group as usize],
                speakers: speakers[group as usize],
                talks: if measures.talks { counts[1] } else { 0 },
                photos: if measures.photos { counts[2] } else { 0 },
            })
            .collect();
        Stats {
            exchanges: tally.exchanges,
            groups,
            counted,
            truncated: false,
        }
    }

    /// A key as the statement gives it: ids and years as numbers, months
    /// `YYYY-MM`, countries, formats, regions and cities as stored.
    fn stored_keys(&self, key: &[u32], facts: &Facts) -> Vec<String> {
        let dimensions = self.request.dimensions;
        let text = |(at, dimension): (usize, &Dimension)| {
            let value = key[at];
            match dimension {
                Dimension::Month => format!("{:04}-{:02}", value / 100, value % 100),
                Dimension::Format => facts.formats[value as usize].clone(),
                Dimension::Country | Dimension::Region | Dimension::City => {
                    self.places.name(value).to_owned()
                }
                Dimension::Year | Dimension::FiscalYear => (value as i32).to_string(),
                _ => (value as i32).to_string(),
            }
        };
        dimensions.iter().enumerate().map(text).collect()
    }
}
