//! The dataset file format (`data/fy2020.yaml`): what `import` reads and
//! `export` writes. Entities refer to each other by slug.

use crate::domain::vocabulary::{AidDirection, Country, ExchangeFormat, InstitutionKind, TalkKind};
use crate::i18n::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A text in several languages, keyed `zh`, `ja`, `en`.
pub type Localized = BTreeMap<LangKey, String>;

/// A language key of a [`Localized`] map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LangKey {
    /// Chinese.
    Zh,
    /// Japanese.
    Ja,
    /// English.
    En,
}

impl From<LangKey> for Lang {
    fn from(key: LangKey) -> Self {
        match key {
            LangKey::Zh => Lang::Zh,
            LangKey::Ja => Lang::Ja,
            LangKey::En => Lang::En,
        }
    }
}

impl From<Lang> for LangKey {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Zh => LangKey::Zh,
            Lang::Ja => LangKey::Ja,
            Lang::En => LangKey::En,
        }
    }
}

fn is_empty<T>(map: &BTreeMap<LangKey, T>) -> bool {
    map.is_empty()
}

/// A whole dataset: every list is optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// Medical specialties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specialties: Vec<Specialty>,
    /// Institutions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub institutions: Vec<Institution>,
    /// Speakers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub speakers: Vec<Speaker>,
    /// Exchanges, with their talks and photos.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
    /// Aid shipments, with their photos.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aid_shipments: Vec<AidShipment>,
    /// News items, with their photos.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub news: Vec<NewsItem>,
}

impl Dataset {
    /// Every photo, with where it is in the file
    /// (`exchanges[2].photos[0]`).
    pub fn photos_mut(&mut self) -> impl Iterator<Item = (String, &mut Photo)> {
        fn places<'a>(
            kind: &str,
            i: usize,
            photos: &'a mut [Photo],
        ) -> Vec<(String, &'a mut Photo)> {
            let at = photos.iter_mut().enumerate();
            at.map(|(j, photo)| (format!("{kind}[{i}].photos[{j}]"), photo))
                .collect()
        }
        let exchanges = self.exchanges.iter_mut().enumerate();
        let exchanges = exchanges.flat_map(move |(i, e)| places("exchanges", i, &mut e.photos));
        let shipments = self.aid_shipments.iter_mut().enumerate();
        let shipments = shipments.flat_map(move |(i, a)| places("aid_shipments", i, &mut a.photos));
        let news = self.news.iter_mut().enumerate();
        let news = news.flat_map(move |(i, n)| places("news", i, &mut n.photos));
        exchanges.chain(shipments).chain(news)
    }
}

impl Photo {
    /// Attaches the stored image `hash` with the rights its file stated:
    /// what the file says replaces the photo's credit and copyright; what
    /// it leaves out keeps an editor's.
    pub fn set_image(&mut self, hash: &str, credit: Option<&str>, copyright: Option<&str>) {
        self.image = Some(format!("sha256:{hash}"));
        if let Some(credit) = credit {
            self.credit = Some(credit.to_owned());
        }
        if let Some(copyright) = copyright {
            self.copyright = Some(copyright.to_owned());
        }
    }
}

/// A medical specialty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Specialty {
    /// Stable key.
    pub slug: String,
    /// Name per language (at least one).
    pub name: Localized,
}

/// An institution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Institution {
    /// Stable key.
    pub slug: String,
    /// `CN` or `JP`.
    pub country: Country,
    /// `HOSPITAL`, `UNIVERSITY`, `SOCIETY`, `GOVERNMENT` or `OTHER`.
    pub kind: InstitutionKind,
    /// Correct name per language (at least one).
    pub name: Localized,
    /// Province or prefecture per language.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub region: Localized,
    /// City or ward per language.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub city: Localized,
    /// How the name is read, for ordering by name: the kana reading of the
    /// Japanese name (`ja`); pinyin with tone numbers for a Chinese name
    /// whose characters have more than one reading (`zh`, optional).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub reading: Localized,
    /// Every other spelling seen in sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

/// A speaker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Speaker {
    /// Stable key.
    pub slug: String,
    /// Slug of the institution they work at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub institution: Option<String>,
    /// Name per language (at least one).
    pub name: Localized,
    /// Position per language.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub position: Localized,
    /// How the name is read, for ordering by name (see [`Institution::reading`]).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub reading: Localized,
}

/// An exchange.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    /// Stable key.
    pub slug: String,
    /// `YYYY-MM` or `YYYY-MM-DD`.
    pub date: String,
    /// `ONLINE`, `IN_PERSON` or `HYBRID`.
    pub format: ExchangeFormat,
    /// Title per language (at least one).
    pub title: Localized,
    /// Summary per language.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub summary: Localized,
    /// Slugs of the specialties covered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub specialties: Vec<String>,
    /// Slugs of the institutions taking part.
    pub participants: Vec<String>,
    /// Talks, in programme order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub talks: Vec<Talk>,
    /// Photos, in report order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
}

/// A talk at an exchange.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Talk {
    /// Slug of the speaker.
    pub speaker: String,
    /// `LECTURE`, `KEYNOTE` or `GREETING`.
    pub kind: TalkKind,
    /// Title per language, when known.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub title: Localized,
}

/// A photo.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Photo {
    /// Stable key.
    pub slug: String,
    /// Caption per language (at least one).
    pub caption: Localized,
    /// Slug of the institution whose venue it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// Slugs of the speakers it shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<String>,
    /// Where the image is served (an address elsewhere; see `image` for
    /// a file kept here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Its image: in a dataset file, the path of a JPEG, PNG or WebP file
    /// relative to the dataset file (`scans/2020-08-21.jpg`), or
    /// `sha256:HEX`, an image already stored; once stored, always the
    /// latter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Who made the image (read from the file's EXIF `Artist` when it is
    /// attached, unless given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
    /// The image's copyright notice (from EXIF `Copyright` likewise), or a
    /// rights URI (Creative Commons, RightsStatements.org).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copyright: Option<String>,
}

/// An aid shipment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AidShipment {
    /// Stable key.
    pub slug: String,
    /// `YYYY-MM` or `YYYY-MM-DD`.
    pub date: String,
    /// `JP_TO_CN` or `CN_TO_JP`.
    pub direction: AidDirection,
    /// What was shipped, per language (at least one).
    pub items: Localized,
    /// How many, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<i32>,
    /// Sender per language (at least one).
    pub sender: Localized,
    /// Recipient per language (at least one).
    pub recipient: Localized,
    /// Description per language.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub description: Localized,
    /// Photos, in report order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
}

/// A news item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsItem {
    /// Stable key.
    pub slug: String,
    /// `YYYY-MM` or `YYYY-MM-DD`, when the news has a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Fiscal year; required when there is no date, else derived from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_year: Option<i32>,
    /// Heading per language (at least one).
    pub title: Localized,
    /// Text per language.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub body: Localized,
    /// Photos, in report order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<Photo>,
}
