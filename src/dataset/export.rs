//! `medexchange export`: the whole database written back in the dataset
//! format, so that importing the export gives the same data.

use crate::domain::record::{self, Dataset, LangKey, Localized};
use crate::domain::vocabulary::{AidDirection, Country, ExchangeFormat, InstitutionKind, TalkKind};
use crate::i18n::{Lang, Translation};
use crate::store::rows::{institution, talk};
use crate::store::snapshot::Rows;
use crate::store::{ConnectionTrait, DbErr};
use std::collections::HashMap;

/// Why the archive could not be exported. Nothing is written then: an
/// export that silently replaced a value would not import back the same.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// A stored value has no spelling in the dataset format.
    #[error("{record}: {message}")]
    Invalid {
        /// The record, e.g. `institution 12 (beihai-peoples-hospital)`.
        record: String,
        /// What is wrong with it.
        message: String,
    },
}

/// Reads every entity, in id order (children in their stored order).
pub async fn export<C: ConnectionTrait>(db: &C) -> Result<Dataset, ExportError> {
    dataset_of(&Rows::read(db).await?)
}

/// The records of `rows` in the dataset format.
pub fn dataset_of(rows: &Rows) -> Result<Dataset, ExportError> {
    let slugs = Slugs::of(rows);
    let photos = rows.photos_by_owner(&slugs)?;
    Ok(Dataset {
        specialties: rows.specialties(),
        institutions: rows.institutions()?,
        speakers: rows.speakers(&slugs)?,
        exchanges: rows.exchanges(&slugs, &photos)?,
        aid_shipments: rows.aid_shipments(&photos)?,
        news: rows.news(&photos),
    })
}

/// The photos of `rows` in the dataset format, whatever they belong to.
pub fn photos_of(rows: &Rows) -> Result<Vec<record::Photo>, ExportError> {
    let owners = rows.photos_by_owner(&Slugs::of(rows))?;
    let (exchanges, shipments, news) = (owners.exchanges, owners.shipments, owners.news);
    let all = exchanges.into_values().chain(shipments.into_values());
    Ok(all.chain(news.into_values()).flatten().collect())
}

impl Rows {
    fn specialties(&self) -> Vec<record::Specialty> {
        let texts = &self.specialty_texts;
        self.specialties
            .iter()
            .map(|row| record::Specialty {
                slug: row.slug.clone(),
                name: localized(texts.get(&row.id), |r| r.name.as_deref()),
            })
            .collect()
    }

    fn institutions(&self) -> Result<Vec<record::Institution>, ExportError> {
        let record = |row: &institution::Model| format!("institution {} ({})", row.id, row.slug);
        self.institutions
            .iter()
            .map(|row| {
                let texts = self.institution_texts.get(&row.id);
                Ok(record::Institution {
                    slug: row.slug.clone(),
                    country: known(Country::parse, &row.country, "country", || record(row))?,
                    kind: known(InstitutionKind::parse, &row.kind, "kind", || record(row))?,
                    name: localized(texts, |r| r.name.as_deref()),
                    region: localized(texts, |r| r.region.as_deref()),
                    city: localized(texts, |r| r.city.as_deref()),
                    reading: localized(texts, |r| r.reading.as_deref()),
                    aliases: children(&self.aliases, row.id)
                        .map(|a| a.alias.clone())
                        .collect(),
                })
            })
            .collect()
    }

    fn speakers(&self, slugs: &Slugs) -> Result<Vec<record::Speaker>, ExportError> {
        self.speakers
            .iter()
            .map(|row| {
                let record = || format!("speaker {} ({})", row.id, row.slug);
                let texts = self.speaker_texts.get(&row.id);
                Ok(record::Speaker {
                    slug: row.slug.clone(),
                    institution: row
                        .institution_id
                        .map(|id| slugs.institution(id, record))
                        .transpose()?,
                    name: localized(texts, |r| r.name.as_deref()),
                    position: localized(texts, |r| r.position.as_deref()),
                    reading: localized(texts, |r| r.reading.as_deref()),
                })
            })
            .collect()
    }

    fn exchanges(
        &self,
        slugs: &Slugs,
        photos: &PhotosByOwner,
    ) -> Result<Vec<record::Exchange>, ExportError> {
        self.exchanges
            .iter()
            .map(|row| {
                let record = || format!("exchange {} ({})", row.id, row.slug);
                let texts = self.exchange_texts.get(&row.id);
                Ok(record::Exchange {
                    slug: row.slug.clone(),
                    date: row.date.clone(),
                    format: known(ExchangeFormat::parse, &row.format, "format", record)?,
                    title: localized(texts, |r| r.title.as_deref()),
                    summary: localized(texts, |r| r.summary.as_deref()),
                    specialties: children(&self.exchange_specialties, row.id)
                        .map(|s| slugs.specialty(s.specialty_id, record))
                        .collect::<Result<_, _>>()?,
                    participants: children(&self.participants, row.id)
                        .map(|p| slugs.institution(p.institution_id, record))
                        .collect::<Result<_, _>>()?,
                    talks: children(&self.talks, row.id)
                        .map(|talk| self.talk(talk, slugs, record))
                        .collect::<Result<_, _>>()?,
                    photos: photos.exchanges.get(&row.id).cloned().unwrap_or_default(),
                })
            })
            .collect()
    }

    fn talk(
        &self,
        row: &talk::Model,
        slugs: &Slugs,
        exchange: impl Fn() -> String,
    ) -> Result<record::Talk, ExportError> {
        let record = || format!("{}: talk {}", exchange(), row.id);
        Ok(record::Talk {
            speaker: slugs.speaker(row.speaker_id, record)?,
            kind: known(TalkKind::parse, &row.kind, "kind", record)?,
            title: localized(self.talk_texts.get(&row.id), |r| r.title.as_deref()),
        })
    }

    fn aid_shipments(
        &self,
        photos: &PhotosByOwner,
    ) -> Result<Vec<record::AidShipment>, ExportError> {
        self.shipments
            .iter()
            .map(|row| {
                let record = || format!("aid shipment {} ({})", row.id, row.slug);
                let texts = self.shipment_texts.get(&row.id);
                Ok(record::AidShipment {
                    slug: row.slug.clone(),
                    date: row.date.clone(),
                    direction: known(AidDirection::parse, &row.direction, "direction", record)?,
                    items: localized(texts, |r| r.items.as_deref()),
                    quantity: row.quantity,
                    sender: localized(texts, |r| r.sender.as_deref()),
                    recipient: localized(texts, |r| r.recipient.as_deref()),
                    description: localized(texts, |r| r.description.as_deref()),
                    photos: photos.shipments.get(&row.id).cloned().unwrap_or_default(),
                })
            })
            .collect()
    }

    fn news(&self, photos: &PhotosByOwner) -> Vec<record::NewsItem> {
        self.news
            .iter()
            .map(|row| {
                let texts = self.news_texts.get(&row.id);
                record::NewsItem {
                    slug: row.slug.clone(),
                    date: row.date.clone(),
                    fiscal_year: row.date.is_none().then_some(row.fiscal_year),
                    title: localized(texts, |r| r.title.as_deref()),
                    body: localized(texts, |r| r.body.as_deref()),
                    photos: photos.news.get(&row.id).cloned().unwrap_or_default(),
                }
            })
            .collect()
    }

    fn photos_by_owner(&self, slugs: &Slugs) -> Result<PhotosByOwner, ExportError> {
        let mut owners = PhotosByOwner::default();
        for row in &self.photos {
            let record = || format!("photo {} ({})", row.id, row.slug);
            let photo = record::Photo {
                slug: row.slug.clone(),
                caption: localized(self.photo_texts.get(&row.id), |r| r.caption.as_deref()),
                venue: row
                    .venue_institution_id
                    .map(|id| slugs.institution(id, record))
                    .transpose()?,
                people: children(&self.people, row.id)
                    .map(|p| slugs.speaker(p.speaker_id, record))
                    .collect::<Result<_, _>>()?,
                url: row.url.clone(),
                image: row.image_hash.as_ref().map(|hash| format!("sha256:{hash}")),
                credit: row.credit.clone(),
                copyright: row.copyright.clone(),
            };
            let owner = match (row.exchange_id, row.aid_shipment_id, row.news_item_id) {
                (Some(id), _, _) => owners.exchanges.entry(id),
                (_, Some(id), _) => owners.shipments.entry(id),
                (_, _, Some(id)) => owners.news.entry(id),
                _ => {
                    return Err(invalid(
                        record(),
                        "belongs to no exchange, shipment or news item",
                    ));
                }
            };
            owner.or_default().push(photo);
        }
        Ok(owners)
    }
}

/// Photos in the dataset format, by the id of what they belong to.
#[derive(Default)]
struct PhotosByOwner {
    exchanges: HashMap<i32, Vec<record::Photo>>,
    shipments: HashMap<i32, Vec<record::Photo>>,
    news: HashMap<i32, Vec<record::Photo>>,
}

/// The slugs that references are written with.
struct Slugs {
    specialties: HashMap<i32, String>,
    institutions: HashMap<i32, String>,
    speakers: HashMap<i32, String>,
}

impl Slugs {
    fn of(rows: &Rows) -> Slugs {
        Slugs {
            specialties: rows
                .specialties
                .iter()
                .map(|r| (r.id, r.slug.clone()))
                .collect(),
            institutions: rows
                .institutions
                .iter()
                .map(|r| (r.id, r.slug.clone()))
                .collect(),
            speakers: rows
                .speakers
                .iter()
                .map(|r| (r.id, r.slug.clone()))
                .collect(),
        }
    }

    fn specialty(&self, id: i32, record: impl Fn() -> String) -> Result<String, ExportError> {
        slug(&self.specialties, "specialty", id, record)
    }

    fn institution(&self, id: i32, record: impl Fn() -> String) -> Result<String, ExportError> {
        slug(&self.institutions, "institution", id, record)
    }

    fn speaker(&self, id: i32, record: impl Fn() -> String) -> Result<String, ExportError> {
        slug(&self.speakers, "speaker", id, record)
    }
}

fn slug(
    slugs: &HashMap<i32, String>,
    what: &str,
    id: i32,
    record: impl Fn() -> String,
) -> Result<String, ExportError> {
    slugs.get(&id).cloned().ok_or_else(|| {
        invalid(
            record(),
            &format!("refers to {what} {id}, which does not exist"),
        )
    })
}

/// A stored vocabulary value read back, or an error naming the record.
fn known<T>(
    parse: impl Fn(&str) -> Option<T>,
    stored: &str,
    field: &str,
    record: impl Fn() -> String,
) -> Result<T, ExportError> {
    parse(stored).ok_or_else(|| {
        invalid(
            record(),
            &format!("stored {field} {stored:?} is not a known value"),
        )
    })
}

fn invalid(record: String, message: &str) -> ExportError {
    ExportError::Invalid {
        record,
        message: message.to_owned(),
    }
}

/// The children of `owner` in a by-owner map.
fn children<T>(by_owner: &HashMap<i32, Vec<T>>, owner: i32) -> impl Iterator<Item = &T> {
    by_owner.get(&owner).into_iter().flatten()
}

/// The dataset as YAML, with a header saying where it came from.
pub fn to_yaml(dataset: &Dataset) -> Result<String, serde_yaml_ng::Error> {
    let body = serde_yaml_ng::to_string(dataset)?;
    Ok(format!(
        "# Exported by medexchange {}; `medexchange import` reads it back.\n{body}",
        env!("CARGO_PKG_VERSION")
    ))
}

fn localized<T: Translation>(
    rows: Option<&Vec<T>>,
    field: impl Fn(&T) -> Option<&str>,
) -> Localized {
    rows.into_iter()
        .flatten()
        .filter_map(|row| {
            let lang: Lang = row.lang_code().parse().ok()?;
            Some((LangKey::from(lang), field(row)?.to_owned()))
        })
        .collect()
}
