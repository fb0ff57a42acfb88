//! The answer of `exchangeStats`: groups of exchanges with typed, localized
//! keys and their counts.

use crate::domain::vocabulary::Country;
use crate::domain::vocabulary::Dimension;
use crate::graphql::lang::{self, Language, Scope};
use crate::graphql::types::{Institution, Node, Speaker, Specialty};
use crate::i18n::Lang;
use crate::store::catalog::Catalog;
use crate::store::stats::{self, GroupCounts};
use async_graphql::{Context, Enum, Object, SimpleObject};
use std::collections::HashMap;
use std::sync::Arc;

pub use crate::graphql::enums::ExchangeDimension;

/// The order of `exchangeStats` groups.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GroupOrder {
    /// By key values, in the order of `groupBy` (time ascending).
    #[default]
    Key,
    /// By key values, descending.
    KeyDesc,
    /// Most exchanges first; ties by key.
    ExchangesDesc,
    /// Fewest exchanges first; ties by key.
    Exchanges,
}

/// The value of one dimension for a group.
#[derive(Clone)]
pub struct GroupKey {
    pub(crate) dimension: ExchangeDimension,
    /// The stable value (see [`ExchangeDimension`]).
    pub(crate) value: String,
    /// The record's id, for specialties, institutions and speakers; for
    /// regions and cities, an institution there (to name it in any
    /// language).
    pub(crate) record: Option<i32>,
    pub(crate) scope: Scope,
    pub(crate) catalog: Arc<Catalog>,
}

/// The value of one dimension for a group: stable, localized, and the
/// record when there is one.
#[Object]
impl GroupKey {
    /// The dimension.
    async fn dimension(&self) -> ExchangeDimension {
        self.dimension
    }

    /// Stable whatever the language: `2020` for YEAR and FISCAL_YEAR,
    /// `2020-06` for MONTH, the enum name for COUNTRY and FORMAT, the slug
    /// for SPECIALTY, INSTITUTION and SPEAKER, the name in the
    /// institution's own language for REGION and CITY.
    async fn value(&self) -> &str {
        &self.value
    }

    /// The value for a reader, in the resolved language (like every text).
    async fn label(&self, ctx: &Context<'_>, lang: Option<Language>) -> Option<String> {
        let catalog = &self.catalog;
        let id = self.record.unwrap_or_default();
        match self.dimension {
            ExchangeDimension::Specialty => {
                let rows = catalog.specialty_texts.get(&id)?;
                lang::text(ctx, lang, self.scope, rows, |r| r.name.as_deref())
            }
            ExchangeDimension::Speaker => {
                let rows = catalog.speaker_texts.get(&id)?;
                lang::text(ctx, lang, self.scope, rows, |r| r.name.as_deref())
            }
            ExchangeDimension::Institution
            | ExchangeDimension::Region
            | ExchangeDimension::City => {
                let rows = catalog.institution_texts.get(&id)?;
                lang::text(ctx, lang, self.scope, rows, |r| match self.dimension {
                    ExchangeDimension::Region => r.region.as_deref(),
                    ExchangeDimension::City => r.city.as_deref(),
                    _ => r.name.as_deref(),
                })
            }
            _ => Some(fixed_label(
                self.dimension,
                &self.value,
                lang::served(ctx, lang, self.scope),
            )),
        }
    }

    /// The specialty, institution or speaker the key is; `null` otherwise.
    async fn node(&self) -> Option<Node> {
        let id = self.record?;
        let scope = self.scope;
        match self.dimension {
            ExchangeDimension::Specialty => self
                .catalog
                .specialties
                .get(&id)
                .map(|r| Node::Specialty(Specialty::new(r.clone(), scope))),
            ExchangeDimension::Institution => self
                .catalog
                .institutions
                .get(&id)
                .map(|r| Node::Institution(Institution::new(r.clone(), scope))),
            ExchangeDimension::Speaker => self
                .catalog
                .speakers
                .get(&id)
                .map(|r| Node::Speaker(Speaker::new(r.clone(), scope))),
            _ => None,
        }
    }
}

/// The label of a key that names no record: a year, a month, a country,
/// a format.
fn fixed_label(dimension: ExchangeDimension, value: &str, lang: Lang) -> String {
    let (zh_ja, en) = match (dimension, value) {
        (ExchangeDimension::Country, "CN") => (["中国", "中国"], "China"),
        (ExchangeDimension::Country, "JP") => (["日本", "日本"], "Japan"),
        (ExchangeDimension::Format, "ONLINE") => (["线上", "オンライン"], "Online"),
        (ExchangeDimension::Format, "IN_PERSON") => (["线下", "対面"], "In person"),
        (ExchangeDimension::Format, "HYBRID") => (["线上线下结合", "ハイブリッド"], "Hybrid"),
        (ExchangeDimension::Year, year) => {
            return match lang {
                Lang::En => year.to_owned(),
                _ => format!("{year}年"),
            };
        }
        (ExchangeDimension::FiscalYear, year) => {
            return match lang {
                Lang::Zh => format!("{year}财年"),
                Lang::Ja => format!("{year}年度"),
                Lang::En => format!("FY{year}"),
            };
        }
        (ExchangeDimension::Month, month) => return month_label(month, lang),
        _ => return value.to_owned(),
    };
    match lang {
        Lang::Zh => zh_ja[0].to_owned(),
        Lang::Ja => zh_ja[1].to_owned(),
        Lang::En => en.to_owned(),
    }
}

/// `2020年6月`, or `June 2020` in English.
fn month_label(month: &str, lang: Lang) -> String {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let Some((year, number)) = month.split_once('-') else {
        return month.to_owned();
    };
    let number: usize = number.parse().unwrap_or(0);
    match lang {
        Lang::En => match NAMES.get(number.wrapping_sub(1)) {
            Some(name) => format!("{name} {year}"),
            None => month.to_owned(),
        },
        _ => format!("{year}年{number}月"),
    }
}

/// One group of exchanges and its counts.
#[derive(SimpleObject, Clone)]
pub struct ExchangeGroup {
    /// The group's keys, in the order of `groupBy`.
    pub keys: Vec<GroupKey>,
    /// Distinct exchanges in the group.
    pub exchanges: i32,
    /// Distinct institutions taking part (only those of the group's keys
    /// when grouped by a participant dimension).
    pub institutions: i32,
    /// Distinct speakers (only the group's speaker when grouped by SPEAKER).
    pub speakers: i32,
    /// Talks given (only the group's speaker's when grouped by SPEAKER).
    pub talks: i32,
    /// Photos of the group's exchanges.
    pub photos: i32,
}

impl ExchangeGroup {
    pub(crate) fn new(counts: &GroupCounts, keys: Vec<GroupKey>) -> Self {
        let int = |n: i64| i32::try_from(n).unwrap_or(i32::MAX);
        ExchangeGroup {
            keys,
            exchanges: int(counts.exchanges),
            institutions: int(counts.institutions),
            speakers: int(counts.speakers),
            talks: int(counts.talks),
            photos: int(counts.photos),
        }
    }
}

/// Counts of exchanges, overall and per group.
#[derive(SimpleObject)]
pub struct ExchangeStats {
    /// Distinct exchanges matching the filter (each counted once, whatever
    /// its groups).
    pub exchanges: i32,
    /// How many groups there are (before `first`).
    pub group_count: i32,
    /// The groups, in the order asked for.
    pub groups: Vec<ExchangeGroup>,
}

/// Turns stored keys into [`GroupKey`]s, over one catalog.
pub(crate) struct KeyReader {
    catalog: Arc<Catalog>,
    /// An institution (the first by id) of each region and city, by the
    /// stored key.
    places: HashMap<(Dimension, String), i32>,
    scope: Scope,
}

impl KeyReader {
    /// A reader over `catalog`; `with_places` when keys may be regions or
    /// cities (naming them takes a pass over every institution's texts).
    pub(crate) fn new(catalog: Arc<Catalog>, scope: Scope, with_places: bool) -> Self {
        let places = match with_places {
            true => places(&catalog),
            false => HashMap::new(),
        };
        KeyReader {
            catalog,
            places,
            scope,
        }
    }

    /// The key of `dimension` stored as `stored`.
    pub(crate) fn key(&self, dimension: ExchangeDimension, stored: &str) -> GroupKey {
        let catalog = &self.catalog;
        let id: Option<i32> = stored.parse().ok();
        let (record, slug) = match Dimension::from(dimension) {
            Dimension::Specialty => (
                id,
                id.and_then(|id| catalog.specialties.get(&id))
                    .map(|r| &r.slug),
            ),
            Dimension::Institution => (
                id,
                id.and_then(|id| catalog.institutions.get(&id))
                    .map(|r| &r.slug),
            ),
            Dimension::Speaker => (
                id,
                id.and_then(|id| catalog.speakers.get(&id)).map(|r| &r.slug),
            ),
            place @ (Dimension::Region | Dimension::City) => {
                (self.places.get(&(place, stored.to_owned())).copied(), None)
            }
            _ => (None, None),
        };
        GroupKey {
            dimension,
            value: slug.cloned().unwrap_or_else(|| stored.to_owned()),
            record,
            scope: self.scope,
            catalog: self.catalog.clone(),
        }
    }
}

/// An institution (the first by id) of each region and city, by the stored
/// key: its name in the institution's own language.
fn places(catalog: &Catalog) -> HashMap<(Dimension, String), i32> {
    let mut places = HashMap::new();
    let mut institutions: Vec<_> = catalog.institutions.values().collect();
    institutions.sort_by_key(|institution| institution.id);
    for institution in institutions {
        let native = Country::parse(&institution.country).map(stats::native_lang);
        let rows = catalog.institution_texts.get(&institution.id);
        for row in rows.into_iter().flat_map(|rows| rows.iter()) {
            if Some(row.lang.as_str()) != native {
                continue;
            }
            for (dimension, text) in [
                (Dimension::Region, &row.region),
                (Dimension::City, &row.city),
            ] {
                if let Some(text) = text {
                    places
                        .entry((dimension, text.clone()))
                        .or_insert(institution.id);
                }
            }
        }
    }
    places
}
