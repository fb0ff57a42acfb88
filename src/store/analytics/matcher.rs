//! What the fact table needs besides the facts: the country, region and
//! city of each institution (from the catalog, as numbers), and the
//! filter, compiled to tests on facts.

use super::facts::{Fact, Facts, day_number};
use crate::store::catalog::Catalog;
use crate::store::exchanges::ExchangeFilter;
use rustc_hash::{FxHashMap, FxHashSet};

/// The country, region and city of each institution as numbers (0: none),
/// by institution id; each number names one text in [`Places::name`].
/// Regions and cities are in the institution's own language (Chinese for
/// China, else Japanese), as the statement keys them.
#[derive(Default)]
pub struct Places {
    country: Vec<u32>,
    region: Vec<u32>,
    city: Vec<u32>,
    numbers: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Places {
    /// The places of the catalog's institutions.
    pub fn new(catalog: &Catalog) -> Places {
        let mut places = Places {
            names: vec![String::new()],
            ..Places::default()
        };
        for (id, institution) in &catalog.institutions {
            let Ok(at) = usize::try_from(*id) else {
                continue;
            };
            let own = match institution.country.as_str() {
                "CN" => "zh",
                _ => "ja",
            };
            let texts = catalog.institution_texts.get(id);
            let text = texts.and_then(|rows| rows.iter().find(|row| row.lang == own));
            let country = places.number(Some(&institution.country));
            let region = places.number(text.and_then(|t| t.region.as_deref()));
            let city = places.number(text.and_then(|t| t.city.as_deref()));
            places.put(at, country, region, city);
        }
        places
    }

    fn number(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else { return 0 };
        if let Some(number) = self.numbers.get(text) {
            return *number;
        }
        self.names.push(text.to_owned());
        let number = (self.names.len() - 1) as u32;
        self.numbers.insert(text.to_owned(), number);
        number
    }

    fn put(&mut self, at: usize, country: u32, region: u32, city: u32) {
        for (column, value) in [
            (&mut self.country, country),
            (&mut self.region, region),
            (&mut self.city, city),
        ] {
            if column.len() <= at {
                column.resize(at + 1, 0);
            }
            column[at] = value;
        }
    }

    fn of(column: &[u32], institution: i32) -> u32 {
        let at = usize::try_from(institution).unwrap_or(usize::MAX);
        column.get(at).copied().unwrap_or(0)
    }

    /// The institution's country (0: not in the catalog).
    pub fn country(&self, institution: i32) -> u32 {
        Places::of(&self.country, institution)
    }

    /// Its region in its own language (0: none given).
    pub fn region(&self, institution: i32) -> u32 {
        Places::of(&self.region, institution)
    }

    /// Its city in its own language (0: none given).
    pub fn city(&self, institution: i32) -> u32 {
        Places::of(&self.city, institution)
    }

    /// Whether the institution is known, with a region and a city where
    /// asked for.
    pub fn has_place(&self, institution: i32, region: bool, city: bool) -> bool {
        self.country(institution) != 0
            && (!region || self.region(institution) != 0)
            && (!city || self.city(institution) != 0)
    }

    /// The text a number names ("" for 0).
    pub fn name(&self, number: u32) -> &str {
        self.names.get(number as usize).map_or("", |n| n.as_str())
    }

    /// The number of a text, if any institution has it.
    fn number_of(&self, text: &str) -> Option<u32> {
        self.numbers.get(text).copied()
    }
}

/// A filter as tests on facts. A condition naming nothing that exists
/// (an unknown specialty, a format never stored) matches nothing.
pub struct Matcher {
    filter: ExchangeFilter,
    format: Option<Option<u8>>,
    country: Option<Option<u32>>,
    specialty: Option<Option<i32>>,
    ends_from: Option<u32>,
    starts_until: Option<u32>,
    /// The exchanges a text condition keeps (read from the database).
    texts: Option<std::sync::Arc<FxHashSet<i32>>>,
    places: std::sync::Arc<Places>,
}

impl Matcher {
    /// `filter` over `facts`, with the exchanges its text condition keeps
    /// when it has one.
    pub fn new(
        filter: &ExchangeFilter,
        facts: &Facts,
        catalog: &Catalog,
        places: std::sync::Arc<Places>,
        texts: Option<std::sync::Arc<FxHashSet<i32>>>,
    ) -> Matcher {
        let format = filter.format.map(|format| {
            let at = facts.formats.iter().position(|f| f == format.as_str());
            at.map(|at| at as u8)
        });
        let country = filter.country.map(|c| places.number_of(c.as_str()));
        let specialty = filter.specialty_slug.as_ref().map(|slug| {
            let mut all = catalog.specialties.values();
            all.find(|s| &s.slug == slug).map(|s| s.id)
        });
        Matcher {
            filter: filter.clone(),
            format,
            country,
            specialty,
            ends_from: filter.ends_on_or_after.as_deref().map(day_number),
            starts_until: filter.starts_on_or_before.as_deref().map(day_number),
            texts,
            places,
        }
    }

    /// Whether exchange `id`, `fact`, passes every condition.
    pub fn matches(&self, id: i32, fact: &Fact) -> bool {
        let filter = &self.filter;
        let equal = |wanted: Option<i32>, value: i32| wanted.is_none_or(|w| w == value);
        equal(filter.year, fact.year)
            && equal(filter.fiscal_year, fact.fiscal_year)
            && self.ends_from.is_none_or(|day| fact.ends_on >= day)
            && self.starts_until.is_none_or(|day| fact.starts_on <= day)
            && self.format.is_none_or(|f| f == Some(fact.format))
            && filter
                .institution_id
                .is_none_or(|i| fact.participants().contains(&i))
            && self.country.is_none_or(|country| {
                let mut participants = fact.participants().iter();
                country.is_some_and(|c| participants.any(|i| self.places.country(*i) == c))
            })
            && self
                .specialty
                .is_none_or(|s| s.is_some_and(|s| fact.specialties().contains(&s)))
            && filter
                .speaker_id
                .is_none_or(|s| fact.talk_speakers().contains(&s))
            && self.texts.as_ref().is_none_or(|ids| ids.contains(&id))
    }
}
